"""The portal's Redis caches; import them from here (``from portal.cache import get_cache``).

- ``namespaces``: the key scheme and TTL policy both layers follow.
- ``manager``: the seed's ``CacheManager`` (per-namespace JSON values, hit/miss counters,
  stats, flush, health) and ``get_cache()``.
- ``flask_backend``: ``CountingRedisCache``, Flask-Caching's backend with the same key
  names and counters, and ``remember``, the one get-or-compute.
"""

from portal.cache.flask_backend import CountingRedisCache, JSONSerializer, remember
from portal.cache.manager import CacheHealth, CacheManager, NamespaceStats, get_cache, id_key
from portal.cache.namespaces import NAMESPACE_TTLS, PREFIX, STATS_NAMESPACE, stats_key

__all__ = [
    "NAMESPACE_TTLS",
    "PREFIX",
    "STATS_NAMESPACE",
    "CacheHealth",
    "CacheManager",
    "CountingRedisCache",
    "JSONSerializer",
    "NamespaceStats",
    "get_cache",
    "id_key",
    "remember",
    "stats_key",
]
