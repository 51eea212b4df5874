"""The agreement report over HTTP (API shape, permissions, 422, OpenAPI), the dashboard page
(SVG charts, escaping, HTMX tabs, review links) and the `textlabel agreement` command."""

from __future__ import annotations

import json
import re
from dataclasses import asdict

import pytest
from click.testing import CliRunner
from flask import Flask

from tests.factories import add_documents, make_project, make_user, make_users
from tests.helpers import api_as, browser_sign_in, sign_in
from textlabel import cli
from textlabel.agreement.service import project_agreement
from textlabel.models import Annotation, Span

EVIL = "<script>alert(1)</script>"
TEXTS = [
    "Ada Lovelace met Charles Babbage in London on Monday",
    "Grace Hopper worked at Harvard with Howard Aiken",
    "Alan Turing was born in Maida Vale in London",
]
# per document and annotator: entity spans as (first token, end token, label)
SPANS = {
    0: {"ann1": [(0, 2, "PER"), (3, 5, "PER"), (6, 7, "LOC")],
        "ann2": [(0, 2, "PER"), (3, 5, "ORG"), (6, 7, "LOC")],
        "ann3": [(0, 1, "PER"), (3, 5, "PER"), (6, 7, EVIL)]},
    1: {"ann1": [(0, 2, "PER"), (4, 5, "ORG"), (6, 8, "PER")],
        "ann2": [(0, 2, "PER"), (4, 5, "ORG"), (6, 8, "PER")],
        "ann3": [(0, 2, "PER"), (4, 5, "LOC")]},
    2: {"ann1": [(0, 2, "PER"), (5, 7, "LOC"), (8, 9, "LOC")],
        "ann2": [(0, 2, "PER"), (5, 7, "LOC")]},
}  # fmt: skip
TAGS = ["PROPN", "VERB", "ADP", "NOUN"]


def _offsets(text: str) -> list[tuple[int, int]]:
    tokens, position = [], 0
    for word in text.split(" "):
        tokens.append((position, position + len(word)))
        position += len(word) + 1
    return tokens


def _accounts(session, admin: str, names) -> tuple:
    """An administrator and plain users sharing one password hash (see ``make_users``)."""
    first = make_user(session, admin, admin=True)
    others = make_users(session, *names)
    return first, {user.username: user for user in others}


@pytest.fixture
def project(session):
    admin, users = _accounts(session, "admin", ["ann1", "ann2", "ann3", "rev", "boss", "outsider"])
    project = make_project(
        session, admin, labels=("PER", "ORG", "LOC", EVIL), layers=["entities", "pos", "coref"],
        members={"ann1": "annotator", "ann2": "annotator", "ann3": "annotator",
                 "rev": "reviewer", "boss": "manager"},
    )  # fmt: skip
    for index, document in enumerate(add_documents(session, project, TEXTS)):
        tokens = _offsets(document.text)
        document.tokens = {"offsets": [x for t in tokens for x in t], "sent_starts": [0]}
        for name, spans in SPANS[index].items():
            shift = 1 if name == "ann3" and index > 0 else 0  # ann3 tags some documents apart
            pos = [TAGS[(i + shift) % len(TAGS)] for i in range(len(tokens))]
            annotation = Annotation(document_id=document.id, user_id=users[name].id,
                                    kind="manual", status="submitted", pos=pos)  # fmt: skip
            for cluster, (first, last, label) in enumerate(spans, start=1):
                for layer in ("ent", "coref"):
                    annotation.spans.append(Span(
                        layer=layer, start_char=tokens[first][0], end_char=tokens[last - 1][1],
                        start_token=first, end_token=last,
                        label=label if layer == "ent" else None,
                        cluster=None if layer == "ent" else (1 if label == "PER" else cluster),
                    ))  # fmt: skip
            session.add(annotation)
    session.commit()
    return project


CONTRACT_KEYS = {"layer", "n_documents", "annotators", "krippendorff_alpha", "fleiss_kappa",
                 "span_f1", "pairwise", "per_label", "documents"}  # fmt: skip


def _keys(value, path=""):
    """Every key path of a JSON value (list items merged), to compare shapes."""
    if isinstance(value, dict):
        out = set()
        for key, item in value.items():
            # per_label and pair_matrices are keyed by data, not by schema
            name = "*" if path.endswith(("per_label", "pair_matrices")) else key
            out |= {f"{path}.{name}"} | _keys(item, f"{path}.{name}")
        return out
    if isinstance(value, list):
        return set().union(*(_keys(item, f"{path}[]") for item in value)) if value else set()
    return set()


