from partnerships.core.policy import PUBLIC

POLICY = {
    # anyone holding a document may check it; the page shows no content (rate-limited)
    "documents.verify_token": PUBLIC,
    "documents.verify": PUBLIC,  # upload a PDF for a verdict; size- and rate-limited
}
