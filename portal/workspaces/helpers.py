"""What the /workspaces views share: the acting user, loaders that apply the access rules,
redirects, and the confirmation-page flow of the destructive actions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import Conflict

from portal.extensions import db
from portal.forms import BaseForm, ConfirmForm, TypedConfirmForm
from portal.models import User, Workspace, WorkspaceMember
from portal.services.workspaces.access import get_workspace_for
from portal.services.workspaces.errors import WorkspaceArchivedError, WorkspaceRuleError
from portal.services.workspaces.queries import member_of


def acting_user() -> User:
    """The signed-in user doing the change."""
    return current_user._get_current_object()


def request_status() -> int:
    """400 for a refused submission, 200 for the page itself."""
    return 400 if request.method == "POST" else 200


def viewable(workspace_id: uuid.UUID) -> Workspace:
    """The workspace if the user may see it (404 otherwise)."""
    return get_workspace_for(acting_user(), workspace_id, "view")


def managed(workspace_id: uuid.UUID, *, allow_archived: bool = False) -> Workspace:
    """The workspace if the user may manage it: 404 / 403, and 409 when archived."""
    return get_workspace_for(acting_user(), workspace_id, "manage", allow_archived=allow_archived)


def member_or_404(workspace: Workspace, member_id: uuid.UUID) -> WorkspaceMember:
    """The membership ``member_id`` of this workspace (404 for another workspace's)."""
    member = member_of(workspace, member_id)
    if member is None:
        abort(404)
    return member


def to_detail(workspace_id: uuid.UUID) -> ResponseReturnValue:
    """303 to the workspace's page."""
    return redirect(url_for("workspaces.detail", workspace_id=workspace_id), 303)


def to_members(workspace_id: uuid.UUID) -> ResponseReturnValue:
    """303 to the workspace's members."""
    return redirect(url_for("workspaces.members", workspace_id=workspace_id), 303)


def run_change(change: Callable[[], Any]) -> bool:
    """Run a service change and commit; on a rule error roll back, flash, return False.

    An archived workspace (noticed once its row was locked) is a 409, as elsewhere.
    """
    try:
        change()
    except WorkspaceArchivedError as exc:
        db.session.rollback()
        raise Conflict(str(exc)) from exc
    except WorkspaceRuleError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return False
    db.session.commit()
    return True


@dataclass(frozen=True)
class Confirmation:
    """A confirmed action: what its page says, what it runs and where it goes after."""

    title: str
    message: str
    label: str
    done: str
    run: Callable[[], Any]
    back: str
    danger: bool = False
    typed: str | None = None  # the text to type, for the worst actions


def confirm_page(step: Confirmation, form: BaseForm, status: int = 200) -> Any:
    """The confirmation page of ``step``."""
    page = render_template(
        "_partials/confirm.html",
        title=step.title,
        message=step.message,
        action_label=step.label,
        action_url=request.path,
        cancel_url=step.back,
        form=form,
        danger=step.danger,
        confirmation_help=f"Type {step.typed} to confirm." if step.typed else None,
    )
    return page, status


def run_confirmed(step: Confirmation) -> ResponseReturnValue:
    """GET: the confirmation page. POST: run the step, commit, flash, go back."""
    form = TypedConfirmForm(expected=step.typed) if step.typed else ConfirmForm()
    if not form.validate_on_submit():
        return confirm_page(step, form, request_status())
    if run_change(step.run):
        flash(step.done, "success")
    return redirect(step.back, 303)
