"""/models/<id> and /models/compare: fields, histories, the comparison, and who sees what."""

from __future__ import annotations

import functools
import re
import uuid

import pytest

from tests.helpers.pages import error_detail
from tests.registry.helpers import post_stage, text

VERSION_ROW = re.compile(r'data-version-row="([^"]+)"')
TRANSITION = re.compile(r"<span data-transition>([^<]+)</span>")
METRIC_ROW = re.compile(
    r'<tr data-metric="([^"]+)">\s*<th scope="row">[^<]*</th>\s*'
    r"<td data-value-a>([^<]*)</td>\s*<td data-value-b>([^<]*)</td>\s*<td data-diff>([^<]*)</td>"
)


@pytest.fixture
def versions(team, model_factory):
    """Three versions of "ranker" in A (newest last) and one of another name."""
    ranker = functools.partial(model_factory, workspace=team.ws_a, name="ranker")
    v1 = ranker(
        version="1",
        stage="production",
        metrics={"ndcg": 0.71, "latency_ms": 30, "recall": 0.5},
        parameters={"depth": 6, "features": ["a", "b"], "nested": {"k": True}},
        created_by=team.researcher,
    )
    v2 = ranker(version="2", stage="staging", metrics={"ndcg": 0.74, "latency_ms": 27, "mrr": 0.6})
    v3 = ranker(version="3", metrics={})
    other = model_factory(workspace=team.ws_a, name="tagger", metrics={"ndcg": 0.5})
    hidden = model_factory(workspace=team.ws_b, name="ranker", version="1", metrics={"ndcg": 1})
    return {"v1": v1, "v2": v2, "v3": v3, "other": other, "hidden": hidden}


def test_detail_shows_every_field_pretty_printed(client, team, sign_in_as, versions):
    sign_in_as(team.reader)
    response = client.get(f"/models/{versions['v1'].id}")
    assert response.status_code == 200
    page = text(response)
    for expected in (
        "ranker",
        "Alpha Lab",
        'data-stage="production"',
        "PyTorch",
        "Classification",
        "s3://models/model.pt",
        "<span data-created-by>researcher@example.org</span>",
    ):
        assert expected in page
    assert '"depth": 6,\n  "features": [\n    "a",\n    "b"\n  ],' in page
    assert '"latency_ms": 30,\n  "ndcg": 0.71,' in page


def test_version_history_lists_every_version_newest_first(client, team, sign_in_as, versions):
    sign_in_as(team.reader)
    page = client.get(f"/models/{versions['v2'].id}").get_data(as_text=True)
    assert VERSION_ROW.findall(page) == ["3", "2", "1"]
    assert f"/models/compare?a={versions['v1'].id}&amp;b={versions['v2'].id}" in page
    assert f"/models/compare?a={versions['v3'].id}&amp;b={versions['v2'].id}" in page
    assert str(versions["hidden"].id) not in page and str(versions["other"].id) not in page


def test_stage_history_comes_from_the_audit_trail_newest_first(
    client, team, sign_in_as, model_factory
):
    model = model_factory(workspace=team.ws_a, stage="draft")
    sign_in_as(team.pi)
    post_stage(client, model, "staging", reason="Looks good")
    post_stage(client, model, "draft", expected="staging", reason="Found a leak")
    page = client.get(f"/models/{model.id}").get_data(as_text=True)
    assert [t.replace("\u2192", "->") for t in TRANSITION.findall(page)] == [
        "staging -> draft",
        "draft -> staging",
    ]
    assert page.index("Found a leak") < page.index("Looks good")
    assert "pi@example.org" in page


def test_stage_form_offers_the_legal_moves_only(client, team, sign_in_as, versions):
    sign_in_as(team.pi)
    page = text(client.get(f"/models/{versions['v2'].id}"))
    form = page[
        page.index("data-stage-form") : page.index("</form>", page.index("data-stage-form"))
    ]
    assert re.findall(r'<option[^>]*value="(\w+)"', form) == ["production", "draft", "archived"]
    assert "archives the current production version of ranker" in page


