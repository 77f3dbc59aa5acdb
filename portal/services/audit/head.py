"""The audit chain's head kept outside the database: a Redis key and a file under instance/.

Deleting the newest audit rows (and fixing ``audit_head`` to match) would leave a chain
that verifies by itself; the verifier compares it with the newest head recorded here, and
``flask audit checkpoint`` prints a signed head to keep off the machine.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import hmac
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from flask import Flask, current_app
from redis.exceptions import RedisError

from portal.extensions import get_redis
from portal.models.base import utcnow

log = logging.getLogger(__name__)
REDIS_KEY = "omniscope:audit:heads"
FILE_NAME = "audit-head.json"
KEEP_HEADS = 16
FILE_INTERVAL = 1.0
PUBLISH_INTERVAL = 0.1
_last_file_write = [float("-inf")]


@dataclass(frozen=True)
class Head:
    """A recorded chain head: the newest seq and its hash, signed with the audit key."""

    seq: int
    hash: str
    at: str
    signature: str

    def to_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)


def _sign(seq: int, hash_: str, at: str) -> str:
    key = current_app.config["AUDIT_HMAC_KEY"].encode()
    return hmac.new(key, f"head:{seq}:{hash_}:{at}".encode(), hashlib.sha256).hexdigest()


def make_head(seq: int, hash_: str) -> Head:
    """A signed head for ``seq``/``hash_`` as of now."""
    at = utcnow().isoformat()
    return Head(seq, hash_, at, _sign(seq, hash_, at))


def parse_head(text: str) -> Head | None:
    """A head from its JSON, or None when malformed or its signature does not verify."""
    try:
        data = json.loads(text)
        head = Head(int(data["seq"]), str(data["hash"]), str(data["at"]), str(data["signature"]))
    except (ValueError, KeyError, TypeError):
        return None
    expected = _sign(head.seq, head.hash, head.at)
    return head if hmac.compare_digest(expected, head.signature) else None


def head_file() -> Path:
    return Path(current_app.instance_path) / FILE_NAME


def publish_head(seq: int, hash_: str) -> None:
    """Record a newer head in Redis and in the head file (failures are logged)."""
    head = make_head(seq, hash_)
    try:
        _set_redis_if_newer(head)
    except RedisError:
        log.warning("could not publish the audit head to Redis", exc_info=True)
    # The file is the second copy: written at most once a second per process (the first
    # head of each second; later ones reach it with the next write), so busy servers do
    # not queue on its lock. A missing file is written at once, whatever the throttle.
    now = time.monotonic()
    if now - _last_file_write[0] < FILE_INTERVAL and head_file().exists():
        return
    _last_file_write[0] = now
    try:
        _write_file_if_newer(head)
    except OSError:
        log.warning("could not write the audit head file", exc_info=True)


class HeadPublisher:
    """Publishes the newest committed head from a thread of its own, one per process.

    A request's commit only hands its head over; the thread publishes at most every
    ``PUBLISH_INTERVAL`` seconds, and heads committed meanwhile collapse into the newest
    (the only one that matters). A head lost with a crashed process is older than the
    next one published, so the verifier never sees a head the chain lacks: the cost is a
    lag of at most that interval, not a false alarm.
    """

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)
        atexit.register(self.flush)

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._pending: tuple[Flask, int, str] | None = None
        self._busy = False
        self._hurry = False
        self._thread: threading.Thread | None = None

    def submit(self, app: Flask, seq: int, hash_: str) -> None:
        """Publish ``seq``/``hash_`` soon (unless a newer head is already waiting)."""
        with self._cond:
            if self._pending is None or seq > self._pending[1]:
                self._pending = (app, seq, hash_)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="audit-head-publisher", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Publish what is waiting now and wait until it is out; False on timeout."""
        with self._cond:
            self._hurry = True
            self._cond.notify_all()
            return self._cond.wait_for(lambda: self._pending is None and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None)
                # wait_for returned, so there is one (mypy cannot see through the lambda).
                app, seq, hash_ = cast("tuple[Flask, int, str]", self._pending)
                self._pending, self._busy = None, True
            try:
                with app.app_context():
                    publish_head(seq, hash_)
            except Exception:
                log.exception("could not publish the audit head")
            with self._cond:
                self._busy = False
                self._cond.notify_all()
                # Rest before the next publication, unless somebody waits for it.
                self._cond.wait_for(lambda: self._hurry, PUBLISH_INTERVAL)
                self._hurry = False


publisher = HeadPublisher()


def _set_redis_if_newer(head: Head) -> None:
    # A sorted set scored by seq: concurrent publishers can only add, the newest is the
    # highest score, and one round trip does it (no WATCH loop). The last few are kept.
    pipe = get_redis().pipeline(transaction=False)
    pipe.zadd(REDIS_KEY, {head.to_json(): head.seq})
    pipe.zremrangebyrank(REDIS_KEY, 0, -KEEP_HEADS - 1)
    pipe.execute()


def _write_file_if_newer(head: Head) -> None:
    path = head_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = read_file_head()
        if current is not None and current.seq >= head.seq:
            return
        tmp = path.with_suffix(".tmp")
        tmp.write_text(head.to_json())
        os.replace(tmp, path)


def read_file_head() -> Head | None:
    try:
        return parse_head(head_file().read_text())
    except OSError:
        return None


def read_redis_head() -> Head | None:
    try:
        # A client without decode_responses: members come back as bytes.
        newest = cast("list[bytes]", get_redis().zrange(REDIS_KEY, -1, -1))
    except RedisError:
        return None
    return parse_head(newest[0].decode()) if newest else None


def newest_known_head(extra: list[Head] | None = None) -> Head | None:
    """The newest valid head among Redis, the file and any given ones."""
    heads = [h for h in (read_redis_head(), read_file_head(), *(extra or [])) if h is not None]
    return max(heads, key=lambda h: h.seq, default=None)
