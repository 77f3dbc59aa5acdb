"""/roles: roles and the permission matrix."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.forms import TypedConfirmForm
from portal.models import Role
from portal.pagination import DEFAULT_PER_PAGE, parse_page_request
from portal.roles.forms import RoleForm, parse_list_args
from portal.security.permissions import Permission
from portal.services.errors import RuleError
from portal.services.identity.roles import (
    create_role,
    delete_role,
    holder_count,
    role_holders,
    roles_with_holder_counts,
    update_role,
)
from portal.web.access import require
from portal.web.confirm import Confirmation
from portal.web.helpers import committing, form_status, load_or_404, refuse_on_form, signed_in_user

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
            role = create_role(**form.role_values(), actor=signed_in_user())
        except RuleError as exc:
            refuse_on_form(form, exc)
        else:
            db.session.commit()
            flash(f"The role {role.name} was created.", "success")
            return redirect(url_for("roles.detail", role_id=role.id), 303)
    return render_template("roles/form.html", form=form), form_status()


@bp.route("/<uuid:role_id>", methods=["GET", "POST"])
@require(Permission.ROLES_MANAGE)
def detail(role_id: uuid.UUID) -> ViewResult:
    """A role's editor and its holders; the edit is in force from the next request."""
    role = load_or_404(Role, role_id)
    form = RoleForm(obj=role, builtin=role.is_builtin)
    if form.validate_on_submit():
        try:
            changes = update_role(role, **form.role_values(), actor=signed_in_user())
        except RuleError as exc:
            refuse_on_form(form, exc)
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
    return body, form_status()


def _deletion(role: Role) -> Confirmation:
    count = holder_count(role)
    holds = "holds" if count == 1 else "hold"
    return Confirmation(
        title=f"Delete the role {role.name}",
        message=f"{_users(count)} {holds} the role {role.name}; deleting it takes its "
        "permissions from them at once. This cannot be undone.",
        action="Delete role",
        back=url_for("roles.detail", role_id=role.id),
        danger=True,
        typed=role.name,
        typed_help=f"Type the role's name, {role.name}, to confirm.",
    )


@bp.route("/<uuid:role_id>/delete", methods=["GET", "POST"])
@require(Permission.ROLES_MANAGE)
def delete(role_id: uuid.UUID) -> ViewResult:
    """Confirm (GET) and delete (POST, typed name) a custom role."""
    role = load_or_404(Role, role_id)
    if role.is_builtin and request.method == "GET":
        flash(f"{role.name} is a built-in role: it cannot be deleted.", "danger")
        return redirect(url_for("roles.detail", role_id=role.id), 303)
    form = TypedConfirmForm(expected=role.name)
    if not form.validate_on_submit():  # the page's text counts the holders: only for the page
        return _deletion(role).page(form, form_status())
    name = role.name
    with committing() as outcome:
        count = delete_role(role, actor=signed_in_user())
    if not outcome.ok:
        return redirect(url_for("roles.detail", role_id=role_id), 303)
    flash(f"The role {name} was deleted and taken from {_users(count)}.", "success")
    return redirect(url_for("roles.index"), 303)
