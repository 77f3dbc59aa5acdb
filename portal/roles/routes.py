"""/roles: roles and the permission matrix."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.forms import TypedConfirmForm
from portal.models import Role
from portal.pagination import DEFAULT_PER_PAGE, parse_page_request
from portal.roles.forms import RoleForm, parse_list_args
from portal.security.permissions import Permission, require
from portal.services.identity.errors import RoleRuleError
from portal.services.identity.roles import (
    create_role,
    delete_role,
    get_role_or_404,
    holder_count,
    role_holders,
    roles_with_holder_counts,
    update_role,
)

bp = Blueprint("roles", __name__, url_prefix="/roles")

ViewResult = str | Response | tuple[str, int]


def _users(count: int) -> str:
    return f"{count:,} user" if count == 1 else f"{count:,} users"


@bp.get("")
@require(Permission.ROLES_MANAGE)
def index() -> str:
    """Every role with its permissions count and holders; name prefix search, two orders."""
    q, sort = parse_list_args(request.args)
    page = roles_with_holder_counts(q=q, sort=sort, page=parse_page_request(request.args))
    per_page = None if page.per_page == DEFAULT_PER_PAGE else page.per_page
    args = {"q": q or None, "sort": None if sort == "name" else sort, "per_page": per_page}
    return render_template("roles/index.html", page=page, q=q, sort=sort, args=args)


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.ROLES_MANAGE)
def new() -> ViewResult:
    """Create a custom role."""
    form = RoleForm()
    if form.validate_on_submit():
        try:
            role = create_role(**form.role_values(), actor=current_user._get_current_object())
        except RoleRuleError as exc:
            db.session.rollback()
            form.add_rule_error(exc)
        else:
            db.session.commit()
            flash(f"The role {role.name} was created.", "success")
            return redirect(url_for("roles.detail", role_id=role.id), 303)
    return render_template("roles/form.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/<uuid:role_id>", methods=["GET", "POST"])
@require(Permission.ROLES_MANAGE)
def detail(role_id: uuid.UUID) -> ViewResult:
    """A role's editor and its holders; the edit is in force from the next request."""
    role = get_role_or_404(role_id)
    form = RoleForm(obj=role, builtin=role.is_builtin)
    if form.validate_on_submit():
        try:
            changes = update_role(
                role, **form.role_values(), actor=current_user._get_current_object()
            )
        except RoleRuleError as exc:
            db.session.rollback()
            form.add_rule_error(exc)
        else:
            db.session.commit()
            saved = (f"The role {role.name} was saved.", "success")
            flash(*(saved if changes else ("Nothing changed.", "info")))
            return redirect(url_for("roles.detail", role_id=role.id), 303)
    body = render_template(
        "roles/detail.html",
        form=form,
        role=role,
        holders=role_holders(role),
        count=holder_count(role),
    )
    return body, 400 if form.is_submitted() else 200


def _confirm_page(role: Role, form: TypedConfirmForm) -> str:
    count = holder_count(role)
    holds = "holds" if count == 1 else "hold"
    return render_template(
        "_partials/confirm.html",
        title=f"Delete the role {role.name}",
        message=f"{_users(count)} {holds} the role {role.name}; deleting it takes its "
        "permissions from them at once. This cannot be undone.",
        action_label="Delete role",
        action_url=url_for("roles.delete", role_id=role.id),
        cancel_url=url_for("roles.detail", role_id=role.id),
        form=form,
        danger=True,
        confirmation_help=f"Type the role's name, {role.name}, to confirm.",
    )


@bp.route("/<uuid:role_id>/delete", methods=["GET", "POST"])
@require(Permission.ROLES_MANAGE)
def delete(role_id: uuid.UUID) -> ViewResult:
    """Confirm (GET) and delete (POST, typed name) a custom role."""
    role = get_role_or_404(role_id)
    if role.is_builtin and request.method == "GET":
        flash(f"{role.name} is a built-in role: it cannot be deleted.", "danger")
        return redirect(url_for("roles.detail", role_id=role.id), 303)
    form = TypedConfirmForm(expected=role.name)
    if not form.validate_on_submit():
        return _confirm_page(role, form), 400 if form.is_submitted() else 200
    name = role.name
    try:
        count = delete_role(role, actor=current_user._get_current_object())
    except RoleRuleError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("roles.detail", role_id=role_id), 303)
    db.session.commit()
    flash(f"The role {name} was deleted and taken from {_users(count)}.", "success")
    return redirect(url_for("roles.index"), 303)
