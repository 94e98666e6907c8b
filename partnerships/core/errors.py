"""Friendly error pages: a user never sees a stack trace."""

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from partnerships.core.routing import is_api_request
from partnerships.extensions import db

log = logging.getLogger("partnerships")


class DomainError(ValueError):
    """A change a service refuses, in the user's language; `field` names the form input at fault
    (None: a message for the whole page)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


MESSAGES = {
    400: lambda: _("The request could not be understood."),
    401: lambda: _("Log in first, or send a valid API token (Authorization: Bearer ...)."),
    403: lambda: _("You do not have access to this page."),
    404: lambda: _("The page or record you asked for does not exist, or is not yours to see."),
    405: lambda: _("That action is not allowed here."),
    413: lambda: _("The upload is too large."),
    422: lambda: _("Some of the data sent is not valid: see errors."),
    429: lambda: _("Too many attempts. Please wait a minute and try again."),
    500: lambda: _("Something went wrong on our side. The error has been logged."),
}


def _render(code: int, message: str | None = None, details: dict | None = None):
    text = message or MESSAGES.get(code, MESSAGES[500])()
    if is_api_request():
        # One shape for every API error (the OpenAPI description's Error schema).
        body = {"code": code, "status": HTTP_STATUS_CODES.get(code, "Error"), "message": text}
        if details:
            body["errors"] = details
        return body, code
    if request.accept_mimetypes.best == "application/json":
        return {"error": text}, code
    return render_template("errors/error.html", code=code, message=text), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return _render(400, _("The form expired or was sent from elsewhere. Please try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # The API's request parsing (webargs) puts what is wrong with each field in `data`
        # ("messages"); an API view's abort its own reason and fields ("message", "errors").
        data = getattr(error, "data", None) or {}
        return _render(
            error.code or 500,
            data.get("message") if is_api_request() else None,
            details=data.get("messages") or data.get("errors"),
        )

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)
