"""/models/new: registering a version, every refusal, and the audit row."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import MLModel
from tests.helpers.pages import NUL_CHARACTER, csrf_token_from
from tests.registry.helpers import VALID, post_register, snapshot, text


def _registered(name: str = "fraud-detector", version: str = "1.0.0") -> MLModel | None:
    return db.session.scalar(
        sa.select(MLModel).where(MLModel.name == name, MLModel.version == version)
    )


def test_form_offers_only_workspaces_one_contributes_to(client, team, sign_in_as):
    sign_in_as(team.researcher)
    page = text(client.get("/models/new"))
    assert f'value="{team.ws_a.id}"' in page and "Alpha Lab" in page
    assert str(team.ws_b.id) not in page
    for value in ("pytorch", "tensorflow", "jax", "sklearn", "xgboost", "onnx", "other"):
        assert f'value="{value}"' in page
    for value in ("classification", "regression", "segmentation", "generation", "embedding"):
        assert f'value="{value}"' in page


def test_a_member_who_only_views_has_nowhere_to_register(client, team, sign_in_as):
    sign_in_as(team.reader)
    response = client.get("/models/new")
    assert response.status_code == 200
    assert "data-no-workspaces" in text(response)
    assert 'name="name"' not in text(response)


def test_register_happy_path(client, team, sign_in_as, audit_rows):
    sign_in_as(team.researcher)
    response = post_register(client, team.ws_a, name="  fraud-detector ")
    assert response.status_code == 303
    model = _registered()
    assert response.headers["Location"] == f"/models/{model.id}"
    assert model.workspace_id == team.ws_a.id and model.stage == "draft"
    assert model.framework == "pytorch" and model.task == "classification"
    assert model.metrics == {"accuracy": 0.93, "f1": 0.88}
    assert model.parameters == {"lr": 0.001, "layers": [64, 32]}
    assert model.artifact_uri == VALID["artifact_uri"]
    assert model.created_by_id == team.researcher.id

    rows = audit_rows(action="model.registered", target_id=str(model.id))
    assert len(rows) == 1
    row = rows[0]
    assert row.target_type == "model" and row.workspace_id == team.ws_a.id
    assert row.actor_id == team.researcher.id
    assert row.details["after"]["stage"] == "draft"
    assert row.details["after"]["version"] == "1.0.0"

    page = text(client.get(response.headers["Location"]))
    assert "Registered fraud-detector 1.0.0 in Alpha Lab, in draft." in page
    assert "Registered in draft" in page


def test_blank_metrics_and_parameters_mean_empty_objects(client, team, sign_in_as):
    sign_in_as(team.pi)
    response = post_register(client, team.ws_a, metrics="  ", parameters="")
    assert response.status_code == 303
    model = _registered()
    assert model.metrics == {} and model.parameters == {}


def test_an_admin_registers_anywhere(client, team, sign_in_as):
    sign_in_as(team.admin)
    assert str(team.ws_b.id) in text(client.get("/models/new"))
    assert post_register(client, team.ws_b).status_code == 303
    assert _registered().workspace_id == team.ws_b.id


def test_the_workspace_can_be_preselected(client, team, sign_in_as):
    sign_in_as(team.researcher)
    page = text(client.get(f"/models/new?workspace={team.ws_a.id}"))
    assert f'selected value="{team.ws_a.id}"' in page or f'value="{team.ws_a.id}" selected' in page


def test_duplicate_version_is_a_form_error_naming_the_existing_one(
    client, team, sign_in_as, model_factory
):
    model_factory(workspace=team.ws_a, name="fraud-detector", version="1.0.0", stage="staging")
    sign_in_as(team.researcher)
    before = snapshot()
    response = post_register(client, team.ws_a)
    assert response.status_code == 400
    assert "Version 1.0.0 of fraud-detector already exists in Alpha Lab" in text(response)
    assert "now staging" in text(response)
    assert snapshot() == before


def test_same_version_in_another_workspace_is_fine(client, team, sign_in_as, model_factory):
    model_factory(workspace=team.ws_b, name="fraud-detector", version="1.0.0")
    sign_in_as(team.researcher)
    assert post_register(client, team.ws_a).status_code == 303


BAD_INPUT = [
    ({"name": ""}, "Enter a name."),
    ({"name": "n" * 201}, "Give a name of 1 to 200 characters."),
    ({"name": "fraud/detector"}, "Use letters, digits, spaces, dots, dashes and underscores"),
    ({"name": "-fraud"}, "starting with a letter or digit"),
    ({"name": "fraud\x00"}, NUL_CHARACTER),
    ({"version": ""}, "Enter a version."),
    ({"version": "v" * 65}, "Give a version of 1 to 64 characters."),
    ({"version": "1.0 beta"}, "plus signs"),
    ({"framework": "caffe"}, "Choose a framework from the list."),
    ({"framework": ""}, "Choose a framework."),
    ({"task": "clustering"}, "Choose a task from the list."),
    ({"artifact_uri": ""}, "Enter the artifact URI."),
    ({"artifact_uri": "ftp://host/model"}, "must start with s3://, gs://, https://, file:// or"),
    ({"artifact_uri": "s3://"}, "followed by a location"),
    ({"artifact_uri": "http://example.org/m.pt"}, "must start with s3://"),
    ({"artifact_uri": "s3://bucket/my model.pt"}, "cannot contain spaces"),
    ({"artifact_uri": "s3://b/" + "x" * 1020}, "at most 1024 characters"),
    ({"metrics": '{"accuracy": 0.9,}'}, "metrics is not valid JSON: "),
    ({"metrics": '{\n  "accuracy": 0.9\n  "f1": 1\n}'}, "(line 3, column 3)"),
    ({"metrics": '{"accuracy": "high"}'}, "metrics.accuracy must be a number"),
    ({"metrics": '{"accuracy": true}'}, "metrics.accuracy must be a number, not true/false"),
    ({"metrics": '{"accuracy": null}'}, "metrics.accuracy must be a number, not null"),
    ({"metrics": '{"accuracy": [0.9]}'}, "metrics.accuracy must be a number, not an array"),
    ({"metrics": '{"accuracy": NaN}'}, "metrics contains NaN"),
    ({"metrics": '{"loss": Infinity}'}, "metrics contains Infinity"),
    ({"metrics": '{"loss": -Infinity}'}, "metrics contains -Infinity"),
    ({"metrics": '{"loss": 1e999}'}, "a number too large to store"),
    ({"metrics": "[0.9]"}, "metrics must be a JSON object"),
    ({"metrics": '{"a": 1, "a": 2}'}, 'has the key "a" twice'),
    ({"metrics": '{"": 1}'}, "metric names are 1 to 200 characters"),
    ({"metrics": '{"a\\u0000b": 1}'}, "NUL character (\\u0000)"),
    ({"parameters": '{"note": "a\\u0000b"}'}, "parameters.note contains a NUL character"),
    ({"parameters": '{"note": "\\ud800"}'}, "parameters.note contains an unpaired surrogate"),
    ({"parameters": '"just a string"'}, "parameters must be a JSON object ({…}), not a string."),
    ({"parameters": '{"a": ' * 11 + "1" + "}" * 11}, "nested too deeply"),
    ({"parameters": "[" * 50_000}, "nested too deeply"),
    ({"parameters": '{"x": "' + "y" * 70_000 + '"}'}, "parameters is too large: 70,009 bytes"),
    ({"parameters": "x" * 1_000_000}, "too long"),
    ({"metrics": '{"a": 1}' + " " * 1_000_000}, "too long"),
    ({"parameters": '{"a": 1}\x00'}, NUL_CHARACTER),
]


@pytest.mark.parametrize(("fields", "message"), BAD_INPUT)
def test_bad_input_is_refused_and_nothing_changes(client, team, sign_in_as, fields, message):
    sign_in_as(team.researcher)
    before = snapshot()
    response = post_register(client, team.ws_a, **fields)
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot() == before


def test_ten_levels_of_parameters_are_accepted(client, team, sign_in_as):
    sign_in_as(team.researcher)
    nested = '{"a": ' * 9 + "1" + "}" * 9  # the object itself plus 9 more: 10 levels
    assert post_register(client, team.ws_a, parameters=nested).status_code == 303
    assert json.dumps(_registered().parameters).count("{") == 9


@pytest.mark.parametrize(
    ("who", "workspace", "status", "message"),
    [
        pytest.param(
            "researcher", "alpha", 400, "Choose a workspace from the list.", id="not-an-id"
        ),
        pytest.param(
            "reader", "ws_a", 403, "You may not contribute this workspace.", id="one-only-views"
        ),
        pytest.param(
            "researcher",
            "ws_b",
            404,
            "There is no such workspace, or you are not a member of it.",
            id="one-is-not-a-member-of",
        ),
    ],
)
def test_a_workspace_one_may_not_register_in_is_refused(
    client, team, sign_in_as, who, workspace, status, message
):
    """``workspace`` is a field of ``team`` (that workspace's id is sent) or the value sent."""
    sign_in_as(getattr(team, who))
    value = str(getattr(team, workspace).id) if workspace.startswith("ws_") else workspace
    before = snapshot()
    response = post_register(client, None, workspace=value)
    assert response.status_code == status
    assert message in text(response)
    assert snapshot() == before


def test_an_archived_workspace_is_409(client, team, sign_in_as):
    team.ws_a.is_archived = True
    db.session.flush()
    sign_in_as(team.researcher)
    assert str(team.ws_a.id) not in text(client.get("/models/new"))
    before = snapshot()
    response = post_register(client, team.ws_a)
    assert response.status_code == 409
    assert "This workspace is archived and read-only." in text(response)
    assert snapshot() == before


@pytest.mark.parametrize("who", ["viewer", "analyst"])
def test_viewers_and_analysts_may_not_register(client, team, sign_in_as, who):
    sign_in_as(getattr(team, who))
    assert client.get("/models/new").status_code == 403
    before = snapshot()
    assert post_register(client, team.ws_a).status_code == 403
    assert snapshot() == before


def test_missing_csrf_token_is_refused(client, team, sign_in_as):
    sign_in_as(team.researcher)
    before = snapshot()
    response = client.post("/models/new", data={"workspace": str(team.ws_a.id), **VALID})
    assert response.status_code == 400
    assert snapshot() == before


def test_extra_fields_are_ignored(client, team, sign_in_as):
    sign_in_as(team.researcher)
    response = post_register(
        client, team.ws_a, stage="production", created_by_id=str(team.admin.id), id="x"
    )
    assert response.status_code == 303
    model = _registered()
    assert model.stage == "draft" and model.created_by_id == team.researcher.id


def test_the_form_keeps_what_was_typed_after_an_error(client, team, sign_in_as):
    sign_in_as(team.researcher)
    response = post_register(client, team.ws_a, metrics='{"accuracy": "high"}')
    page = text(response)
    assert '{"accuracy": "high"}' in page and 'value="fraud-detector"' in page
    assert 'aria-invalid="true"' in page
    assert csrf_token_from(client, "/models/new")
