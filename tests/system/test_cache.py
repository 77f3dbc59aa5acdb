"""The cache manager against real Redis: key names, TTLs, counters, stats, flush, Redis down."""

from __future__ import annotations

import hashlib

import pytest
from flask import Flask

from portal.cache import NAMESPACE_TTLS, CacheManager, get_cache, remember
from portal.extensions import get_redis

DAY = 24 * 3600


@pytest.fixture
def manager(redis_client):
    return CacheManager(redis_client)


@pytest.mark.parametrize(("namespace", "ttl"), sorted(NAMESPACE_TTLS.items()))
def test_key_names_and_ttls_per_namespace(manager, redis_client, namespace, ttl):
    assert manager.set_json(namespace, "k1", {"a": 1}) is True
    assert redis_client.exists(f"omniscope:{namespace}:k1") == 1
    assert ttl - 2 <= redis_client.ttl(f"omniscope:{namespace}:k1") <= ttl
    assert manager.get_json(namespace, "k1") == {"a": 1}


def test_the_seed_ttl_policy():
    assert NAMESPACE_TTLS == {
        "sessions": DAY,
        "genes": 7 * DAY,
        "pathways": 7 * DAY,
        "papers": 30 * DAY,
        "ratelimit": 60,
        "dashboard": 30,
        "principal": 60,
    }


@pytest.mark.parametrize(
    ("setter", "getter", "deleter", "key", "ttl"),
    [
        ("set_gene_annotation", "get_gene_annotation", "delete_gene_annotation", "genes", 7 * DAY),
        ("set_pathway", "get_pathway", "delete_pathway", "pathways", 7 * DAY),
        ("set_paper", "get_paper", "delete_paper", "papers", 30 * DAY),
    ],
)
def test_convenience_methods(manager, redis_client, setter, getter, deleter, key, ttl):
    assert getattr(manager, getter)("ID-1") is None
    assert getattr(manager, setter)("ID-1", {"name": "x"}) is True
    assert ttl - 2 <= redis_client.ttl(f"omniscope:{key}:ID-1") <= ttl
    assert getattr(manager, getter)("ID-1") == {"name": "x"}
    assert getattr(manager, deleter)("ID-1") is True
    assert redis_client.exists(f"omniscope:{key}:ID-1") == 0


def test_unbounded_ids_are_hashed(manager, redis_client):
    raw = "gene with spaces * and globs?" + "x" * 500
    manager.set_gene_annotation(raw, {"ok": True})
    digest = hashlib.sha256(raw.encode()).hexdigest()
    assert redis_client.exists(f"omniscope:genes:h:{digest}") == 1
    assert manager.get_gene_annotation(raw) == {"ok": True}


def test_get_or_compute_computes_once(app_ctx):
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    assert remember("pathways:p", compute, NAMESPACE_TTLS["pathways"]) == {"n": 1}
    assert remember("pathways:p", compute, NAMESPACE_TTLS["pathways"]) == {"n": 1}
    assert len(calls) == 1


def test_counters_are_shared_between_managers(redis_client, other_redis):
    one, two = CacheManager(redis_client), CacheManager(other_redis)
    assert one.get_gene_annotation("TP53") is None  # miss
    two.set_gene_annotation("TP53", {"symbol": "TP53"})
    assert two.get_gene_annotation("TP53") == {"symbol": "TP53"}  # hit
    assert one.get_gene_annotation("TP53") == {"symbol": "TP53"}  # hit
    assert redis_client.hgetall("omniscope:stats:genes") == {b"lookups": b"3", b"misses": b"1"}
    for mgr in (one, two):
        stats = mgr.namespace_stats("genes")
        assert (stats.hits, stats.misses) == (2, 1)
        assert stats.hit_rate == pytest.approx(2 / 3)


def test_namespace_stats(manager, redis_client):
    for i in range(120):
        manager.set_paper(f"PMID{i}", {"title": "t" * 50})
    manager.set_pathway("hsa00010", {"name": "Glycolysis"})
    stats = manager.namespace_stats("papers")
    assert stats.available and stats.keys == 120 and stats.ttl == 30 * DAY
    assert stats.memory_bytes is not None and stats.memory_bytes > 120 * 50
    assert stats.hit_rate is None  # no lookups yet
    empty = manager.namespace_stats("genes")
    assert (empty.keys, empty.memory_bytes, empty.hits, empty.misses) == (0, 0, 0, 0)


def test_flush_only_touches_its_namespace(manager, redis_client):
    pipe = redis_client.pipeline()
    for i in range(2500):  # more than one UNLINK batch
        pipe.set(f"omniscope:genes:G{i}", "1")
    pipe.execute()
    manager.set_pathway("hsa00010", {"name": "Glycolysis"})
    manager.set_json("sessions", "sid", {"user_id": "u"})
    manager.get_gene_annotation("G1")
    redis_client.set("omniscope:genesis:x", "1")  # shares a prefix, not the namespace
    redis_client.set("unrelated", "1")
    assert manager.flush_namespace("genes") == 2500
    assert list(redis_client.scan_iter(match="omniscope:genes:*")) == []
    for key in ("omniscope:pathways:hsa00010", "omniscope:sessions:sid", "omniscope:genesis:x"):
        assert redis_client.exists(key) == 1
    assert redis_client.exists("unrelated") == 1
    assert manager.namespace_stats("genes").hits == 1  # counters survive a flush
    assert manager.flush_namespace("genes") == 0


