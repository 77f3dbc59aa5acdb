"""The signed-in user's snapshot in Flask-Caching: no query on a hit, stale on any change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import delete, event, inspect, select

from portal.extensions import cache, db
from portal.models import Role, User, UserRole, UserSession
from portal.services.signin.principal import (
    PORTAL_GENERATION,
    SNAPSHOT_TTL,
    load_signed_in,
    snapshot_key,
    user_generation_key,
)
from portal.services.signin.sessions import start_session
from tests.factories import UserFactory

PREFIX = "omniscope:"


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement sent while the block runs."""
    sent: list[str] = []

    def _record(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", _record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", _record)


def live_session(user_id) -> str:
    """A live session of the user's (started if there is none)."""
    live = db.session.scalar(select(UserSession.id).where(UserSession.user_id == user_id))
    if live is None:
        live = start_session(db.session.get(User, user_id)).id
        db.session.commit()
    return str(live)


def load_principal(user_id, sid: str | None = None):
    """The user as a request of a live session of theirs loads it (the snapshot path)."""
    sid = sid or live_session(user_id)
    db.session.expunge_all()  # a request starts with an empty session
    return load_signed_in(sid, str(user_id))


def _snapshot(user_id):
    return cache.get(snapshot_key(user_id))


def test_a_signed_in_request_reads_the_user_from_the_snapshot(client, admin, redis_client):
    user = admin
    assert client.get("/").status_code == 200
    assert _snapshot(user.id) is not None
    assert 0 < redis_client.ttl(PREFIX + snapshot_key(user.id)) <= SNAPSHOT_TTL
    with statements() as sent:
        page = client.get("/")
    assert page.status_code == 200 and admin.email in page.get_data(as_text=True)
    assert not [s for s in sent if "FROM users" in s or "FROM roles" in s], sent


def test_the_snapshot_holds_no_secret(client, admin, redis_client):
    user = admin
    client.get("/")
    raw = redis_client.get(PREFIX + snapshot_key(user.id))
    snapshot = _snapshot(user.id)
    assert {"password_hash", "mfa_secret_encrypted", "mfa_last_timestep"}.isdisjoint(
        snapshot["user"]
    )
    assert user.password_hash.encode() not in raw
    assert user.mfa_secret_encrypted.encode() not in raw
    assert [role["name"] for role in snapshot["roles"]] == ["Admin"]


def test_a_rebuilt_user_is_persistent_clean_and_loads_secrets_on_access(app, redis_client):
    with app.app_context():
        user = UserFactory(roles=["Researcher"])
        db.session.commit()
        user_id, email, password_hash = user.id, user.email, user.password_hash
    with app.app_context():
        sid = live_session(user_id)
        assert load_principal(user_id, sid).email == email  # from the database; cached
    with app.app_context(), statements() as sent:
        rebuilt = load_principal(user_id, sid)
        assert sent == []
        state = inspect(rebuilt)
        assert state.persistent and not db.session.dirty
        assert rebuilt.permissions == frozenset(
            ["models.view", "models.register", "reports.generate", "plugins.view"]
        )
        assert rebuilt.password_hash == password_hash  # one query, on first access
        [query] = [s for s in sent if not s.startswith("SAVEPOINT")]
        assert query.startswith("SELECT users.password_hash, users.mfa_secret_encrypted")


def test_a_change_to_the_user_or_their_roles_makes_the_snapshot_stale(app, redis_client):
    with app.app_context():
        user = UserFactory(name="Before", roles=["Viewer"])
        db.session.commit()
        user_id = user.id
        load_principal(user_id)
    generation = redis_client.get(PREFIX + user_generation_key(user_id))
    with app.app_context():
        db.session.get(User, user_id).name = "After"
        db.session.flush()
        assert redis_client.get(PREFIX + user_generation_key(user_id)) != generation
    with app.app_context():
        analyst = db.session.query(Role).filter_by(name="Analyst").one()
        load_principal(user_id)
        before = redis_client.get(PREFIX + user_generation_key(user_id))
        db.session.add(UserRole(user_id=user_id, role_id=analyst.id))
        db.session.flush()
        assert redis_client.get(PREFIX + user_generation_key(user_id)) != before


def test_a_role_change_makes_every_snapshot_stale(app, redis_client):
    with app.app_context():
        before = redis_client.get(PREFIX + PORTAL_GENERATION)
        role = db.session.query(Role).filter_by(name="Viewer").one()
        role.description = "Changed"
        db.session.flush()
        after = redis_client.get(PREFIX + PORTAL_GENERATION)
    assert after is not None and after != before


def test_the_next_request_sees_a_role_revoked_in_between(client, researcher):
    assert client.get("/models").status_code == 200
    db.session.delete(researcher.role_links[0])
    db.session.flush()
    assert client.get("/models").status_code == 403


def test_a_bulk_statement_on_roles_makes_every_snapshot_stale(client, researcher):
    assert client.get("/models").status_code == 200
    db.session.execute(delete(UserRole).where(UserRole.user_id == researcher.id))
    assert client.get("/models").status_code == 403


def test_a_role_edit_is_invalidated_again_at_the_real_commit(app, redis_client):
    """update_role flushes inside a savepoint: its release must not count as the commit."""
    from portal.services.identity.roles import update_role

    with app.app_context():
        role = db.session.query(Role).filter_by(name="Viewer").one()
        update_role(
            role, name=role.name, description="Edited", permissions=list(role.permissions),
            requires_mfa=role.requires_mfa, actor=None,
        )  # fmt: skip
        before_commit = redis_client.get(PREFIX + PORTAL_GENERATION)
        assert before_commit is not None  # stale as soon as the change was flushed
        db.session.commit()
        assert redis_client.get(PREFIX + PORTAL_GENERATION) != before_commit


def test_a_write_on_a_rebuilt_user_checks_the_stored_version(app, redis_client):
    """A snapshot older than the row (a lost invalidation) must not turn a write into a 500."""
    with app.app_context():
        user = UserFactory(name="Old")
        db.session.commit()
        user_id = user.id
    with app.app_context():
        load_principal(user_id)  # cached with version 1
    with app.app_context():
        row = db.session.get(User, user_id)
        row.version += 1  # an edit whose invalidation never reached Redis
        db.session.commit()
    from portal.extensions import cache

    with app.app_context():
        generations = [cache.get(PORTAL_GENERATION), cache.get(user_generation_key(user_id))]
        snapshot = cache.get(snapshot_key(user_id))
        snapshot["generations"] = generations  # as if the bump had been lost
        cache.set(snapshot_key(user_id), snapshot, timeout=SNAPSHOT_TTL)
        rebuilt = load_principal(user_id)
        assert "version" not in rebuilt.__dict__
        rebuilt.name = "New"
        db.session.commit()  # no StaleDataError: the stored version was used
        assert db.session.get(User, user_id).version == 2


def test_core_statements_on_the_watched_tables_make_every_snapshot_stale(app_ctx, redis_client):
    from sqlalchemy import insert, update

    before = redis_client.get(PREFIX + PORTAL_GENERATION)
    db.session.execute(update(User.__table__).where(User.__table__.c.name == "nobody"))
    after_update = redis_client.get(PREFIX + PORTAL_GENERATION)
    assert after_update is not None and after_update != before
    role = Role(name="Temp", description="", permissions=[])
    db.session.add(role)
    db.session.flush()
    user = UserFactory()
    before_insert = redis_client.get(PREFIX + PORTAL_GENERATION)
    db.session.execute(insert(UserRole).values(user_id=user.id, role_id=role.id))
    assert redis_client.get(PREFIX + PORTAL_GENERATION) != before_insert
