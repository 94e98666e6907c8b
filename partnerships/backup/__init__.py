from flask import Blueprint

# `flask backup` and `flask restore`, at the top level of the command line.
bp = Blueprint("backup", __name__, cli_group=None)
