"""How services write rows: one flush policy, and the optimistic-lock update of a form's edit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.models import User
from portal.models.base import snapshot
from portal.services import audit
from portal.services.errors import RuleError


class Versioned(Protocol):
    """A row with a ``version`` column checked on UPDATE (SQLAlchemy's ``version_id_col``)."""

    version: int


def flush(*, stale: RuleError | None = None, taken: RuleError | None = None) -> None:
    """Flush the pending changes; a lost race becomes a rule error instead of a crash.

    ``stale``: a versioned UPDATE found the row changed or gone meanwhile. ``taken``: a
    unique key was taken meanwhile (the transaction is then spent: the caller rolls back,
    as the views do for every refusal). Without the matching error the database's
    exception rises.
    """
    try:
        db.session.flush()
    except StaleDataError as exc:
        if stale is None:
            raise
        raise stale from exc
    except IntegrityError as exc:
        if taken is None:
            raise
        raise taken from exc


def update_versioned(
    row: Versioned,
    wanted: Mapping[str, Any],
    *,
    expected_version: int,
    action: str,
    actor: User,
    stale: RuleError,
    taken: RuleError | None = None,
) -> dict[str, Any]:
    """Apply ``wanted`` to ``row`` unless it changed since the form read ``expected_version``,
    and record ``action`` with the changed fields before and after.

    Returns the changed fields' new values (empty, and nothing recorded, when nothing
    changed). The version moves on and the UPDATE checks the old one, so a concurrent
    edit is refused with ``stale`` too.
    """
    if row.version != expected_version:
        raise stale
    before = snapshot(row, tuple(wanted))
    after = {key: value for key, value in wanted.items() if before[key] != value}
    if not after:
        return {}
    for key, value in after.items():
        setattr(row, key, value)
    row.version = expected_version + 1
    flush(stale=stale, taken=taken)
    details = {"before": {key: before[key] for key in after}, "after": after}
    audit.record(action, target=row, actor=actor, details=details)
    return after
