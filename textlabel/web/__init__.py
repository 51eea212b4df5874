"""The only package that touches ``flask.request``: pages, partials and the REST API."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from textlabel.extensions import limiter


def init_app(app: Flask) -> None:
    from textlabel.web import api, errors, guard, headers, inputs, pages

    proxies = int(app.config.get("PROXIES") or 0)
    if proxies:  # the client's address and scheme come from the proxies' X-Forwarded-* headers
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    limiter.init_app(app)
    manager = limiter.limit_manager
    if not (manager.default_limits or manager.application_limits):
        # Its before_request applies only default and application-wide limits, and none are
        # set: the decorated limits (sign-in) check themselves when their view runs. It cost
        # every request the work of finding that nothing applies (3 % of a save).
        app.before_request_funcs[None].remove(limiter._check_request_limit)

    headers.init_app(app)
    guard.init_app(app)  # who is asking comes first
    inputs.init_app(app)
    errors.init_app(app)
    pages.init_app(app)
    api.init_app(app)
