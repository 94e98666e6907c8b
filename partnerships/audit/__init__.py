from flask import Blueprint

bp = Blueprint("audit", __name__, cli_group="audit")

# Connect the receivers of the lower domains' signals whenever the audit domain is loaded.
from partnerships.audit import receivers  # noqa: E402, F401
