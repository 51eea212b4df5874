"""The export registry: every format resolves to its writer; unknown names say what is known."""

from __future__ import annotations

import pytest

from textlabel.errors import UnsupportedFormat
from textlabel.export import docbin
from textlabel.export.registry import FORMATS, WRITERS, get_format, get_writer


def test_every_format_and_its_writer() -> None:
    assert WRITERS == {
        "jsonl": "textlabel.export.jsonl:write",
        "conll": "textlabel.export.conll:write",
        "conllu": "textlabel.export.conllu:write",
        "labelstudio": "textlabel.export.labelstudio:write",
        "doccano": "textlabel.export.doccano:write",
        "brat": "textlabel.export.brat:write",
        "spacy": "textlabel.export.docbin:write",
    }
    assert get_writer("spacy") is docbin.write
    assert get_format("spacy").binary and get_format("spacy").media_type == "application/zip"
    assert get_format("brat").binary  # a zip of .txt and .ann
    assert not any(fmt.binary for name, fmt in FORMATS.items() if name not in ("spacy", "brat"))


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_writer_module_exposes_write(name: str) -> None:
    assert callable(get_writer(name))
    assert get_format(name).extension.startswith(".")


@pytest.mark.parametrize("name", ["", "SPACY", "docx", "conll2003"])
def test_unknown_format_names_the_known_ones(name: str) -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        get_writer(name)
    for known in FORMATS:
        assert known in caught.value.message
    assert caught.value.status == 415
