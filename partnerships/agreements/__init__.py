from flask import Blueprint

bp = Blueprint("agreements", __name__, cli_group="agreements")