def test_unknown_namespaces_are_refused(manager):
    for call in (manager.namespace_stats, manager.flush_namespace):
        with pytest.raises(ValueError):
            call("*")


def test_health(manager, redis_client):
    health = manager.health()
    assert health.ok and health.error is None
    assert health.version == redis_client.info("server")["redis_version"]
    assert 0 <= health.latency_ms < 1000


def test_redis_down_reads_as_misses(down_redis):
    manager = CacheManager(down_redis)
    assert manager.get_json("genes", "x") is None
    assert manager.get_gene_annotation("x") is None
    assert manager.set_json("genes", "x", 1) is False
    assert manager.set_paper("x", {}) is False
    assert manager.delete("genes", "x") is False
    assert manager.incr("ratelimit", "x") is None
    assert manager.get_int("ratelimit", "x") is None
    assert manager.add("ratelimit", "x", "1") is False
    assert manager.ping() is False
    health = manager.health()
    assert (health.ok, health.latency_ms, health.error) == (False, None, "ConnectionError")
    stats = manager.namespace_stats("genes")
    assert stats.available is False and stats.keys == 0
    assert manager.flush_namespace("genes") == 0


def test_app_cache_uses_the_shared_pool(app_ctx):
    manager = get_cache()
    assert manager is get_cache()
    assert get_redis().connection_pool.max_connections == 50
    assert manager.key("genes", "BRCA1") == "omniscope:genes:BRCA1"


def test_flask_caching_keys_ttls_and_counters(app_ctx, redis_client):
    from portal.extensions import cache

    assert cache.get("dashboard:u1:html") is None
    assert cache.set("dashboard:u1:html", "<p>hi</p>", timeout=30)
    assert cache.get("dashboard:u1:html") == "<p>hi</p>"
    assert redis_client.exists("omniscope:dashboard:u1:html") == 1
    assert 28 <= redis_client.ttl("omniscope:dashboard:u1:html") <= 30
    stats = get_cache().namespace_stats("dashboard")
    assert (stats.keys, stats.hits, stats.misses) == (1, 1, 1)
    # Keys outside the listed namespaces are not counted as cache lookups.
    cache.get_many("principal:u1", "authz:generation")
    assert redis_client.hgetall("omniscope:stats:principal") == {b"lookups": b"1", b"misses": b"1"}
    assert redis_client.exists("omniscope:stats:authz") == 0
    # Flushing the namespace on /system/cache removes Flask-Caching's entries too.
    assert get_cache().flush_namespace("dashboard") == 1
    assert cache.get("dashboard:u1:html") is None


def test_flask_caching_never_raises_when_redis_is_down(down_redis):
    from portal.cache import CountingRedisCache
    from portal.extensions import cache

    backend = CountingRedisCache(down_redis, key_prefix="omniscope:")
    assert backend.get("dashboard:x") is None
    assert backend.get_many("principal:x", "authz:generation") == [None, None]
    assert backend.set("dashboard:x", 1) is False
    assert backend.set_many({"authz:generation": "t"}) == []
    assert backend.delete("dashboard:x") is False
    with pytest.raises(NotImplementedError):
        backend.clear()
    # The get-or-compute over it: Redis down, the value is computed.
    down_app = Flask("down")
    cache.init_app(
        down_app,
        config={
            "CACHE_TYPE": "portal.cache.CountingRedisCache",
            "CACHE_REDIS_HOST": down_redis,
            "CACHE_KEY_PREFIX": "omniscope:",
        },
    )
    with down_app.app_context():
        assert remember("pathways:x", lambda: {"fresh": True}, 60) == {"fresh": True}


def test_flask_caching_stores_json_and_never_unpickles(app_ctx, redis_client):
    import pickle

    from portal.extensions import cache

    cache.set("dashboard:u2:data", {"tiles": [1, 2], "when": "today"}, timeout=30)
    assert redis_client.get("omniscope:dashboard:u2:data") == b'{"tiles":[1,2],"when":"today"}'
    assert cache.get("dashboard:u2:data") == {"tiles": [1, 2], "when": "today"}
    cache.set("dashboard:u2:n", 7, timeout=30)
    assert redis_client.get("omniscope:dashboard:u2:n") == b"7" and cache.get("dashboard:u2:n") == 7
    # A pickle planted in Redis (Flask-Caching's default format, which an older version
    # wrote) is never run: it reads as a miss, and a value that is not JSON is not stored.
    planted = b"!" + pickle.dumps({"x": 1})
    redis_client.set("omniscope:dashboard:u2:html", planted)
    assert cache.get("dashboard:u2:html") is None
    assert cache.set("dashboard:u2:html", b"bytes") is False
    assert redis_client.get("omniscope:dashboard:u2:html") == planted
