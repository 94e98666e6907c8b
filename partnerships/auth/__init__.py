from flask import Blueprint

bp = Blueprint("auth", __name__, cli_group="users")
