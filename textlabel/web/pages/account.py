"""Signing in and out, and the account page (API tokens, password)."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from textlabel.auth import service
from textlabel.errors import NotAuthenticated, RateLimited, TextlabelError
from textlabel.extensions import db
from textlabel.web.guard import current_user
from textlabel.web.pages import bp


def _safe_next(target: str | None) -> str:
    # Only local paths: never bounce a user to another site after login.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("pages.projects")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if g.user is not None and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    error = None
    status = 200
    if request.method == "POST":
        try:
            user = service.authenticate(
                db.session,
                request.form.get("username", ""),
                request.form.get("password", ""),
                max_attempts=current_app.config["LOGIN_ATTEMPTS"],
                window_s=current_app.config["LOGIN_WINDOW_S"],
            )
        except (NotAuthenticated, RateLimited) as e:
            error, status = e.message, e.status
        else:
            csrf = session.get("csrf")
            session.clear()
            session["user_id"] = user.id
            session["pw"] = user.password_hash[-16:]
            if csrf:
                session["csrf"] = csrf
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
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
                token = service.issue_token(
                    db.session, current_user(), name=request.form.get("name") or "api"
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
                )  # fmt: skip
                service.set_password(db.session, user, request.form.get("new", ""))
                session["pw"] = user.password_hash[-16:]
                flash("Password changed.")
        except TextlabelError as e:
            flash(e.message, "error")
    tokens = service.list_tokens(db.session, current_user())
    return render_template("account.html", token=token, user=current_user(), tokens=tokens)
