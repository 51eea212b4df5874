"""Apply and check Alembic migrations programmatically (``textlabel init``, tests).

The migrations folder lives at the top of the repository and is shipped inside the wheel
as ``textlabel/migrations``; whichever exists is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine

from textlabel.models import Base
from textlabel.models.document import is_search_object


def migrations_dir() -> Path:
    package = Path(__file__).resolve().parent
    for candidate in (package / "migrations", package.parent / "migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise FileNotFoundError("the migrations folder is missing from this installation")


def _config(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``; a no-op when it is already there.

    SQLite migrates on a connection of its own with foreign keys off (SQLite's default; the
    app's connections turn them on): Alembic's batch mode re-creates a table by dropping it,
    and dropping ``project`` with foreign keys on deleted every document of every project
    through ON DELETE CASCADE (or, with the search triggers, failed "table is locked")."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database not in (None, "", ":memory:"):
        plain = create_engine(engine.url)
        try:
            with plain.begin() as connection:
                command.upgrade(_config(connection), revision)
        finally:
            plain.dispose()
        return
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new revision from the models (developer use)."""
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Schema comparison skips the full-text search objects the models do not describe."""
    return not (type_ in ("table", "index", "column") and is_search_object(name))


def pending_changes(engine: Engine) -> list[Any]:
    """Differences between the migrated schema and the models; empty when in sync."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        return list(compare_metadata(context, Base.metadata))
