from partnerships.core.policy import PUBLIC

POLICY = {
    "core.set_language": PUBLIC,
    "core.health": PUBLIC,
}
