"""The key scheme and TTL policy both cache layers follow (manager and Flask-Caching)."""

from __future__ import annotations

# The seed's TTL policy, in seconds, per namespace.
NAMESPACE_TTLS: dict[str, int] = {
    "sessions": 24 * 3600,
    "genes": 7 * 24 * 3600,
    "pathways": 7 * 24 * 3600,
    "papers": 30 * 24 * 3600,
    "ratelimit": 60,
    # The portal's own, kept through Flask-Caching (CountingRedisCache).
    "dashboard": 30,
    "principal": 60,
}
PREFIX = "omniscope"
# Hit/miss counters live in ``omniscope:stats:<namespace>`` (not a cache namespace itself).
STATS_NAMESPACE = "stats"


def stats_key(namespace: str) -> str:
    """Where a namespace's lookup and miss counters live."""
    return f"{PREFIX}:{STATS_NAMESPACE}:{namespace}"
