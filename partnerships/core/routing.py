"""Request hygiene shared by every route: bounded ids in URLs, no NUL characters in input."""

from flask import abort, request, url_for
from werkzeug.routing import IntegerConverter

from partnerships.core.safety import MAX_ID, contains_nul


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that refuses numbers no INTEGER column can hold (404, not a database error)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


# The JSON API's paths: called with a token, never with the browser's session, and answered in
# JSON, errors included (the api domain serves them; core and auth only need to know where).
API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def refuse_nul():
    """PostgreSQL cannot store NUL in text and SQLite would keep it silently: refuse it up front."""
    texts = [request.path]
    texts += [v for values in request.args.listvalues() for v in values]
    if request.method == "POST":  # form fields only; uploaded files are checked by content
        texts += [v for values in request.form.listvalues() for v in values]
    if contains_nul(*texts):
        abort(400)


# Names url_for itself takes; a query string must never smuggle them in.
_URL_FOR_RESERVED = {"endpoint", "_external", "_anchor", "_method", "_scheme"}


def current_url(endpoint: str | None = None, *, drop: tuple[str, ...] = ("after",), **changes):
    """This page's URL (or `endpoint`'s) with the current filters, minus `drop`, plus `changes`.

    Pagers and export links use it, so a stray or hostile query key (?endpoint=, ?fmt=) can
    neither break the page nor leak into another route's arguments.
    """
    params = {
        key: value
        for key, value in request.args.items()
        if key not in _URL_FOR_RESERVED and not key.startswith("_") and key not in drop
    }
    if endpoint is None:
        endpoint = request.endpoint
        params.update(request.view_args or {})
    params.update({k: v for k, v in changes.items() if v is not None})
    return url_for(endpoint, **params)
