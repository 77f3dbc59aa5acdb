"""What every audit scenario works with: the test client, the trail's mark, the actor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import AuditLog, User
from tests.factories import UserFactory
from tests.helpers.pages import csrf_token_from
from tests.helpers.signin import password_step

# Case id (an endpoint, or "endpoint:variant") → its scenario; the area modules fill it.
SCENARIOS: dict[str, Callable[[Ctx], None]] = {}


def scenario(case: str) -> Callable[[Callable[[Ctx], None]], Callable[[Ctx], None]]:
    """Register the decorated function as the scenario of ``case`` (once only)."""

    def register(function: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
        assert case not in SCENARIOS, f"two scenarios for {case}"
        SCENARIOS[case] = function
        return function

    return register


def max_seq() -> int:
    """The newest audit row's seq (0 for an empty trail)."""
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditLog.seq), 0)))


def rows_after(seq: int) -> list[AuditLog]:
    """The audit rows written after ``seq``, in order."""
    db.session.expire_all()
    stmt = sa.select(AuditLog).where(AuditLog.seq > seq).order_by(AuditLog.seq)
    return list(db.session.scalars(stmt))


@dataclass
class Ctx:
    """What a scenario works with, and what it tells the test about the request it sent."""

    app: Flask
    client: FlaskClient
    # The ``sign_in_as`` fixture: signs the test client in, all the way to the dashboard.
    signs_in: Callable[[User], User]
    # Whose name the new rows must carry: ``actor`` (id and email), or only ``actor_email``
    # when nobody is signed in (a failed sign-in names the email that was tried).
    actor: User | None = None
    actor_email: str | None = None
    mark: int | None = None
    response: Any = None
    # The statuses a scenario's request may end with (a form error is a 400).
    ok_statuses: range | tuple[int, ...] = field(default_factory=lambda: range(200, 400))

    # -- people ---------------------------------------------------------------------------

    def sign_in_as(self, user: User) -> User:
        """Sign ``user`` in on the test client; later rows are expected in their name."""
        self.expect_actor(self.signs_in(user))
        return user

    def admin(self) -> User:
        """A signed-in Admin (MFA enrolled)."""
        user = UserFactory(email="audit-admin@example.org", roles=["Admin"], mfa=True)
        return self.sign_in_as(user)

    def expect_actor(self, user: User | None, email: str | None = None) -> None:
        """The new rows name ``user`` (or nobody, with the tried ``email``)."""
        self.actor = user
        self.actor_email = user.email if user is not None else email

    def password_step(self, email: str) -> Any:
        """Only the password step of signing in (a user with MFA then owes a code)."""
        return password_step(self.client, email)

    # -- the request under test -----------------------------------------------------------

    def send(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send the request under test, noting the trail's head just before it."""
        assert self.mark is None, "a scenario sends exactly one request under test"
        self.mark = max_seq()
        self.response = self.client.open(path, method=method, **kwargs)
        return self.response

    def post(
        self,
        path: str,
        data: dict[str, Any] | None = None,
        *,
        form: str | None = None,
        token: str | None = None,
    ) -> Any:
        """POST ``data`` to ``path`` with the CSRF token of the page that shows the form
        (``form``, by default ``path`` itself)."""
        if token is None:
            token = csrf_token_from(self.client, form or path)
        return self.send("POST", path, data={"csrf_token": token, **(data or {})})

    def new_actions(self) -> list[str]:
        """The actions written since the request under test began."""
        assert self.mark is not None
        return [row.action for row in rows_after(self.mark)]
