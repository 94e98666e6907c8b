"""The JSON API for integration (/api/v1, described by OpenAPI at /api/v1/openapi.json) and the
page where each user makes and revokes the API tokens it is called with."""

from flask import Blueprint, Flask

bp = Blueprint("api", __name__)


def register(app: Flask) -> None:
    """The settings page's blueprint, then the API's own (flask-smorest), whose description
    the library writes from the routes and schemas."""
    from flask_smorest import Api

    from partnerships.api import schemas, tokens, v1
    from partnerships.core.routing import is_api_request
    from partnerships.extensions import csrf, login_manager

    class _Api(Api):
        def _register_error_handlers(self):
            """Errors keep the app's own handlers (core/errors.py), which answer API paths in
            the same JSON shape; flask-smorest's would take over every page's errors."""

    @login_manager.request_loader
    def _token_user(request):
        return tokens.user_of(request.headers.get("Authorization")) if is_api_request() else None

    app.register_blueprint(bp)
    api = _Api(app)
    api.register_field(schemas.DecimalString, "string", "decimal")
    api.register_blueprint(v1.blp)
    # Called with a token in a header, never with the browser's cookie (auth.load_user
    # ignores the session on /api/): no ambient authority for a forged request to borrow.
    csrf.exempt(v1.blp)
