"""User accounts: creation, edits, the administrator's actions on them, and their roles."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Role, User, UserRole
from portal.models.base import snapshot
from portal.security.passwords import hash_password, password_problems
from portal.services import audit
from portal.services.editing import flush, update_versioned
from portal.services.identity.errors import DuplicateEmailError, EditConflictError, UserRuleError
from portal.services.identity.last_admin import ADMIN_ROLE, is_last_active_admin
from portal.services.identity.password_links import issue_password_link
from portal.services.signin.errors import MFAError
from portal.services.signin.mfa import reset_mfa
from portal.services.signin.sessions import revoke_all_sessions
from portal.services.signin.sign_in import find_user_by_email, is_locked, normalise_email

CONFLICT_MESSAGE = (
    "Someone else changed this user while you were editing. Nothing was saved: "
    "check the current values and submit again."
)


@dataclass(frozen=True)
class NewAccount:
    """A created user and the one secret to show once: a one-time password or a link token."""

    user: User
    one_time_password: str | None = None
    link_token: str | None = None


def count_users() -> int:
    """How many accounts exist."""
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def generate_one_time_password() -> str:
    """A random first password (about 120 bits) that the person must replace."""
    return secrets.token_urlsafe(15)


def _saved() -> None:
    """Flush a change of the user (its version checked; a concurrent edit is refused)."""
    flush(stale=EditConflictError(CONFLICT_MESSAGE))


def _email_taken() -> DuplicateEmailError:
    return DuplicateEmailError("An account with this email already exists.", field="email")


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    roles: list[Role],
    actor: User | None,
    must_change_password: bool = False,
    credential: str = "password",
) -> User:
    """Create an active account holding ``roles``."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise DuplicateEmailError(
            f"An account with the email {email} already exists.", field="email"
        )
    problems = password_problems(password, email)
    if problems:
        raise UserRuleError(" ".join(problems))
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    db.session.add(user)
    flush(taken=_email_taken())
    audit.record(
        audit.Action.USER_CREATED,
        target=user,
        actor=actor,
        details={
            "after": {"email": email, "name": user.name, "is_active": True},
            "credential": credential,
        },
    )
    for role in roles:
        grant_role(user, role, actor=actor)
    return user


def register_user(
    *, email: str, name: str, roles: list[Role], actor: User, send_link: bool
) -> NewAccount:
    """Create an account with a one-time password or a set-password link (shown once)."""
    # With a link, the random password is never shown: nobody can sign in until it is set.
    password = generate_one_time_password()
    user = create_user(
        email=email,
        name=name,
        password=password,
        roles=roles,
        actor=actor,
        must_change_password=not send_link,
        credential="set-password link" if send_link else "one-time password",
    )
    if send_link:
        return NewAccount(user, link_token=issue_password_link(user, actor=actor))
    return NewAccount(user, one_time_password=password)


def update_user(
    user: User, *, name: str, email: str, expected_version: int, actor: User
) -> dict[str, Any]:
    """Change name and email unless the user changed since ``expected_version`` was read.

    Returns the changed fields' new values (empty when nothing changed).
    """
    wanted = {"name": name.strip(), "email": normalise_email(email)}
    if user.version != expected_version:
        raise EditConflictError(CONFLICT_MESSAGE)
    if wanted["email"] != user.email and find_user_by_email(wanted["email"]) is not None:
        raise DuplicateEmailError(
            f"An account with the email {wanted['email']} already exists.", field="email"
        )
    return update_versioned(
        user,
        wanted,
        expected_version=expected_version,
        action=audit.Action.USER_UPDATED,
        actor=actor,
        stale=EditConflictError(CONFLICT_MESSAGE),
        taken=_email_taken(),
    )


def deactivate_user(user: User, *, actor: User) -> None:
    """Deactivate a user and end all their sessions at once."""
    if user.id == actor.id:
        raise UserRuleError("You cannot deactivate your own account.")
    if not user.is_active:
        raise UserRuleError(f"{user.email} is already deactivated.")
    if is_last_active_admin(user):
        raise UserRuleError(
            "The last active administrator cannot be deactivated: make another administrator first."
        )
    _set_active(user, False, actor=actor)
    revoke_all_sessions(user, actor=actor, reason="deactivated")


