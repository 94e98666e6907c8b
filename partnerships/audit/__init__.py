from flask import Blueprint

bp = Blueprint("audit", __name__, cli_group="audit")
