"""The seed's cache manager: namespaced JSON values in Redis; failures logged, never raised."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError

from portal.cache.namespaces import NAMESPACE_TTLS, PREFIX, STATS_NAMESPACE
from portal.extensions import get_redis

log = logging.getLogger(__name__)

SCAN_COUNT = 1000
MEMORY_SAMPLE = 50
# Ids of this shape are used as key parts as they are; anything else is hashed first.
SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@dataclass(frozen=True)
class CacheHealth:
    """Whether Redis answers, how fast, and which server it is."""

    ok: bool
    latency_ms: float | None
    version: str | None
    error: str | None = None


@dataclass(frozen=True)
class NamespaceStats:
    """One namespace's size and effectiveness; ``available`` is False when Redis failed."""

    namespace: str
    ttl: int
    keys: int
    memory_bytes: int | None
    hits: int
    misses: int
    available: bool = True

    @property
    def hit_rate(self) -> float | None:
        """Hits out of all lookups (None before the first lookup)."""
        total = self.hits + self.misses
        return self.hits / total if total else None


def id_key(raw: str) -> str:
    """A bounded key part: short plain ids as they are, anything else as a SHA-256 digest."""
    if SAFE_ID.fullmatch(raw):
        return raw
    return "h:" + hashlib.sha256(raw.encode()).hexdigest()