def reactivate_user(user: User, *, actor: User) -> None:
    """Let a deactivated user sign in again."""
    if user.is_active:
        raise UserRuleError(f"{user.email} is already active.")
    _set_active(user, True, actor=actor)


def _set_active(user: User, active: bool, *, actor: User) -> None:
    user.is_active = active
    _saved()
    action = audit.Action.USER_REACTIVATED if active else audit.Action.USER_DEACTIVATED
    details = {"before": {"is_active": not active}, "after": {"is_active": active}}
    audit.record(action, target=user, actor=actor, details=details)


def unlock_user(user: User, *, actor: User) -> None:
    """Lift a lockout and reset the failed sign-in counters."""
    fields = ("locked_until", "failed_login_count", "lockout_count")
    before = snapshot(user, fields)
    if not is_locked(user) and not user.failed_login_count and not user.lockout_count:
        raise UserRuleError(f"{user.email} is not locked and has no failed sign-ins to clear.")
    user.locked_until = None
    user.failed_login_count = 0
    user.lockout_count = 0
    _saved()
    audit.record(
        audit.Action.USER_UNLOCKED,
        target=user,
        actor=actor,
        details={"before": before, "after": snapshot(user, fields)},
    )


def reset_user_mfa(user: User, *, actor: User) -> None:
    """Clear a user's MFA (lost device) and end their sessions; they enrol again."""
    if user.id == actor.id:
        # Turning off one's own MFA needs the password and a code: the account page does it.
        raise UserRuleError("Manage your own MFA from your account page.")
    try:
        reset_mfa(user, actor=actor)
    except MFAError as exc:
        raise UserRuleError(str(exc)) from exc
    revoke_all_sessions(user, actor=actor, reason="MFA reset")


def revoke_user_sessions(user: User, *, actor: User, keep: uuid.UUID | None = None) -> int:
    """End every live session of ``user`` (but ``keep``, the actor's own); returns how many."""
    return revoke_all_sessions(user, actor=actor, reason="revoked by administrator", keep=keep)


def issue_user_password_link(user: User, *, actor: User) -> str:
    """A new set-password link token for an active user (shown once)."""
    if not user.is_active:
        raise UserRuleError(f"{user.email} is deactivated: reactivate the account first.")
    return issue_password_link(user, actor=actor)


def grant_role(user: User, role: Role, *, actor: User | None) -> bool:
    """Give ``user`` the ``role``; False when they already hold it."""
    if db.session.get(UserRole, (user.id, role.id)) is not None:
        return False
    db.session.add(
        UserRole(user_id=user.id, role_id=role.id, granted_by_id=actor.id if actor else None)
    )
    _roles_changed(user, role, audit.Action.USER_ROLE_GRANTED, actor)
    return True


def grant_user_role(user: User, role: Role, *, actor: User) -> None:
    """Grant ``role``, refusing when the user already holds it."""
    if not grant_role(user, role, actor=actor):
        raise UserRuleError(f"{user.email} already holds the {role.name} role.")


def revoke_role(user: User, role: Role, *, actor: User) -> None:
    """Take ``role`` away from ``user`` (never the last active administrator's Admin role)."""
    link = db.session.get(UserRole, (user.id, role.id))
    if link is None:
        raise UserRuleError(f"{user.email} does not hold the {role.name} role.")
    if role.name == ADMIN_ROLE and is_last_active_admin(user):
        raise UserRuleError(
            "The last active administrator cannot lose the Admin role: "
            "make another administrator first."
        )
    db.session.delete(link)
    _roles_changed(user, role, audit.Action.USER_ROLE_REVOKED, actor)


def _roles_changed(user: User, role: Role, action: str, actor: User | None) -> None:
    """Write the grant or revocation, reload the user's roles, and record it."""
    db.session.flush()
    db.session.expire(user, ["roles", "role_links"])
    details = {"role": role.name, "role_id": str(role.id)}
    audit.record(action, target=user, actor=actor, details=details)
