"""/account: own profile, password, MFA, recovery codes, sessions; set-password links."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from portal.account.forms import (
    ChangePasswordForm,
    DisableMFAForm,
    EnrolForm,
    RecoveryCodesDownloadForm,
    SetPasswordForm,
)
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.security import totp
from portal.security.permissions import Access
from portal.security.redirects import safe_next_path
from portal.services.identity.account import change_password, set_password_with_link
from portal.services.identity.errors import PasswordChangeError, PasswordLinkError
from portal.services.identity.password_links import find_valid_link
from portal.services.signin import mfa
from portal.services.signin.errors import MFAError
from portal.services.signin.sessions import (
    describe_device,
    end_session,
    get_own_session,
    live_sessions,
)
from portal.web.access import require
from portal.web.helpers import current_session_id, form_status, refuse_on_form, signed_in_user

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("")
@require(Access.SIGNED_IN)
def index() -> str:
    """Own profile."""
    return render_template(
        "account/index.html", unused_codes=mfa.unused_recovery_code_count(signed_in_user())
    )


@bp.route("/password", methods=["GET", "POST"])
@require(Access.SIGNED_IN, during_setup=True)
def password() -> Response | tuple[str, int]:
    """Change one's own password (ends the other sessions)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            ended = change_password(
                signed_in_user(), current=form.current_password.data, new=form.new_password.data,
                keep_session=current_session_id(),
            )  # fmt: skip
        except PasswordChangeError as exc:
            refuse_on_form(form, exc, form.new_password)
        else:
            db.session.commit()
            flash(f"Your password was changed. {ended} other session(s) ended.", "success")
            return redirect(safe_next_path(request.args.get("next")) or url_for(".index"), 303)
    return render_template("account/password.html", form=form), form_status()


def _render_enrolment(form: EnrolForm, secret: str, status: int) -> tuple[str, int]:
    uri = totp.provisioning_uri(secret, signed_in_user().email)
    form.enrolment.data = mfa.enrolment_token(signed_in_user(), secret)
    return render_template(
        "account/mfa_enrol.html", form=form, secret=secret, qr_svg=totp.qr_svg(uri), uri=uri
    ), status


@bp.route("/mfa", methods=["GET", "POST"])
@require(Access.SIGNED_IN, during_setup=True)
def mfa_setup() -> Response | tuple[str, int]:
    """Enrol an authenticator app (QR code + secret, confirmed by a code), or see MFA status."""
    user = signed_in_user()
    if user.mfa_enrolled:
        return render_template(
            "account/mfa_status.html",
            form=DisableMFAForm(),
            unused_codes=mfa.unused_recovery_code_count(user),
        ), 200
    form = EnrolForm()
    if not form.validate_on_submit():
        return _render_enrolment(form, mfa.start_enrolment(), form_status())
    try:
        secret = mfa.secret_from_enrolment_token(user, form.enrolment.data)
    except MFAError as exc:
        return _render_enrolment(form, mfa.start_enrolment(), refuse_on_form(form, exc, form.code))
    try:
        codes = mfa.confirm_enrolment(user, secret, form.code.data)
    except MFAError as exc:
        return _render_enrolment(form, secret, refuse_on_form(form, exc, form.code))
    db.session.commit()
    return _render_codes(codes, "Two-factor authentication is on.")


def _render_codes(codes: list[str], headline: str) -> tuple[str, int]:
    download = RecoveryCodesDownloadForm(formdata=None, data={"codes": codes})
    return render_template(
        "account/recovery_codes.html", codes=codes, headline=headline, download=download
    ), 200


@bp.post("/mfa/disable")
@require(Access.SIGNED_IN)
def mfa_disable() -> Response | tuple[str, int]:
    """Turn MFA off (only when no role requires it): password and a current code."""
    user = signed_in_user()
    if not user.mfa_enrolled:
        flash("Two-factor authentication is already off.", "info")
        return redirect(url_for(".mfa_setup"), 303)
    form = DisableMFAForm()
    if form.validate_on_submit():
        try:
            mfa.disable_mfa(user, password=form.password.data, code=form.code.data)
        except MFAError as exc:
            refuse_on_form(form, exc, form.code)
        else:
            db.session.commit()
            flash("Two-factor authentication is off.", "success")
            return redirect(url_for(".mfa_setup"), 303)
    unused = mfa.unused_recovery_code_count(user)
    return render_template("account/mfa_status.html", form=form, unused_codes=unused), 400


@bp.route("/recovery-codes", methods=["GET", "POST"])
@require(Access.SIGNED_IN)
def recovery_codes() -> Response | tuple[str, int]:
    """How many recovery codes are left; make new ones (the old ones stop working)."""
    user = signed_in_user()
    if not user.mfa_enrolled:
        flash("Set up an authenticator app first.", "info")
        return redirect(url_for(".mfa_setup"), 303)
    form = ConfirmForm()
    if form.validate_on_submit():
        codes = mfa.regenerate_recovery_codes(user)
        db.session.commit()
        return _render_codes(codes, "New recovery codes; the old ones no longer work.")
    unused = mfa.unused_recovery_code_count(user)
    status = form_status()
    return render_template("account/recovery_status.html", form=form, unused=unused), status


@bp.post("/recovery-codes/download")
@require(Access.SIGNED_IN, during_setup=True)
def recovery_codes_download() -> Response:
    """The codes just shown, as a text file (only the user's own unused codes)."""
    form = RecoveryCodesDownloadForm()
    codes = [c for c in (form.codes.data or []) if c] if form.validate_on_submit() else []
    if not mfa.are_unused_codes_of(signed_in_user(), codes):
        abort(400, description="Those are not your current recovery codes.")
    body = "OmniScope recovery codes for " + signed_in_user().email + "\n"
    body += "Each code works once.\n\n" + "\n".join(codes) + "\n"
    return Response(
        body,
        mimetype="text/plain",
        headers={
            "Content-Disposition": 'attachment; filename="omniscope-recovery-codes.txt"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/sessions")
@require(Access.SIGNED_IN)
def sessions() -> str:
    """Own signed-in sessions, with the device, IP, start and last activity."""
    rows = [(row, describe_device(row.user_agent)) for row in live_sessions(signed_in_user())]
    return render_template(
        "account/sessions.html", rows=rows, current=current_session_id(), form=ConfirmForm()
    )


@bp.post("/sessions/<uuid:session_id>/end")
@require(Access.SIGNED_IN)
def end_own_session(session_id: uuid.UUID) -> Response:
    """End one of one's own sessions (another's id is a 404)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row = get_own_session(signed_in_user(), session_id)
    if row is None:
        abort(404)
    end_session(row, reason="ended by user")
    db.session.commit()
    if row.id == current_session_id():
        session.clear()
        flash("This session has ended; sign in again.", "info")
        return redirect(url_for("auth.login"), 303)
    flash("The session has ended.", "success")
    return redirect(url_for(".sessions"), 303)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@require(Access.PUBLIC)
def set_password(token: str) -> Response | tuple[str, int]:
    """Choose a password from a single-use, expiring link."""
    try:
        link = find_valid_link(token)
    except PasswordLinkError as exc:
        return render_template("account/link_invalid.html", message=str(exc)), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            set_password_with_link(link, form.new_password.data)
        except PasswordChangeError as exc:
            refuse_on_form(form, exc, form.new_password)
        else:
            db.session.commit()
            session.clear()
            flash("Your password is set. Sign in with it.", "success")
            return redirect(url_for("auth.login"), 303)
    page = render_template("account/set_password.html", form=form, email=link.user.email)
    return page, form_status()
