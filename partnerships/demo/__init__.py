from flask import Blueprint

bp = Blueprint("demo", __name__, cli_group="demo")