@pytest.mark.parametrize("layer", ["entities", "pos", "coref"])
def test_api_report_is_the_full_report(app: Flask, session, project, layer) -> None:
    response = api_as(app, "rev").get(f"/projects/{project.id}/agreement?layer={layer}")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert set(body) >= CONTRACT_KEYS
    assert body["layer"] == layer and body["annotators"] == ["ann1", "ann2", "ann3"]
    assert body["n_documents"] == 3 and body["cache"] == {"reused": 0, "computed": 3}
    assert {(p["a"], p["b"]) for p in body["pairwise"]} == {
        ("ann1", "ann2"),
        ("ann1", "ann3"),
        ("ann2", "ann3"),
    }
    assert {"a", "b", "cohen_kappa", "span_f1", "n_items"} <= set(body["pairwise"][0])
    assert [set(d) >= {"id", "score"} for d in body["documents"]] == [True] * 3
    # the schema drops nothing: same keys and values as the report itself (now cached)
    expected = json.loads(
        json.dumps(asdict(project_agreement(session, project, layer=layer).report))
    )
    assert {k: v for k, v in body.items() if k != "cache"} == expected
    assert _keys(body) - {".cache", ".cache.reused", ".cache.computed"} == _keys(expected)


def test_coref_documents_count_their_mentions_like_the_headline(app: Flask, project) -> None:
    """Issue 15, defect 8: the per-document table said "Items 0" under 40 items."""
    body = api_as(app, "rev").get(f"/projects/{project.id}/agreement?layer=coref").json
    items = [d["n_items"] for d in body["documents"]]
    assert all(n > 0 for n in items)
    assert sum(items) == body["n_mentions"]
    page = sign_in(app.test_client(), "rev").get(f"/projects/{project.id}/agreement?layer=coref")
    html = page.get_data(as_text=True)
    assert "<th>Mentions</th>" in html and "lowest score over all of the project" in html


def test_api_entity_numbers_and_labels(app: Flask, project) -> None:
    body = api_as(app, "boss").get(f"/projects/{project.id}/agreement").json
    assert body["layer"] == "entities"
    assert set(body["per_label"]) == {"PER", "ORG", "LOC", EVIL}  # every project label
    # hand-counted from SPANS: ann1 and ann2 share 2 + 3 + 2 spans of 9 + 8 they marked
    pair = next(p for p in body["pairwise"] if (p["a"], p["b"]) == ("ann1", "ann2"))
    assert pair["span_f1"] == pytest.approx(2 * 7 / (9 + 8), abs=1e-12)
    assert pair["n_spans"] == 17 and "span_f1" in pair["too_few"]
    assert body["fleiss_kappa"] is None and body["undefined"]["fleiss_kappa"]
    assert body["documents"][-1]["score"] >= body["documents"][0]["score"]


@pytest.mark.parametrize(
    ("username", "status"), [("ann1", 403), ("outsider", 404), ("rev", 200), ("admin", 200)]
)
def test_api_permissions(app: Flask, project, username, status) -> None:
    response = api_as(app, username).get(f"/projects/{project.id}/agreement")
    assert response.status_code == status
    if status != 200:
        assert set(response.json["error"]) >= {"code", "message"}


@pytest.mark.parametrize(
    ("query", "message"), [("layer=sentiment", "layer"), ("layer=", "layer"), ("min_items=0", "")]
)
def test_api_rejects_bad_queries(app: Flask, project, query, message) -> None:
    response = api_as(app, "rev").get(f"/projects/{project.id}/agreement?{query}")
    assert response.status_code == 422
    assert message in json.dumps(response.json["error"])


def test_api_refuses_a_layer_the_project_lacks(app: Flask, session, project) -> None:
    project.layers = ["entities"]
    session.commit()
    response = api_as(app, "rev").get(f"/projects/{project.id}/agreement?layer=coref")
    assert response.status_code == 422 and "no coref layer" in response.json["error"]["message"]


