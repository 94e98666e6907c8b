from flask import Blueprint

bp = Blueprint("numbering", __name__)