@pytest.mark.parametrize("who", ["researcher", "reader", "analyst", "viewer"])
def test_no_stage_form_without_the_right(client, team, sign_in_as, versions, who):
    sign_in_as(getattr(team, who))
    response = client.get(f"/models/{versions['v2'].id}")
    assert response.status_code == 200
    assert "data-stage-form" not in text(response)


def test_unknown_and_invisible_models_are_404(client, team, sign_in_as, versions):
    sign_in_as(team.researcher)
    assert client.get(f"/models/{uuid.uuid4()}").status_code == 404
    assert client.get(f"/models/{versions['hidden'].id}").status_code == 404
    assert client.get("/models/not-a-uuid").status_code == 404
    sign_in_as(team.researcher_b)
    assert client.get(f"/models/{versions['hidden'].id}").status_code == 200


def test_compare_puts_metrics_side_by_side(client, team, sign_in_as, versions):
    sign_in_as(team.reader)
    response = client.get(
        "/models/compare", query_string={"a": versions["v1"].id, "b": versions["v2"].id}
    )
    assert response.status_code == 200
    rows = METRIC_ROW.findall(response.get_data(as_text=True))
    assert rows == [
        ("latency_ms", "30", "27", "-3"),
        ("mrr", "—", "0.6", "—"),
        ("ndcg", "0.71", "0.74", "+0.03"),
        ("recall", "0.5", "—", "—"),
    ]
    assert "data-different-models" not in text(response)


@pytest.mark.parametrize(
    ("who", "other", "noted", "not_noted"),
    [
        pytest.param(
            "reader",
            "other",
            ["versions of different models"],
            ["in different workspaces"],
            id="different-models",
        ),
        pytest.param("admin", "hidden", ["in different workspaces"], [], id="across-workspaces"),
    ],
)
def test_compare_notes_what_differs_besides_the_version(
    client, team, sign_in_as, versions, who, other, noted, not_noted
):
    """A reader compares two models of A; an Admin may compare across workspaces."""
    sign_in_as(getattr(team, who))
    response = client.get(
        "/models/compare", query_string={"a": versions["v1"].id, "b": versions[other].id}
    )
    assert response.status_code == 200
    for note in noted:
        assert note in text(response)
    for note in not_noted:
        assert note not in text(response)


def test_compare_without_metrics(client, team, sign_in_as, versions, model_factory):
    empty = model_factory(workspace=team.ws_a, name="ranker", version="0", metrics={})
    sign_in_as(team.reader)
    response = client.get("/models/compare", query_string={"a": empty.id, "b": versions["v3"].id})
    assert "Neither version has metrics." in text(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "'a' must be the id of a model version."),
        ({"a": "x", "b": "y"}, "'a' must be the id of a model version."),
        ({"a": "{v1}"}, "'b' must be the id of a model version."),
        ({"a": "{v1}", "b": "{v1}"}, "Choose two different versions to compare."),
        ({"a": "{v1}\x00", "b": "{v2}"}, "'a' must be the id of a model version."),
    ],
)
def test_compare_refuses_bad_ids(client, team, sign_in_as, versions, query, message):
    sign_in_as(team.reader)
    args = {k: v.format(v1=versions["v1"].id, v2=versions["v2"].id) for k, v in query.items()}
    response = client.get("/models/compare", query_string=args)
    assert response.status_code == 400
    assert error_detail(response) == message


def test_compare_with_an_unknown_or_invisible_version_is_404(client, team, sign_in_as, versions):
    sign_in_as(team.researcher)
    for other in (uuid.uuid4(), versions["hidden"].id):
        for a, b in ((versions["v1"].id, other), (other, versions["v1"].id)):
            response = client.get("/models/compare", query_string={"a": a, "b": b})
            assert response.status_code == 404
            assert "secret" not in text(response)
