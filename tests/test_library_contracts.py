"""The libraries' private (or undocumented) names the portal relies on, pinned.

Each test exercises one such name as the portal uses it and fails with a message naming
the library, the name and the portal's use, so that an upgrade which renames or changes
it fails here, not somewhere downstream. The last test scans ``portal/`` and
``templates/`` for private names reached on library objects (or inherited from library
classes) and fails when one is not pinned here.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import sys
import textwrap
import threading
import uuid
from collections import defaultdict
from pathlib import Path

import fakeredis
import pytest
from flask import current_app, g, session
from flask_login import UserMixin, current_user, login_user
from rq import Queue, SimpleWorker, Worker
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import make_transient_to_detached
from werkzeug.local import LocalProxy
from wtforms import Form, IntegerField, StringField

import portal
from portal.cache import CountingRedisCache, JSONSerializer
from portal.extensions import cache, db, get_redis, login_manager
from portal.jobs.worker import PortalWorker, ThreadWorker, build_worker
from portal.models import Role
from portal.services.system.health import migration_heads

ROOT = Path(__file__).resolve().parent.parent

# Every private library name the portal reaches, with its test below.
PINNED = {
    "_read_client": "cachelib RedisCache: test_cachelib_reads_and_writes_through_its_clients",
    "_write_client": "cachelib RedisCache: test_cachelib_reads_and_writes_through_its_clients",
    "_get_prefix": "cachelib RedisCache: test_cachelib_key_prefix",
    "_login_user": "Flask-Login: test_flask_login_reads_the_request_user_from_g",
    "_get_current_object": "Werkzeug LocalProxy: test_werkzeug_get_current_object",
    "_is_horse": "RQ BaseWorker: test_rq_is_horse_marks_the_forked_horse",
    "_install_signal_handlers": "RQ BaseWorker: test_rq_work_installs_signal_handlers_by_a_method",
    "_value": "WTForms Field: test_wtforms_value_is_the_text_to_show",
}


@pytest.fixture
def backend(app_ctx) -> CountingRedisCache:
    """The app's Flask-Caching backend (built by Flask-Caching from the app's config)."""
    return cache.cache


# --- cachelib (through Flask-Caching's RedisCache): portal/cache/flask_backend.py ------


def test_flask_caching_builds_the_backend_on_the_apps_client(backend):
    assert isinstance(backend, CountingRedisCache), (
        "Flask-Caching no longer builds CACHE_TYPE='portal.cache.CountingRedisCache' "
        f"(got {type(backend).__name__}): portal/extensions.py configures it"
    )
    for attr in ("_read_client", "_write_client"):
        assert getattr(backend, attr, None) is get_redis(), (
            f"cachelib.RedisCache.{attr} is gone, or is no longer the client Flask-Caching "
            "passes from CACHE_REDIS_HOST as cachelib's host: portal/extensions.py relies on "
            "it to share the app's Redis pool, portal/cache/flask_backend.py "
            "(CountingRedisCache.get_many) reads and counts through it"
        )


def test_cachelib_reads_and_writes_through_its_clients():
    reads, writes = fakeredis.FakeRedis(), fakeredis.FakeRedis()
    backend = CountingRedisCache(reads, key_prefix="omniscope:")
    backend._write_client = writes
    # cachelib's own set() must write through _write_client ...
    assert backend.set("dashboard:c", "w")
    written = (writes.get("omniscope:dashboard:c"), reads.get("omniscope:dashboard:c"))
    assert written == (b'"w"', None), (
        "cachelib.RedisCache.set() no longer writes through self._write_client: "
        "portal/cache/flask_backend.py counts misses through _write_client (get_many), "
        "beside cachelib's own writes"
    )
    # ... and its own get() read through _read_client, as CountingRedisCache.get_many does.
    reads.set("omniscope:dashboard:c", b'"r"')
    base_get = super(CountingRedisCache, backend).get
    assert base_get("dashboard:c") == "r", (
        "cachelib.RedisCache.get() no longer reads through self._read_client: "
        "portal/cache/flask_backend.py (CountingRedisCache.get_many) reads values and counts "
        "lookups through _read_client in its place"
    )
    assert backend.get("dashboard:c") == "r"


def test_cachelib_key_prefix(backend, redis_client):
    assert getattr(backend, "key_prefix", None) == "omniscope:", (
        "cachelib.RedisCache.key_prefix no longer holds Flask-Caching's CACHE_KEY_PREFIX: "
        "portal/extensions.py sets it so Flask-Caching's keys are the cache manager's "
        "omniscope:<namespace>:<key>"
    )
    assert callable(getattr(backend, "_get_prefix", None)) and backend._get_prefix() == (
        "omniscope:"
    ), (
        "cachelib.RedisCache._get_prefix() is gone or no longer returns key_prefix: "
        "portal/cache/flask_backend.py (CountingRedisCache.get_many) builds its keys with it"
    )
    backend.set("dashboard:contract", "x", timeout=30)
    assert redis_client.get(backend._get_prefix() + "dashboard:contract") == b'"x"', (
        "cachelib.RedisCache.set() no longer writes at _get_prefix() + key: "
        "portal/cache/flask_backend.py (CountingRedisCache.get_many) reads the keys there"
    )
    assert backend.get("dashboard:contract") == "x"


def test_cachelib_encodes_through_the_serializer_attribute(backend, redis_client):
    assert isinstance(backend.serializer, JSONSerializer), (
        "the backend's serializer is not portal.cache.JSONSerializer (did Flask-Caching's "
        "CACHE_SERIALIZER or cachelib replace it?): portal/cache/flask_backend.py sets "
        "CountingRedisCache.serializer so Redis never holds pickles"
    )
    backend.set("dashboard:one", {"a": [1, 2]}, timeout=30)
    backend.set_many({"dashboard:two": "t", "dashboard:three": 3}, timeout=30)
    raw = [redis_client.get(f"omniscope:dashboard:{k}") for k in ("one", "two", "three")]
    assert raw == [b'{"a":[1,2]}', b'"t"', b"3"], (
        "cachelib.RedisCache.set()/set_many() no longer encode through self.serializer: "
        "portal/cache/flask_backend.py relies on it (CountingRedisCache.serializer = "
        f"JSONSerializer()) to store JSON, never pickles (got {raw!r})"
    )


# --- Flask-Login: portal/errors.py ----------------------------------------------------


class _Someone(UserMixin):
    id = "someone"


def test_flask_login_reads_the_request_user_from_g(app, monkeypatch):
    loaded: list[str] = []

    def loader(sid, user_id):
        loaded.append(user_id)

    monkeypatch.setattr("portal.auth.session_loader.load_signed_in", loader)
    with app.test_request_context("/"):
        session["_user_id"] = "u1"
        assert not current_user.is_authenticated and loaded == ["u1"]
        assert "_login_user" in g, (
            "flask_login no longer keeps the request's user in g._login_user: "
            "portal/errors.py replaces it there with an anonymous user on a 5xx page"
        )
    with app.test_request_context("/"):
        session["_user_id"] = "u2"
        someone = _Someone()
        g._login_user = someone
        assert current_user._get_current_object() is someone and loaded == ["u1"], (
            "flask_login.current_user no longer returns g._login_user without loading: "
            "portal/errors.py sets g._login_user = login_manager.anonymous_user() so an error "
            "page after a database failure renders without reading the user"
        )
        g._login_user = login_manager.anonymous_user()
        assert not current_user.is_authenticated and loaded == ["u1"]
    with app.test_request_context("/"):
        login_user(someone)
        assert g.get("_login_user") is someone, (
            "flask_login.login_user no longer stores the user in g._login_user: "
            "portal/errors.py replaces the request's user there"
        )


# --- Werkzeug: LocalProxy._get_current_object() ---------------------------------------


def test_werkzeug_get_current_object(app):
    uses = ", ".join(_private_uses()["_get_current_object"])
    someone = _Someone()
    assert LocalProxy(lambda: someone)._get_current_object() is someone, (
        "werkzeug LocalProxy._get_current_object() no longer returns the proxied object: "
        f"the portal passes the real user or app on with it ({uses})"
    )
    assert isinstance(current_user, LocalProxy), (
        "flask_login.current_user is no longer a werkzeug LocalProxy: the portal calls "
        f"current_user._get_current_object() ({uses})"
    )
    with app.app_context():
        assert current_app._get_current_object() is app, (
            "werkzeug LocalProxy._get_current_object() no longer returns the app behind "
            f"flask.current_app ({uses})"
        )


# --- RQ: portal/jobs/worker.py --------------------------------------------------------


def test_rq_is_horse_marks_the_forked_horse(app):
    worker = build_worker(app, PortalWorker)
    assert getattr(worker, "_is_horse", None) is False and worker.is_horse is False, (
        "rq BaseWorker._is_horse is gone (or not False in the parent worker): "
        "portal/jobs/worker.py (_AppContextMixin.perform_job) reads it with a False default, "
        "so a forked horse would silently keep the parent's pooled database connections"
    )
    worker._is_horse = True
    assert worker.is_horse is True, "rq BaseWorker.is_horse no longer reports _is_horse"
    source = inspect.getsource(Worker.main_work_horse)
    assert "self._is_horse = True" in source, (
        "rq Worker.main_work_horse no longer sets self._is_horse = True in the forked horse: "
        "portal/jobs/worker.py disposes the inherited connection pool only when it is set"
    )


def test_rq_work_installs_signal_handlers_by_a_method(app, redis_client):
    assert callable(getattr(SimpleWorker, "_install_signal_handlers", None)), (
        "rq BaseWorker._install_signal_handlers() is gone: portal/jobs/worker.py "
        "(ThreadWorker) overrides it so the embedded worker runs outside the main thread"
    )
    calls, errors = [], []

    class Probe(ThreadWorker):
        def _install_signal_handlers(self) -> None:
            calls.append(threading.current_thread().name)

    worker = Probe([Queue("contract", connection=redis_client)], connection=redis_client)
    worker.app = app

    def run() -> None:
        try:
            worker.work(burst=True)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=run, name="contract-worker")
    thread.start()
    thread.join(timeout=30)
    assert not errors and calls == ["contract-worker"], (
        "rq Worker.work() no longer installs its signal handlers through "
        "self._install_signal_handlers(): portal/jobs/worker.py (ThreadWorker) overrides "
        f"it to run the embedded worker in a thread (calls={calls}, errors={errors})"
    )


# --- WTForms: templates/_macros/forms.html ----------------------


def test_wtforms_value_is_the_text_to_show():
    class Sample(Form):
        text = StringField()
        number = IntegerField()

    fresh = Sample()
    typed = Sample(formdata=_FormData(text="hello", number="12x"))
    stored = Sample(data={"text": "kept", "number": 7})
    shown = [f._value() for form in (fresh, typed, stored) for f in (form.text, form.number)]
    assert shown == ["", "", "hello", "12x", "kept", "7"], (
        "wtforms Field._value() no longer gives the text an input shows (what was typed, "
        "else the data, else empty): templates/_macros/forms.html renders plain inputs' "
        f"value with it (got {shown!r})"
    )


class _FormData(dict):
    def getlist(self, key):
        return [self[key]] if key in self else []


# --- SQLAlchemy: portal/services/signin/principal.py (undocumented, not underscored) ---


def test_sqlalchemy_builds_a_loaded_instance_from_its_dict(app_ctx):
    role = Role(name="Contract role", description="kept in the database", permissions=[])
    db.session.add(role)
    db.session.flush()
    role_id = role.id
    db.session.expunge(role)
    manager = sa_inspect(Role).class_manager
    assert callable(getattr(manager, "new_instance", None)), (
        "sqlalchemy ClassManager.new_instance() is gone: portal/services/signin/principal.py "
        "(_attach) builds the signed-in user and roles from the cached snapshot with it"
    )
    rebuilt = manager.new_instance()
    assert isinstance(rebuilt, Role) and sa_inspect(rebuilt).transient
    rebuilt.__dict__.update({"id": role_id, "name": "Contract role"})
    make_transient_to_detached(rebuilt)
    db.session.add(rebuilt)
    assert sa_inspect(rebuilt).persistent and rebuilt not in db.session.dirty, (
        "sqlalchemy: values put in a new_instance()'s __dict__ then make_transient_to_detached "
        "no longer make a clean persistent object: portal/services/signin/principal.py "
        "(_attach) rebuilds the cached user that way, without SQL"
    )
    assert rebuilt.name == "Contract role"
    assert rebuilt.description == "kept in the database", (
        "sqlalchemy: a column left out of the __dict__ no longer loads on access: "
        "portal/services/signin/principal.py leaves the secret columns out of the snapshot"
    )
    assert rebuilt.id == role_id and isinstance(role_id, uuid.UUID)


# --- Flask-Migrate: portal/services/system/health.py (undocumented) --------------------


def test_flask_migrate_keeps_its_directory_in_app_extensions(app_ctx):
    config = current_app.extensions.get("migrate")
    directory = getattr(config, "directory", None)
    assert directory and (Path(directory) / "env.py").is_file(), (
        "flask_migrate no longer keeps the migrations folder in "
        "app.extensions['migrate'].directory (its _MigrateConfig): "
        "portal/services/system/health.py reads the migration heads from it"
    )
    assert migration_heads()


# --- every private library name the portal reaches is pinned above -------------------


def _private_uses() -> dict[str, list[str]]:
    """Private library names the portal reaches, each with where (``file:line``)."""
    uses: dict[str, list[str]] = defaultdict(list)
    # On other objects than self/cls (``g._login_user``), or by name (getattr).
    for path in sorted((ROOT / "portal").rglob("*.py")):
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and _private(node.attr)
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                uses[node.attr].append(f"{where}:{node.lineno}")
    # In templates (``field._value()``).
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            for name in re.findall(r"\.(_[A-Za-z]\w*)", line):
                uses[name].append(f"{path.relative_to(ROOT)}:{lineno}")
    # Through self in subclasses of library classes (``self._write_client``, overrides).
    for cls in _portal_classes():
        library = [c for c in cls.__mro__[1:] if not _ours(c) and c is not object]
        for name, lineno, path in _self_private_names(cls):
            if any(name in vars(c) or f"self.{name}" in _source(c) for c in library):
                uses[name].append(f"{path}:{lineno}")

    def order(where: str) -> tuple[str, int]:
        path, line = where.rsplit(":", 1)
        return path, int(line)

    return {name: sorted(set(found), key=order) for name, found in uses.items()}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _ours(obj: object) -> bool:
    return getattr(obj, "__module__", "").split(".")[0] == "portal"


def _portal_classes() -> list[type]:
    for info in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(info.name)
    classes = {
        cls
        for name, module in list(sys.modules.items())
        if name == "portal" or name.startswith("portal.")
        for cls in vars(module).values()
        if inspect.isclass(cls) and _ours(cls)
    }
    return sorted(classes, key=lambda c: (c.__module__, c.__qualname__))


def _self_private_names(cls: type) -> list[tuple[str, int, str]]:
    """Private names a class (and its portal bases) uses on self, defines, or getattr()s."""
    found = []
    for own in (c for c in cls.__mro__ if _ours(c)):
        try:
            lines, start = inspect.getsourcelines(own)
        except (OSError, TypeError):
            continue
        where = Path(inspect.getsourcefile(own)).relative_to(ROOT)
        for node in ast.walk(ast.parse(textwrap.dedent("".join(lines)))):
            name = None
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                name = node.attr if node.value.id in ("self", "cls") else None
            elif isinstance(node, ast.FunctionDef):
                name = node.name
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "hasattr", "setattr")
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
            ):
                name = str(node.args[1].value)
            if name and _private(name):
                found.append((name, start + node.lineno - 1, str(where)))
    return found


_SOURCES: dict[type, str] = {}


def _source(cls: type) -> str:
    if cls not in _SOURCES:
        try:
            _SOURCES[cls] = inspect.getsource(cls)
        except (OSError, TypeError):
            _SOURCES[cls] = ""
    return _SOURCES[cls]


def test_every_private_library_name_is_pinned():
    uses = _private_uses()
    unpinned = {name: where for name, where in uses.items() if name not in PINNED}
    assert not unpinned, (
        "the portal reaches private library names no test in tests/test_library_contracts.py "
        f"pins: {unpinned}. Use a public API, or add a test naming the library, the name and "
        "the use, and list it in PINNED"
    )
    stale = sorted(set(PINNED) - set(uses))
    assert not stale, f"pinned but no longer used by the portal (drop their tests): {stale}"
