"""A person's own account: password change and set-password links."""

from __future__ import annotations

import uuid

from portal.extensions import db
from portal.models import PasswordToken, User
from portal.models.base import utcnow
from portal.security.passwords import hash_password, password_problems, verify_password
from portal.services import audit
from portal.services.identity.errors import PasswordChangeError
from portal.services.identity.password_links import spend_link
from portal.services.signin.sessions import end_all_sessions


def _set_password(user: User, new_password: str) -> None:
    problems = password_problems(new_password, user.email)
    if problems:
        raise PasswordChangeError(" ".join(problems))
    if verify_password(user.password_hash, new_password):
        raise PasswordChangeError("Choose a password different from the current one.")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = False


def change_password(user: User, *, current: str, new: str, keep_session: uuid.UUID | None) -> int:
    """Change one's own password; ends every other session. Returns how many ended."""
    if not verify_password(user.password_hash, current):
        raise PasswordChangeError("The current password is not correct.")
    _set_password(user, new)
    ended = end_all_sessions(user, reason="password changed", keep=keep_session)
    audit.record(
        audit.Action.PASSWORD_CHANGED, target=user, actor=user, details={"sessions_ended": ended}
    )
    return ended


def set_password_with_link(link: PasswordToken, new: str) -> User:
    """Set the password of the link's user, spend the link, and end all their sessions."""
    user = link.user
    _set_password(user, new)
    spend_link(link)
    ended = end_all_sessions(user, reason="password set")
    audit.record(
        audit.Action.PASSWORD_SET,
        target=user,
        actor=user,
        details={"link_id": str(link.id), "sessions_ended": ended},
    )
    db.session.flush()
    return user
