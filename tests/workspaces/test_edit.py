"""/workspaces/<id>/edit: name, description, settings JSON, optimistic locking."""

from __future__ import annotations

import json
import uuid

import pytest

from portal.extensions import db
from portal.models import Workspace
from tests.factories import WorkspaceFactory
from tests.helpers.pages import (
    NUL_CHARACTER,
    VERSION,
    conflict_page,
    csrf_token_from,
    flashes_after,
    text,
)
from tests.helpers.records import audit_count
from tests.workspaces.helpers import state


@pytest.fixture
def workspace(pi):
    return WorkspaceFactory(
        name="Atlas", slug="atlas", owner=pi, description="Old.", settings={"a": 1}
    )


def _edit(client, workspace_id, **fields):
    page = text(client.get(f"/workspaces/{workspace_id}/edit"))
    data = {
        "csrf_token": csrf_token_from(client, "/logout"),
        "version": VERSION.search(page).group(1),
        **fields,
    }
    return client.post(f"/workspaces/{workspace_id}/edit", data=data)


def test_the_form_shows_current_values(client, workspace):
    page = text(client.get(f"/workspaces/{workspace.id}/edit"))
    assert 'value="Atlas"' in page and "Old." in page
    assert "{\n  &#34;a&#34;: 1\n}" in page
    assert VERSION.search(page).group(1) == "1"
    assert 'name="slug"' not in page and 'name="owner_email"' not in page


def test_edit_saves_and_records_before_and_after(client, pi, workspace, audit_rows):
    settings = {"default_view": "pathway", "limits": {"genes": 500}, "tags": ["a", "ü"]}
    response = _edit(
        client,
        workspace.id,
        name=" Atlas 2 ",
        description="New.",
        settings=json.dumps(settings),
    )
    assert response.headers["Location"] == f"/workspaces/{workspace.id}"
    assert "Saved Atlas 2." in flashes_after(client, response)
    now = state(workspace.id)
    assert (now["name"], now["description"], now["settings"], now["version"]) == (
        "Atlas 2",
        "New.",
        settings,
        2,
    )
    [row] = audit_rows(action="workspace.updated", target_id=str(workspace.id))
    assert row.details == {
        "before": {"name": "Atlas", "description": "Old.", "settings": {"a": 1}},
        "after": {"name": "Atlas 2", "description": "New.", "settings": settings},
    }
    assert row.actor_id == pi.id and row.workspace_id == workspace.id


def test_only_changed_fields_are_recorded(client, workspace, audit_rows):
    response = _edit(client, workspace.id, name="Atlas", description="Other", settings='{"a":1}')
    assert response.status_code == 303
    [row] = audit_rows(action="workspace.updated")
    assert row.details == {"before": {"description": "Old."}, "after": {"description": "Other"}}


def test_no_change_records_nothing(client, workspace, audit_rows):
    response = _edit(client, workspace.id, name="Atlas", description="Old.", settings='{"a": 1}')
    assert "Nothing changed." in flashes_after(client, response)
    assert audit_rows(action="workspace.updated") == []
    assert state(workspace.id)["version"] == 1


def test_empty_settings_mean_none(client, workspace):
    assert _edit(client, workspace.id, name="Atlas", settings="  ").status_code == 303
    assert state(workspace.id)["settings"] == {}


