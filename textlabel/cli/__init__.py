"""The ``textlabel`` command: one module per command group, each a thin click command over
a keyword-only function or a service, as spaCy's ``spacy/cli`` is laid out.

Choices and help come from the registries (ingest readers, export formats and sources, agreement
measures and layers, project layers), so a new format or measure shows up here by itself.
Importing this package loads neither spaCy nor numpy: ``textlabel --help`` stays quick.
"""

from __future__ import annotations

from textlabel.cli._util import main
from textlabel.cli.agreement import agreement_cli
from textlabel.cli.comments import comments_cli
from textlabel.cli.export import export_cli
from textlabel.cli.imports import import_cli
from textlabel.cli.preannotate import preannotate_cli
from textlabel.cli.projects import project_cli
from textlabel.cli.server import demo_cli, init_cli, serve_cli
from textlabel.cli.training import model_cli, train_cli
from textlabel.cli.users import user_cli
from textlabel.cli.worker import worker_cli

for _command in (
    init_cli,
    serve_cli,
    demo_cli,
    user_cli,
    project_cli,
    preannotate_cli,
    import_cli,
    export_cli,
    agreement_cli,
    comments_cli,
    train_cli,
    model_cli,
    worker_cli,
):
    main.add_command(_command)

__all__ = ["main"]
