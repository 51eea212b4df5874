"""PDF reading that loses nothing silently: text inside form XObjects, glyphs without
Unicode, running headers and footers, hyphenated compounds; each reported with its pages.

Figures are checked against pdfplumber's own extraction of the same files (and of the
original pages for the XObject copy).
"""

from __future__ import annotations

import io
import re
from collections import Counter

import pdfplumber
import pytest
from pdfminer.layout import LTTextBox

from tests.factories import make_project, make_user
from tests.helpers import DATA, api_as
from textlabel.ingest import pdf
from textlabel.ingest.base import Notice, ReadOptions
from textlabel.ingest.pdf_text import Hyphens, clean_text, word_list
from textlabel.records import DocumentRecord

PM = DATA / "pdf" / "pdfminer"
XOBJECTS = PM / "dmca-p1-4-as-xobjects.pdf"
CIDS = PM / "f1040nr-p1-2.pdf"
FEDREG = DATA / "pdf" / "pdfplumber" / "federal-register-2020-17221.pdf"


def _read(path, **options) -> tuple[list[DocumentRecord], list[Notice]]:
    with path.open("rb") as handle:
        items = list(pdf.read(handle, path.name, ReadOptions(**options)))
    docs = [item for item in items if isinstance(item, DocumentRecord)]
    return docs, [item for item in items if isinstance(item, Notice)]


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"[^\W\d_]{3,}", text.lower()))


def test_text_inside_form_xobjects_is_read_and_reported() -> None:
    # Without laying out figures (pdfminer's default) the embedded pages hold no text box at
    # all, though their characters are there.
    with pdfplumber.open(XOBJECTS, laparams={**pdf.LAPARAMS, "all_texts": False}) as document:
        assert not any(isinstance(item, LTTextBox) for p in document.pages for item in p.layout)
        assert all(page.chars for page in document.pages)
    with pdfplumber.open(PM / "dmca.pdf") as original:
        expected = _words("\n".join(p.extract_text() or "" for p in original.pages[:4]))
    (whole,), notices = _read(XOBJECTS)
    found = _words(whole.text)
    assert sum((expected & found).values()) >= 0.97 * sum(expected.values())
    assert len(whole.pages) == 4
    (notice,) = [n for n in notices if "form XObjects" in n.message]
    assert "on 4 pages (1\u20134)" in notice.message
    assert notice.source.number == 1


def test_unmapped_glyphs_are_counted_per_page_and_replaced() -> None:
    with pdfplumber.open(CIDS) as document:
        per_page = [
            len(re.findall(r"\(cid:\d+\)", page.extract_text() or "")) for page in document.pages
        ]
    assert per_page == [13, 14]
    (whole,), notices = _read(CIDS)
    assert "(cid:" not in whole.text
    assert whole.text.count("\ufffd") == sum(per_page)
    reported = {n.source.number: n.message for n in notices if "no Unicode mapping" in n.message}
    assert sorted(reported) == [1, 2]
    for number, count in enumerate(per_page, start=1):
        assert reported[number].startswith(f"{count} glyphs have no Unicode mapping")
    assert "Universal-NewswithCommPi" in reported[1]


def test_running_footer_left_out_and_kept_on_request() -> None:
    with pdfplumber.open(FEDREG) as document:
        raw = [page.extract_text() or "" for page in document.pages]
    footer = [line for text in raw for line in text.splitlines() if line.startswith("VerDate")]
    assert len(footer) == len(raw) == 3
    (whole,), notices = _read(FEDREG)
    assert "VerDate" not in whole.text
    (notice,) = [n for n in notices if "VerDate" in n.message]
    assert "bottom of 3 pages (1\u20133)" in notice.message and "keep_headers" in notice.message
    (kept,), kept_notices = _read(FEDREG, keep_headers=True)
    assert kept.text.count("VerDate") == 3
    assert not any("running" in n.message for n in kept_notices)


def test_hyphenated_compound_keeps_its_hyphen_in_a_real_pdf() -> None:
    with pdfplumber.open(FEDREG) as document:
        raw = "\n".join(page.extract_text() or "" for page in document.pages)
    # pdfplumber's own order interleaves the columns: a broken "non-" ends a line, or is
    # followed by the next column's line after a space
    broken = len(re.findall(r"\bnon-\s", raw))
    assert broken >= 3
    (whole,), notices = _read(FEDREG)
    assert whole.text.count("non-normal") == raw.count("non-normal") + broken
    assert "nonnormal" not in whole.text
    (kept,) = [n for n in notices if "hyphens kept" in n.message]
    assert "non-normal" in kept.message and "on page 3" in kept.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("errors are automatically-\ndetected here", "errors are automatically-detected here"),
        ("an exam-\nple", "an example"),
        ("the infor-\nmation", "the information"),  # "infor" is no word: joined
        ("in-\nformation", "information"),  # both halves are words, but so is the whole
        ("state-of-the-\nart", "state-of-the-art"),
    ],
)
def test_hyphen_repair_with_the_english_word_list(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_the_document_teaches_words_the_word_list_lacks() -> None:
    lexicon = word_list("en")
    assert lexicon is not None and "hyperparameter" not in lexicon
    assert clean_text("a hyper-\nparameter") == "a hyper-parameter"
    taught = Hyphens(known={"hyperparameter"}, lexicon=lexicon)
    assert clean_text("a hyper-\nparameter", hyphens=taught, page=7) == "a hyperparameter"
    assert taught.joined == Counter({7: 1})
    assert word_list("xx") is None  # no list for the language: the document alone decides


def test_import_answer_lists_the_warnings_with_pages(app, session) -> None:
    owner = make_user(session, "mgr")
    project = make_project(session, owner, labels=())
    with CIDS.open("rb") as handle:
        response = api_as(app, "mgr").post(
            f"/projects/{project.id}/documents",
            data={"file": (handle, CIDS.name), "preannotate": "false"},
            content_type="multipart/form-data",
        )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["imported"] == 1
    pages = [w["where"] for w in body["warnings"] if "no Unicode mapping" in w["message"]]
    assert pages == [f"{CIDS.name}, page 1", f"{CIDS.name}, page 2"]


def test_import_page_and_cli_show_the_warnings(
    app, session, database_url, tmp_path, monkeypatch
) -> None:
    from click.testing import CliRunner

    from tests.helpers import sign_in
    from textlabel import cli

    owner = make_user(session, "mgr")
    project = make_project(session, owner, labels=())
    browser = sign_in(app.test_client(), "mgr")
    page = browser.post(
        f"/projects/{project.id}/import",
        data={"csrf_token": browser.csrf, "preannotate": "false",
              "file": (io.BytesIO(FEDREG.read_bytes()), FEDREG.name)},
        content_type="multipart/form-data",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)  # fmt: skip
    assert "Imported 1 document" in page and "import-warnings" in page
    assert "VerDate" in page and "running footer" in page
    monkeypatch.setenv("TEXTLABEL_DATABASE_URL", database_url)
    monkeypatch.setenv("TEXTLABEL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("TEXTLABEL_SECRET_KEY", "x")
    done = CliRunner().invoke(cli.main, ["import", str(project.id), str(CIDS), "--keep-headers"])
    assert done.exit_code == 0, done.output
    assert "2 warnings" in done.output
    assert f"{CIDS.name}, page 2: 14 glyphs have no Unicode mapping" in done.output
