"""Work to do once the current transaction has committed (cache invalidation, enqueueing)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from portal.extensions import db

log = logging.getLogger(__name__)
_KEY = "omniscope.after_commit"


def after_commit(
    callback: Callable[[], object], *, key: str | None = None, session: Session | None = None
) -> None:
    """Run ``callback`` after the current transaction commits; drop it on rollback.

    With a ``key``, a later callback replaces an earlier one with the same key (only the
    last of a transaction's chain heads needs publishing, say). ``session`` defaults to
    the request's. Inside a savepoint the callback belongs to it: released, it passes to
    the enclosing transaction; rolled back, it is dropped; it runs only at the real commit.
    """
    session = session or db.session()
    frames = session.info.setdefault(_KEY, {})
    frames.setdefault(session.get_nested_transaction(), {})[
        key if key is not None else object()
    ] = callback


def _enclosing_savepoint(transaction: SessionTransaction) -> SessionTransaction | None:
    parent = transaction.parent
    while parent is not None and not parent.nested:
        parent = parent.parent
    return parent


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    frames = session.info.get(_KEY)
    if not frames:
        return
    savepoint = session.get_nested_transaction()
    if savepoint is not None:  # a savepoint released: its callbacks wait for the real commit
        released = frames.pop(savepoint, {})
        frames.setdefault(_enclosing_savepoint(savepoint), {}).update(released)
        return
    session.info.pop(_KEY, None)
    for frame in frames.values():
        for callback in frame.values():
            try:
                callback()
            except Exception:
                # The change is committed; a failed side effect is logged, not raised.
                log.exception("after-commit callback failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous: SessionTransaction) -> None:
    if previous.nested:  # only what the savepoint registered goes with it
        session.info.get(_KEY, {}).pop(previous, None)
    else:
        session.info.pop(_KEY, None)


def lock_for_update(obj: object) -> None:
    """Reload ``obj`` with its row locked until the transaction ends (pending changes kept).

    ``FOR UPDATE OF <its table>``: the object may have been loaded with outer joins
    (a user with its roles), which PostgreSQL will not lock as a whole.
    """
    db.session.flush()  # refresh() would otherwise drop unflushed changes
    db.session.refresh(obj, with_for_update={"of": type(obj)})
