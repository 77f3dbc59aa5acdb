"""/users: user administration."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.extensions import db
from portal.forms import BaseForm
from portal.models import Role, User
from portal.models.base import utcnow
from portal.security.permissions import Permission
from portal.services.errors import RuleError
from portal.services.identity.errors import EditConflictError
from portal.services.identity.roles import list_roles
from portal.services.identity.user_queries import (
    grantable_roles,
    list_users,
    recent_events,
    roles_by_ids,
)
from portal.services.identity.users import (
    deactivate_user,
    grant_user_role,
    issue_user_password_link,
    reactivate_user,
    register_user,
    reset_user_mfa,
    revoke_role,
    revoke_user_sessions,
    unlock_user,
    update_user,
)
from portal.services.signin.sessions import live_sessions
from portal.services.signin.sign_in import is_locked
from portal.users.forms import (
    RoleChangeForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
    role_choices,
)
from portal.web.access import require
from portal.web.confirm import Confirmation, confirm, load_confirmations
from portal.web.helpers import (
    committing,
    current_session_id,
    form_status,
    load_or_404,
    refuse_on_form,
    signed_in_user,
)
from portal.web.lists import list_page

bp = Blueprint("users", __name__, url_prefix="/users")
STEPS = load_confirmations(Path(__file__).with_name("confirmations.toml"))


def _set_password_url(token: str) -> str:
    return url_for("account.set_password", token=token, _external=True)


def _to_detail(user_id: uuid.UUID) -> ResponseReturnValue:
    return redirect(url_for("users.detail", user_id=user_id), 303)


def _step(user: User, step: Confirmation, **values: str) -> Confirmation:
    return step.filled(back=url_for("users.detail", user_id=user.id), email=user.email, **values)


def _confirm_on(
    user_id: uuid.UUID, action: str, change: Callable[..., object], **options: Any
) -> ResponseReturnValue:
    """The confirmed ``action``: ``change(user, actor=..., **options)`` on the user."""
    user = load_or_404(User, user_id)
    step = _step(user, STEPS[action])
    return confirm(step, lambda: change(user, actor=signed_in_user(), **options))


@bp.get("")
@require(Permission.USERS_VIEW)
def index() -> ResponseReturnValue:
    """Search, filter and page through the users."""
    form = UserFilterForm(formdata=request.args)
    form.set_role_names([role.name for role in list_roles()])
    return list_page(
        "users/index.html",
        form,
        lambda page: list_users(form.filters(), page, **form.ordering()),
        now=utcnow(),
    )


def _render_form(form: BaseForm, user: User | None = None, status: int = 200, **extra: Any) -> Any:
    return render_template("users/form.html", form=form, user=user, **extra), status


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def new() -> ResponseReturnValue:
    """Create an account; its one-time password or set-password link is shown once."""
    form = UserCreateForm()
    form.set_roles(role_choices(list_roles()))
    if not form.validate_on_submit():
        return _render_form(form, status=form_status())
    try:
        roles = roles_by_ids(form.roles.data or [])
        account = register_user(**form.values(), roles=roles, actor=signed_in_user())
    except RuleError as exc:
        return _render_form(form, status=refuse_on_form(form, exc))
    db.session.commit()
    link = _set_password_url(account.link_token) if account.link_token else None
    # Rendered from the POST (no redirect): the secret is never stored to show it later.
    return render_template("users/created.html", account=account, link=link), 201


def _render_detail(user: User, role_form: RoleChangeForm | None = None, status: int = 200) -> Any:
    if role_form is None:
        role_form = RoleChangeForm()
    role_form.set_roles(role_choices(grantable_roles(user)))
    page = render_template(
        "users/detail.html",
        user=user,
        locked=is_locked(user),
        sessions=live_sessions(user),
        events=recent_events(user),
        role_form=role_form,
    )
    return page, status


@bp.get("/<uuid:user_id>")
@require(Permission.USERS_VIEW)
def detail(user_id: uuid.UUID) -> ResponseReturnValue:
    """A user's roles, MFA, lockout, sessions and recent audit events."""
    return _render_detail(load_or_404(User, user_id))


