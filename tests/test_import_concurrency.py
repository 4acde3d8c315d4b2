"""An import takes the database's write lock only to apply what it has already read and checked.

While a file is being read and checked (the import is held there, in its progress callback, as a long file
would keep it), a sign-in, a token's first use and the audit of a refused request answer at once (SQLite:
one writer at a time). An import whose stored rows another import changed meanwhile checks them again before
it writes, on both backends, so that its record of previous values (for ``rollback``) is right.
"""
from __future__ import annotations

import threading
import time
from dataclasses import replace

import pandas as pd
import pytest
import sqlalchemy as sa

from data.definitions.access import system_access
from data.ingest.importer import import_file, rollback
from data.store import accounts, audit, records
from data.store.schema import data_tables
from data.store.storage import Storage, make_engine
from tests.conftest import ADMIN, copy_of, sign_in

TESTER = replace(ADMIN, user="test")
QUICK = 2.0  # seconds: what a sign-in, a token's first use or an audited refusal may take during an import
HOLD = 60  # seconds an import waits in its progress callback at most (a test that fails does not hang)


def _employment(engine, path, periods: list[str], wage: int | None = None, households: int | None = None) -> int:
    """Employment rows of every member (of the first ``households``) in ``periods`` (new months); a CSV."""
    members = records.read_table(engine, ADMIN, "members")[["person_id", "household_id"]]
    if households is not None:
        members = members[members["household_id"].isin(sorted(set(members["household_id"]))[:households])]
    rows = pd.concat([members.assign(period=p) for p in periods], ignore_index=True)
    employed = wage is not None
    rows = rows.assign(employed="true" if employed else "false", location="in_county" if employed else None,
                       mode="local" if employed else None, monthly_wage=wage)
    rows.to_csv(path, index=False)
    return len(rows)


class Held:
    """An import run in a thread and held in its first progress report until released."""

    def __init__(self, storage: Storage, table: str, path):
        self.reached, self.release = threading.Event(), threading.Event()
        self.result = self.error = None
        self.reports = 0
        self.thread = threading.Thread(target=self._run, args=(storage, table, path), daemon=True)

    def _progress(self, rows):
        self.reports += 1
        if not self.reached.is_set():
            self.reached.set()
            self.release.wait(HOLD)

    def _run(self, storage, table, path):
        try:
            self.result = import_file(storage, TESTER, table, path, progress=self._progress)
        except BaseException as error:  # noqa: BLE001 (reported by finish)
            self.error = error

    def __enter__(self):
        self.thread.start()
        assert self.reached.wait(HOLD), "the import did not report progress"
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(HOLD)

    def finish(self):
        self.release.set()
        self.thread.join(HOLD)
        if self.error is not None:
            raise self.error
        return self.result


def _timed(call):
    started = time.perf_counter()
    value = call()
    return value, time.perf_counter() - started


@pytest.fixture()
def sqlite_app(tiny_instance, tmp_path):
    from dashboard.app import create_app
    from dashboard.config import Config

    source = Storage(make_engine(tiny_instance.database_url))
    url, _ = copy_of(source, tmp_path)
    source.engine.dispose()
    return create_app(Config(instance_dir=tmp_path, database_url=url, mode="demo", login_rate_limit="1000 per minute"))


def test_sign_in_token_use_and_audited_refusals_go_through_during_an_import(sqlite_app, tmp_path):
    storage = sqlite_app.storage
    token = accounts.make_token(storage, "demo_county", "during an import")
    path = tmp_path / "employment.csv"
    rows = _employment(storage.engine, path, ["2031-01", "2031-02"])
    refusals = len(audit.entries(storage.engine, ADMIN, user="demo_county", action="refused"))
    with Held(storage, "employment", path) as held:
        client, signing_in = _timed(lambda: sign_in(sqlite_app.server.test_client(), "demo_county"))
        bearer = {"Authorization": f"Bearer {token}"}
        first_use, token_time = _timed(lambda: sqlite_app.server.test_client().get("/api/v1/regions/522728",
                                                                                     headers=bearer))
        refused, refusal_time = _timed(lambda: client.get("/api/v1/regions/522727"))
        assert held.thread.is_alive()  # all of it happened while the import was under way
    result = held.finish()
    assert first_use.status_code == 200 and refused.status_code == 403
    assert signing_in < QUICK and token_time < QUICK and refusal_time < QUICK, (signing_in, token_time, refusal_time)
    assert len(audit.entries(storage.engine, ADMIN, user="demo_county", action="refused")) == refusals + 1
    assert len(audit.entries(storage.engine, ADMIN, user="demo_county", action="login")) >= 1
    assert (result.added, result.updated, result.unchanged) == (rows, 0, 0)
    employment = data_tables["employment"]
    with storage.engine.connect() as connection:
        stored = connection.execute(sa.select(sa.func.count()).select_from(employment)
                                    .where(employment.c.period.in_(["2031-01", "2031-02"]))).scalar_one()
    assert stored == rows


def test_an_import_checks_again_when_the_rows_it_read_changed_before_it_wrote(tiny_storage, tmp_path):
    url, drop = copy_of(tiny_storage, tmp_path)
    storage = Storage(make_engine(url))
    try:
        first = tmp_path / "first.csv"
        rows = _employment(storage.engine, first, ["2031-03"])
        second = tmp_path / "second.csv"
        overlap = _employment(storage.engine, second, ["2031-03"], wage=2500, households=20)
        held = Held(storage, "employment", first)
        with held:  # the first has read its file and the stored rows; the second writes some of them now
            meanwhile = import_file(storage, system_access("other"), "employment", second)
            assert meanwhile.added == overlap
        result = held.finish()
        assert held.reports >= 2  # it read again
        assert (result.added, result.updated) == (rows - overlap, overlap)
        frame = records.read_table(storage.engine, ADMIN, "employment")
        assert (frame[frame["period"] == "2031-03"]["employed"] == False).sum() == rows  # noqa: E712
        rollback(storage, ADMIN, result.import_id)  # back to what the second import wrote
        frame = records.read_table(storage.engine, ADMIN, "employment")
        march = frame[frame["period"] == "2031-03"]
        assert len(march) == overlap and (march["monthly_wage"] == 2500).all()
    finally:
        storage.engine.dispose()
        drop()


def test_sqlite_waits_for_the_write_lock_and_every_engine_pings_its_pool(tmp_path, backend_url):
    engine = make_engine(backend_url if "postgresql" in backend_url else f"sqlite:///{tmp_path / 'x.db'}")
    assert engine.pool._pre_ping  # a connection dropped by a database restart is replaced, not used
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 15_000
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
