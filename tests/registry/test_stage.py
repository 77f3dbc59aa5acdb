"""POST /models/<id>/stage: transitions, promotion archiving production, 409 when stale."""

from __future__ import annotations

import uuid

import pytest

from portal.extensions import db
from portal.models import MLModel
from portal.services import audit
from portal.services.registry.changes import TRANSITIONS
from tests.factories import MemberFactory
from tests.helpers.pages import NUL_CHARACTER
from tests.registry.helpers import PROBLEM, post_stage, snapshot, text

LEGAL = [(src, dst) for src, targets in TRANSITIONS.items() for dst in targets]
ILLEGAL = [
    ("draft", "production"),
    ("draft", "draft"),
    ("staging", "staging"),
    ("production", "staging"),
    ("production", "draft"),
    ("production", "production"),
    ("archived", "production"),
    ("archived", "draft"),
    ("archived", "archived"),
]


def _stage(model: MLModel) -> str:
    db.session.expire(model)
    return model.stage


def test_the_transition_table():
    assert TRANSITIONS == {
        "draft": ("staging", "archived"),
        "staging": ("production", "draft", "archived"),
        "production": ("archived",),
        "archived": ("staging",),
    }


@pytest.mark.parametrize(("src", "dst"), LEGAL)
def test_legal_transitions_are_made_and_audited(
    client, team, sign_in_as, model_factory, audit_rows, src, dst
):
    model = model_factory(workspace=team.ws_a, stage=src)
    sign_in_as(team.pi)
    response = post_stage(client, model, dst, reason="  Holdout AUC 0.91  ")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/models/{model.id}"
    assert _stage(model) == dst
    rows = audit_rows(action="model.stage.changed", target_id=str(model.id))
    assert len(rows) == 1
    assert rows[0].details == {
        "from": src,
        "to": dst,
        "reason": "Holdout AUC 0.91",
        "archived_previous": None,
    }
    assert rows[0].workspace_id == team.ws_a.id and rows[0].actor_id == team.pi.id
    assert f"moved from {src} to {dst}" in text(client.get(f"/models/{model.id}"))


@pytest.mark.parametrize(("src", "dst"), ILLEGAL)
def test_illegal_transitions_are_refused(client, team, sign_in_as, model_factory, src, dst):
    model = model_factory(workspace=team.ws_a, stage=src)
    sign_in_as(team.pi)
    before = snapshot()
    response = post_stage(client, model, dst)
    assert response.status_code == 400
    assert f"A {src} version cannot move to {dst}; it can move to " in text(response)
    assert snapshot() == before


def test_promotion_archives_the_previous_production_version(
    client, team, sign_in_as, model_factory, audit_rows
):
    old = model_factory(workspace=team.ws_a, name="ranker", version="1", stage="production")
    new = model_factory(workspace=team.ws_a, name="ranker", version="2", stage="staging")
    other_name = model_factory(workspace=team.ws_a, name="tagger", stage="production")
    other_ws = model_factory(workspace=team.ws_b, name="ranker", version="1", stage="production")
    sign_in_as(team.pi)
    response = post_stage(client, new, "production", reason="Better NDCG")
    assert response.status_code == 303
    assert (_stage(old), _stage(new)) == ("archived", "production")
    assert (_stage(other_name), _stage(other_ws)) == ("production", "production")

    promoted = audit_rows(action="model.stage.changed", target_id=str(new.id))
    assert [r.details for r in promoted] == [
        {
            "from": "staging",
            "to": "production",
            "reason": "Better NDCG",
            "archived_previous": str(old.id),
        }
    ]
    archived = audit_rows(action="model.stage.changed", target_id=str(old.id))
    assert len(archived) == 1
    assert archived[0].details["from"] == "production" and archived[0].details["to"] == "archived"
    assert archived[0].details["replaced_by"] == str(new.id)
    assert "Better NDCG" in archived[0].details["reason"]
    assert archived[0].seq < promoted[0].seq

    page = text(client.get(f"/models/{new.id}"))
    assert "ranker 2 moved from staging to production. Version 1 was archived." in page


def test_promotion_is_one_transaction(client, team, sign_in_as, model_factory, monkeypatch):
    old = model_factory(workspace=team.ws_a, name="ranker", version="1", stage="production")
    new = model_factory(workspace=team.ws_a, name="ranker", version="2", stage="staging")
    sign_in_as(team.pi)
    before = snapshot()

    def broken(*args, **kwargs):
        raise RuntimeError("audit trail unavailable")

    # Both stages are flushed before the audit rows: a failing record undoes them too.
    monkeypatch.setattr(audit, "record", broken)
    response = post_stage(client, new, "production")
    monkeypatch.undo()
    assert response.status_code == 500
    assert snapshot() == before
    assert (_stage(old), _stage(new)) == ("production", "staging")


