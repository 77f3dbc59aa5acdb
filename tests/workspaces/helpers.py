"""Helpers of the /workspaces tests: reading pages, posting forms, pictures of the DB."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import AuditLog, User, Workspace, WorkspaceMember
from tests.helpers.pages import csrf_token_from

ROW = re.compile(r'data-workspace-row="([^"]+)"')
MEMBER_ROW = re.compile(r'data-member-row="([^"]+)"')
NEXT_LINK = re.compile(r'<a class="page-link" rel="next" href="([^"]+)"')
PREV_LINK = re.compile(r'<a class="page-link" rel="prev" href="([^"]+)"')
ERROR_DETAIL = re.compile(r"<p[^>]*data-error-detail>([^<]*)</p>")
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')


def text(response: Any) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def listed(response: Any, pattern: re.Pattern[str] = ROW) -> list[str]:
    """The slugs (or member emails) of the rows on a list page, in order."""
    return [html.unescape(value) for value in pattern.findall(text(response))]


def link(pattern: re.Pattern[str], response: Any) -> str | None:
    """The (unescaped) href that ``pattern`` finds on the page, if any."""
    match = pattern.search(text(response))
    return html.unescape(match.group(1)) if match else None


def error_detail(response: Any) -> str:
    """The explanation a 400 or 409 page gives."""
    match = ERROR_DETAIL.search(text(response))
    assert match, text(response)[:3000]
    return html.unescape(match.group(1))


def post(client: FlaskClient, path: str, **data: Any) -> Any:
    """POST ``data`` with a valid CSRF token of the client's session."""
    return client.post(path, data={"csrf_token": csrf_token_from(client, "/logout"), **data})


def flashes_after(client: FlaskClient, response: Any) -> str:
    """The page a 303 leads to (where the flash messages are)."""
    assert response.status_code == 303, text(response)[:3000]
    return html.unescape(text(client.get(response.headers["Location"])))


def state(workspace_id: uuid.UUID) -> dict[str, Any]:
    """Everything a change could touch in a workspace and its members."""
    db.session.expire_all()
    workspace = db.session.get(Workspace, workspace_id)
    assert workspace is not None
    members = db.session.execute(
        sa.select(WorkspaceMember.user_id, WorkspaceMember.role).where(
            WorkspaceMember.workspace_id == workspace_id
        )
    )
    return {
        "name": workspace.name,
        "slug": workspace.slug,
        "description": workspace.description,
        "settings": workspace.settings,
        "is_archived": workspace.is_archived,
        "version": workspace.version,
        "owner_id": workspace.owner_id,
        "members": sorted((str(user_id), role) for user_id, role in members),
    }


def audit_count() -> int:
    """How many audit rows exist."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))


def workspace_count() -> int:
    """How many workspaces exist."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Workspace))


def member_id(workspace: Workspace, email: str) -> uuid.UUID:
    """The id of the membership of ``workspace`` of the user with this email."""
    found = db.session.scalar(
        sa.select(WorkspaceMember.id)
        .join(User, User.id == WorkspaceMember.user_id)
        .where(WorkspaceMember.workspace_id == workspace.id, User.email == email)
    )
    assert found is not None, email
    return found


def role_of(workspace: Workspace, email: str) -> str | None:
    """The workspace role of the user with this email (None when not a member)."""
    return db.session.scalar(
        sa.select(WorkspaceMember.role)
        .join(User, User.id == WorkspaceMember.user_id)
        .where(WorkspaceMember.workspace_id == workspace.id, User.email == email)
    )
