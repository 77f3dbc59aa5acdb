"""The namespaced Redis cache (the seed's cache manager); failures are logged, never raised."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError

from portal.extensions import get_redis

log = logging.getLogger(__name__)

# The seed's TTL policy, in seconds, per namespace.
NAMESPACE_TTLS: dict[str, int] = {
    "sessions": 24 * 3600,
    "genes": 7 * 24 * 3600,
    "pathways": 7 * 24 * 3600,
    "papers": 30 * 24 * 3600,
    "ratelimit": 60,
    "dashboard": 30,
}
PREFIX = "omniscope"


class CacheManager:
    """Namespaced JSON cache over one Redis client; a Redis failure reads as a miss."""

    def __init__(self, client: Redis, prefix: str = PREFIX) -> None:
        self._client = client
        self._prefix = prefix

    def key(self, namespace: str, key: str) -> str:
        """The Redis key name: ``omniscope:<namespace>:<key>``."""
        return f"{self._prefix}:{namespace}:{key}"

    def get_json(self, namespace: str, key: str) -> Any | None:
        try:
            raw = self._client.get(self.key(namespace, key))
        except RedisError:
            log.warning("cache get failed for %s", namespace, exc_info=True)
            return None
        return None if raw is None else json.loads(raw)

    def set_json(self, namespace: str, key: str, value: Any, ttl: int | None = None) -> bool:
        """Store ``value`` with the namespace's TTL; False when Redis did not take it."""
        try:
            self._client.set(
                self.key(namespace, key),
                json.dumps(value, separators=(",", ":")),
                ex=ttl or NAMESPACE_TTLS[namespace],
            )
        except RedisError:
            log.warning("cache set failed for %s", namespace, exc_info=True)
            return False
        return True

    def delete(self, namespace: str, *keys: str) -> bool:
        """Remove keys; False when Redis could not be reached."""
        if not keys:
            return True
        try:
            self._client.delete(*(self.key(namespace, k) for k in keys))
        except RedisError:
            log.warning("cache delete failed for %s", namespace, exc_info=True)
            return False
        return True

    def incr(self, namespace: str, key: str, ttl: int | None = None) -> int | None:
        """Add one to a counter (created with the namespace's TTL); None when Redis failed."""
        name = self.key(namespace, key)
        try:
            pipe = self._client.pipeline()
            pipe.incr(name)
            pipe.expire(name, ttl or NAMESPACE_TTLS[namespace], nx=True)
            value, _ = pipe.execute()
        except RedisError:
            log.warning("cache incr failed for %s", namespace, exc_info=True)
            return None
        return int(value)

    def get_int(self, namespace: str, key: str) -> int | None:
        """A counter's value (0 when absent); None when Redis failed."""
        try:
            raw = self._client.get(self.key(namespace, key))
        except RedisError:
            log.warning("cache get failed for %s", namespace, exc_info=True)
            return None
        return int(raw) if raw is not None else 0

    def add(self, namespace: str, key: str, value: str, ttl: int | None = None) -> bool:
        """Set only if absent; True when this call set it (False also when Redis failed)."""
        try:
            return bool(
                self._client.set(
                    self.key(namespace, key), value, ex=ttl or NAMESPACE_TTLS[namespace], nx=True
                )
            )
        except RedisError:
            log.warning("cache add failed for %s", namespace, exc_info=True)
            return False

    def get_or_compute(
        self, namespace: str, key: str, compute: Callable[[], Any], ttl: int | None = None
    ) -> Any:
        """The cached JSON value, or ``compute()`` stored for next time (Redis down: computed)."""
        value = self.get_json(namespace, key)
        if value is None:
            value = compute()
            self.set_json(namespace, key, value, ttl)
        return value

    def ping(self) -> bool:
        """True when Redis answers."""
        try:
            return bool(self._client.ping())
        except RedisError:
            return False


def get_cache() -> CacheManager:
    """The application's cache manager."""
    manager = current_app.extensions.get("omniscope.cache_manager")
    if manager is None:
        manager = current_app.extensions["omniscope.cache_manager"] = CacheManager(get_redis())
    return manager
