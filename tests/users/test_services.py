"""The user services' races and the list query's shape (indexes, no OFFSET, capped count)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from portal.extensions import db
from portal.models import User
from portal.pagination import PageRequest
from portal.services.identity import users as user_service
from portal.services.identity.errors import DuplicateEmailError, EditConflictError
from portal.services.identity.user_queries import UserFilters, filtered_users, list_users
from portal.services.identity.users import update_user


def test_a_concurrent_edit_between_read_and_write_is_a_conflict(app_ctx, user_factory):
    actor = user_factory(email="actor@example.org")
    target = user_factory(email="race@example.org", name="Before")
    assert target.version == 1
    # Another transaction saves first: the row moves to version 2 behind our loaded copy.
    db.session.execute(
        sa.update(User)
        .where(User.id == target.id)
        .values(name="Theirs", version=2)
        .execution_options(synchronize_session=False)
    )
    savepoint = db.session.begin_nested()  # what a request's own transaction would be
    with pytest.raises(EditConflictError, match="Someone else changed this user"):
        update_user(target, name="Mine", email=target.email, expected_version=1, actor=actor)
    savepoint.rollback()
    db.session.expire_all()
    assert db.session.get(User, target.id).name == "Theirs"


def test_a_stale_version_is_refused_before_writing(app_ctx, user_factory):
    actor = user_factory(email="actor@example.org")
    target = user_factory(email="v@example.org", version=3)
    with pytest.raises(EditConflictError):
        update_user(target, name="X", email=target.email, expected_version=2, actor=actor)
    assert target.version == 3 and target.name != "X"


def test_a_lost_race_for_an_email_is_a_duplicate(app_ctx, user_factory, monkeypatch):
    actor = user_factory(email="actor@example.org")
    user_factory(email="taken@example.org")
    target = user_factory(email="mine@example.org")
    # The check passed in our transaction; the other one committed the email first.
    monkeypatch.setattr(user_service, "find_user_by_email", lambda email: None)
    savepoint = db.session.begin_nested()
    with pytest.raises(DuplicateEmailError):
        update_user(target, name="M", email="taken@example.org", expected_version=1, actor=actor)
    savepoint.rollback()
    assert db.session.get(User, target.id).email == "mine@example.org"


def _explain(stmt: sa.Select) -> str:
    sql = stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    return "\n".join(db.session.scalars(sa.text(f"EXPLAIN {sql}")))


def test_prefix_search_can_use_the_pattern_indexes(app_ctx):
    plan = _explain(filtered_users(UserFilters(q="ab_c%")))
    assert "ix_users_email_pattern" in plan
    assert "ix_users_lower_name_pattern" in plan


def test_the_list_never_offsets_or_counts_the_whole_table(app, app_ctx, user_factory):
    user_factory.create_batch(3)
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement.upper())

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        result = list_users(UserFilters(q="user"), PageRequest(per_page=2), sort="last_sign_in")
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)
    assert len(result.page.items) == 2 and result.page.next_cursor
    assert statements and not any(" OFFSET " in s for s in statements)
    counts = [s for s in statements if "COUNT(" in s]
    assert len(counts) == 1 and "LIMIT" in counts[0]
