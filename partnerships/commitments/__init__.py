from flask import Blueprint

bp = Blueprint("commitments", __name__, cli_group="commitments")
