"""The ``config.cfg`` shipped beside a spaCy export, so that training needs no editing.

``python -m spacy train config.cfg --paths.train train --paths.dev dev`` runs unchanged on
CPU: the config is spaCy's own ``init config`` output (CPU, efficiency, no vectors, nothing to
download) for the project's language and what the export holds: entities train ``ner``, UPOS
(``token.pos_``, with the features in ``token.morph``) a ``morphologizer``, XPOS
(``token.tag_``) a ``tagger``, dependencies a ``parser``. The default paths point at the
``train`` and ``dev`` folders of the export, so running from inside it needs no options.
Document labels train ``textcat`` (single choice) or ``textcat_multilabel``; span
categories ``spancat`` (which reads ``doc.spans["sc"]``).
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache

DEFAULT_TRAIN = "train"
DEFAULT_DEV = "dev"


# what the export holds -> the component that learns it, in spaCy's pipeline order
COMPONENTS = {"tags": "tagger", "pos": "morphologizer", "parse": "parser", "entities": "ner"}


def pipeline_for(held: Collection[str], *, cats_mode: str = "multi") -> list[str]:
    """Trainable components for what the export holds (keys of ``COMPONENTS``); ``ner``
    when nothing else applies; ``cats`` (document labels) and ``spans`` (span categories)
    add ``textcat`` (``textcat_multilabel`` unless ``cats_mode`` is "single") and ``spancat``.

    Coreference has no trainable spaCy component in the core library, so it is exported as
    span groups only. spaCy needs at least one component to train, hence the ``ner`` default.
    """
    pipeline = [component for key, component in COMPONENTS.items() if key in held]
    if "cats" in held:
        pipeline.append("textcat" if cats_mode == "single" else "textcat_multilabel")
    if "spans" in held:
        pipeline.append("spancat")
    return pipeline or ["ner"]


def make_config(*, layers: Collection[str], lang: str = "en", cats_mode: str = "multi") -> str:
    """The text of a CPU training config in ``lang`` for what the export holds."""
    return _config_for(tuple(pipeline_for(layers, cats_mode=cats_mode)), lang)


@lru_cache(maxsize=16)
def _config_for(pipeline: tuple[str, ...], lang: str) -> str:
    """Rendering spaCy's template takes ~0.1 s; the result depends on these two values only."""
    # here, not at import: spaCy's command line (typer, weasel, requests...) is ~12 MiB that a
    # server imports only when it writes a config (textlabel.spacy_cli)
    from spacy.cli.init_config import init_config

    config = init_config(
        lang=lang,
        pipeline=list(pipeline),
        optimize="efficiency",
        gpu=False,
        pretraining=False,
        silent=True,
    )
    config["paths"]["train"] = DEFAULT_TRAIN
    config["paths"]["dev"] = DEFAULT_DEV
    return str(config.to_str())