def test_secret_looking_settings_keys_stay_out_of_the_audit_trail(client, workspace, audit_rows):
    settings = json.dumps({"token": "s3cr3t", "x": 1})
    assert _edit(client, workspace.id, name="Atlas", settings=settings).status_code == 303
    assert state(workspace.id)["settings"] == {"token": "s3cr3t", "x": 1}
    [row] = audit_rows(action="workspace.updated")
    assert "s3cr3t" not in json.dumps(row.details)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("[1, 2]", "Settings must be a JSON object ({…}), not an array."),
        ('"text"', "not a string."),
        ("42", "not a number."),
        ("null", "not null."),
        ("{'a': 1}", "Settings is not valid JSON: Expecting property name enclosed in double"),
        ('{"a": 1,}', "(line 1, column 9)."),
        ('{"a": NaN}', "Settings contains NaN, which is not a number"),
        ('{"a": -Infinity}', "Settings contains -Infinity, which is not a number"),
        ('{"a": 1e999}', "Settings contains 1e999, a number too large to store."),
        ('{"a": "x\\u0000y"}', "Settings.a contains a NUL character (\\u0000)"),
        ('{"\\u0000": 1}', "Settings contains a NUL character (\\u0000)"),
        ('{"a": "\\ud800"}', "Settings.a contains an unpaired surrogate"),
        ('{"a": ' + "9" * 5000 + "}", "Settings contains a number with more than 300 digits."),
        ('{"a": ' + "[" * 40 + "]" * 40 + "}", "nested too deeply (line 1, column 38): at most 32"),
        ('{"a": ' + "[" * 5000 + "]" * 5000 + "}", "nested too deeply"),
        (
            '{"a": "' + "x" * 66_000 + '"}',
            "Settings is too large: 66,009 bytes, at most 65,536 (64 KB).",
        ),
        ('{"a": 1, "a": 2}', "Settings has the key &#34;a&#34; twice in one object."),
        ('{"a": "\x00"}', NUL_CHARACTER),
    ],
)
def test_bad_settings_are_explained_and_change_nothing(client, workspace, settings, message):
    before, events = state(workspace.id), audit_count()
    response = _edit(client, workspace.id, name="Changed", settings=settings)
    assert response.status_code == 400
    assert message in text(response)
    assert state(workspace.id) == before and audit_count() == events


def test_settings_nested_32_levels_deep_are_accepted(client, workspace):
    settings = '{"a": ' + "[" * 31 + "]" * 31 + "}"  # the object itself is level 1
    assert _edit(client, workspace.id, name="Atlas", settings=settings).status_code == 303
    assert state(workspace.id)["settings"] == json.loads(settings)


def test_settings_of_exactly_64_kb_are_accepted(client, workspace):
    settings = '{"a": "' + "x" * (64 * 1024 - 9) + '"}'
    assert len(settings.encode()) == 64 * 1024
    assert _edit(client, workspace.id, name="Atlas", settings=settings).status_code == 303


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Enter a name."),
        ({"name": "n" * 201}, "Use at most 200 characters."),
        ({"name": "x\x00"}, NUL_CHARACTER),
        ({"description": "d" * 5001}, "Use at most 5,000 characters."),
        ({"version": ""}, "The form is missing its version; reload the page."),
        ({"version": "one"}, "Not a valid integer value."),
    ],
)
def test_bad_fields_are_a_400(client, workspace, data, message):
    before, events = state(workspace.id), audit_count()
    response = _edit(client, workspace.id, **{"name": "Fine", "settings": "{}", **data})
    assert response.status_code == 400
    assert message in text(response)
    assert state(workspace.id) == before and audit_count() == events


def test_a_conflicting_edit_is_a_409_and_overwrites_nothing(client, workspace, audit_rows):
    page = text(client.get(f"/workspaces/{workspace.id}/edit"))
    old_version = VERSION.search(page).group(1)
    token = csrf_token_from(client, "/logout")

    # Meanwhile, someone else saves.
    workspace.name, workspace.version = "Theirs", workspace.version + 1
    db.session.flush()
    before = state(workspace.id)

    data = {"csrf_token": token, "version": old_version, "name": "Mine", "settings": "{}"}
    response = client.post(f"/workspaces/{workspace.id}/edit", data=data)
    page = conflict_page(response, "workspace", "Theirs")
    assert state(workspace.id) == before
    assert audit_rows(action="workspace.updated") == []

    # The form now carries the current version: submitting again overwrites knowingly.
    assert VERSION.search(page).group(1) == "2"
    response = client.post(f"/workspaces/{workspace.id}/edit", data={**data, "version": "2"})
    assert response.status_code == 303
    assert state(workspace.id)["name"] == "Mine"
    assert state(workspace.id)["version"] == 3


def test_an_admin_may_edit_any_workspace(client, admin):
    workspace = WorkspaceFactory(name="Theirs")
    assert _edit(client, workspace.id, name="Renamed", settings="{}").status_code == 303
    assert db.session.get(Workspace, workspace.id).name == "Renamed"


def test_unknown_or_malformed_ids_are_404(client, pi):
    assert client.get(f"/workspaces/{uuid.uuid4()}/edit").status_code == 404
    assert client.get("/workspaces/not-a-uuid/edit").status_code == 404
    assert client.get("/workspaces/1/edit").status_code == 404
