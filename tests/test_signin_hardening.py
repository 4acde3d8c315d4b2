"""Sign-in and response headers, hardened (issue 15): throttling shared by every worker of an instance and
kept when Redis is away, the same answer for a name that is no account as for a locked one, a
Content-Security-Policy the pages satisfy, HSTS outside demo mode, and no version for a caller who has not
signed in.

Workers are two apps made by ``create_app`` on the same database and instance folder, as gunicorn's workers
are. Redis is away at a port where nothing listens, or is a throwaway ``redis-server`` this test starts and
stops itself (never the machine's shared one).
"""
from __future__ import annotations

import base64
import importlib.metadata
import hashlib
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import replace

import dash
import flask
import plotly
import pytest
import redis

from dashboard.config import Config
from data.definitions.policy import LOCK_MINUTES, MAX_FAILED_LOGINS
from data.store import accounts
from tests.conftest import sign_in

DEAD_REDIS = "redis://127.0.0.1:6399/0"  # nothing listens there


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _workers(tiny_instance, folder, count: int = 2, **changes):
    """``count`` apps on the tiny database sharing one instance folder (its own, so no other test's counts)."""
    from dashboard.app import create_app

    config = Config(instance_dir=folder, database_url=tiny_instance.database_url, mode="demo",
                    login_rate_limit=changes.pop("login_rate_limit", "4 per minute"),
                    redis_url=changes.pop("redis_url", None), **changes)
    return [create_app(config) for _ in range(count)]


def _attempt(client, name: str, password: str = "not the password"):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/"})


def _message(response) -> str:
    said = re.search(r'id="login-message" role="alert">([^<]*)<', response.get_data(as_text=True))
    return said.group(1) if said else ""


# -- throttling is shared by the workers ---------------------------------------------------------------
def test_sign_in_throttling_holds_across_workers(tiny_instance, tmp_path):
    # before the fix (per-process memory): 8 of 8 attempts passed a limit of 4 with two workers
    workers = [app.server.test_client() for app in _workers(tiny_instance, tmp_path)]
    statuses = [_attempt(workers[i % 2], f"nobody_{i}").status_code for i in range(8)]
    assert statuses == [200] * 4 + [429] * 4


def test_redis_unreachable_sign_in_works_and_is_still_throttled_across_workers(tiny_instance, tmp_path):
    # before the fix: the first sign-in answered 500 (redis ConnectionError in Flask-Limiter)
    accounts.add_user(_storage(tiny_instance), "redis_away", "county", ["522728"], "a long enough password")
    workers = [app.server.test_client() for app in _workers(tiny_instance, tmp_path, redis_url=DEAD_REDIS)]
    assert _attempt(workers[0], "redis_away", "a long enough password").status_code == 302
    statuses = [_attempt(workers[i % 2], f"nobody_{i}").status_code for i in range(5)]
    assert statuses == [200] * 3 + [429] * 2


def _storage(config):
    from data.store.storage import Storage, make_engine

    return Storage(make_engine(config.database_url))


