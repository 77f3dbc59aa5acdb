"""Audit completeness: every mutating route writes exactly the audit actions expected of it.

DESIGN.md ("Audit trail"): every state change and security event goes through the audit
API, in the same transaction as the change. This test walks the URL map so that a new
POST route fails here until its expected actions are written down (or it is listed in
NO_AUDIT with the reason it changes nothing), then posts valid data to each route and
compares the rows written by that one request with the expectation, in order, with the
actor, request id and client IP on every row.

The scenarios (setup + the one request) live in tests/audit_scenarios/, a module per area.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.models import User
from portal.services.audit import Action
from tests.audit_scenarios import SCENARIOS, Ctx, rows_after

# Endpoint → the actions one successful POST writes, in seq order.
EXPECTED: dict[str, tuple[str, ...]] = {
    # Own account
    "account.end_own_session": ("session.ended",),
    "account.mfa_disable": ("auth.mfa.disabled",),
    "account.mfa_setup": ("auth.mfa.enrolled",),
    # The other sessions it ends are counted in the row's details (sessions_ended).
    "account.password": ("user.password.changed",),
    "account.recovery_codes": ("auth.mfa.recovery_codes_regenerated",),
    "account.set_password": ("user.password.set",),
    # Sign-in; a user with MFA is signed in (and recorded) by /mfa, see SECURITY_EVENTS.
    "auth.login": ("auth.login.success",),
    "auth.logout": ("auth.logout",),
    "auth.mfa": ("auth.login.success",),
    # User administration
    "users.new": ("user.created", "user.role.granted", "user.password_link.issued"),
    "users.edit": ("user.updated",),
    "users.deactivate": ("user.deactivated", "session.revoked_all"),
    "users.reactivate": ("user.reactivated",),
    "users.unlock": ("user.unlocked",),
    "users.reset_mfa": ("auth.mfa.reset", "session.revoked_all"),
    "users.revoke_sessions": ("session.revoked_all",),
    "users.roles": ("user.role.granted",),
    "users.revoke": ("user.role.revoked",),
    "users.password_link": ("user.password_link.issued",),
    # Roles (deleting one takes it from its holders by cascade: the row lists them)
    "roles.new": ("role.created",),
    "roles.detail": ("role.updated",),
    "roles.delete": ("role.deleted",),
    # Workspaces (the owner joins the new workspace as its first member)
    "workspaces.new": ("workspace.created", "workspace.member.added"),
    "workspaces.edit": ("workspace.updated",),
    "workspaces.archive": ("workspace.archived",),
    "workspaces.unarchive": ("workspace.unarchived",),
    "workspaces.add_member": ("workspace.member.added",),
    "workspaces.member_role": ("workspace.member.role_changed",),
    "workspaces.remove": ("workspace.member.removed",),
    "workspaces.transfer": ("workspace.owner.changed",),
    # Model registry
    "registry.new": ("model.registered",),
    "registry.stage": ("model.stage.changed",),
    # Reports (the worker later records report.succeeded / report.failed, actor none)
    "reports.new": ("report.requested",),
    "reports.retry": ("report.retried",),
    # Plugins
    "plugins.new": ("plugin.registered",),
    "plugins.enable": ("plugin.enabled",),
    "plugins.disable": ("plugin.disabled",),
    "plugins.config": ("plugin.configured",),
    "plugins.upgrade": ("plugin.upgraded",),
    "plugins.downgrade": ("plugin.downgraded",),
    # Audit trail. An export is a report of its own kind (built by the report worker).
    "audit.export": ("report.requested", "audit.exported"),
    # Written by the job the POST queues (see JOB_WRITTEN).
    "audit.verify": ("audit.verified",),
    # System: Redis keys are not transactional; the row follows the flush, with its count.
    "system.flush": ("cache.flushed",),
}

# POST endpoints that change nothing, so record nothing: endpoint → why.
NO_AUDIT: dict[str, str] = {
    "account.recovery_codes_download": (
        "a download of the codes just shown (and already audited when made) changes nothing"
    ),
}

# Endpoints whose expected rows are written by the RQ job the POST queues, not by the
# request: those rows carry the requester as actor but no request id or IP.
JOB_WRITTEN: dict[str, str] = {
    "audit.verify": "the POST queues a verification job; the job records audit.verified",
}

# Security events and other variants of a route: "endpoint:variant" → actions.
SECURITY_EVENTS: dict[str, tuple[str, ...]] = {
    "auth.login:password_step": (),  # MFA still owed: nobody is signed in yet
    "auth.login:failure": ("auth.login.failure",),
    "auth.login:unknown_email": ("auth.login.failure",),
    "auth.login:lockout": ("auth.lockout", "auth.login.failure"),
    "auth.login:rate_limited": ("auth.login.rate_limited",),
    "auth.login:rate_limited_again": (),  # once per window, not once per attempt
    "auth.mfa:failure": ("auth.mfa.failure",),
    "auth.mfa:recovery_code": ("auth.mfa.recovery_code_used", "auth.login.success"),
    "auth.mfa:rate_limited": ("auth.login.rate_limited",),
    "registry.stage:promotion": ("model.stage.changed", "model.stage.changed"),
    # Not a POST, but audited: the download of a report's file.
    "reports.download": ("report.downloaded",),
}

# Cases where the code looks wrong: the expectation above is what it should do.
# Cases expected to fail until a known bug is fixed (strict: a fix shows up as XPASS).
BUGS: dict[str, str] = {}


def _post_endpoints(app: Flask) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and "POST" in (rule.methods or ())
    }


def _endpoint(case: str) -> str:
    return case.split(":", 1)[0]


def test_every_mutating_route_has_an_expectation(app: Flask) -> None:
    posts = _post_endpoints(app)
    endpoints = set(app.view_functions)
    missing = sorted(posts - set(EXPECTED) - set(NO_AUDIT))
    stale = sorted(
        name
        for name in {*EXPECTED, *NO_AUDIT, *JOB_WRITTEN, *map(_endpoint, SECURITY_EVENTS)}
        if name not in endpoints
    )
    assert missing == [], f"POST routes with no audit expectation: {missing}"
    assert stale == [], f"expectations for endpoints that no longer exist: {stale}"
    assert not set(EXPECTED) & set(NO_AUDIT)
    assert all(NO_AUDIT.values()), "every NO_AUDIT entry needs its reason"


def test_expected_actions_are_stable_action_names() -> None:
    known = {str(action) for action in Action}
    used = {a for actions in (*EXPECTED.values(), *SECURITY_EVENTS.values()) for a in actions}
    assert sorted(used - known) == []


def test_every_case_has_a_scenario() -> None:
    cases = {*EXPECTED, *NO_AUDIT, *SECURITY_EVENTS}
    assert sorted(cases - set(SCENARIOS)) == []
    assert sorted(set(SCENARIOS) - cases) == []


def _cases() -> list[Any]:
    table = {
        **EXPECTED,
        **dict.fromkeys(NO_AUDIT, ()),
        **SECURITY_EVENTS,
    }
    params = []
    for case in sorted(table):
        marks = [pytest.mark.xfail(strict=True, reason=BUGS[case])] if case in BUGS else []
        params.append(pytest.param(case, table[case], id=case, marks=marks))
    return params


@pytest.mark.parametrize(("case", "expected"), _cases())
def test_route_writes_exactly_its_actions(
    app: Flask,
    client: FlaskClient,
    sign_in_as: Callable[[User], User],
    app_ctx: None,
    case: str,
    expected: tuple[str, ...],
) -> None:
    ctx = Ctx(app=app, client=client, signs_in=sign_in_as)
    SCENARIOS[case](ctx)
    response = ctx.response
    assert ctx.mark is not None, "the scenario sent no request under test"
    body = response.get_data(as_text=True) if not response.is_streamed else ""
    assert response.status_code in ctx.ok_statuses, (response.status_code, body[:3000])

    rows = rows_after(ctx.mark)
    assert [row.action for row in rows] == list(expected)

    from_job = _endpoint(case) in JOB_WRITTEN
    request_id = response.headers.get("X-Request-ID")
    for row in rows:
        who = (row.action, row.actor_email, row.actor_id)
        assert row.actor_email == ctx.actor_email, who
        assert row.actor_id == (ctx.actor.id if ctx.actor is not None else None), who
        if from_job:
            assert (row.request_id, row.ip) == (None, None), row.action
        else:
            assert row.request_id and row.request_id == request_id, row.action
            assert row.ip == "127.0.0.1", row.action
