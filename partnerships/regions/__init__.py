from flask import Blueprint

bp = Blueprint("regions", __name__, cli_group="regions")
