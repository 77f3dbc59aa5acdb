"""/login and /logout."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal.auth.forms import LoginForm, LogoutForm
from portal.extensions import db
from portal.security.permissions import Access, require
from portal.security.redirects import safe_next_path
from portal.services.auth import GENERIC_FAILURE, check_password, complete_sign_in, sign_out

bp = Blueprint("auth", __name__)


def _after_sign_in() -> str:
    return safe_next_path(request.args.get("next")) or url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
@require(Access.PUBLIC)
def login() -> Response | tuple[str, int]:
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(_after_sign_in(), 303)
    form = LoginForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status
    result = check_password(form.email.data, form.password.data)
    if result.user is None:
        db.session.commit()  # keep the failure's audit row and counter
        form.form_errors.append(GENERIC_FAILURE)
        return render_template("auth/login.html", form=form), 400
    # A new session identifier (and CSRF token) for the signed-in browser: no fixation.
    session.clear()
    user_session = complete_sign_in(result.user)
    db.session.commit()
    session.permanent = True
    session["sid"] = str(user_session.id)
    login_user(result.user)
    return redirect(_after_sign_in(), 303)


@bp.route("/logout", methods=["GET", "POST"])
@require(Access.SIGNED_IN)
def logout() -> Response | str:
    """Confirm (GET) and sign out (POST)."""
    form = LogoutForm()
    if not form.validate_on_submit():
        return render_template("auth/logout.html", form=form)
    sign_out(current_user._get_current_object(), session.get("sid"))
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"), 303)
