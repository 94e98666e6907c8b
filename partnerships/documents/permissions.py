from partnerships.core.policy import allow  # noqa: F401

POLICY: dict = {}