def test_openapi_documents_the_report(app: Flask, project) -> None:
    spec = api_as(app, "rev").get("/openapi.json").json
    operation = spec["paths"]["/api/v1/projects/{pid}/agreement"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    properties = spec["components"]["schemas"][name]["properties"]
    assert set(properties) >= CONTRACT_KEYS
    assert "chance" in properties["krippendorff_alpha"]["description"]
    assert {p["name"] for p in operation["parameters"] if p["in"] == "query"} >= {"layer"}
    assert {"403", "404", "422"} <= set(operation["responses"])


def test_dashboard_page(app: Flask, project) -> None:
    client = sign_in(app.test_client(), "rev")
    response = client.get(f"/projects/{project.id}/agreement")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<svg") >= 3  # label bars, two pair heatmaps (kappa, span F1), confusion
    assert 'aria-label="agreement per label"' in html and "by annotator pair" in html
    assert "Krippendorff" in html and "what" in html and "too few" in html
    assert "tentative only" in html or "unreliable" in html or "reliable" in html
    assert f'hx-get="/projects/{project.id}/agreement?layer=pos"' in html


def test_dashboard_review_links_and_tabs(app: Flask, project) -> None:
    client = sign_in(app.test_client(), "boss")
    html = client.get(f"/projects/{project.id}/agreement?layer=pos").get_data(as_text=True)
    ids = [d.id for d in project_agreement_ids(app, project)]
    assert all(f'href="/documents/{i}/review"' in html for i in ids)
    assert 'aria-label="confusion table"' in html and "PROPN" in html
    partial = client.get(
        f"/projects/{project.id}/agreement?layer=coref", headers={"HX-Request": "true"}
    )
    text = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "<html" not in text and "CoNLL F1" in text
    assert "HX-Request" in partial.headers["Vary"]
    assert 'aria-selected="true" class="active">Coreference' in text


@pytest.mark.parametrize("layer", ["entities", "pos", "coref"])
def test_dashboard_cards_read_each_measure_on_its_registry_scale(app, project, layer) -> None:
    from markupsafe import escape

    from textlabel.agreement.registry import headline

    html = sign_in(app.test_client(), "rev").get(f"/projects/{project.id}/agreement?layer={layer}")
    text = html.get_data(as_text=True)
    with app.app_context():
        from textlabel.extensions import db

        report = project_agreement(db.session, project, layer=layer).report
    for measure in headline(layer):
        value = measure.value_in(report)
        shown = "—" if value is None else f"{value:.3f}"
        card = re.search(
            rf"<h3>{re.escape(str(escape(measure.title)))}</h3>\s*<p class=\"value\">"
            rf"{re.escape(shown)} <span class=\"reading\" title=\"([^\"]*)\">([^<]*)</span>",
            text,
        )
        assert card, measure.name
        assert card[2] == str(escape(measure.read(value)))
        assert card[1].startswith(str(escape(measure.scale.name)))


def project_agreement_ids(app: Flask, project):
    from textlabel.extensions import db

    with app.app_context():
        return project_agreement(db.session, project, layer="pos").report.documents


@pytest.mark.parametrize(("username", "status"), [("ann1", 403), ("outsider", 404)])
def test_dashboard_refuses_annotators_and_strangers(app: Flask, project, username, status) -> None:
    client = sign_in(app.test_client(), username)
    assert client.get(f"/projects/{project.id}/agreement").status_code == status


def test_project_page_links_to_agreement_for_those_allowed(app: Flask, project) -> None:
    link = f'href="/projects/{project.id}/agreement"'
    for username, shown in [("rev", True), ("boss", True), ("ann1", False)]:
        html = (
            sign_in(app.test_client(), username)
            .get(f"/projects/{project.id}")
            .get_data(as_text=True)
        )
        assert (link in html) is shown, username


def test_cli_table_and_json(app: Flask, session, project, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTLABEL_DATABASE_URL", database_url)
    monkeypatch.setenv("TEXTLABEL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("TEXTLABEL_SECRET_KEY", "x")
    report = project_agreement(session, project, layer="entities").report
    runner = CliRunner()
    table = runner.invoke(cli.main, ["agreement", project.name])
    assert table.exit_code == 0, table.output
    assert f"{report.krippendorff_alpha:.3f}" in table.output
    assert f"{report.span_f1:.3f}" in table.output and "ann1 / ann2" in table.output
    assert EVIL in table.output  # a terminal shows the label as typed
    as_json = runner.invoke(cli.main, ["agreement", str(project.id), "--layer", "pos", "--json"])
    assert as_json.exit_code == 0, as_json.output
    parsed = json.loads(as_json.output)
    pos = project_agreement(session, project, layer="pos")
    assert parsed == json.loads(json.dumps(pos.as_dict())) | {"cache": parsed["cache"]}
    missing = runner.invoke(cli.main, ["agreement", "no such project"])
    assert missing.exit_code == 2 and "no project" in missing.output


@pytest.mark.browser
def test_layer_tabs_swap_the_report_in_a_browser(page, project) -> None:
    browser_sign_in(page, "rev")
    page.goto(f"/projects/{project.id}/agreement")
    assert page.locator("svg[aria-label='agreement per label']").count() == 1
    page.get_by_role("tab", name="Coreference").click()
    page.wait_for_url(f"**/projects/{project.id}/agreement?layer=coref")
    assert page.get_by_role("tab", name="Coreference").get_attribute("aria-selected") == "true"
    assert page.locator("text=CoNLL F1").first.is_visible()
    assert page.locator("svg[aria-label='agreement per label']").count() == 0
    assert page.locator("header.topbar").count() == 1  # swapped in place, not nested
    assert page.evaluate("() => document.title").startswith("Agreement")
