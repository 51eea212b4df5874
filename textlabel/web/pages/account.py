"""Signing in and out, and the account page (API tokens, password)."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from textlabel.auth import service
from textlabel.errors import InvalidInput, NotAuthenticated, RateLimited, TextlabelError
from textlabel.extensions import db
from textlabel.web.guard import current_user
from textlabel.web.pages import bp
from textlabel.web.signin import failed_signins_limited, is_known_client, remember_client


def _safe_next(target: str | None) -> str:
    # Only local paths: never bounce a user to another site after login.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("pages.projects")


@bp.route("/login", methods=["GET", "POST"])
@failed_signins_limited
def login() -> ResponseReturnValue:
    if g.user is not None and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    error = None
    status = 200
    retry_after = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")
        try:
            user = service.authenticate(
                db.session,
                username,
                request.form.get("password", ""),
                max_attempts=current_app.config["LOGIN_ATTEMPTS"],
                window_s=current_app.config["LOGIN_WINDOW_S"],
                known_client=is_known_client(username),
            )
        except (NotAuthenticated, RateLimited) as e:
            error, status, retry_after = e.message, e.status, e.retry_after
        else:
            csrf = session.get("csrf")
            session.clear()
            session["user_id"] = user.id
            session["epoch"] = user.session_epoch
            if csrf:
                session["csrf"] = csrf
            response = redirect(_safe_next(request.args.get("next")))
            return remember_client(response, user.username)
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    # A failed sign-in keeps the username: only the password is typed again.
    return render_template("login.html", error=error, username=username), status, headers


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out: every session of the account ends on the server, not only this cookie."""
    if g.user is not None:
        service.sign_out(db.session, g.user)
    session.clear()
    return redirect(url_for("pages.login"))


@bp.get("/")
def home() -> ResponseReturnValue:
    return redirect(url_for("pages.projects"))


@bp.route("/account", methods=["GET", "POST"])
def account() -> ResponseReturnValue:
    token = None
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "token":
                days = request.form.get("expires_in_days", "").strip()
                if days and not (days.isascii() and days.isdigit() and len(days) < 6):
                    raise InvalidInput("expires_in_days must be a whole number of days")
                token = service.issue_token(
                    db.session,
                    current_user(),
                    name=request.form.get("name") or "api",
                    expires_in_days=int(days) if days else None,
                )
            elif action == "revoke":
                service.revoke_token(
                    db.session, current_user(), request.form.get("token_id", 0, type=int) or 0
                )
                flash("Token revoked.")
            elif action == "password":
                user = current_user()
                service.authenticate(
                    db.session, user.username, request.form.get("current", ""),
                    max_attempts=current_app.config["LOGIN_ATTEMPTS"],
                    window_s=current_app.config["LOGIN_WINDOW_S"],
                    known_client=is_known_client(user.username),
                )  # fmt: skip
                service.set_password(db.session, user, request.form.get("new", ""))
                session["epoch"] = user.session_epoch  # this session goes on; others end
                flash("Password changed: your other sessions ended, your API tokens are revoked.")
        except TextlabelError as e:
            flash(e.message, "error")
    tokens = service.list_tokens(db.session, current_user())
    return render_template("account.html", token=token, user=current_user(), tokens=tokens)
