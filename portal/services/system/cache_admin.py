"""Changing the cache from the system pages: flushing a namespace, with its audit record."""

from __future__ import annotations

from portal.cache import get_cache
from portal.services import audit
from portal.services.system.errors import CacheUnavailable


def flush_cache_namespace(namespace: str) -> int:
    """Remove every key of ``namespace`` and record it; returns how many keys went.

    Redis is flushed before the caller commits the audit row: a flush cannot be rolled
    back, so the row says what happened even if little else in the request succeeds.
    """
    manager = get_cache()
    if not manager.ping():
        raise CacheUnavailable("Redis is unreachable: nothing was flushed.")
    removed = manager.flush_namespace(namespace)
    audit.record(
        audit.Action.CACHE_FLUSHED,
        target_type="cache",
        target_id=namespace,
        details={"keys": removed},
    )
    return removed
