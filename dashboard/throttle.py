"""Where sign-in attempts are counted: the storage behind Flask-Limiter, shared by every worker of an instance.

Without Redis the counts live in a diskcache (SQLite, safe across processes) under ``instance/limits``, so
gunicorn's workers share one count per address. With ``REDIS_URL`` they live in Redis (shared by hosts too);
while Redis cannot be reached they go to the instance folder, and Redis is tried again ``RETRY_SECONDS``
later, so sign-in stays throttled and comes back to Redis by itself. The class is registered with the
``limits`` package as the ``instance-folder`` storage scheme (its registry of custom storages).
"""
from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import diskcache
from limits.storage import Storage, storage_from_string

SCHEME = "instance-folder"
RETRY_SECONDS = 5.0  # after Redis failed, count in the folder this long before trying Redis again
REDIS_TIMEOUT = 1.0  # seconds to connect to Redis or hear from it
FOLDER_BYTES = 64 * 2**20  # expired counts are culled as new ones are written; this bounds the rest
log = logging.getLogger(__name__)


def settings(folder: Path, redis_url: str | None) -> dict:
    """Flask-Limiter's configuration for counts in ``folder``, or in Redis with ``folder`` standing in."""
    return {"RATELIMIT_STORAGE_URI": f"{SCHEME}://{folder.resolve()}",
            "RATELIMIT_STORAGE_OPTIONS": {"redis_url": redis_url} if redis_url else {}}


class InstanceFolderStorage(Storage):
    """Fixed-window counts (what Flask-Limiter's default strategy needs) in Redis or in a diskcache."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, redis_url: str | None = None, **_options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.folder = diskcache.Cache(unquote(urlsplit(uri).path), size_limit=FOLDER_BYTES)
        self.redis = storage_from_string(redis_url, socket_connect_timeout=REDIS_TIMEOUT,
                                         socket_timeout=REDIS_TIMEOUT) if redis_url else None
        self._redis_again = 0.0  # time.monotonic() from which Redis is tried again

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return diskcache.Timeout, sqlite3.Error, OSError

    @property
    def redis_away(self) -> bool:
        """Whether the counts are in the folder although Redis is configured."""
        return self.redis is not None and self._redis_again > 0

    def _redis(self, method: str, *args):
        """The answer of Redis, or None when it cannot be reached (then the folder answers)."""
        if self.redis is None or time.monotonic() < self._redis_again:
            return None
        try:
            answer = getattr(self.redis, method)(*args)
        except self.redis.base_exceptions as error:
            if not self.redis_away:
                log.warning("Redis unreachable (%s): sign-in attempts are counted in the instance folder",
                            error.__class__.__name__)
            self._redis_again = time.monotonic() + RETRY_SECONDS
            return None
        if self.redis_away:
            log.warning("Redis reachable again: sign-in attempts are counted there")
            self._redis_again = 0.0
        return answer

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        counted = self._redis("incr", key, expiry, amount)
        if counted is not None:
            return counted
        with self.folder.transact(retry=True):
            if self.folder.get(key, retry=True) is None:  # none yet, or expired: a new window
                self.folder.set(key, amount, expire=expiry, retry=True)
                return amount
            return self.folder.incr(key, amount, retry=True)  # (keeps the window's expiry)

    def get(self, key: str) -> int:
        counted = self._redis("get", key)
        return counted if counted is not None else self.folder.get(key, 0, retry=True)

    def get_expiry(self, key: str) -> float:
        expiry = self._redis("get_expiry", key)
        if expiry is not None:
            return expiry
        _, expire_time = self.folder.get(key, expire_time=True, retry=True)
        return expire_time if expire_time is not None else time.time()

    def check(self) -> bool:
        if self._redis("check"):
            return True
        try:
            self.folder.get("check", retry=True)
        except self.base_exceptions:
            return False
        return True

    def reset(self) -> int | None:
        self._redis("reset")
        return self.folder.clear(retry=True)

    def clear(self, key: str) -> None:
        self._redis("clear", key)
        self.folder.delete(key, retry=True)
