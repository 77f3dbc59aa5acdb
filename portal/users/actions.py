"""Confirmed actions on a user: a GET confirmation page, then a POST that runs a service."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.extensions import db
from portal.forms import BaseForm, ConfirmForm, TypedConfirmForm
from portal.models import User
from portal.services.identity.errors import UserRuleError
from portal.services.identity.users import (
    deactivate_user,
    reactivate_user,
    reset_user_mfa,
    revoke_user_sessions,
    unlock_user,
)


def acting_user() -> User:
    """The signed-in user doing the change."""
    return current_user._get_current_object()


def current_sid() -> uuid.UUID | None:
    """The id of the acting browser's own server-side session."""
    try:
        return uuid.UUID(session.get("sid") or "")
    except ValueError:
        return None


def request_status() -> int:
    """400 for a refused submission, 200 for the page itself."""
    return 400 if request.method == "POST" else 200


def to_detail(user_id: uuid.UUID) -> ResponseReturnValue:
    """303 back to the user's page."""
    return redirect(url_for("users.detail", user_id=user_id), 303)


@dataclass(frozen=True)
class Step:
    """A confirmed action on a user: what its confirmation page says and what it runs."""

    title: str
    message: str
    label: str
    done: str
    run: Callable[[User, User], object]
    danger: bool = False
    typed: bool = False

    def text(self, template: str, user: User) -> str:
        """``template`` with the user's email in place of ``{email}`` (no other formatting)."""
        return template.replace("{email}", user.email)


def confirm_page(user: User, step: Step, form: BaseForm, status: int = 200) -> Any:
    """The confirmation page of ``step`` for ``user``."""
    page = render_template(
        "_partials/confirm.html",
        title=step.text(step.title, user),
        message=step.text(step.message, user),
        action_label=step.label,
        action_url=request.path,
        cancel_url=url_for("users.detail", user_id=user.id),
        form=form,
        danger=step.danger,
        confirmation_help=f"Type {user.email} to confirm." if step.typed else None,
    )
    return page, status


def run_confirmed(user_id: uuid.UUID, step: Step) -> ResponseReturnValue:
    """GET: the confirmation page. POST: run the step, commit, flash, back to the user."""
    user = db.get_or_404(User, user_id)
    form = TypedConfirmForm(expected=user.email) if step.typed else ConfirmForm()
    if not form.validate_on_submit():
        return confirm_page(user, step, form, request_status())
    try:
        step.run(user, acting_user())
    except UserRuleError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(step.text(step.done, user), "success")
    return to_detail(user_id)


DEACTIVATE = Step(
    "Deactivate {email}",
    "{email} will not be able to sign in, and every session they have ends now.",
    "Deactivate",
    "{email} was deactivated and signed out everywhere.",
    lambda user, actor: deactivate_user(user, actor=actor),
    danger=True,
    typed=True,
)
REACTIVATE = Step(
    "Reactivate {email}",
    "{email} will be able to sign in again with their password.",
    "Reactivate",
    "{email} was reactivated.",
    lambda user, actor: reactivate_user(user, actor=actor),
)
UNLOCK = Step(
    "Unlock {email}",
    "The lockout of {email} ends now and their failed sign-in count starts again from zero.",
    "Unlock",
    "{email} was unlocked.",
    lambda user, actor: unlock_user(user, actor=actor),
)
RESET_MFA = Step(
    "Reset MFA of {email}",
    "The authenticator and recovery codes of {email} stop working and their sessions end; "
    "they set up MFA again at their next sign-in.",
    "Reset MFA",
    "The MFA of {email} was reset.",
    lambda user, actor: reset_user_mfa(user, actor=actor),
    danger=True,
)
REVOKE_SESSIONS = Step(
    "Sign {email} out everywhere",
    "Every session of {email} ends now (your own current session is kept).",
    "End sessions",
    "The sessions of {email} were ended.",
    lambda user, actor: revoke_user_sessions(user, actor=actor, keep=current_sid()),
    danger=True,
)
# Only its confirmation page: the POST renders the link instead of redirecting.
PASSWORD_LINK = Step(
    "Set-password link for {email}",
    "A new link lets {email} choose a password; any earlier unused link stops working.",
    "Create link",
    "",
    lambda user, actor: None,
)