def test_an_archived_version_can_be_promoted_again(client, team, sign_in_as, model_factory):
    current = model_factory(workspace=team.ws_a, name="ranker", version="2", stage="production")
    old = model_factory(workspace=team.ws_a, name="ranker", version="1", stage="archived")
    sign_in_as(team.pi)
    assert post_stage(client, old, "staging").status_code == 303
    assert post_stage(client, old, "production", expected="staging").status_code == 303
    assert (_stage(old), _stage(current)) == ("production", "archived")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        # A reason is required, and bounded.
        ({"reason": ""}, "Give a reason for the change."),
        ({"reason": "   "}, "Give a reason for the change."),
        ({"reason": "r" * 501}, "Keep the reason to at most 500 characters."),
        ({"reason": "because\x00"}, NUL_CHARACTER),
        # Malformed forms.
        ({"stage": "deployed"}, "Choose a stage from the list."),
        ({"stage": ""}, "Choose the new stage."),
        ({"expected_stage": ""}, "The form is missing the stage it was shown for"),
        ({"expected_stage": "live"}, "the form's stage is not valid"),
    ],
)
def test_bad_stage_forms_are_refused(client, team, sign_in_as, model_factory, fields, message):
    model = model_factory(workspace=team.ws_a, stage="draft")
    sign_in_as(team.pi)
    before = snapshot()
    response = post_stage(client, model, "staging", **fields)
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot() == before


def test_a_reason_of_500_characters_is_enough(client, team, sign_in_as, model_factory):
    model = model_factory(workspace=team.ws_a, stage="draft")
    sign_in_as(team.pi)
    assert post_stage(client, model, "staging", reason="r" * 500).status_code == 303


def test_a_stale_page_gets_409_and_nothing_changes(client, team, sign_in_as, model_factory):
    model = model_factory(workspace=team.ws_a, name="ranker", version="3", stage="draft")
    sign_in_as(team.pi)
    assert 'name="expected_stage" type="hidden" value="draft"' in text(
        client.get(f"/models/{model.id}")
    )
    # Someone else moves it to staging while the page is open.
    model.stage = "staging"
    db.session.flush()
    before = snapshot()
    response = post_stage(client, model, "archived", expected="draft")
    assert response.status_code == 409
    problem = PROBLEM.search(response.get_data(as_text=True)).group(1)
    assert "Someone moved ranker 3 from draft to staging meanwhile. Nothing was changed" in problem
    assert snapshot() == before
    # The page now shows (and the form now carries) the current stage.
    assert 'name="expected_stage" type="hidden" value="staging"' in text(response)


@pytest.mark.parametrize(
    "who",
    [
        pytest.param("researcher", id="a-researcher"),
        pytest.param("pi_b", id="a-pi-who-only-views-the-workspace"),
    ],
)
def test_who_may_not_stage_gets_no_form_and_403(client, team, sign_in_as, model_factory, who):
    if who == "pi_b":  # a PI of B who is only a viewer of A
        MemberFactory(workspace=team.ws_a, user=team.pi_b, role="viewer")
    model = model_factory(workspace=team.ws_a, stage="draft")
    sign_in_as(getattr(team, who))
    assert "data-stage-form" not in text(client.get(f"/models/{model.id}"))
    before = snapshot()
    assert post_stage(client, model, "staging").status_code == 403
    assert snapshot() == before


def test_an_editor_pi_and_an_admin_may(client, team, sign_in_as, model_factory):
    model = model_factory(workspace=team.ws_a, stage="draft")
    sign_in_as(team.editor_pi)
    assert "data-stage-form" in text(client.get(f"/models/{model.id}"))
    assert post_stage(client, model, "staging").status_code == 303
    sign_in_as(team.admin)
    assert post_stage(client, model, "production").status_code == 303
    assert _stage(model) == "production"


def test_a_pi_of_another_workspace_gets_404(client, team, sign_in_as, model_factory):
    model = model_factory(workspace=team.ws_a, stage="draft")
    sign_in_as(team.pi_b)
    before = snapshot()
    assert post_stage(client, model, "staging").status_code == 404
    assert snapshot() == before


def test_an_archived_workspace_is_read_only(client, team, sign_in_as, model_factory):
    model = model_factory(workspace=team.ws_a, stage="draft")
    team.ws_a.is_archived = True
    db.session.flush()
    sign_in_as(team.pi)
    page = text(client.get(f"/models/{model.id}"))
    assert "data-stage-form" not in page and "models are read-only" in page
    before = snapshot()
    response = post_stage(client, model, "staging")
    assert response.status_code == 409
    assert "This workspace is archived and read-only." in text(response)
    assert snapshot() == before


def test_unknown_model_is_404(client, team, sign_in_as):
    sign_in_as(team.pi)
    fake = MLModel(id=uuid.uuid4(), stage="draft")
    assert post_stage(client, fake, "staging").status_code == 404


def test_missing_csrf_token_is_refused(client, team, sign_in_as, model_factory):
    model = model_factory(workspace=team.ws_a, stage="draft")
    sign_in_as(team.pi)
    before = snapshot()
    response = client.post(
        f"/models/{model.id}/stage",
        data={"stage": "staging", "reason": "r", "expected_stage": "draft"},
    )
    assert response.status_code == 400
    assert snapshot() == before
