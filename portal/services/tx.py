"""Work to do once the current transaction has committed (cache invalidation, enqueueing)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db

log = logging.getLogger(__name__)
_KEY = "omniscope.after_commit"


def after_commit(callback: Callable[[], object]) -> None:
    """Run ``callback`` after the current transaction commits; drop it on rollback."""
    db.session().info.setdefault(_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(_KEY, []):
        try:
            callback()
        except Exception:
            # The change is committed; a failed side effect is logged, not raised.
            log.exception("after-commit callback failed")


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop(_KEY, None)