@bp.route("/<uuid:user_id>/edit", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def edit(user_id: uuid.UUID) -> ResponseReturnValue:
    """Change a user's name and email (refused if someone changed the user meanwhile)."""
    user = load_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if not form.validate_on_submit():
        return _render_form(form, user, form_status())
    try:
        changed = update_user(user, **form.values(), actor=signed_in_user())
    except RuleError as exc:
        status = refuse_on_form(form, exc)  # the rollback reloads the user as it is now
        if isinstance(exc, EditConflictError):
            form.rebase(user.version)
        return _render_form(form, user, status, conflict=isinstance(exc, EditConflictError))
    db.session.commit()
    flash(f"Saved {user.email}." if changed else "Nothing changed.", "success")
    return _to_detail(user_id)


@bp.route("/<uuid:user_id>/deactivate", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def deactivate(user_id: uuid.UUID) -> ResponseReturnValue:
    """Deactivate a user (typed confirmation) and end their sessions."""
    return _confirm_on(user_id, "deactivate", deactivate_user)


@bp.route("/<uuid:user_id>/reactivate", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def reactivate(user_id: uuid.UUID) -> ResponseReturnValue:
    """Reactivate a deactivated user."""
    return _confirm_on(user_id, "reactivate", reactivate_user)


@bp.route("/<uuid:user_id>/unlock", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def unlock(user_id: uuid.UUID) -> ResponseReturnValue:
    """Lift a lockout and clear the failed sign-in counters."""
    return _confirm_on(user_id, "unlock", unlock_user)


@bp.route("/<uuid:user_id>/reset-mfa", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def reset_mfa(user_id: uuid.UUID) -> ResponseReturnValue:
    """Clear a user's MFA so they enrol again."""
    return _confirm_on(user_id, "reset_mfa", reset_user_mfa)


@bp.route("/<uuid:user_id>/revoke-sessions", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def revoke_sessions(user_id: uuid.UUID) -> ResponseReturnValue:
    """End every session of a user (the acting browser's own is kept)."""
    return _confirm_on(user_id, "revoke_sessions", revoke_user_sessions, keep=current_session_id())


@bp.post("/<uuid:user_id>/roles")
@require(Permission.USERS_MANAGE)
def roles(user_id: uuid.UUID) -> ResponseReturnValue:
    """Grant the chosen role, or go to the confirmation page to revoke it."""
    user = load_or_404(User, user_id)
    form = RoleChangeForm()
    form.set_roles(role_choices(list_roles()))
    if not form.validate_on_submit():
        return _render_detail(user, form, 400)
    role = load_or_404(Role, uuid.UUID(form.role_id.data))
    if form.action.data == "revoke":
        return redirect(url_for("users.revoke", user_id=user_id, role_id=role.id), 303)
    with committing() as outcome:
        grant_user_role(user, role, actor=signed_in_user())
    if outcome.ok:
        flash(f"{user.email} now holds the {role.name} role.", "success")
    return _to_detail(user_id)


@bp.route("/<uuid:user_id>/roles/<uuid:role_id>/revoke", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def revoke(user_id: uuid.UUID, role_id: uuid.UUID) -> ResponseReturnValue:
    """Revoke a role the user holds, after confirmation."""
    user, role = load_or_404(User, user_id), load_or_404(Role, role_id)
    if role not in user.roles:
        abort(404)
    step = _step(user, STEPS["revoke_role"], role=role.name)
    return confirm(step, lambda: revoke_role(user, role, actor=signed_in_user()))


@bp.route("/<uuid:user_id>/password-link", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def password_link(user_id: uuid.UUID) -> ResponseReturnValue:
    """Issue a set-password link (earlier links stop working); shown once."""
    user = load_or_404(User, user_id)
    step = _step(user, STEPS["password_link"])
    form = step.form()
    if not form.validate_on_submit():
        return step.page(form)
    with committing() as outcome:
        token = issue_user_password_link(user, actor=signed_in_user())
    if not outcome.ok:
        return _to_detail(user_id)
    return render_template("users/link.html", user=user, link=_set_password_url(token))
