"""Project pages: list, create, overview with documents, settings, labels and members."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from textlabel.auth.permissions import Action, actions_for, require, visible_projects
from textlabel.errors import InvalidInput, TextlabelError
from textlabel.extensions import db
from textlabel.models import Project
from textlabel.models.project import LAYERS, ROLES
from textlabel.nlp.coref.schemes import DEFAULT_SCHEME, SCHEMES
from textlabel.nlp.models import available_models
from textlabel.projects import labels, lifecycle, service
from textlabel.projects.documents import recent_jobs
from textlabel.projects.service import LabelSpec
from textlabel.web.guard import current_user
from textlabel.web.htmx import is_htmx, render
from textlabel.web.pages import bp
from textlabel.web.pages.documents import document_list


def parse_labels(text: str) -> list[LabelSpec]:
    """Labels typed one per line as ``NAME [#color] [hotkey]``."""
    specs = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        color = next((p for p in parts[1:] if p.startswith("#")), None)
        keys = [p for p in parts[1:] if not p.startswith("#")]
        if len(keys) > 1:
            raise InvalidInput(f"labels, line {number}: expected NAME [#color] [hotkey]")
        specs.append(LabelSpec(parts[0], color, keys[0] if keys else None))
    return specs


def _form_int(name: str, default: int) -> int:
    raw = request.form.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise InvalidInput(f"{name} must be a whole number")
    return int(raw)


@bp.get("/projects")
def projects() -> ResponseReturnValue:
    archived = request.args.get("archived") == "1"
    found = visible_projects(db.session, current_user(), archived=archived)
    return render_template("projects/index.html", projects=found, archived=archived)


@bp.post("/projects/<int:pid>/archive")
def project_archive(pid: int) -> ResponseReturnValue:
    """Archive (read-only, out of the list) or restore the project; from its settings page."""
    project = require(db.session, current_user(), pid, Action.MANAGE)
    archived = request.form.get("archived") == "1"
    lifecycle.set_archived(db.session, project, current_user(), archived=archived)
    flash("Project archived: read-only until restored." if archived else "Project restored.")
    return redirect(url_for("pages.project_settings", pid=pid))


@bp.post("/projects/<int:pid>/delete")
def project_delete(pid: int) -> ResponseReturnValue:
    """Delete the project once its name is typed; back to the list."""
    project = require(db.session, current_user(), pid, Action.MANAGE)
    try:
        lifecycle.delete_project(db.session, project, current_user(),
                                 confirm=request.form.get("confirm", ""))  # fmt: skip
    except InvalidInput as e:
        flash(e.message, "error")
        return redirect(url_for("pages.project_settings", pid=pid) + "#danger")
    flash(f"Project {project.name!r} deleted.")
    return redirect(url_for("pages.projects"))


@bp.route("/projects/new", methods=["GET", "POST"])
def new_project() -> ResponseReturnValue:
    form = request.form
    if request.method == "POST":
        try:
            project = service.create_project(
                db.session,
                name=form.get("name", ""),
                description=form.get("description", ""),
                labels=parse_labels(form.get("labels", "")),
                layers=form.getlist("layers"),
                overlap=_form_int("overlap", 1),
                blind=form.get("blind") == "on",
                spacy_model=form.get("spacy_model", "").strip() or None,
                coref_scheme=form.get("coref_scheme") or DEFAULT_SCHEME,
                language=form.get("language", "").strip() or "en",
                created_by=current_user(),
            )
        except TextlabelError as e:
            db.session.rollback()
            flash(e.message, "error")
            return render_template(
                "projects/new.html",
                form=form,
                layers=LAYERS,
                schemes=SCHEMES,
                models=available_models(),
            ), e.status
        flash(f"Project {project.name} created.")
        return redirect(url_for("pages.project", pid=project.id))
    return render_template(
        "projects/new.html", form={}, layers=LAYERS, schemes=SCHEMES, models=available_models()
    )


@bp.get("/projects/<int:pid>")
def project(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.VIEW)
    return render(
        "projects/show.html",
        "projects/_documents.html",
        project=project,
        **document_list(project, current_user()),
        counts=service.project_counts(db.session, project),
        can=actions_for(db.session, current_user(), project),
        Action=Action,
        recent_jobs=recent_jobs(db.session, project),
    )


@bp.route("/projects/<int:pid>/settings", methods=["GET", "POST"])
def project_settings(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.MANAGE)
    if request.method == "POST":
        form = request.form
        try:
            service.update_project(
                db.session,
                project,
                current_user(),
                name=form.get("name", project.name),
                description=form.get("description", ""),
                layers=form.getlist("layers"),
                overlap=_form_int("overlap", project.overlap),
                blind=form.get("blind") == "on",
                spacy_model=form.get("spacy_model", "").strip(),  # "": the default model
                coref_scheme=form.get("coref_scheme") or None,
                language=form.get("language", "").strip() or None,
                guidelines=form.get("guidelines"),  # None: the form had no such field
            )
        except TextlabelError as e:
            db.session.rollback()
            flash(e.message, "error")
        else:
            flash("Settings saved.")
            return redirect(url_for("pages.project_settings", pid=pid))
    return _settings_page(project)


def _settings_page(
    project: Project, partial: str = "projects/settings.html"
) -> ResponseReturnValue:
    return render(
        "projects/settings.html",
        partial,
        project=project,
        layers=LAYERS,
        roles=ROLES,
        schemes=SCHEMES,
        models=available_models(project),
        deletion=lifecycle.deletion_counts(db.session, project),
    )


def _after_change(project: Project, partial: str) -> ResponseReturnValue:
    if is_htmx():
        return _settings_page(project, partial)
    return redirect(url_for("pages.project_settings", pid=project.id))


@bp.post("/projects/<int:pid>/labels")
def add_label(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.MANAGE)
    form = request.form
    spec = LabelSpec(
        form.get("name", ""), form.get("color") or None, form.get("hotkey", "").strip() or None
    )
    service.add_label(db.session, project, spec, current_user())
    return _after_change(project, "projects/_labels.html")


@bp.post("/projects/<int:pid>/labels/<int:lid>/delete")
def delete_label(pid: int, lid: int) -> ResponseReturnValue:
    """An unused label goes at once; one in use goes to the page that says what uses it."""
    project = require(db.session, current_user(), pid, Action.MANAGE)
    label = labels.find_label(project, lid)
    if labels.label_usage(db.session, project, label)["entities"]:
        target = url_for("pages.delete_label_page", pid=pid, lid=lid)
        if is_htmx():
            return Response(status=204, headers={"HX-Redirect": target})
        return redirect(target)
    labels.delete_label(db.session, project, lid, current_user())
    return _after_change(project, "projects/_labels.html")


@bp.route("/projects/<int:pid>/labels/<int:lid>/delete-used", methods=["GET", "POST"])
def delete_label_page(pid: int, lid: int) -> ResponseReturnValue:
    """Deleting a label in use: its counts, then relabel its entities or remove them."""
    project = require(db.session, current_user(), pid, Action.MANAGE)
    label = labels.find_label(project, lid)
    if request.method == "POST":
        choice = request.form.get("spans")
        target = request.form.get("relabel_to") if choice == "relabel" else None
        try:
            usage = labels.delete_label(db.session, project, lid, current_user(), spans=choice,
                                        relabel_to=target)  # fmt: skip
        except TextlabelError as e:
            db.session.rollback()
            flash(e.message, "error")
        else:
            done = f"relabelled {target}" if target else "removed"
            flash(f"Label {label.name} deleted; {labels.describe(usage)} {done}.")
            return redirect(url_for("pages.project_settings", pid=pid))
    usage = labels.label_usage(db.session, project, label)
    return render_template("projects/label_delete.html", project=project, label=label,
                           usage=usage, summary=labels.describe(usage))  # fmt: skip


def parse_label_map(text: str) -> dict[str, str]:
    """Lines of ``MODEL = LABEL`` (blank lines ignored)."""
    mapping = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        model, sep, ours = line.partition("=")
        if not sep or not model.strip() or not ours.strip():
            raise InvalidInput(f"label map, line {number}: expected MODEL = LABEL")
        mapping[model.strip()] = ours.strip()
    return mapping


@bp.post("/projects/<int:pid>/label-map")
def label_map(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.MANAGE)
    mapping = parse_label_map(request.form.get("label_map", ""))
    service.update_project(db.session, project, current_user(), label_map=mapping)
    return _after_change(project, "projects/_label_map.html")


@bp.post("/projects/<int:pid>/members")
def set_member(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.MANAGE)
    service.set_member(
        db.session, project, request.form.get("username", "").strip(),
        request.form.get("role", ""), current_user(),
    )  # fmt: skip
    return _after_change(project, "projects/_members.html")


@bp.post("/projects/<int:pid>/members/<username>/remove")
def remove_member(pid: int, username: str) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.MANAGE)
    service.remove_member(db.session, project, username, current_user())
    return _after_change(project, "projects/_members.html")
