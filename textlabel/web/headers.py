"""Security headers on every response: what the browser may run, frame and send along.

Scripts come only from our own ``static/`` (no inline script, no ``eval``: a string stored by
a user can never become code even if some template forgot to escape it). Inline ``style``
*attributes* stay allowed: label colours are set as ``style="--c: ..."`` custom properties,
which can paint but not run anything; ``<style>`` elements are not allowed (htmx's own
indicator style is turned off in base.html). HSTS only where the site is served over HTTPS.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"


def _secure_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure or current_app.config.get("SECURE_COOKIES"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_secure_headers)
