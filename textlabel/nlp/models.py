"""Which spaCy pipelines a project may use: the installed ones, chosen from a list.

``spacy.load`` takes a package name or a path, and imports the package: a free-text model
name lets whoever edits a project's settings probe which server paths exist and import
arbitrary installed modules. A project's ``spacy_model`` is therefore one of
``available_models(project)``; trained project models extend that list (issue 17).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from textlabel.errors import InvalidInput

if TYPE_CHECKING:
    from textlabel.models import Project


@cache
def installed_pipelines() -> tuple[str, ...]:
    """The spaCy pipeline packages installed in this environment, sorted (read once)."""
    import spacy.util  # spaCy takes a second to import: only when a list is asked for

    return tuple(sorted(spacy.util.get_installed_models()))


def available_models(project: Project | None = None) -> list[str]:
    """The model names a project may choose: installed pipelines (for any project).

    ``project`` is where trained project models will be added; unused until then.
    """
    return list(installed_pipelines())


def check_model(name: str | None, project: Project | None = None) -> str | None:
    """``name`` if the project may use it (None = the default model).

    Raises:
        InvalidInput: naming the model and listing the allowed ones.
    """
    if name is None or name == "":
        return None
    allowed = available_models(project)
    if name not in allowed:
        shown = name if len(name) <= 80 else name[:79] + "…"
        raise InvalidInput(
            f"spacy_model: {shown!r} is not an installed spaCy pipeline; choose one of "
            f"{', '.join(allowed) or '(none installed)'}",
            details={"spacy_model": shown, "allowed": allowed},
        )
    return name
