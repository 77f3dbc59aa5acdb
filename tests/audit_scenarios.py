"""Scenarios of tests/test_audit_completeness.py: one small, valid use of each audited route.

Each scenario builds what the route needs (factories, services), signs in as someone
allowed to do it, and sends ONE request through ``Ctx.post`` (or ``Ctx.send``), which
notes the newest audit ``seq`` just before that request. The test then compares the
audit rows written after that mark with the expected actions.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pyotp
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.jobs.worker import ThreadWorker, build_worker
from portal.models import AuditLog, User
from portal.models.base import utcnow
from portal.services.identity.password_links import issue_password_link
from portal.services.identity.roles import create_role
from portal.services.registry.changes import TRANSITIONS
from portal.services.reports.files import relative_path, report_file
from portal.services.signin import mfa
from portal.services.signin.ratelimit import WINDOW_SECONDS
from tests.factories import (
    MemberFactory,
    MLModelFactory,
    ReportFactory,
    UserFactory,
    WorkspaceFactory,
    role_named,
)
from tests.helpers.pages import csrf_token_from
from tests.helpers.signin import PASSWORD, next_totp_code
from tests.users.helpers import make_session

NEW_PASSWORD = "a fresh and rather long passphrase 42"
ENROL_SECRET = re.compile(r"data-totp-secret>([A-Z2-7]+)<")
ENROLMENT = re.compile(r'name="enrolment" type="hidden" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
EXPORT_CSRF = re.compile(
    r'data-export-form>\s*<input type="hidden" name="csrf_token" value="([^"]+)"'
)
JOB_LOCATION = re.compile(r"[?&]job=([A-Za-z0-9-]+)")

# A valid plugin manifest (a copy: the plugin area's own test helpers may change).
PLUGIN_MANIFEST: dict[str, Any] = {
    "name": "audit-lens",
    "version": "1.0.0",
    "description": "Highlights things, for the audit completeness test.",
    "author": "OmniScope Labs",
    "entry_point": "audit_lens.app:create_plugin",
    "permissions": ["models.view"],
    "config_schema": {
        "type": "object",
        "properties": {
            "endpoint": {"type": "string", "default": "https://lens.example.org"},
            "batch_size": {"type": "integer", "minimum": 1, "default": 50},
        },
        "additionalProperties": False,
    },
    "homepage": "https://lens.example.org",
}


def max_seq() -> int:
    """The newest audit row's seq (0 for an empty trail)."""
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditLog.seq), 0)))


def rows_after(seq: int) -> list[AuditLog]:
    """The audit rows written after ``seq``, in order."""
    db.session.expire_all()
    stmt = sa.select(AuditLog).where(AuditLog.seq > seq).order_by(AuditLog.seq)
    return list(db.session.scalars(stmt))


