"""Flask-Login's user loader: a user is signed in only while their server-side session lives."""

from __future__ import annotations

from flask import session

from portal.extensions import login_manager
from portal.models import User
from portal.services.signin.principal import load_signed_in


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of this request's session, or None when it is ended, idle or expired."""
    return load_signed_in(session.get("sid"), user_id)
