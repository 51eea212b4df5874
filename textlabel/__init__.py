"""textlabel: a text annotation server for linguists.

``create_app`` is imported lazily so that ``import textlabel.nlp.coref`` (spaCy's entry point
for our coreference component) does not pull in Flask. A process that builds the app (a
server, a test) imports spaCy without its command line (``textlabel.spacy_cli``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from textlabel.spacy_cli import defer

        defer()  # before textlabel.app imports spaCy
        from textlabel.app import create_app

        return create_app
    raise AttributeError(name)
