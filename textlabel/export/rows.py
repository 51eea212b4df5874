"""The queries an export reads its stored rows with, run by the driver's cursor: JSON
columns selected as text (``CAST(... AS TEXT)``: PostgreSQL's driver would otherwise decode
them itself), decoded by ``export.decoded``."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from sqlalchemy import ClauseElement, Select, Text, cast, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from textlabel.models import Annotation, Document

_Compiled = tuple[str, list[str] | None, dict[str, Any]]  # SQL, parameter order, values
_compiled: dict[Hashable, _Compiled] = {}


class DriverQuery:
    """A statement compiled once for the session's database and run page after page by the
    driver's cursor, with new values for its named bind parameters: rows are the driver's
    own tuples. An export reads every row once, and SQLAlchemy's result rows cost more than
    the driver's fetch (20,000 documents' three queries: 13.6 against 7.6 us a document on
    SQLite, 11.1 against 4.2 on PostgreSQL); compiling the statement per page would cost
    about as much again (~1 ms each). Only for statements whose values need no result
    processing: integers, floats and text (JSON selected ``CAST(... AS TEXT)``)."""

    def __init__(
        self, session: Session, statement: Callable[[], ClauseElement], key: Hashable = None
    ) -> None:
        """``statement()`` compiled, or as compiled before under ``key`` for this kind of
        database (a statement whose shape ``key`` names and whose varying values are all
        bind parameters passed to ``rows``): an export in worker processes starts three
        queries per range of 500 documents, and compiling them was ~6 us a document."""
        self.session = session
        dialect = session.connection().dialect
        cache_key = None if key is None else (dialect.name, dialect.driver, key)
        known: _Compiled | None = _compiled.get(cache_key) if cache_key is not None else None
        if known is None:
            compiled = statement().compile(
                dialect=dialect, compile_kwargs={"render_postcompile": True}
            )
            assert isinstance(compiled, SQLCompiler)
            # positiontup None: the driver takes named parameters
            known = (compiled.string, compiled.positiontup, dict(compiled.construct_params()))
            if cache_key is not None:
                _compiled[cache_key] = known
        self.sql, self.names, self.values = known

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        """The rows for these bind parameter values (the rest as compiled), read in the
        session's transaction."""
        params = {**self.values, **values}
        arguments: Any = params if self.names is None else [params[n] for n in self.names]
        cursor = self.session.connection().connection.cursor()
        try:
            cursor.execute(self.sql, arguments)
            return list(cursor.fetchall())
        finally:
            cursor.close()


def select_documents() -> Select[int, str, str, str]:
    """``id, text, meta, tokens`` of documents, the JSON as text (``document_rows`` decodes)."""
    meta, tokens = cast(Document.meta, Text), cast(Document.tokens, Text)
    return select(Document.id, Document.text, meta, tokens)


def stored_annotation_rows(
    session: Session, project_id: int, first: int, last: int
) -> Sequence[Any]:
    """The annotations of ``project_id``'s documents with ids in ``[first, last]``, in id
    order, JSON columns as text (``decode_annotations``)."""
    return session.connection().execute(select_annotations(project_id, first, last)).all()


def select_annotations(
    project_id: Any, first: Any, last: Any
) -> Select[int, int, int | None, str, str, str, str, str, str]:
    """``stored_annotation_rows``' query (``first`` and ``last`` may be bind parameters). A
    range, not ``IN`` with a page of ids: compiling 500 bound parameters per page cost more
    than reading the rows (the caller keeps those of its page)."""
    return (
        select(
            Annotation.id, Annotation.document_id, Annotation.user_id, Annotation.kind,
            Annotation.status, cast(Annotation.pos, Text), cast(Annotation.token_layers, Text),
            cast(Annotation.relations, Text), cast(Annotation.cats, Text),
        )
        .join(Document, Document.id == Annotation.document_id)
        .where(Document.project_id == project_id, Document.id.between(first, last))
        .order_by(Annotation.id)
    )  # fmt: skip
