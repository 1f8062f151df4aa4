"""core.cache.RedisCache: Django's Redis backend with one client per connection pool (issue 17)."""

import uuid

import pytest

from core.cache import RedisCache
from tests.security.test_shared_throttle import redis_url  # noqa: F401 (the fixture: Redis, or skip/fail)


@pytest.fixture
def cache(redis_url):  # noqa: F811
    backend = RedisCache(redis_url, {"KEY_PREFIX": f"test-cache-{uuid.uuid4().hex}"})
    yield backend
    for key in ("answer", "claim", "gone"):
        backend.delete(key)


def test_every_operation_reuses_one_client_and_behaves_as_django_s(cache):
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
    assert cache.get("answer") is None
    cache.set("answer", {"headcount": 93}, 30)
    assert cache.get("answer") == {"headcount": 93}
    assert (cache.add("claim", 1, 30), cache.add("claim", 1, 30)) == (True, False)
    assert cache.get_many(["answer", "claim", "gone"]) == {"answer": {"headcount": 93}, "claim": 1}
    cache.delete("claim")
    assert cache.get("claim") is None
    assert cache._cache.get_client() is client
    assert client.connection_pool is cache._cache._get_connection_pool(False)


def test_a_new_pool_gets_its_own_client(cache):
    first = cache._cache.get_client()
    cache._cache._pools.clear()  # as if the pool were replaced
    second = cache._cache.get_client()
    assert second is not first
    assert second.connection_pool is cache._cache._get_connection_pool(False)
    cache.set("answer", 1, 30)
    assert cache.get("answer") == 1
