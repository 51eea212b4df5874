"""User administration (administrators only)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from textlabel.auth import service
from textlabel.auth.permissions import require_admin
from textlabel.errors import TextlabelError
from textlabel.extensions import db
from textlabel.models import User
from textlabel.web.guard import current_user
from textlabel.web.pages import bp


@bp.route("/users", methods=["GET", "POST"])
def users() -> ResponseReturnValue:
    require_admin(current_user())
    if request.method == "POST":
        try:
            user = service.create_user(
                db.session,
                request.form.get("username", "").strip(),
                request.form.get("password", ""),
                is_admin=request.form.get("is_admin") == "on",
                created_by=current_user(),
            )
        except TextlabelError as e:
            flash(e.message, "error")
        else:
            flash(f"User {user.username} created.")
            return redirect(url_for("pages.users"))
    all_users = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("users.html", users=all_users)


@bp.post("/users/<username>")
def user_account(username: str) -> ResponseReturnValue:
    """Deactivate, reactivate or reset the password of an account (administrators)."""
    require_admin(current_user())
    form = request.form
    active = {"deactivate": False, "activate": True}.get(form.get("action", ""))
    password = form.get("password") or None
    try:
        service.update_account(db.session, current_user(), username, is_active=active,
                               password=password)  # fmt: skip
    except TextlabelError as e:
        db.session.rollback()
        flash(e.message, "error")
    else:
        done = {False: "deactivated", True: "reactivated", None: "updated"}[active]
        flash(f"{username}: password reset." if password else f"{username} {done}.")
    return redirect(url_for("pages.users"))
