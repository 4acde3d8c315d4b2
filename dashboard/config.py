"""Configuration from the environment, with defaults that work on a fresh checkout.

``DATABASE_URL`` (default: SQLite under ``instance/``), ``REDIS_URL`` (cache and login rate-limit backend when
set, else a filesystem cache under ``instance/cache`` and sign-in counts under ``instance/limits`` shared by
the workers (dashboard/throttle.py); the filesystem stands in while Redis is away), ``DASHBOARD_INSTANCE``
(the instance folder), ``SECRET_KEY``, ``DASHBOARD_MODE``
(``production``, the default, or ``demo``: only demo mode lists and accepts the demo accounts),
``COOKIE_SECURE`` (session cookies sent over HTTPS only; default on in production, off in demo mode),
``LOGIN_RATE_LIMIT`` (sign-in attempts per address), ``TRUSTED_PROXIES`` (reverse proxies in front of the app,
whose X-Forwarded-For names the client). The app refuses to serve in production mode without ``ID_HASH_KEY``
(data/personal.py).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from data.ingest import limits

PROJECT_DIR = Path(__file__).resolve().parent.parent
CACHE_SECONDS = 7 * 24 * 3600  # cached answers are keyed by data version; older versions age out
MODES = ("production", "demo")
# a request may carry one upload of data/ingest/limits.UPLOAD_BYTES (base64 in a callback); larger: 413
MAX_REQUEST_BYTES = limits.request_bytes(limits.UPLOAD_BYTES)


def _flag(value: str | None) -> bool | None:
    return None if value in (None, "") else value.strip().lower() in ("1", "true", "yes", "on")


@dataclass
class Config:
    instance_dir: Path = field(default_factory=lambda: Path(
        os.environ.get("DASHBOARD_INSTANCE", PROJECT_DIR / "instance")).resolve())
    database_url: str = ""
    redis_url: str | None = field(default_factory=lambda: os.environ.get("REDIS_URL") or None)
    secret_key: str = field(default_factory=lambda: os.environ.get("SECRET_KEY", ""))
    mode: str = field(default_factory=lambda: os.environ.get("DASHBOARD_MODE", "production"))
    secure_cookies: bool | None = field(default_factory=lambda: _flag(os.environ.get("COOKIE_SECURE")))
    login_rate_limit: str = field(default_factory=lambda: os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"))
    trusted_proxies: int = field(default_factory=lambda: int(os.environ.get("TRUSTED_PROXIES", "0") or 0))

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"DASHBOARD_MODE must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.secure_cookies is None:
            self.secure_cookies = not self.demo
        if not self.secret_key:  # one key shared by every worker of this instance
            key_file = self.instance_dir / "secret_key"
            if not key_file.exists():
                key_file.parent.mkdir(parents=True, exist_ok=True)
                key_file.write_text(secrets.token_hex(32))
            self.secret_key = key_file.read_text().strip()
        if not self.database_url:
            self.database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{self.instance_dir / 'dashboard.db'}"

    @property
    def demo(self) -> bool:
        return self.mode == "demo"

    def cache_settings(self) -> dict:
        """Flask-Caching settings: Redis when configured (shared by all workers; the filesystem cache stands in
        while it is away, see dashboard/cache.py), else the filesystem."""
        local = {"CACHE_DIR": str(self.instance_dir / "cache"), "CACHE_DEFAULT_TIMEOUT": CACHE_SECONDS,
                 "CACHE_THRESHOLD": 2000}
        if self.redis_url:
            return {"CACHE_TYPE": "dashboard.cache.FallbackRedisCache", "CACHE_REDIS_URL": self.redis_url, **local}
        return {"CACHE_TYPE": "FileSystemCache", **local}
