"""Shared fixtures: a tiny database on SQLite and on PostgreSQL, and a Flask test client.

PostgreSQL is the machine's server (``TEST_POSTGRES_URL``, default the trust-auth ``test`` database);
each session creates its own database there and drops it afterwards.
"""
from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.config import Config
from data.definitions import codes
from data.definitions.access import ROLES, Access, Scope, system_access
from data.store import accounts
from data.compute.build import build
from data.demo.load import load_demo
from data.demo.regions import load_regions
from data.store.storage import Storage, make_engine, migrate

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TINY_SEED = 7
ADMIN = system_access("tests")  # a whole-country administrator, for loading and for reading everything


def _postgres_database(template: str | None = None):
    """A new database on the test server (a copy of ``template`` if given), and the function that drops it."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"dashboard_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    url = admin.url.set(database=name).render_as_string(hide_password=False)

    def drop():
        with admin.connect() as connection:
            connection.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name})
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return url, drop


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend_url(request, tmp_path_factory):
    """An empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'dashboard.db'}"
        return
    url, drop = _postgres_database()
    yield url
    drop()


def load_tiny(url: str, with_data: bool = True) -> Storage:
    storage = Storage(make_engine(url))
    migrate(storage.engine)
    regions = load_regions(storage, ADMIN, "tiny", TINY_SEED, progress=False)
    if with_data:
        load_demo(storage, ADMIN, regions, "tiny", TINY_SEED, progress=False)
        build(storage, ADMIN)
        accounts.create_demo_accounts(storage)
    return storage


def access_for(storage: Storage, role: str, regions=(), user: str | None = "x") -> Access:
    """An Access of ``role`` over ``regions`` (12-digit codes; none: the whole country), scoped as a user
    with those regions is (see data.store.accounts.access_of), without a context of comparison regions."""
    if not regions:
        return Access(user, ROLES[role], Scope())
    roots = frozenset(regions)
    own = storage.regions_by_codes(ADMIN, sorted(roots))
    scope = Scope(roots, frozenset(), frozenset(storage.with_ancestors(ADMIN, sorted(roots))) - roots,
                  frozenset(codes.significant(r["code"], r["level"]) for r in own))
    return Access(user, ROLES[role], scope, tuple(sorted(roots)))


def copy_database(source_url: str, folder, name: str = "copy.db"):
    """A writable copy of a database, and the function that drops it: SQLite's online backup (its WAL
    included) into ``folder / name``; on PostgreSQL a template copy, for which the source may have no open
    session (see :func:`close_sessions`)."""
    if source_url.startswith("sqlite:///"):
        target = Path(folder) / name
        with contextlib.closing(sqlite3.connect(source_url.removeprefix("sqlite:///"))) as source, \
                contextlib.closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
        return f"sqlite:///{target}", lambda: None
    return _postgres_database(template=sa.engine.make_url(source_url).database)


def copy_of(storage: Storage, folder) -> tuple[str, callable]:
    """A writable copy of ``storage``'s database (its sessions closed first, as a template copy needs)."""
    close_sessions(storage)
    return copy_database(storage.engine.url.render_as_string(hide_password=False), folder)


def close_sessions(storage: Storage) -> None:
    """Close the pooled connections to ``storage``'s database (its own and the build's partition engines)."""
    from data.compute import build as build_module

    storage.engine.dispose()
    for engine in list(build_module._engines.values()):
        if engine.url.database == storage.engine.url.database:
            engine.dispose()


@pytest.fixture(scope="session")
def tiny_template(tmp_path_factory):
    """Pristine tiny databases, each built by :func:`load_tiny` once a session when first asked for and
    never opened by a test: ``tiny_template(backend, with_data=True)`` is the URL to copy."""
    built: dict[tuple[str, bool], str] = {}
    drops = []

    def template(backend: str, with_data: bool = True) -> str:
        if (backend, with_data) not in built:
            if backend == "sqlite":
                url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'tiny.db'}"
            else:
                url, drop = _postgres_database()
                drops.append(drop)
            close_sessions(load_tiny(url, with_data))
            built[backend, with_data] = url
        return built[backend, with_data]

    yield template
    for drop in drops:
        drop()


@pytest.fixture()
def tiny_copy(tiny_template, tmp_path):
    """A factory of the test's own tiny databases: ``tiny_copy("sqlite")`` or ``("postgresql",
    with_data=False)`` gives a Storage on a fresh copy of what ``load_tiny`` builds on an empty database
    (a copy takes a fraction of a second, a build about ten)."""
    drops = []

    def make(backend: str, with_data: bool = True) -> Storage:
        url, drop = copy_database(tiny_template(backend, with_data), tmp_path, f"tiny{len(drops)}.db")
        drops.append(drop)
        return Storage(make_engine(url))

    yield make
    for drop in drops:
        drop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def tiny_storage(request, tiny_template, tmp_path_factory) -> Storage:
    """The tiny scale, regions and demo data, on each backend (read-only for the tests that use it)."""
    url, drop = copy_database(tiny_template(request.param), tmp_path_factory.mktemp("sqlite"), "dashboard.db")
    yield Storage(make_engine(url))
    drop()


@pytest.fixture()
def empty_database(request, tmp_path):
    """A factory of fresh databases on a backend: ``empty_database("sqlite")`` or ``("postgresql")``."""
    drops = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'fresh{len(drops)}.db'}"
        url, drop = _postgres_database()
        drops.append(drop)
        return url

    yield make
    for drop in drops:
        drop()


@pytest.fixture(scope="session")
def tiny_instance(tiny_template, tmp_path_factory):
    """An instance folder with the tiny scale on SQLite, for the app, CLI and browser tests."""
    folder = tmp_path_factory.mktemp("instance")
    url, _ = copy_database(tiny_template("sqlite"), folder, "dashboard.db")
    return Config(instance_dir=folder, database_url=url, mode="demo", login_rate_limit="1000 per minute")


@pytest.fixture(scope="session")
def app(tiny_instance):
    from dashboard.app import create_app

    return create_app(tiny_instance)


def password_of(name: str) -> str:
    return accounts.DEMO_PASSWORD.format(role=name.removeprefix("demo_"))


def sign_in(client, name: str = "demo_admin", password: str | None = None):
    """Sign in through the form, as a browser does; the client then sends the CSRF header on every request."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/login", data={"name": name, "password": password or password_of(name),
                                           "csrf_token": token, "next": "/"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    client.environ_base["HTTP_X_CSRFTOKEN"] = client.get_cookie("_csrf_token").value
    return client


@pytest.fixture()
def anonymous(app):
    return app.server.test_client()


@pytest.fixture()
def client(app):
    """A client signed in as the demo administrator (sees everything)."""
    return sign_in(app.server.test_client())


@pytest.fixture()
def as_user(app):
    """``with as_user("demo_county"):`` runs page code in a request of that signed-in user."""
    from flask_login import login_user

    from dashboard.auth import SignedIn

    @contextlib.contextmanager
    def signed_in(name: str = "demo_admin"):
        with app.server.test_request_context():
            access, session_id = accounts.authenticate(app.storage, name, password_of(name), demo_mode=True)
            login_user(SignedIn(access, session_id))
            yield access

    return signed_in
