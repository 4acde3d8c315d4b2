"""Faults that degrade instead of breaking: Redis away and a PostgreSQL outage, each with its recovery.

Redis away: the maps are still drawn (a local cache stands in), ``/healthz`` answers 200 "degraded" and names
Redis, and both come back to Redis and "ok" by themselves. The database away: JSON 503 for the API, the
geometry routes and Dash, a page for people, 503 from ``/healthz``; after it returns the very first request
is answered. The outages are made by a TCP proxy in this process (cut: the listening socket and every
connection closed; restored: listening again), never by stopping the machine's shared servers.
"""
from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import replace

import pytest
import redis
import sqlalchemy as sa

from data.store import accounts
from data.store.schema import boundaries, boundary_lines, cube, meta, regions, thresholds, user_scopes, users
from data.store.storage import make_engine, migrate
from tests.conftest import _postgres_database, sign_in

REDIS_PORT = 6379
POSTGRES_PORT = 5432
SHORT = 1  # seconds: PostgreSQL's connect_timeout for the app under test, and the scale of the time bounds


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Proxy:
    """Forwards 127.0.0.1:<port> to a server; :meth:`cut` closes the listening socket and every connection
    (clients see a reset, new connections are refused), :meth:`restore` listens again."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target, self.port = (target_host, target_port), _free_port()
        self._lock, self._sockets, self._listener = threading.Lock(), set(), None
        self.restore()

    def restore(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR: the same port again
        self._listener.settimeout(0.05)
        self._thread = threading.Thread(target=self._accept, args=(self._listener,), daemon=True)
        self._thread.start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        self._thread.join()  # out of accept(), so that the port is free once the socket is closed
        listener.close()
        with self._lock:
            for sock in self._sockets:
                _close(sock)
            self._sockets.clear()

    close = cut

    @property
    def listening(self) -> bool:
        return self._listener is not None

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=SHORT)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            _close(sock)
            with self._lock:
                self._sockets.discard(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _app(config):
    from dashboard.app import create_app

    return create_app(config)


def _token_client(app):
    client = app.server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + accounts.make_token(app.storage, "demo_admin")
    return client


def _geo(client, layer: str):
    return client.get(f"/geo/{layer}.geojson", headers={"Accept-Encoding": "gzip"})


# --- Redis away -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app_without_redis(tiny_instance):
    return _app(replace(tiny_instance, redis_url=f"redis://127.0.0.1:{_free_port()}/0"))  # nothing listens there


def test_redis_down_from_the_start_maps_are_drawn_and_healthz_says_degraded(app_without_redis):
    client = _token_client(app_without_redis)
    started = time.monotonic()
    for layer in ("province", "city", "lines", "province"):  # the last one from the fallback cache
        response = _geo(client, layer)
        assert response.status_code == 200, (layer, response.data[:300])
    assert time.monotonic() - started < 3 * SHORT
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["status"] == "degraded" and "redis" in health.get_json()["degraded"]


def test_redis_down_sign_in_still_answers(app_without_redis):
    """(The limiter's own fallback is dashboard/throttle.py, tested in tests/test_signin_hardening.py.)"""
    client = sign_in(app_without_redis.server.test_client())  # 302 to the app, not a 500
    assert _geo(client, "county").status_code == 200


@pytest.fixture()
def redis_proxy():
    proxy = Proxy(REDIS_PORT)
    yield proxy
    proxy.close()


def test_redis_lost_and_back_the_cache_and_healthz_recover_by_themselves(tiny_instance, redis_proxy):
    app = _app(replace(tiny_instance, redis_url=f"redis://127.0.0.1:{redis_proxy.port}/0"))
    client = _token_client(app)
    shared = redis.Redis(port=REDIS_PORT)
    version = app.storage.data_version()
    key = lambda layer: f"flask_cache_geo:{version}:{layer}:None:all"  # noqa: E731 - the geometry cache's key
    shared.delete(*(key(layer) for layer in ("province", "city", "county")))
    [backend] = app.server.extensions["cache"].values()
    backend.retry_seconds = 0.3
    try:
        assert _geo(client, "province").status_code == 200 and shared.exists(key("province"))
        assert client.get("/healthz").get_json()["status"] == "ok"

        redis_proxy.cut()
        assert _geo(client, "province").status_code == 200  # from the local cache, built again
        assert _geo(client, "city").status_code == 200
        health = client.get("/healthz")
        assert health.status_code == 200 and health.get_json()["status"] == "degraded"
        assert not shared.exists(key("city"))

        redis_proxy.restore()
        time.sleep(backend.retry_seconds + 0.1)  # no /healthz in between: the cache asks Redis again itself
        assert _geo(client, "county").status_code == 200 and shared.exists(key("county"))  # back to Redis
        assert client.get("/healthz").get_json()["status"] == "ok"
    finally:
        shared.delete(*(key(layer) for layer in ("province", "city", "county")))
        shared.close()


# --- the database away ------------------------------------------------------------------------------------

# what the map, the API's region list and signing in read
MAP_TABLES = (meta, regions, boundaries, boundary_lines, cube, thresholds, users, user_scopes)


def _copy(source_url: str, target_url: str, tables) -> None:
    """The rows of ``tables`` from one database into another (quicker than loading the tiny scale again)."""
    source, target = make_engine(source_url), make_engine(target_url)
    migrate(target)
    with source.connect() as read, target.begin() as write:
        for table in tables:
            rows = [dict(row._mapping) for row in read.execute(table.select())]
            for start in range(0, len(rows), 2000):
                write.execute(table.insert(), rows[start:start + 2000])
    source.dispose()
    target.dispose()


@pytest.fixture(scope="module")
def postgres_behind_proxy(tiny_instance, tmp_path_factory):
    """The tiny scale's map in a PostgreSQL database of its own, and a proxy in front of the server."""
    url, drop = _postgres_database()
    _copy(tiny_instance.database_url, url, MAP_TABLES)
    direct = sa.make_url(url)
    proxy = Proxy(direct.port or POSTGRES_PORT, direct.host or "127.0.0.1")
    through = direct.set(host="127.0.0.1", port=proxy.port, query={"connect_timeout": str(SHORT)})
    yield through.render_as_string(hide_password=False), proxy, tmp_path_factory.mktemp("pg-instance")
    proxy.close()
    drop()


@pytest.fixture()
def postgres_app(postgres_behind_proxy, tiny_instance):
    url, proxy, folder = postgres_behind_proxy
    app = _app(replace(tiny_instance, instance_dir=folder, database_url=url))
    yield app, proxy
    if not proxy.listening:
        proxy.restore()
    app.storage.engine.dispose()


def _map_callback(client) -> dict:
    dependency = next(d for d in client.get("/_dash-dependencies").get_json() if "map.figure" in d["output"])
    outputs = dependency["output"].strip(".").split("...")
    spec = lambda items: [{"id": i["id"], "property": i["property"], "value": None} for i in items]  # noqa: E731
    return {"output": dependency["output"],
            "outputs": [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]} for o in outputs],
            "inputs": spec(dependency["inputs"]), "state": spec(dependency["state"]),
            "changedPropIds": [f"{dependency['inputs'][0]['id']}.{dependency['inputs'][0]['property']}"]}


