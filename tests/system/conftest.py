"""Fixtures of the /system tests: spare Redis clients, one up and one down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis as redis_lib

from tests.helpers.apps import REDIS_URL


@pytest.fixture
def other_redis(redis_client: redis_lib.Redis) -> Iterator[redis_lib.Redis]:
    """A second, independent connection to the tests' Redis (another process, in effect)."""
    client = redis_lib.Redis.from_url(REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def down_redis() -> Iterator[redis_lib.Redis]:
    """A client for a port nobody listens on (built like the app's: no retry back-off)."""
    client = redis_lib.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    yield client
    client.close()
