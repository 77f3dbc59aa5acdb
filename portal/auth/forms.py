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


class LogoutForm(BaseForm):
    """Sign out (POST only, CSRF-protected)."""
