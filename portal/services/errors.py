"""The domain errors every service raises, by kind; ``portal/errors.py`` maps the kinds to pages.

A service refuses with a ``RuleError`` (or a subclass from its domain's ``errors`` module);
``str(exc)`` is the message for the person and ``field`` names the form field it is
about, if any. The kinds below say what an unhandled refusal becomes: 404, 403 or 409;
any other rule error is a 400. Views catch what they show on the form or flash.
"""

from __future__ import annotations

from collections.abc import Iterable


class RuleError(ValueError):
    """A change or a read that the portal's rules refuse; the message is for the person."""

    def __init__(
        self, message: str, *, field: str | None = None, errors: Iterable[str] = ()
    ) -> None:
        super().__init__(message)
        self.field = field  # the form field the message belongs to, if any
        self.errors = list(errors)  # several problems behind the message, if any


class NotFoundError(RuleError):
    """There is no such thing, or none the person may see (a 404)."""


class NotAllowedError(RuleError):
    """The person may see it but not do this to it (a 403)."""


class ConflictError(RuleError):
    """The thing's state forbids the change now: archived, not finished yet (a 409)."""


class StaleEditError(RuleError):
    """The thing changed since the person's form was rendered (optimistic locking)."""
