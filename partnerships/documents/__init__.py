"""Official documents: rendering PDFs from pdf_templates/, sealing them with the office's
certificate, verifying signed PDFs, and the content-addressed store every document lives in.

The agreement and commitment domains hand this domain plain data (dicts of strings, numbers and
dates), never ORM objects, and receive bytes and `Document` rows back.
"""

from flask import Blueprint

bp = Blueprint("documents", __name__)

# The models are part of the schema whether or not a route has been imported yet.
from partnerships.documents import models  # noqa: E402, F401
