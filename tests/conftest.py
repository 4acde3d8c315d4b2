"""Shared fixtures: a tiny database on SQLite and on PostgreSQL, and a Flask test client.

PostgreSQL is the machine's server (``TEST_POSTGRES_URL``, default the trust-auth ``test`` database);
each session creates its own database there and drops it afterwards.
"""
from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from dashboard.config import Config
from data.build import build
from data.demo import load_demo
from data.loader import load_regions
from data.storage import Storage, make_engine, migrate

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TINY_SEED = 7


def _postgres_database():
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"dashboard_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
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
    regions = load_regions(storage, "tiny", TINY_SEED, progress=False)
    if with_data:
        load_demo(storage, regions, "tiny", TINY_SEED, progress=False)
        build(storage)
    return storage


@pytest.fixture(scope="session")
def tiny_storage(backend_url) -> Storage:
    """The tiny scale, regions and demo data, on each backend (read-only for the tests that use it)."""
    return load_tiny(backend_url)


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
def tiny_instance(tmp_path_factory):
    """An instance folder with the tiny scale on SQLite, for the app, CLI and browser tests."""
    folder = tmp_path_factory.mktemp("instance")
    config = Config(instance_dir=folder, database_url=f"sqlite:///{folder / 'dashboard.db'}")
    load_tiny(config.database_url)
    return config


@pytest.fixture(scope="session")
def app(tiny_instance):
    from dashboard.app import create_app

    return create_app(tiny_instance)


@pytest.fixture()
def client(app):
    return app.server.test_client()
