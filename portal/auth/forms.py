"""Sign-in forms."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.forms import BaseForm


class LoginForm(BaseForm):
    """Email and password."""

    email = StringField(
        "Email",
        validators=[DataRequired("Enter your email."), Length(max=254)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class MFAForm(BaseForm):
    """The second step: a 6-digit authenticator code or a recovery code."""

    code = StringField(
        "Authentication code",
        validators=[
            DataRequired("Enter the code from your app or a recovery code."),
            Length(max=64),
        ],
        render_kw={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"},
    )


class LogoutForm(BaseForm):
    """Sign out (POST only, CSRF-protected)."""