def _login_form(client) -> dict:
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return {"name": "nobody", "password": "not this one", "csrf_token": csrf, "next": "/"}


def _requests(session, token, anonymous, callback, form):
    """Every kind of request, by who sends it: (name, response, answered for a machine)."""
    return [
        ("api", token.get("/api/v1/regions?level=province"), True),
        ("api, signed in", session.get("/api/v1/regions?level=province"), True),
        ("geo", _geo(token, "province"), True),
        ("dash callback", session.post("/_dash-update-component", json=callback), True),
        ("dash layout", session.get("/_dash-layout"), True),
        ("page", session.get("/"), False),
        ("sign-in page", anonymous.get("/login"), False),
        ("sign-in", anonymous.post("/login", data=form), False),
    ]


def test_database_outage_json_503_for_machines_a_page_for_people_and_recovery(postgres_app):
    app, proxy = postgres_app
    session, token, anonymous = sign_in(app.server.test_client()), _token_client(app), app.server.test_client()
    callback, form = _map_callback(session), _login_form(anonymous)
    clients = session, token, anonymous, callback, form
    for name, response, _machine in _requests(*clients):
        assert response.status_code in (200, 204), (name, response.status_code, response.data[:300])

    proxy.cut()
    started = time.monotonic()
    for name, response, machine in _requests(*clients):
        assert response.status_code == 503, (name, response.status_code, response.data[:300])
        assert response.headers.get("Retry-After"), name
        if machine:
            error = response.get_json()["error"]
            assert error["status"] == 503 and "database" in error["message"], name
        else:
            page = response.get_data(as_text=True)
            assert response.mimetype == "text/html" and 'id="unavailable"' in page, name
            assert "暂时无法访问数据库" in page, name
    english = session.get("/?lang=en")
    assert english.status_code == 503 and "database cannot be reached" in english.get_data(as_text=True)
    assert session.get("/healthz").status_code == 503
    assert time.monotonic() - started < 10 * SHORT

    proxy.restore()
    for name, response, _machine in _requests(*clients):  # the first of them included
        assert response.status_code in (200, 204), (name, response.status_code, response.data[:300])
    assert session.get("/healthz").status_code == 200


def test_first_request_after_a_silent_outage_is_answered(postgres_app):
    """The pool's connections die while nobody asks; the next request must not be the one that finds out."""
    app, proxy = postgres_app
    client = _token_client(app)
    assert client.get("/api/v1/regions?level=province").status_code == 200
    proxy.cut()
    proxy.restore()
    response = client.get("/api/v1/regions?level=province")
    assert response.status_code == 200, response.data[:300]


def test_a_database_failure_inside_a_route_or_callback_is_a_503_too(app, monkeypatch):
    """Not only the sign-in guard: a failure in the route, the page layout or the callback itself."""
    session = sign_in(app.server.test_client())
    callback = _map_callback(session)

    def gone(*_args, **_kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("the database went away"))

    monkeypatch.setattr(app.storage, "snapshot", gone)
    for path in ("/api/v1/regions?level=province", "/geo/province.geojson"):
        response = session.get(path)
        assert response.status_code == 503 and response.get_json()["error"]["status"] == 503, path
    response = session.post("/_dash-update-component", json=callback)
    assert response.status_code == 503 and response.get_json()["error"]["status"] == 503
    response = session.get("/")
    assert response.status_code == 503 and 'id="unavailable"' in response.get_data(as_text=True)
