"""after_commit: callbacks run at the real commit only; a savepoint's go with it."""

from __future__ import annotations

from sqlalchemy import text

from portal.extensions import db
from portal.tx import after_commit


def test_a_callback_runs_after_commit_and_not_after_rollback(app_ctx):
    ran: list[str] = []
    db.session.execute(text("SELECT 1"))
    after_commit(lambda: ran.append("first"))
    db.session.rollback()
    assert ran == []
    after_commit(lambda: ran.append("second"))
    db.session.commit()
    assert ran == ["second"]


def test_a_savepoint_release_waits_for_the_real_commit(app_ctx):
    ran: list[str] = []
    with db.session.begin_nested():
        after_commit(lambda: ran.append("inside"))
    assert ran == []  # released, not committed
    db.session.commit()
    assert ran == ["inside"]


def test_a_rolled_back_savepoint_drops_only_its_own_callbacks(app_ctx):
    ran: list[str] = []
    after_commit(lambda: ran.append("outer"))
    savepoint = db.session.begin_nested()
    after_commit(lambda: ran.append("inner"))
    savepoint.rollback()
    with db.session.begin_nested():
        after_commit(lambda: ran.append("kept"), key="k")
        after_commit(lambda: ran.append("replaced"), key="k")
    db.session.commit()
    assert ran == ["outer", "replaced"]
