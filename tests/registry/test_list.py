"""/models: scoping to visible workspaces, filters, sort orders, keyset pages, refusals."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import MLModel, WorkspaceMember
from tests.helpers.lists import BAD_LINK, BAD_PAGING, next_cursor, refusal, walk_pages
from tests.helpers.pages import NUL_CHARACTER, PREV_LINK, error_detail, link
from tests.registry.helpers import listed, text


def _label(model: MLModel) -> str:
    return f"{model.name}@{model.version}"


def _db_order(*order_by: sa.ColumnElement, where: sa.ColumnElement | None = None) -> list[str]:
    stmt = sa.select(MLModel).order_by(*order_by)
    if where is not None:
        stmt = stmt.where(where)
    return [_label(m) for m in db.session.scalars(stmt)]


@pytest.fixture
def catalogue(team, model_factory):
    """A few versions in A and B, in several stages and frameworks."""
    return {
        "a1": model_factory(workspace=team.ws_a, name="Fraud", version="1", stage="archived"),
        "a2": model_factory(workspace=team.ws_a, name="Fraud", version="2", stage="production"),
        "a3": model_factory(workspace=team.ws_a, name="fraud_v2", version="1", framework="sklearn"),
        "a4": model_factory(workspace=team.ws_a, name="ranker", version="1", stage="staging"),
        "b1": model_factory(workspace=team.ws_b, name="secret-b", version="1"),
    }


def test_a_researcher_sees_only_their_workspaces_models(client, team, sign_in_as, catalogue):
    sign_in_as(team.researcher)
    response = client.get("/models")
    assert response.status_code == 200
    assert listed(response) == ["Fraud@1", "Fraud@2", "fraud_v2@1", "ranker@1"]
    page = text(response)
    assert "4 versions" in page and "secret-b" not in page and "Beta Lab" not in page
    assert 'href="/models/new"' in page


def test_the_workspace_filter_offers_and_accepts_only_visible_ones(
    client, team, sign_in_as, catalogue
):
    sign_in_as(team.researcher)
    page = text(client.get("/models"))
    assert f'value="{team.ws_a.id}"' in page and str(team.ws_b.id) not in page
    response = client.get("/models", query_string={"workspace": str(team.ws_b.id)})
    assert response.status_code == 400
    assert error_detail(response) == "Workspace: No such workspace, or you are not a member of it."


def test_an_admin_sees_every_workspace(client, team, sign_in_as, catalogue):
    sign_in_as(team.admin)
    assert len(listed(client.get("/models"))) == 5
    response = client.get("/models", query_string={"workspace": str(team.ws_b.id)})
    assert listed(response) == ["secret-b@1"]


def test_a_viewer_reads_without_the_register_button(client, team, sign_in_as, catalogue):
    sign_in_as(team.viewer)
    response = client.get("/models")
    assert len(listed(response)) == 4
    assert 'href="/models/new"' not in text(response)


def test_someone_in_no_workspace_sees_nothing(client, team, sign_in_as, catalogue):
    db.session.execute(sa.delete(WorkspaceMember).where(WorkspaceMember.user_id == team.viewer.id))
    sign_in_as(team.viewer)
    response = client.get("/models")
    assert listed(response) == [] and "No model versions match" in text(response)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"stage": "production"}, ["Fraud@2"]),
        ({"stage": "draft"}, ["fraud_v2@1"]),
        ({"framework": "sklearn"}, ["fraud_v2@1"]),
        ({"q": "fraud"}, ["Fraud@1", "Fraud@2", "fraud_v2@1"]),
        ({"q": "FRAUD_"}, ["fraud_v2@1"]),  # "_" is taken literally
        ({"q": "raud"}, []),  # a prefix, not a substring
        ({"q": "%"}, []),
        ({"q": "fraud", "stage": "archived"}, ["Fraud@1"]),
        ({"stage": "staging", "framework": "sklearn"}, []),
    ],
)
def test_filters(client, team, sign_in_as, catalogue, args, expected):
    sign_in_as(team.researcher)
    assert listed(client.get("/models", query_string=args)) == expected


def test_filters_by_workspace(client, team, sign_in_as, catalogue):
    sign_in_as(team.researcher)
    response = client.get("/models", query_string={"workspace": str(team.ws_a.id)})
    assert len(listed(response)) == 4


@pytest.mark.parametrize(
    ("sort", "order", "columns"),
    [
        ("name", "asc", (MLModel.name, MLModel.created_at, MLModel.id)),
        ("name", "desc", (MLModel.name.desc(), MLModel.created_at.desc(), MLModel.id.desc())),
        ("created", "asc", (MLModel.created_at, MLModel.id)),
        ("created", "desc", (MLModel.created_at.desc(), MLModel.id.desc())),
    ],
)
def test_sort_orders(client, team, sign_in_as, catalogue, sort, order, columns):
    sign_in_as(team.admin)
    response = client.get("/models", query_string={"sort": sort, "order": order})
    assert listed(response) == _db_order(*columns)


def test_walking_pages_forwards_and_back(client, team, sign_in_as, model_factory):
    for n in range(23):
        model_factory(workspace=team.ws_a, name=f"bulk-{n:02d}", version="1")
    model_factory(workspace=team.ws_b, name="bulk-hidden", version="1")
    sign_in_as(team.researcher)
    expected = _db_order(
        MLModel.created_at.desc(),
        MLModel.id.desc(),
        where=sa.and_(MLModel.workspace_id == team.ws_a.id, MLModel.name.like("bulk%")),
    )
    keeps = ("q=bulk", "per_page=10", "order=desc")
    responses = walk_pages(
        client, "/models?q=bulk&sort=created&order=desc&per_page=10", keeps=keeps
    )
    assert "23 versions" in text(responses[0])
    assert link(PREV_LINK, responses[0]) is None
    pages = [listed(response) for response in responses]
    assert [len(p) for p in pages] == [10, 10, 3]
    assert [label for p in pages for label in p] == expected
    back = client.get(link(PREV_LINK, responses[-1]))
    assert listed(back) == pages[1]


def test_the_count_is_capped(client, team, sign_in_as, model_factory, monkeypatch):
    from portal import pagination

    real = pagination.capped_count
    monkeypatch.setattr(pagination, "capped_count", lambda stmt: real(stmt, cap=3))
    for n in range(5):
        model_factory(workspace=team.ws_a, version=str(n))
    sign_in_as(team.researcher)
    assert "3+ versions" in text(client.get("/models"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"sort": "accuracy"}, "Sort by: Sort by name or created."),
        ({"order": "sideways"}, "Order: Order is asc or desc."),
        ({"stage": "live"}, "Stage: Unknown stage."),
        ({"framework": "caffe"}, "Framework: Unknown framework."),
        (
            {"workspace": "not-a-uuid"},
            "Workspace: No such workspace, or you are not a member of it.",
        ),
        ({"q": "x" * 201}, "Name starts with: Search for at most 200 characters."),
        ({"q": "a\x00b"}, NUL_CHARACTER),
        ({"after": "forged"}, BAD_LINK),
        *BAD_PAGING,
    ],
)
def test_bad_arguments_are_400_with_a_message(client, team, sign_in_as, args, message):
    sign_in_as(team.researcher)
    assert message in refusal(client, "/models", args)


def test_a_cursor_of_another_order_is_refused(client, team, sign_in_as, model_factory):
    for n in range(3):
        model_factory(workspace=team.ws_a, version=str(n))
    sign_in_as(team.researcher)
    cursor = next_cursor(client, "/models", {"per_page": 1})
    assert BAD_LINK in refusal(client, "/models", {"sort": "created", "after": cursor})
