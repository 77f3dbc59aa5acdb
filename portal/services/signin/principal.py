"""The signed-in user without a query: a snapshot in Flask-Caching, invalidated everywhere.

Every request needs its user with roles (permissions, pending setup, the navigation). A
snapshot of the user's non-secret columns and role rows is kept in Flask-Caching on the
shared Redis; loading it rebuilds a persistent ``User`` in the request's session without
SQL (the secret columns, and anything else left out, load from the database on first
access, as SQLAlchemy does for expired attributes).

Invalidation is correct across processes: a snapshot records the generation tokens it
was read under, the portal's (bumped when any role changes) and the user's own (bumped
when their row or their roles change). A session hook bumps them when such a change is
flushed and again after it commits, so the next request in any process reloads. A
snapshot lives at most ``SNAPSHOT_TTL`` seconds: the bound on staleness when a bump was
lost because Redis could not be reached at that moment.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import Uuid, event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from portal.extensions import Model, cache, db
from portal.models import Role, User, UserRole
from portal.models.base import UTCDateTime
from portal.services.signin.sessions import hot_copy_key, session_is_valid
from portal.tx import after_commit

SNAPSHOT_TTL = 60
GENERATION_TTL = 24 * 3600
PORTAL_GENERATION = "authz:generation"
# Never copied to Redis: loaded from the database when a request needs them. ``version``
# (optimistic locking) too: a write on the user checks the stored one, never a copy that
# a lost invalidation could have left behind.
SECRET_COLUMNS = frozenset(
    {"password_hash", "mfa_secret_encrypted", "mfa_last_timestep", "version"}
)
_PENDING = "omniscope.principal.stale"
_WATCHED_TABLES = frozenset({"users", "user_roles", "roles"})


def snapshot_key(user_id: uuid.UUID | str) -> str:
    return f"principal:{user_id}"


def user_generation_key(user_id: uuid.UUID | str) -> str:
    return f"authz:generation:{user_id}"


def _columns(model: type[Model]) -> list[str]:
    return [attr.key for attr in inspect(model).column_attrs if attr.key not in SECRET_COLUMNS]


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if isinstance(value, uuid.UUID) else value


def _decoders(model: type[Model]) -> dict[str, Any]:
    """Per column, what turns its JSON form back into the Python value (None: as is)."""
    types = {key: model.__table__.c[key].type for key in _columns(model)}
    return {
        key: datetime.fromisoformat
        if isinstance(kind, UTCDateTime)
        else uuid.UUID
        if isinstance(kind, Uuid)
        else None
        for key, kind in types.items()
    }


_DECODERS: dict[type[Model], dict[str, Any]] = {model: _decoders(model) for model in (User, Role)}


def _from_json(model: type[Model], values: dict[str, Any]) -> dict[str, Any]:
    """Column values back to their Python types (the cache holds JSON, never pickles)."""
    decoders = _DECODERS[model]
    return {
        key: value if value is None or decoders.get(key) is None else decoders[key](value)
        for key, value in values.items()
    }


def load_signed_in(sid: str | None, user_id: str) -> User | None:
    """The active user of a live session; on a hit, one Redis round trip and no query.

    The session's hot copy, the user's snapshot and both generation tokens are read
    together (Redis unreachable reads as misses: the database answers).
    """
    if not sid:
        return None
    try:
        uid = uuid.UUID(user_id)
    except ValueError:
        return None
    hot_copy, snapshot, portal_gen, user_gen = cache.get_many(
        hot_copy_key(sid), snapshot_key(uid), PORTAL_GENERATION, user_generation_key(uid)
    )
    if not session_is_valid(sid, user_id, hot_copy=hot_copy):
        return None
    user = _principal(uid, snapshot, [portal_gen, user_gen])
    return user if user is not None and user.is_active else None


def _principal(user_id: uuid.UUID, snapshot: Any, generations: list[Any]) -> User | None:
    present = db.session.identity_map.get(Session.identity_key(User, user_id))
    if present is not None:
        return present
    if snapshot is not None and snapshot["generations"] == generations:
        return _rebuild(snapshot)
    user = _from_database(user_id)
    if user is not None:
        cache.set(snapshot_key(user_id), _take(user, generations), timeout=SNAPSHOT_TTL)
    return user


def _from_database(user_id: uuid.UUID) -> User | None:
    return db.session.get(User, user_id, options=[joinedload(User.roles)])


def _take(user: User, generations: list[Any]) -> dict[str, Any]:
    return {
        "generations": generations,
        "user": {key: _to_json(getattr(user, key)) for key in _columns(User)},
        "roles": [
            {key: _to_json(getattr(role, key)) for key in _columns(Role)} for role in user.roles
        ],
    }


def _attach(model: type[Model], values: dict[str, Any]) -> Any:
    """A persistent instance of ``model`` from column values, without SQL."""
    present = db.session.identity_map.get(Session.identity_key(model, uuid.UUID(values["id"])))
    if present is not None:
        return present
    # As the ORM's loading does: values straight into the instance's dict (no events),
    # then marked as loaded; columns left out load from the database on access.
    instance = inspect(model).class_manager.new_instance()
    instance.__dict__.update(_from_json(model, values))
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance


def _rebuild(snapshot: dict[str, Any]) -> User:
    user = _attach(User, snapshot["user"])
    set_committed_value(user, "roles", [_attach(Role, values) for values in snapshot["roles"]])
    return user


def invalidate(user_ids: set[uuid.UUID], *, everyone: bool = False) -> None:
    """Make the given users' snapshots (or everybody's) stale in every process."""
    tokens = {user_generation_key(uid): uuid.uuid4().hex for uid in user_ids}
    if everyone:
        tokens[PORTAL_GENERATION] = uuid.uuid4().hex
    if tokens:
        cache.set_many(tokens, timeout=GENERATION_TTL)  # a failure is logged


@event.listens_for(Session, "after_flush")
def _invalidate_on_change(session: Session, _flush_context: object) -> None:
    """Users, role links or roles written: stale now, and again once committed."""
    users: set[uuid.UUID] = set()
    everyone = False
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, User):
            users.add(obj.id)
        elif isinstance(obj, UserRole):
            users.add(obj.user_id)
        elif isinstance(obj, Role):
            everyone = True
    if users or everyone:
        _note(session, users, everyone=everyone)


def _note(session: Session, users: set[uuid.UUID], *, everyone: bool) -> None:
    """Stale now (a request in between reloads) and again once the change is committed."""
    invalidate(users, everyone=everyone)
    pending = session.info.setdefault(_PENDING, [set(), False])
    pending[0] |= users
    pending[1] = pending[1] or everyone
    after_commit(lambda: _invalidate_pending(session), key="principal", session=session)


@event.listens_for(Session, "do_orm_execute")
def _invalidate_on_bulk_statement(state: ORMExecuteState) -> None:
    """An INSERT, UPDATE or DELETE statement on users, role links or roles (ORM or Core,
    through the session): everybody is stale. Raw SQL text is not seen; the snapshot's
    60 s lifetime bounds that."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    if getattr(getattr(state.statement, "table", None), "name", None) in _WATCHED_TABLES:
        _note(state.session, set(), everyone=True)


def _invalidate_pending(session: Session) -> None:
    users, everyone = session.info.pop(_PENDING, [set(), False])
    invalidate(users, everyone=everyone)