@dataclass
class Ctx:
    """What a scenario works with, and what it tells the test about the request it sent."""

    app: Flask
    client: FlaskClient
    sign_in: Callable[..., Any]
    # Whose name the new rows must carry: ``actor`` (id and email), or only ``actor_email``
    # when nobody is signed in (a failed sign-in names the email that was tried).
    actor: User | None = None
    actor_email: str | None = None
    mark: int | None = None
    response: Any = None
    # The statuses a scenario's request may end with (a form error is a 400).
    ok_statuses: range | tuple[int, ...] = field(default_factory=lambda: range(200, 400))

    # -- people ---------------------------------------------------------------------------

    def sign_in_as(self, user: User) -> User:
        """Sign ``user`` in on the test client; later rows are expected in their name."""
        response = self.sign_in(user.email)
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        assert not response.headers["Location"].startswith(("/login", "/mfa"))
        self.expect_actor(user)
        return user

    def admin(self) -> User:
        """A signed-in Admin (MFA enrolled)."""
        user = UserFactory(email="audit-admin@example.org", roles=["Admin"], mfa=True)
        return self.sign_in_as(user)

    def expect_actor(self, user: User | None, email: str | None = None) -> None:
        """The new rows name ``user`` (or nobody, with the tried ``email``)."""
        self.actor = user
        self.actor_email = user.email if user is not None else email

    def password_step(self, email: str) -> Any:
        """Only the password step of signing in (a user with MFA then owes a code)."""
        token = csrf_token_from(self.client, "/login")
        data = {"csrf_token": token, "email": email, "password": PASSWORD}
        return self.client.post("/login", data=data)

    # -- the request under test -----------------------------------------------------------

    def send(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send the request under test, noting the trail's head just before it."""
        assert self.mark is None, "a scenario sends exactly one request under test"
        self.mark = max_seq()
        self.response = self.client.open(path, method=method, **kwargs)
        return self.response

    def post(
        self,
        path: str,
        data: dict[str, Any] | None = None,
        *,
        form: str | None = None,
        token: str | None = None,
    ) -> Any:
        """POST ``data`` to ``path`` with the CSRF token of the page that shows the form
        (``form``, by default ``path`` itself)."""
        if token is None:
            token = csrf_token_from(self.client, form or path)
        return self.send("POST", path, data={"csrf_token": token, **(data or {})})

    def new_actions(self) -> list[str]:
        """The actions written since the request under test began."""
        assert self.mark is not None
        return [row.action for row in rows_after(self.mark)]


# ---- auth ---------------------------------------------------------------------------------


def auth_login(ctx: Ctx) -> None:
    user = UserFactory(roles=["Viewer"])
    ctx.expect_actor(user)
    token = csrf_token_from(ctx.client, "/login")
    ctx.post("/login", {"email": user.email, "password": PASSWORD}, token=token)
    assert ctx.response.headers["Location"] == "/"


def auth_login_password_step(ctx: Ctx) -> None:
    """A user with MFA: the password step alone signs nobody in, so it records nothing."""
    user = UserFactory(roles=["Admin"], mfa=True)
    ctx.expect_actor(user)
    ctx.post("/login", {"email": user.email, "password": PASSWORD}, form="/login")
    assert ctx.response.headers["Location"].startswith("/mfa")


def auth_login_failure(ctx: Ctx) -> None:
    user = UserFactory(roles=["Viewer"])
    ctx.expect_actor(None, user.email)
    ctx.ok_statuses = (400,)
    ctx.post("/login", {"email": user.email, "password": "not the password at all"})


def auth_login_unknown(ctx: Ctx) -> None:
    ctx.expect_actor(None, "nobody-here@example.org")
    ctx.ok_statuses = (400,)
    ctx.post("/login", {"email": "Nobody-Here@example.org", "password": "whatever it is"})


def auth_login_lockout(ctx: Ctx) -> None:
    """The failure that reaches the threshold locks the account (lockout, then failure)."""
    threshold = ctx.app.config["LOCKOUT_THRESHOLD"]
    user = UserFactory(roles=["Viewer"], failed_login_count=threshold - 1)
    ctx.expect_actor(None, user.email)
    ctx.ok_statuses = (400,)
    ctx.post("/login", {"email": user.email, "password": "not the password at all"})


def fresh_rate_limit_window() -> None:
    """Wait for the next one-minute rate-limit window when this one is about to end, so
    that the failures counted below and the request under test share a window."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 3:
        time.sleep(left + 0.05)


def _exhaust_login_limit(ctx: Ctx, email: str) -> None:
    fresh_rate_limit_window()
    for _ in range(ctx.app.config["LOGIN_LIMIT_PER_ACCOUNT"]):
        token = csrf_token_from(ctx.client, "/login")
        data = {"csrf_token": token, "email": email, "password": "wrong password!"}
        assert ctx.client.post("/login", data=data).status_code == 400


def auth_login_rate_limited(ctx: Ctx) -> None:
    """The first refused attempt of a window is recorded (even with the right password)."""
    user = UserFactory(roles=["Viewer"])
    _exhaust_login_limit(ctx, user.email)
    ctx.expect_actor(None, user.email)
    ctx.ok_statuses = (429,)
    ctx.post("/login", {"email": user.email, "password": PASSWORD})


def auth_login_rate_limited_again(ctx: Ctx) -> None:
    """Later refusals in the same window are not recorded again (no flooding the trail)."""
    user = UserFactory(roles=["Viewer"])
    _exhaust_login_limit(ctx, user.email)
    token = csrf_token_from(ctx.client, "/login")
    data = {"csrf_token": token, "email": user.email, "password": PASSWORD}
    assert ctx.client.post("/login", data=data).status_code == 429
    ctx.expect_actor(None, user.email)
    ctx.ok_statuses = (429,)
    ctx.post("/login", {"email": user.email, "password": PASSWORD}, token=token)


def auth_mfa(ctx: Ctx) -> None:
    user = UserFactory(roles=["Admin"], mfa=True)
    assert ctx.password_step(user.email).status_code == 303
    ctx.expect_actor(user)
    ctx.post("/mfa", {"code": next_totp_code(ctx.app, user.email)})
    assert ctx.response.headers["Location"] == "/"


def auth_mfa_failure(ctx: Ctx) -> None:
    user = UserFactory(roles=["Admin"], mfa=True)
    assert ctx.password_step(user.email).status_code == 303
    ctx.expect_actor(None, user.email)
    ctx.ok_statuses = (400,)
    ctx.post("/mfa", {"code": "000000"})


def auth_mfa_recovery_code(ctx: Ctx) -> None:
    user = UserFactory(roles=["Researcher"], mfa=True)
    with ctx.app.test_request_context():
        codes = mfa.regenerate_recovery_codes(user)
    db.session.flush()
    assert ctx.password_step(user.email).status_code == 303
    ctx.expect_actor(user)
    ctx.post("/mfa", {"code": codes[0]})
    assert ctx.response.headers["Location"] == "/"


def auth_mfa_rate_limited(ctx: Ctx) -> None:
    """Past the per-user code limit the /mfa step answers 429."""
    user = UserFactory(roles=["Admin"], mfa=True)
    assert ctx.password_step(user.email).status_code == 303
    fresh_rate_limit_window()
    for _ in range(ctx.app.config["MFA_LIMIT_PER_USER"]):
        token = csrf_token_from(ctx.client, "/mfa")
        assert (
            ctx.client.post("/mfa", data={"csrf_token": token, "code": "000000"}).status_code == 400
        )
    ctx.expect_actor(None, user.email)
    ctx.ok_statuses = (429,)
    ctx.post("/mfa", {"code": next_totp_code(ctx.app, user.email)})


def auth_logout(ctx: Ctx) -> None:
    ctx.sign_in_as(UserFactory(roles=["Viewer"]))
    ctx.post("/logout")
    assert ctx.response.headers["Location"] == "/login"


# ---- account --------------------------------------------------------------------------------


def account_end_own_session(ctx: Ctx) -> None:
    user = ctx.sign_in_as(UserFactory(roles=["Viewer"]))
    other = make_session(user)  # the same person signed in on another device
    ctx.post(f"/account/sessions/{other.id}/end", form="/account/sessions")
    assert ctx.response.headers["Location"] == "/account/sessions"


def account_mfa_disable(ctx: Ctx) -> None:
    user = ctx.sign_in_as(UserFactory(roles=["Viewer"], mfa=True))  # no role requires MFA
    code = next_totp_code(ctx.app, user.email)
    ctx.post("/account/mfa/disable", {"password": PASSWORD, "code": code}, form="/account/mfa")


def account_mfa_setup(ctx: Ctx) -> None:
    ctx.sign_in_as(UserFactory(roles=["Viewer"]))
    page = ctx.client.get("/account/mfa").get_data(as_text=True)
    secret = ENROL_SECRET.search(page).group(1)
    data = {"enrolment": ENROLMENT.search(page).group(1), "code": pyotp.TOTP(secret).now()}
    ctx.post("/account/mfa", data, token=CSRF.search(page).group(1))
    assert ctx.response.status_code == 200
    assert "data-recovery-code>" in ctx.response.get_data(as_text=True)


def account_password(ctx: Ctx) -> None:
    ctx.sign_in_as(UserFactory(roles=["Viewer"]))
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    ctx.post("/account/password", data)


def account_recovery_codes(ctx: Ctx) -> None:
    ctx.sign_in_as(UserFactory(roles=["Viewer"], mfa=True))
    ctx.post("/account/recovery-codes")
    assert "data-recovery-code>" in ctx.response.get_data(as_text=True)


def account_recovery_codes_download(ctx: Ctx) -> None:
    user = ctx.sign_in_as(UserFactory(roles=["Viewer"], mfa=True))
    with ctx.app.test_request_context():
        codes = mfa.regenerate_recovery_codes(user)
    db.session.flush()
    data = {f"codes-{i}": code for i, code in enumerate(codes)}
    ctx.post("/account/recovery-codes/download", data, form="/account/recovery-codes")
    assert ctx.response.mimetype == "text/plain"
    assert codes[0] in ctx.response.get_data(as_text=True)


def account_set_password(ctx: Ctx) -> None:
    user = UserFactory(roles=["Viewer"])
    token = issue_password_link(user, actor=None)
    db.session.flush()
    ctx.expect_actor(user)  # the person choosing their password is the actor
    path = f"/account/set-password/{token}"
    ctx.post(path, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert ctx.response.headers["Location"] == "/login"


# ---- users ----------------------------------------------------------------------------------


def users_new(ctx: Ctx) -> None:
    ctx.admin()
    data = {
        "name": "Nia New",
        "email": "nia.new@example.org",
        "roles": [str(role_named("Viewer").id)],
        "credential": "link",
    }
    ctx.post("/users/new", data)
    assert ctx.response.status_code == 201


def users_edit(ctx: Ctx) -> None:
    ctx.admin()
    target = UserFactory(roles=["Viewer"], name="Old Name")
    data = {"name": "New Name", "email": target.email, "version": str(target.version)}
    ctx.post(f"/users/{target.id}/edit", data)


def users_deactivate(ctx: Ctx) -> None:
    ctx.admin()
    target = UserFactory(roles=["Viewer"])
    make_session(target)
    ctx.post(f"/users/{target.id}/deactivate", {"confirmation": target.email})


def users_reactivate(ctx: Ctx) -> None:
    ctx.admin()
    target = UserFactory(roles=["Viewer"], is_active=False)
    ctx.post(f"/users/{target.id}/reactivate")


def users_unlock(ctx: Ctx) -> None:
    ctx.admin()
    locked_until = utcnow() + timedelta(minutes=10)
    target = UserFactory(
        roles=["Viewer"], failed_login_count=3, lockout_count=1, locked_until=locked_until
    )
    ctx.post(f"/users/{target.id}/unlock")


def users_reset_mfa(ctx: Ctx) -> None:
    ctx.admin()
    target = UserFactory(roles=["Viewer"], mfa=True)
    ctx.post(f"/users/{target.id}/reset-mfa")


def users_revoke_sessions(ctx: Ctx) -> None:
    ctx.admin()
    target = UserFactory(roles=["Viewer"])
    make_session(target)
    ctx.post(f"/users/{target.id}/revoke-sessions")


def users_roles(ctx: Ctx) -> None:
    ctx.admin()
    target = UserFactory(roles=["Viewer"])
    data = {"role_id": str(role_named("Analyst").id), "action": "grant"}
    ctx.post(f"/users/{target.id}/roles", data, form=f"/users/{target.id}")


def users_revoke(ctx: Ctx) -> None:
    ctx.admin()
    target = UserFactory(roles=["Viewer", "Analyst"])
    ctx.post(f"/users/{target.id}/roles/{role_named('Analyst').id}/revoke")


def users_password_link(ctx: Ctx) -> None:
    ctx.admin()
    target = UserFactory(roles=["Viewer"])
    ctx.post(f"/users/{target.id}/password-link")
    assert "/account/set-password/" in ctx.response.get_data(as_text=True)


# ---- roles ----------------------------------------------------------------------------------


def _custom_role(name: str = "Lab Lead") -> Any:
    role = create_role(
        name=name, description="", permissions=["models.view"], requires_mfa=False, actor=None
    )
    db.session.flush()
    return role


def roles_new(ctx: Ctx) -> None:
    ctx.admin()
    data = {"name": "Lab Lead", "description": "Leads a lab", "permissions": ["models.view"]}
    ctx.post("/roles/new", data)


def roles_detail(ctx: Ctx) -> None:
    ctx.admin()
    role = _custom_role()
    data = {
        "name": role.name,
        "description": "Now with reports",
        "permissions": ["models.view", "reports.generate"],
    }
    ctx.post(f"/roles/{role.id}", data)


def roles_delete(ctx: Ctx) -> None:
    ctx.admin()
    role = _custom_role()
    ctx.post(f"/roles/{role.id}/delete", {"confirmation": role.name})
    assert ctx.response.headers["Location"] == "/roles"


# ---- workspaces -----------------------------------------------------------------------------


def workspaces_new(ctx: Ctx) -> None:
    ctx.admin()
    pi = UserFactory(roles=["PI"], mfa=True)
    data = {"name": "Audit Lab", "slug": "audit-lab", "description": "", "owner_email": pi.email}
    ctx.post("/workspaces/new", data)


def workspaces_edit(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    data = {
        "name": ws.name + " renamed",
        "description": "",
        "settings": json.dumps(ws.settings or {}),
        "version": str(ws.version),
    }
    ctx.post(f"/workspaces/{ws.id}/edit", data)


def workspaces_archive(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    ctx.post(f"/workspaces/{ws.id}/archive", {"confirmation": ws.slug})


def workspaces_unarchive(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory(is_archived=True)
    ctx.post(f"/workspaces/{ws.id}/unarchive")


def workspaces_add_member(ctx: Ctx) -> None:
    ctx.admin()
    ws, person = WorkspaceFactory(), UserFactory(roles=["Researcher"])
    data = {"email": person.email, "role": "editor"}
    ctx.post(f"/workspaces/{ws.id}/members", data, form=f"/workspaces/{ws.id}/members")


def workspaces_member_role(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    member = MemberFactory(workspace=ws, role="viewer")
    path = f"/workspaces/{ws.id}/members/{member.id}/role"
    ctx.post(path, {"role": "editor"}, form=f"/workspaces/{ws.id}/members")


def workspaces_remove(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    member = MemberFactory(workspace=ws, role="editor")
    ctx.post(f"/workspaces/{ws.id}/members/{member.id}/remove")


def workspaces_transfer(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    pi = UserFactory(roles=["PI"], mfa=True)
    member = MemberFactory(workspace=ws, user=pi, role="editor")
    ctx.post(f"/workspaces/{ws.id}/members/{member.id}/transfer", {"confirmation": pi.email})


# ---- model registry -------------------------------------------------------------------------


def registry_new(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    data = {
        "workspace": str(ws.id),
        "name": "audit-net",
        "version": "1.0.0",
        "framework": "pytorch",
        "task": "classification",
        "artifact_uri": "s3://models/audit-net.pt",
        "metrics": '{"accuracy": 0.91}',
        "parameters": '{"lr": 0.001}',
    }
    ctx.post("/models/new", data)


def registry_stage(ctx: Ctx) -> None:
    ctx.admin()
    model = MLModelFactory(stage="draft")
    assert "staging" in TRANSITIONS["draft"]
    data = {"stage": "staging", "reason": "Ready for review", "expected_stage": "draft"}
    ctx.post(f"/models/{model.id}/stage", data, form=f"/models/{model.id}")


def registry_stage_promotion(ctx: Ctx) -> None:
    """Promoting to production archives the previous production version: two rows."""
    ctx.admin()
    ws = WorkspaceFactory()
    MLModelFactory(workspace=ws, name="audit-net", version="1.0.0", stage="production")
    model = MLModelFactory(workspace=ws, name="audit-net", version="2.0.0", stage="staging")
    data = {"stage": "production", "reason": "Better", "expected_stage": "staging"}
    ctx.post(f"/models/{model.id}/stage", data, form=f"/models/{model.id}")


# ---- reports --------------------------------------------------------------------------------


def reports_new(ctx: Ctx) -> None:
    ctx.admin()
    path = "/reports/new?kind=access_review"
    ctx.post(path, {"workspace": ""})
    assert ctx.response.headers["Location"].startswith("/reports/")


def reports_retry(ctx: Ctx) -> None:
    admin = ctx.admin()
    report = ReportFactory(requested_by=admin, status="failed", error="It broke.", attempts=1)
    ctx.post(f"/reports/{report.id}/retry", form=f"/reports/{report.id}")


def reports_download(ctx: Ctx) -> None:
    """A GET that is audited: downloading a report's file."""
    admin = ctx.admin()
    report = ReportFactory(requested_by=admin, status="succeeded", progress=100, row_count=1)
    report.result_path = relative_path(report.id)
    db.session.flush()
    path = report_file(report.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("a,b\n1,2\n", encoding="utf-8-sig")
    try:
        ctx.send("GET", f"/reports/{report.id}/download")
        assert ctx.response.mimetype == "text/csv"
        ctx.response.close()
    finally:
        path.unlink(missing_ok=True)


# ---- plugins --------------------------------------------------------------------------------


def _plugin(actor: User, *, enabled: bool = False) -> Any:
    # Imported here: the plugin area landed separately; the other scenarios do not need it.
    from portal.services.plugins.changes import register_plugin

    plugin = register_plugin(json.loads(json.dumps(PLUGIN_MANIFEST)), actor=actor)
    plugin.is_enabled = enabled
    db.session.flush()
    return plugin


def plugins_new(ctx: Ctx) -> None:
    ctx.admin()
    ctx.post("/plugins/new", {"manifest": json.dumps(PLUGIN_MANIFEST, indent=2)})


def plugins_enable(ctx: Ctx) -> None:
    plugin = _plugin(ctx.admin())
    ctx.post(f"/plugins/{plugin.id}/enable", {"version": plugin.version})


def plugins_disable(ctx: Ctx) -> None:
    plugin = _plugin(ctx.admin(), enabled=True)
    ctx.post(f"/plugins/{plugin.id}/disable")


def plugins_config(ctx: Ctx) -> None:
    plugin = _plugin(ctx.admin())
    config = {"endpoint": "https://other.example.org", "batch_size": 10}
    ctx.post(f"/plugins/{plugin.id}/config", {"config": json.dumps(config)})


def plugins_upgrade(ctx: Ctx) -> None:
    plugin = _plugin(ctx.admin())
    manifest = {**PLUGIN_MANIFEST, "version": "1.1.0"}
    ctx.post(f"/plugins/{plugin.id}/upgrade", {"manifest": json.dumps(manifest)})


def plugins_downgrade(ctx: Ctx) -> None:
    from portal.services.plugins.changes import upgrade_plugin

    admin = ctx.admin()
    plugin = _plugin(admin)
    upgrade_plugin(plugin, {**PLUGIN_MANIFEST, "version": "1.1.0"}, actor=admin)
    db.session.flush()
    ctx.post(f"/plugins/{plugin.id}/downgrade", {"version": "1.0.0"})


# ---- audit ----------------------------------------------------------------------------------


def audit_verify(ctx: Ctx) -> None:
    """The POST only queues the verification; the job records its outcome. Run here by
    the real RQ worker class in this thread (as the reports tests do), not a real worker
    process, so that the test's transaction still rolls everything back."""
    ctx.admin()
    ctx.post("/audit/verify")
    assert JOB_LOCATION.search(ctx.response.headers["Location"])
    assert ctx.new_actions() == [], "the request itself records nothing"
    assert build_worker(ctx.app, ThreadWorker).work(burst=True)


def audit_export(ctx: Ctx) -> None:
    """An export is a report of its own kind: requested, and the export itself recorded."""
    ctx.admin()
    # The trail page writes its export form by hand (value after name): read it as such.
    page = ctx.client.get("/audit").get_data(as_text=True)
    token = EXPORT_CSRF.search(page).group(1)
    ctx.post("/audit/export", {"format": "csv"}, token=token)
    assert ctx.response.headers["Location"].startswith("/reports/")


# ---- system ---------------------------------------------------------------------------------


def system_flush(ctx: Ctx) -> None:
    ctx.admin()
    ctx.post("/system/cache/dashboard/flush")
    assert ctx.response.headers["Location"] == "/system/cache"


# Case id (an endpoint, or "endpoint:variant") → its scenario.
SCENARIOS: dict[str, Callable[[Ctx], None]] = {
    "account.end_own_session": account_end_own_session,
    "account.mfa_disable": account_mfa_disable,
    "account.mfa_setup": account_mfa_setup,
    "account.password": account_password,
    "account.recovery_codes": account_recovery_codes,
    "account.recovery_codes_download": account_recovery_codes_download,
    "account.set_password": account_set_password,
    "audit.export": audit_export,
    "audit.verify": audit_verify,
    "auth.login": auth_login,
    "auth.login:password_step": auth_login_password_step,
    "auth.login:failure": auth_login_failure,
    "auth.login:unknown_email": auth_login_unknown,
    "auth.login:lockout": auth_login_lockout,
    "auth.login:rate_limited": auth_login_rate_limited,
    "auth.login:rate_limited_again": auth_login_rate_limited_again,
    "auth.logout": auth_logout,
    "auth.mfa": auth_mfa,
    "auth.mfa:failure": auth_mfa_failure,
    "auth.mfa:recovery_code": auth_mfa_recovery_code,
    "auth.mfa:rate_limited": auth_mfa_rate_limited,
    "plugins.config": plugins_config,
    "plugins.disable": plugins_disable,
    "plugins.downgrade": plugins_downgrade,
    "plugins.enable": plugins_enable,
    "plugins.new": plugins_new,
    "plugins.upgrade": plugins_upgrade,
    "registry.new": registry_new,
    "registry.stage": registry_stage,
    "registry.stage:promotion": registry_stage_promotion,
    "reports.download": reports_download,
    "reports.new": reports_new,
    "reports.retry": reports_retry,
    "roles.delete": roles_delete,
    "roles.detail": roles_detail,
    "roles.new": roles_new,
    "system.flush": system_flush,
    "users.deactivate": users_deactivate,
    "users.edit": users_edit,
    "users.new": users_new,
    "users.password_link": users_password_link,
    "users.reactivate": users_reactivate,
    "users.reset_mfa": users_reset_mfa,
    "users.revoke": users_revoke,
    "users.revoke_sessions": users_revoke_sessions,
    "users.roles": users_roles,
    "users.unlock": users_unlock,
    "workspaces.add_member": workspaces_add_member,
    "workspaces.archive": workspaces_archive,
    "workspaces.edit": workspaces_edit,
    "workspaces.member_role": workspaces_member_role,
    "workspaces.new": workspaces_new,
    "workspaces.remove": workspaces_remove,
    "workspaces.transfer": workspaces_transfer,
    "workspaces.unarchive": workspaces_unarchive,
}
