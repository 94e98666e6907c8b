"""Request hygiene shared by every route: bounded ids in URLs, no NUL characters in input."""

from flask import abort, request
from werkzeug.routing import IntegerConverter

from partnerships.core.safety import MAX_ID, contains_nul


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that refuses numbers no INTEGER column can hold (404, not a database error)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def refuse_nul():
    """PostgreSQL cannot store NUL in text and SQLite would keep it silently: refuse it up front."""
    texts = [request.path]
    texts += [v for values in request.args.listvalues() for v in values]
    if request.method == "POST":  # form fields only; uploaded files are checked by content
        texts += [v for values in request.form.listvalues() for v in values]
    if contains_nul(*texts):
        abort(400)