class CacheManager:
    """Namespaced JSON cache over one Redis client; a Redis failure reads as a miss."""

    def __init__(self, client: Redis, prefix: str = PREFIX) -> None:
        self._client = client
        self._prefix = prefix

    def key(self, namespace: str, key: str) -> str:
        """The Redis key name: ``omniscope:<namespace>:<key>``."""
        return f"{self._prefix}:{namespace}:{key}"

    def _count(self, namespace: str, field: str) -> None:
        # Counters are shared by every process; losing one to a Redis hiccup is fine.
        try:
            self._client.hincrby(self.key(STATS_NAMESPACE, namespace), field, 1)
        except RedisError:
            log.debug("cache counter failed for %s", namespace, exc_info=True)

    def get_json(self, namespace: str, key: str) -> Any | None:
        """The cached JSON value, or None on a miss (or when Redis failed); counted."""
        try:
            # One round trip on the hot path: the read and a "lookups" count together;
            # only a miss costs a second one (hits = lookups - misses).
            pipe = self._client.pipeline(transaction=False)
            pipe.get(self.key(namespace, key))
            pipe.hincrby(self.key(STATS_NAMESPACE, namespace), "lookups", 1)
            raw, _ = pipe.execute()
        except RedisError:
            log.warning("cache get failed for %s", namespace, exc_info=True)
            return None
        if raw is None:
            self._count(namespace, "misses")
            return None
        return json.loads(raw)

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
        """A counter's value (0 when absent); None when Redis failed. Not a cache lookup."""
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

    # The data namespaces' own methods (ids longer or odder than SAFE_ID are hashed).

    def get_gene_annotation(self, gene_id: str) -> Any | None:
        """A gene's cached annotation, or None."""
        return self.get_json("genes", id_key(gene_id))

    def set_gene_annotation(self, gene_id: str, data: Any) -> bool:
        """Cache a gene's annotation for 7 days."""
        return self.set_json("genes", id_key(gene_id), data)

    def delete_gene_annotation(self, gene_id: str) -> bool:
        """Forget a gene's annotation."""
        return self.delete("genes", id_key(gene_id))

    def get_pathway(self, pathway_id: str) -> Any | None:
        """A pathway's cached data, or None."""
        return self.get_json("pathways", id_key(pathway_id))

    def set_pathway(self, pathway_id: str, data: Any) -> bool:
        """Cache a pathway's data for 7 days."""
        return self.set_json("pathways", id_key(pathway_id), data)

    def delete_pathway(self, pathway_id: str) -> bool:
        """Forget a pathway's data."""
        return self.delete("pathways", id_key(pathway_id))

    def get_paper(self, paper_id: str) -> Any | None:
        """A literature paper's cached record, or None."""
        return self.get_json("papers", id_key(paper_id))

    def set_paper(self, paper_id: str, data: Any) -> bool:
        """Cache a literature paper's record for 30 days."""
        return self.set_json("papers", id_key(paper_id), data)

    def delete_paper(self, paper_id: str) -> bool:
        """Forget a literature paper's record."""
        return self.delete("papers", id_key(paper_id))

    def ping(self) -> bool:
        """True when Redis answers."""
        try:
            return bool(self._client.ping())
        except RedisError:
            return False

    def health(self) -> CacheHealth:
        """PING round trip in milliseconds and the server's version (None if not told)."""
        started = time.perf_counter()
        try:
            self._client.ping()
        except RedisError as exc:
            log.warning("cache health check failed", exc_info=True)
            return CacheHealth(False, None, None, type(exc).__name__)
        latency = round((time.perf_counter() - started) * 1000, 2)
        try:
            version = self._client.info("server").get("redis_version")
        except RedisError:  # the embedded stand-in has no INFO
            version = None
        return CacheHealth(True, latency, version)

    def _check_namespace(self, namespace: str) -> str:
        if namespace not in NAMESPACE_TTLS:
            raise ValueError(f"unknown cache namespace {namespace!r}")
        return self.key(namespace, "*")

    def namespace_stats(self, namespace: str) -> NamespaceStats:
        """Key count (SCAN), sampled memory estimate, hits and misses of one namespace."""
        pattern = self._check_namespace(namespace)
        ttl = NAMESPACE_TTLS[namespace]
        try:
            sample: list[bytes] = []
            keys = 0
            for name in self._client.scan_iter(match=pattern, count=SCAN_COUNT):
                keys += 1
                if len(sample) < MEMORY_SAMPLE:
                    sample.append(name)
            counters = {
                (k.decode() if isinstance(k, bytes) else k): int(v)
                for k, v in self._client.hgetall(self.key(STATS_NAMESPACE, namespace)).items()
            }
        except RedisError:
            log.warning("cache stats failed for %s", namespace, exc_info=True)
            return NamespaceStats(namespace, ttl, 0, None, 0, 0, available=False)
        memory = self._memory_estimate(sample, keys)
        misses = counters.get("misses", 0)
        hits = max(counters.get("lookups", 0) - misses, 0)
        return NamespaceStats(namespace, ttl, keys, memory, hits, misses)

    def _memory_estimate(self, sample: list[bytes], keys: int) -> int | None:
        """The sample's average MEMORY USAGE times the key count (None when unsupported)."""
        if not sample:
            return 0
        try:
            pipe = self._client.pipeline(transaction=False)
            for name in sample:
                pipe.memory_usage(name)
            sizes = [s for s in pipe.execute() if s is not None]
        except RedisError:  # the embedded stand-in has no MEMORY
            return None
        return round(sum(sizes) / len(sizes) * keys) if sizes else 0

    def flush_namespace(self, namespace: str) -> int:
        """UNLINK every key of one namespace in batches; how many were removed."""
        pattern = self._check_namespace(namespace)
        removed = 0
        batch: list[bytes] = []
        try:
            for name in self._client.scan_iter(match=pattern, count=SCAN_COUNT):
                batch.append(name)
                if len(batch) >= SCAN_COUNT:
                    removed += self._client.unlink(*batch)
                    batch = []
            if batch:
                removed += self._client.unlink(*batch)
        except RedisError:
            log.warning("cache flush of %s stopped at %d keys", namespace, removed, exc_info=True)
        return removed


def get_cache() -> CacheManager:
    """The application's cache manager (over the app's pooled Redis client)."""
    manager = current_app.extensions.get("omniscope.cache_manager")
    if manager is None:
        manager = current_app.extensions["omniscope.cache_manager"] = CacheManager(get_redis())
    return manager
