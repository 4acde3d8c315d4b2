"""The shared answer cache with Redis, and what stands in for it while Redis is away.

:class:`FallbackRedisCache` (a Flask-Caching backend) keeps answers in Redis, shared by every worker. When
Redis does not answer within :data:`REDIS_TIMEOUT_SECONDS` it serves from the filesystem cache under
``instance/cache`` (the one used without Redis, shared by the workers of this host) and asks Redis again
after :data:`RETRY_SECONDS`, so it returns to Redis by itself; :meth:`FallbackRedisCache.reachable` is what
``/healthz`` reports. Cached answers are keyed by data version, so the two never disagree about the data.
"""
from __future__ import annotations

import logging
import time
from typing import Any

import redis
from flask import Flask
from flask_caching.backends.base import BaseCache
from flask_caching.backends.filesystemcache import FileSystemCache
from flask_caching.backends.rediscache import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

REDIS_TIMEOUT_SECONDS = 0.5  # to connect and to answer: a cache that is slower than that is no help
RETRY_SECONDS = 5.0  # while Redis is away, how long the local cache serves before Redis is asked again

log = logging.getLogger(__name__)


class FallbackRedisCache(BaseCache):
    """Redis while it answers, else a local cache (see the module)."""

    def __init__(self, remote: RedisCache, local: BaseCache, default_timeout: int):
        super().__init__(default_timeout=default_timeout)
        self.remote, self.local = remote, local
        self.retry_seconds = RETRY_SECONDS
        self._retry_at = 0.0  # monotonic time before which Redis is not asked (0: it answered last time)

    @classmethod
    def factory(cls, app: Flask, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]):
        timeout = kwargs["default_timeout"]
        client = redis.from_url(config["CACHE_REDIS_URL"], socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                socket_timeout=REDIS_TIMEOUT_SECONDS,
                                retry=Retry(NoBackoff(), 1))  # once more on a fresh connection, at once
        remote = RedisCache(host=client, default_timeout=timeout, key_prefix=config.get("CACHE_KEY_PREFIX"))
        local = FileSystemCache(config["CACHE_DIR"], threshold=config["CACHE_THRESHOLD"], default_timeout=timeout)
        return cls(remote, local, timeout)

    def _away(self, error: Exception) -> None:
        if not self._retry_at:
            log.warning("Redis unreachable (%s): the local cache serves, Redis is asked again every %.0f s",
                        error, self.retry_seconds)
        self._retry_at = time.monotonic() + self.retry_seconds

    def _back(self) -> None:
        if self._retry_at:
            log.warning("Redis answers again: the cache is shared again")
        self._retry_at = 0.0

    def _call(self, method: str, *args, **kwargs):
        if time.monotonic() >= self._retry_at:
            try:
                result = getattr(self.remote, method)(*args, **kwargs)
            except RedisError as error:
                self._away(error)
            else:
                self._back()
                return result
        return getattr(self.local, method)(*args, **kwargs)

    def reachable(self) -> bool:
        """Whether Redis answers now (asked at once, whatever the retry interval; a success ends the fallback)."""
        try:
            self.remote._write_client.ping()
        except RedisError as error:
            self._away(error)
            return False
        self._back()
        return True

    def get(self, key):
        return self._call("get", key)

    def get_many(self, *keys):
        return self._call("get_many", *keys)

    def set(self, key, value, timeout=None):
        return self._call("set", key, value, timeout)

    def set_many(self, mapping, timeout=None):
        return self._call("set_many", mapping, timeout)

    def add(self, key, value, timeout=None):
        return self._call("add", key, value, timeout)

    def delete(self, key):
        return self._call("delete", key)

    def delete_many(self, *keys):
        return self._call("delete_many", *keys)

    def has(self, key):
        return self._call("has", key)

    def inc(self, key, delta=1):
        return self._call("inc", key, delta)

    def dec(self, key, delta=1):
        return self._call("dec", key, delta)

    def clear(self):
        self.local.clear()  # what was kept while Redis was away goes too
        return self._call("clear")
