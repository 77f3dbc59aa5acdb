"""/users: user administration."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest
from werkzeug.routing import BuildError

from portal.extensions import db
from portal.forms import BaseForm, ConfirmForm
from portal.models import Role, User
from portal.models.base import utcnow
from portal.pagination import parse_page_request
from portal.security.permissions import Permission, require
from portal.services.identity.errors import DuplicateEmailError, EditConflictError, UserRuleError
from portal.services.identity.user_queries import (
    grantable_roles,
    list_users,
    recent_events,
    roles_by_ids,
)
from portal.services.identity.users import (
    grant_user_role,
    issue_user_password_link,
    list_roles,
    register_user,
    revoke_role,
    update_user,
)
from portal.services.signin.sessions import live_sessions
from portal.services.signin.sign_in import is_locked
from portal.users.actions import (
    DEACTIVATE,
    PASSWORD_LINK,
    REACTIVATE,
    RESET_MFA,
    REVOKE_SESSIONS,
    UNLOCK,
    Step,
    acting_user,
    confirm_page,
    request_status,
    run_confirmed,
    to_detail,
)
from portal.users.forms import (
    RoleChangeForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
    role_choices,
)

bp = Blueprint("users", __name__, url_prefix="/users")


def _set_password_url(token: str) -> str:
    try:
        return url_for("account.set_password", token=token, _external=True)
    except BuildError:
        # The account area may not offer the page yet: its documented path.
        return f"{request.host_url.rstrip('/')}/account/set-password/{token}"


@bp.get("")
@require(Permission.USERS_VIEW)
def index() -> ResponseReturnValue:
    """Search, filter and page through the users."""
    form = UserFilterForm(formdata=request.args)
    form.set_role_names([role.name for role in list_roles()])
    if not form.validate():
        raise BadRequest(description=form.first_error())
    page_request = parse_page_request(request.args)
    result = list_users(
        form.filters(), page_request, sort=form.sort.data, descending=form.order.data == "desc"
    )
    args = form.link_args()
    if "per_page" in request.args:
        args["per_page"] = str(page_request.per_page)
    return render_template("users/index.html", form=form, result=result, args=args, now=utcnow())


def _render_form(form: BaseForm, user: User | None = None, status: int = 200) -> Any:
    return render_template("users/form.html", form=form, user=user), status


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def new() -> ResponseReturnValue:
    """Create an account; its one-time password or set-password link is shown once."""
    form = UserCreateForm()
    form.set_roles(role_choices(list_roles()))
    if not form.validate_on_submit():
        return _render_form(form, status=request_status())
    try:
        account = register_user(
            email=form.email.data,
            name=form.name.data,
            roles=roles_by_ids(form.roles.data or []),
            actor=acting_user(),
            send_link=form.credential.data == "link",
        )
    except UserRuleError as exc:
        db.session.rollback()
        errors = form.email.errors if isinstance(exc, DuplicateEmailError) else form.form_errors
        errors.append(str(exc))
        return _render_form(form, status=400)
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
    return _render_detail(db.get_or_404(User, user_id))


@bp.route("/<uuid:user_id>/edit", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def edit(user_id: uuid.UUID) -> ResponseReturnValue:
    """Change a user's name and email (refused if someone changed the user meanwhile)."""
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if not form.validate_on_submit():
        return _render_form(form, user, request_status())
    try:
        changed = update_user(
            user,
            name=form.name.data,
            email=form.email.data,
            expected_version=form.version.data,
            actor=acting_user(),
        )
    except DuplicateEmailError as exc:
        db.session.rollback()
        form.email.errors.append(str(exc))
        return _render_form(form, user, 400)
    except EditConflictError as exc:
        db.session.rollback()  # reloads the user as it is now, to show its current values
        form.form_errors.append(str(exc))
        form.rebase(user.version)
        return render_template("users/form.html", form=form, user=user, conflict=True), 409
    db.session.commit()
    flash(f"Saved {user.email}." if changed else "Nothing changed.", "success")
    return to_detail(user_id)


@bp.route("/<uuid:user_id>/deactivate", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def deactivate(user_id: uuid.UUID) -> ResponseReturnValue:
    """Deactivate a user (typed confirmation) and end their sessions."""
    return run_confirmed(user_id, DEACTIVATE)


@bp.route("/<uuid:user_id>/reactivate", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def reactivate(user_id: uuid.UUID) -> ResponseReturnValue:
    """Reactivate a deactivated user."""
    return run_confirmed(user_id, REACTIVATE)


@bp.route("/<uuid:user_id>/unlock", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def unlock(user_id: uuid.UUID) -> ResponseReturnValue:
    """Lift a lockout and clear the failed sign-in counters."""
    return run_confirmed(user_id, UNLOCK)


@bp.route("/<uuid:user_id>/reset-mfa", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def reset_mfa(user_id: uuid.UUID) -> ResponseReturnValue:
    """Clear a user's MFA so they enrol again."""
    return run_confirmed(user_id, RESET_MFA)


@bp.route("/<uuid:user_id>/revoke-sessions", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def revoke_sessions(user_id: uuid.UUID) -> ResponseReturnValue:
    """End every session of a user."""
    return run_confirmed(user_id, REVOKE_SESSIONS)


@bp.post("/<uuid:user_id>/roles")
@require(Permission.USERS_MANAGE)
def roles(user_id: uuid.UUID) -> ResponseReturnValue:
    """Grant the chosen role, or go to the confirmation page to revoke it."""
    user = db.get_or_404(User, user_id)
    form = RoleChangeForm()
    form.set_roles(role_choices(list_roles()))
    if not form.validate_on_submit():
        return _render_detail(user, form, 400)
    role = db.get_or_404(Role, uuid.UUID(form.role_id.data))
    if form.action.data == "revoke":
        return redirect(url_for("users.revoke", user_id=user_id, role_id=role.id), 303)
    try:
        grant_user_role(user, role, actor=acting_user())
    except UserRuleError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(f"{user.email} now holds the {role.name} role.", "success")
    return to_detail(user_id)


@bp.route("/<uuid:user_id>/roles/<uuid:role_id>/revoke", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def revoke(user_id: uuid.UUID, role_id: uuid.UUID) -> ResponseReturnValue:
    """Revoke a role the user holds, after confirmation."""
    user, role = db.get_or_404(User, user_id), db.get_or_404(Role, role_id)
    if role not in user.roles:
        abort(404)
    step = Step(
        f"Revoke {role.name} from " + "{email}",
        "{email}" + f" loses the {role.name} role and its permissions from their next request.",
        f"Revoke {role.name}",
        "{email}" + f" no longer holds the {role.name} role.",
        lambda user, actor: revoke_role(user, role, actor=actor),
        danger=True,
    )
    return run_confirmed(user_id, step)


@bp.route("/<uuid:user_id>/password-link", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def password_link(user_id: uuid.UUID) -> ResponseReturnValue:
    """Issue a set-password link (earlier links stop working); shown once."""
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return confirm_page(user, PASSWORD_LINK, form)
    try:
        token = issue_user_password_link(user, actor=acting_user())
    except UserRuleError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return to_detail(user_id)
    db.session.commit()
    return render_template("users/link.html", user=user, link=_set_password_url(token))
