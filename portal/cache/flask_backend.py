"""Flask-Caching's backend (``CACHE_TYPE``): the manager's key names and counters, JSON
values, and a Redis failure read as a miss; ``remember``, the portal's get-or-compute.

``CountingRedisCache`` subclasses Flask-Caching's ``RedisCache`` and reads cachelib's
``_read_client``, ``_write_client``, ``_get_prefix()`` and ``serializer``: private, pinned
by ``tests/test_library_contracts.py``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask_caching.backends.rediscache import RedisCache
from redis.exceptions import RedisError

from portal.cache.namespaces import NAMESPACE_TTLS, stats_key
from portal.extensions import cache

log = logging.getLogger(__name__)


class JSONSerializer:
    """Flask-Caching's values as JSON, never pickles: what Redis holds cannot run code here.

    Integers stay plain digits (Redis INCR works on them); anything else that is not
    JSON (a pickle an older version stored, say) reads as a miss.
    """

    def dumps(self, value: Any) -> bytes:
        if type(value) is int:
            return str(value).encode("ascii")
        return json.dumps(value, separators=(",", ":")).encode()

    def loads(self, value: bytes | None) -> Any:
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            pass
        try:
            return json.loads(value)
        except ValueError:
            return None


class CountingRedisCache(RedisCache):
    """Flask-Caching's Redis backend, counting like the cache manager; errors never raised.

    Flask-Caching's keys are ``<namespace>:<key>`` under the prefix ``omniscope:``, so they
    follow the seed's key names, and a lookup in a namespace of ``NAMESPACE_TTLS`` counts
    in the same counters: /system/cache shows, and flushes, them like the manager's own.
    A Redis failure is logged and reads as a miss (writes return False). Values are JSON.
    """

    # cachelib types it as its RedisSerializer class but only calls dumps() and loads().
    serializer = JSONSerializer()  # type: ignore[assignment]

    def get(self, key: str) -> Any:
        return self.get_many(key)[0]

    def get_many(self, *keys: str) -> list[Any]:
        counted: list[str | None] = [key.split(":", 1)[0] for key in keys]
        counted = [ns if ns in NAMESPACE_TTLS else None for ns in counted]
        try:
            # One round trip: the values and the lookup counts together.
            pipe = self._read_client.pipeline(transaction=False)
            pipe.mget([self._get_prefix() + key for key in keys])
            for namespace in filter(None, counted):
                pipe.hincrby(stats_key(namespace), "lookups", 1)
            raw, *_ = pipe.execute()
        except RedisError:
            log.warning("cache get failed for %s", ", ".join(keys), exc_info=True)
            return [None] * len(keys)
        values = [self.serializer.loads(value) for value in raw]
        missed = [ns for ns, value in zip(counted, values, strict=True) if ns and value is None]
        if missed:
            try:
                pipe = self._write_client.pipeline(transaction=False)
                for namespace in missed:
                    pipe.hincrby(stats_key(namespace), "misses", 1)
                pipe.execute()
            except RedisError:
                log.debug("cache counter failed", exc_info=True)
        return values

    def set(self, key: str, value: Any, timeout: int | timedelta | None = None) -> Any:
        try:
            return super().set(key, value, timeout)
        except (RedisError, TypeError, ValueError):  # unreachable, or not JSON
            log.warning("cache set failed for %s", key, exc_info=True)
            return False

    def set_many(
        self, mapping: dict[str, Any], timeout: int | timedelta | None = None
    ) -> list[Any]:
        try:
            return super().set_many(mapping, timeout)
        except (RedisError, TypeError, ValueError):
            log.warning("cache set failed for %s", ", ".join(mapping), exc_info=True)
            return []

    def delete(self, key: str) -> bool:
        try:
            return super().delete(key)
        except RedisError:
            log.warning("cache delete failed for %s", key, exc_info=True)
            return False

    def clear(self) -> bool:
        """Refused: the prefix is shared with sessions and rate limits (flush a namespace)."""
        raise NotImplementedError("flush one namespace on /system/cache instead")


def remember(key: str, compute: Callable[[], Any], timeout: int) -> Any:
    """Flask-Caching's value for ``key``, or ``compute()`` stored for ``timeout`` seconds."""
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=timeout)
    return value
