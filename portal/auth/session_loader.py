"""Flask-Login's user loader: a user is signed in only while their server-side session lives."""

from __future__ import annotations

import uuid

from flask import session
from sqlalchemy.orm import joinedload

from portal.extensions import db, login_manager
from portal.models import User
from portal.services.sessions import session_is_valid


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of this request's session, or None when it is ended, idle or expired."""
    if not session_is_valid(session.get("sid"), user_id):
        return None
    try:
        # Roles come in the same query: every page checks permissions.
        user = db.session.get(User, uuid.UUID(user_id), options=[joinedload(User.roles)])
    except ValueError:
        return None
    if user is None or not user.is_active:
        return None
    return user
