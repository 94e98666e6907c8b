"""Security headers on every response: pages, downloads, errors and static files alike.

One `after_request` hook rather than Flask-Talisman: its last release is from 2023, it would
still need this hook for `no-store`, and its defaults (forcing HTTPS redirects, a session
cookie policy) overlap settings `config.py` already owns.
"""

from flask import Response, request

# No inline script, no inline style attribute, no plugin, no <base>, no framing, forms post only
# here. Bootstrap's CSS draws its icons (menu, checkboxes, select arrows) as data: SVG images.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"


def secure(response: Response) -> Response:
    """`after_request` hook: the same protections whatever produced the response."""
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"  # frame-ancestors, for browsers that predate it
    headers["Referrer-Policy"] = "same-origin"
    if request.is_secure:
        # Only over HTTPS: on plain HTTP the header is ignored, and a development server on
        # http://127.0.0.1 must not teach the browser to refuse it.
        headers["Strict-Transport-Security"] = HSTS
    if request.endpoint != "static":
        # Pages and downloads hold one user's view of the records: never kept in a cache, nor
        # shown again with the Back button after logging out.
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response
