from flask import Blueprint

bp = Blueprint("events", __name__, cli_group="events")
