from flask import Blueprint

bp = Blueprint("notifications", __name__)

# Connect the receivers of the lower domains' signals whenever this domain is loaded.
from partnerships.notifications import receivers  # noqa: E402, F401
