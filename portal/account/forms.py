"""Forms of one's own account."""

from __future__ import annotations

from wtforms import FieldList, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.forms import BaseForm


class _NewPasswordMixin:
    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Enter a new password."), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo("new_password", "The two passwords differ."),
            Length(max=1024),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(_NewPasswordMixin, BaseForm):
    """Current password, then the new one twice."""

    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password."), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class SetPasswordForm(_NewPasswordMixin, BaseForm):
    """A new password from a set-password link."""


class EnrolForm(BaseForm):
    """Confirm a new authenticator with a current code."""

    enrolment = HiddenField(validators=[DataRequired(), Length(max=1024)])
    code = StringField(
        "Code from your app",
        validators=[DataRequired("Enter the 6-digit code your app shows."), Length(max=16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class DisableMFAForm(BaseForm):
    """Turn MFA off: password and a current code."""

    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=1024)]
    )
    code = StringField(
        "Authentication code", validators=[DataRequired("Enter a code."), Length(max=64)]
    )


class RecoveryCodesDownloadForm(BaseForm):
    """The codes just shown, posted back to be saved as a text file."""

    codes = FieldList(HiddenField(validators=[Length(max=64)]), max_entries=20)
