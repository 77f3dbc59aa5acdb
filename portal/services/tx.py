"""Work to do once the current transaction has committed (cache invalidation, enqueueing)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db

log = logging.getLogger(__name__)
_KEY = "omniscope.after_commit"


def after_commit(
    callback: Callable[[], object], *, key: str | None = None, session: Session | None = None
) -> None:
    """Run ``callback`` after the current transaction commits; drop it on rollback.

    With a ``key``, a later callback replaces an earlier one with the same key (only the
    last of a transaction's chain heads needs publishing, say). ``session`` defaults to
    the request's.
    """
    callbacks = (session or db.session()).info.setdefault(_KEY, {})
    callbacks[key if key is not None else object()] = callback


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(_KEY, {}).values():
        try:
            callback()
        except Exception:
            # The change is committed; a failed side effect is logged, not raised.
            log.exception("after-commit callback failed")


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop(_KEY, None)


def lock_for_update(obj: object) -> None:
    """Reload ``obj`` with its row locked until the transaction ends (pending changes kept).

    ``FOR UPDATE OF <its table>``: the object may have been loaded with outer joins
    (a user with its roles), which PostgreSQL will not lock as a whole.
    """
    db.session.flush()  # refresh() would otherwise drop unflushed changes
    db.session.refresh(obj, with_for_update={"of": type(obj)})
