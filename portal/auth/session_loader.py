"""Flask-Login's user loader: a user is signed in only while their server-side session lives."""

from __future__ import annotations

import uuid

from flask import session

from portal.extensions import login_manager
from portal.models import User
from portal.services.principal import load_principal
from portal.services.sessions import session_is_valid


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of this request's session, or None when it is ended, idle or expired."""
    if not session_is_valid(session.get("sid"), user_id):
        return None
    try:
        user = load_principal(uuid.UUID(user_id))
    except ValueError:
        return None
    if user is None or not user.is_active:
        return None
    return user
