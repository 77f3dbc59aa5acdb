"""/login, /mfa and /logout."""

from __future__ import annotations

import time
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal.auth.forms import LoginForm, LogoutForm, MFAForm
from portal.extensions import db
from portal.models import User
from portal.security.permissions import Access
from portal.security.redirects import safe_next_path
from portal.services.signin.errors import MFAError, RateLimited
from portal.services.signin.sign_in import (
    GENERIC_FAILURE,
    check_password,
    check_second_factor,
    complete_sign_in,
    get_user,
    sign_out,
)
from portal.web.access import require
from portal.web.helpers import signed_in_user

bp = Blueprint("auth", __name__)

# How long the password step stays good for while the second factor is asked.
MFA_STEP_SECONDS = 300


def _next_url() -> str:
    return safe_next_path(request.args.get("next")) or url_for("dashboard.index")


def _finish_sign_in(user: User, method: str) -> Response:
    # A new session identifier (and CSRF token) for the signed-in browser: no fixation.
    session.clear()
    user_session = complete_sign_in(user, method)
    db.session.commit()
    session.permanent = True
    session["sid"] = str(user_session.id)
    login_user(user)
    return redirect(_next_url(), 303)


def _pending_mfa_user() -> User | None:
    raw, since = session.get("mfa_user_id"), session.get("mfa_since", 0)
    if not raw or time.time() - since > MFA_STEP_SECONDS:
        return None
    user = get_user(uuid.UUID(raw))
    return user if user is not None and user.is_active else None


@bp.route("/login", methods=["GET", "POST"])
@require(Access.PUBLIC)
def login() -> Response | tuple[str, int]:
    """Sign in with email and password (then /mfa when the account has MFA)."""
    if current_user.is_authenticated:
        return redirect(_next_url(), 303)
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400 if form.is_submitted() else 200
    try:
        result = check_password(form.email.data, form.password.data)
    except RateLimited as exc:
        db.session.commit()
        abort(429, retry_after=exc.retry_after)
    if result.user is None:
        db.session.commit()  # keep the failure's audit row and counters
        form.form_errors.append(GENERIC_FAILURE)
        return render_template("auth/login.html", form=form), 400
    if not result.user.mfa_enrolled:
        return _finish_sign_in(result.user, "password")
    db.session.commit()  # a rehashed password, if any
    session.clear()  # the password step rotates the session too
    session["mfa_user_id"], session["mfa_since"] = str(result.user.id), int(time.time())
    return redirect(url_for("auth.mfa", next=request.args.get("next")), 303)


@bp.route("/mfa", methods=["GET", "POST"])
@require(Access.PUBLIC)
def mfa() -> Response | tuple[str, int]:
    """The second step: a TOTP code (accepted once) or a recovery code (single use)."""
    user = _pending_mfa_user()
    if user is None:
        flash("Sign in with your email and password first.", "info")
        return redirect(url_for("auth.login"), 303)
    form = MFAForm()
    if not form.validate_on_submit():
        return render_template("auth/mfa.html", form=form), 400 if form.is_submitted() else 200
    try:
        method = check_second_factor(user, form.code.data)
    except RateLimited as exc:
        db.session.commit()  # the rate-limit audit row
        abort(429, retry_after=exc.retry_after)
    except MFAError as exc:
        db.session.commit()  # the failure's audit row and counters
        form.code.errors.append(str(exc))
        return render_template("auth/mfa.html", form=form), 400
    response = _finish_sign_in(user, method)  # clears the session: flash afterwards
    if method == "recovery":
        flash("You used a recovery code; each works once. Make new ones if few are left.", "info")
    return response


@bp.route("/logout", methods=["GET", "POST"])
@require(Access.SIGNED_IN, during_setup=True)
def logout() -> Response | str:
    """Confirm (GET) and sign out (POST)."""
    form = LogoutForm()
    if not form.validate_on_submit():
        return render_template("auth/logout.html", form=form)
    sign_out(signed_in_user(), session.get("sid"))
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"), 303)