@pytest.fixture()
def throwaway_redis():
    """A redis-server of this test's own on a free port: ``start()``, ``stop()`` (the same port again)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port, running = _free_port(), []

    def start():
        process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                    "--appendonly", "no"], stdout=subprocess.DEVNULL)
        running.append(process)
        client = redis.Redis(port=port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return client
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("the throwaway redis-server did not start")

    def stop():
        process = running.pop()
        process.terminate()
        process.wait(timeout=10)

    start.port, start.stop = port, stop
    yield start
    for process in running:
        process.terminate()
        process.wait(timeout=10)


def test_throttling_falls_back_while_redis_is_away_and_returns_to_it(tiny_instance, tmp_path, throwaway_redis,
                                                                     monkeypatch):
    # before the fix: with Redis stopped the attempt answered 500
    from dashboard import throttle

    monkeypatch.setattr(throttle, "RETRY_SECONDS", 0.0)  # try Redis again at once (in service: a few seconds)
    client_redis = throwaway_redis()
    (app,) = _workers(tiny_instance, tmp_path, count=1, login_rate_limit="50 per minute",
                      redis_url=f"redis://127.0.0.1:{throwaway_redis.port}/0")
    client = app.server.test_client()

    def counted_in_redis() -> int:
        return sum(int(client_redis.get(key)) for key in client_redis.keys("*50/1/minute*"))

    assert _attempt(client, "nobody_a").status_code == 200 and counted_in_redis() == 1
    throwaway_redis.stop()
    assert [_attempt(client, f"nobody_{i}").status_code for i in range(2)] == [200, 200]
    client_redis = throwaway_redis()  # back, empty (no persistence)
    assert _attempt(client, "nobody_b").status_code == 200 and counted_in_redis() == 1


# -- "locked" is said for any name ---------------------------------------------------------------------
def test_an_unknown_name_reads_exactly_as_an_account_being_locked(app, anonymous):
    # before the fix: the account's 5th answer said "locked", the unknown name's still "wrong"
    accounts.add_user(app.storage, "lock_probe", "county", ["522728"], "a long enough password")
    real = [(r.status_code, _message(r)) for r in (_attempt(anonymous, "lock_probe")
                                                    for _ in range(MAX_FAILED_LOGINS + 1))]
    ghost = [(r.status_code, _message(r)) for r in (_attempt(anonymous, "no_such_person")
                                                     for _ in range(MAX_FAILED_LOGINS + 1))]
    assert real == ghost
    assert real[MAX_FAILED_LOGINS - 1][1] != real[0][1] and str(LOCK_MINUTES) in real[-1][1]  # locked, then
    right = _attempt(anonymous, "lock_probe", "a long enough password")  # the right password, while locked
    assert (right.status_code, _message(right)) == ghost[-1]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_name_that_is_no_account_is_counted_by_digest_and_locked_on_each_backend(empty_database, backend):
    from data.store.schema import login_failures
    from data.store.storage import Storage, make_engine, migrate

    storage = Storage(make_engine(empty_database(backend)))
    migrate(storage.engine)
    refusals = []
    for _ in range(MAX_FAILED_LOGINS + 1):
        with pytest.raises(accounts.LoginRefused) as refused:
            accounts.authenticate(storage, "ghost_name", "some password", demo_mode=True)
        refusals.append((refused.value.reason, refused.value.known))
    assert refusals == [("wrong", False)] * (MAX_FAILED_LOGINS - 1) + [("locked", False)] * 2
    with storage.engine.connect() as connection:
        kept = connection.execute(login_failures.select()).mappings().all()
    assert len(kept) == 1 and "ghost" not in str(dict(kept[0])) and kept[0]["locked_until"] is not None


def test_an_unknown_name_takes_as_long_as_a_wrong_password(app, anonymous):
    accounts.add_user(app.storage, "timing_probe", "county", ["522728"], "a long enough password")

    def took(name: str) -> float:
        started = time.perf_counter()
        _attempt(anonymous, name)
        return time.perf_counter() - started

    real = statistics.median(took("timing_probe") for _ in range(3))
    ghost = statistics.median(took(f"no_such_{i}") for i in range(3))
    assert 0.2 < ghost / real < 5, (real, ghost)  # both verify an argon2 hash


# -- headers -------------------------------------------------------------------------------------------
def _inline_scripts(html: str) -> list[str]:
    """The text of every inline script a browser would run (not JSON data blocks, not inside comments such as
    Dash's ``<!--[if IE]>`` warning)."""
    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, re.S)
    return [body for attributes, body in scripts if "application/json" not in attributes]


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_every_page_has_a_csp_its_inline_scripts_satisfy(client, anonymous):
    # before the fix: KeyError 'Content-Security-Policy'
    for caller, path in ((anonymous, "/login"), (client, "/"), (client, "/monitoring"), (client, "/data")):
        response = caller.get(path)
        policy = _directives(response.headers["Content-Security-Policy"])
        scripts = policy["script-src"]
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, path
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
        inline = _inline_scripts(response.get_data(as_text=True))
        assert path == "/login" or inline, path  # Dash's pages have some: each one is allowed by its hash
        for body in inline:
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in scripts, (path, body[:80])


def test_the_map_prefetch_is_no_inline_script_of_its_own_making(client):
    # before the fix: the geometry URL was written into an inline script, a new script (and hash) per region
    from dashboard.app import _PREFETCH

    html = client.get("/?region=5227").get_data(as_text=True)
    assert any(body == _PREFETCH for body in _inline_scripts(html))
    assert re.search(r'<meta name="geometry-prefetch" content="/geo/[^"]+">', html)


def test_hsts_outside_demo_mode_only(tiny_instance, tmp_path, monkeypatch, anonymous):
    # before the fix: no Strict-Transport-Security in production mode
    from dashboard.app import create_app

    assert "Strict-Transport-Security" not in anonymous.get("/login").headers  # demo mode: plain HTTP allowed
    monkeypatch.setenv("ID_HASH_KEY", "a production secret")
    production = create_app(replace(tiny_instance, mode="production", instance_dir=tmp_path))
    hsts = production.server.test_client().get("/login").headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 365 * 24 * 3600


def _versions() -> list[str]:
    from dashboard.config import PROJECT_DIR

    plotly_js = re.search(r'version:"(\d+\.\d+\.\d+)"', (PROJECT_DIR / "assets/plotly-dashboard.min.js")
                          .read_text(errors="replace")).group(1)
    return [dash.__version__, plotly.__version__, plotly_js, importlib.metadata.version("werkzeug"), flask.__version__,
            sys.version.split()[0]]


def test_a_caller_who_has_not_signed_in_sees_no_version(anonymous):
    # before the fix: the plotly bundle and Dash's renderer (with their versions) were served to anyone
    versions = _versions()
    renderer = "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.v9_9_9m1.min.js"
    for path in ("/login", "/healthz", "/api/v1/openapi.json", "/no/such/page", "/assets/style.css",
                 "/assets/plotly-dashboard.min.js", renderer, "/_dash-dependencies", "/_dash-layout",
                 "/api/v1/regions", "/geo/county.geojson"):
        response = anonymous.get(path)
        said = response.get_data(as_text=True) + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        found = [v for v in versions if re.search(rf"(?<![\d.]){re.escape(v)}(?![\d.])", said)]
        assert not found, (path, response.status_code, found)
