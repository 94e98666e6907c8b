"""The agreement as a PDF: plain data from the agreement and a version, rendered by documents.

PLACEHOLDER until the rendering work lands: the interface below is what callers use.
"""

from partnerships.agreements.models import Agreement, AgreementVersion
from partnerships.documents.rendering import render_pdf


def agreement_pdf(agreement: Agreement, version: AgreementVersion) -> bytes:
    """The PDF of `version` of the agreement; a draft carries the DRAF watermark."""
    data = {
        "title": agreement.title,
        "articles": [dict(article) for article in version.articles],
    }
    return render_pdf("agreement.html", data)
