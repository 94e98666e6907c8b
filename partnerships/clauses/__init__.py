from flask import Blueprint

bp = Blueprint("clauses", __name__, cli_group="clauses")
