"""Backup and restore (``python -m dashboard backup FILE`` / ``restore FILE``) on SQLite and PostgreSQL.

The tiny database is backed up through the command line and restored into a new empty database; every
table (reflected, all rows and columns) and the Alembic revision must come back. A truncated, damaged or
foreign file is refused before anything changes, and a database that holds data is replaced only with
``--force``.
"""
from __future__ import annotations

import json
import zipfile

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from click.testing import CliRunner

from dashboard.cli import main
from data.definitions.access import NotAllowed
from data.store import audit, backup
from data.store.storage import make_engine
from tests.conftest import ADMIN, _postgres_database, access_for


def _cli(url: str, instance, *args: str):
    return CliRunner().invoke(main, list(args), env={"DATABASE_URL": url, "DASHBOARD_INSTANCE": str(instance)},
                              catch_exceptions=False)


def _tables(url: str, skip_audit_after: int | None = None) -> dict:
    """Every table of a database: its columns (name, type) and all its rows in primary-key order; the
    audit log up to id ``skip_audit_after`` (backup and restore add their own entries)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    found = {}
    with engine.connect() as connection:
        for name, table in metadata.tables.items():
            order = list(table.primary_key.columns) or list(table.columns)
            query = sa.select(table).order_by(*order)
            if name == "audit_log" and skip_audit_after is not None:
                query = query.where(table.c.id <= skip_audit_after)
            found[name] = {"columns": [(c.name, str(c.type)) for c in table.columns],
                           "rows": [tuple(row) for row in connection.execute(query)]}
        found["revision"] = MigrationContext.configure(connection).get_current_revision()
    engine.dispose()
    return found


def _last_audit_id(url: str) -> int:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        last = connection.execute(sa.text("SELECT max(id) FROM audit_log")).scalar() or 0
    engine.dispose()
    return last


def _audit_actions(url: str, after: int) -> list[tuple[str, str]]:
    engine = make_engine(url)
    entries = audit.entries(engine, ADMIN, limit=100)
    engine.dispose()
    return [(e["action"], e["outcome"]) for e in reversed(entries) if e["id"] > after]


@pytest.fixture(scope="module")
def round_trip(tiny_storage, tmp_path_factory):
    """The tiny database backed up and restored into a new empty database, both through the command line."""
    backend = tiny_storage.engine.dialect.name
    folder = tmp_path_factory.mktemp(f"backup-{backend}")
    source = tiny_storage.engine.url.render_as_string(hide_password=False)
    before = _last_audit_id(source)
    made = _cli(source, folder, "backup", str(folder / "dashboard.backup"))
    if backend == "sqlite":
        target, drop = f"sqlite:///{folder / 'restored.db'}", lambda: None
    else:
        target, drop = _postgres_database()
    restored = _cli(target, folder, "restore", str(folder / "dashboard.backup"))
    yield {"backend": backend, "folder": folder, "file": folder / "dashboard.backup", "source": source,
           "target": target, "before": before, "made": made, "restored": restored}
    drop()


def test_a_backup_restores_every_table_into_an_empty_database(round_trip):
    source, target, before, file = (round_trip[k] for k in ("source", "target", "before", "file"))
    assert round_trip["made"].exit_code == 0, round_trip["made"].output
    assert _audit_actions(source, before) == [("backup", "ok")]
    manifest = backup.read_manifest(file)
    assert manifest["backend"] == round_trip["backend"] and manifest["tables"]["households"] > 0
    assert manifest["alembic_revision"] == _tables(source)["revision"]

    assert round_trip["restored"].exit_code == 0, round_trip["restored"].output
    expected, got = _tables(source, skip_audit_after=before), _tables(target, skip_audit_after=before)
    assert set(got) == set(expected) and len(expected) > 20
    for name in expected:
        assert got[name] == expected[name], name
    assert sum(len(t["rows"]) for n, t in got.items() if n != "revision") == sum(manifest["tables"].values())
    assert _audit_actions(target, before) == [("restore", "ok")]  # the ids went on from the restored log

    # A database that holds data is replaced only with --force (refused, and the refusal is audited).
    again = _cli(target, round_trip["folder"], "restore", str(file))
    assert again.exit_code != 0 and "--force" in again.output
    assert _audit_actions(target, before) == [("restore", "ok"), ("restore", "refused")]
    forced = _cli(target, round_trip["folder"], "restore", str(file), "--force")
    assert forced.exit_code == 0, forced.output
    assert _tables(target, skip_audit_after=before) == expected
    assert _audit_actions(target, before) == [("restore", "ok")]  # the whole log is the backup's, and this restore


def test_a_truncated_damaged_or_foreign_file_is_refused_and_changes_nothing(round_trip, tmp_path):
    backend, file, target_url = round_trip["backend"], round_trip["file"], round_trip["target"]
    target = make_engine(target_url)
    data = file.read_bytes()

    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(data[:len(data) * 2 // 3])
    damaged = tmp_path / "damaged.backup"
    middle = len(data) // 2
    damaged.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("households.csv", "a,b\n1,2\n")
    lying = tmp_path / "lying.backup"  # a manifest that claims other row counts than its payload holds
    with zipfile.ZipFile(file) as original, zipfile.ZipFile(lying, "w") as archive:
        manifest = json.loads(original.read(backup.MANIFEST))
        manifest["tables"]["households"] += 1
        archive.writestr(backup.MANIFEST, json.dumps(manifest))
        archive.writestr(manifest["payload"]["name"], original.read(manifest["payload"]["name"]))
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[backend]
    elsewhere = tmp_path / "elsewhere.backup"
    with zipfile.ZipFile(file) as original, zipfile.ZipFile(elsewhere, "w") as archive:
        manifest = json.loads(original.read(backup.MANIFEST))
        payload = original.read(manifest["payload"]["name"])
        manifest.update(backend=other, payload={**manifest["payload"], "name": backup.PAYLOADS[other]})
        archive.writestr(backup.MANIFEST, json.dumps(manifest))
        archive.writestr(backup.PAYLOADS[other], payload)

    before = _last_audit_id(target_url)
    unchanged = _tables(target_url)
    for bad, says in ((truncated, "truncated"), (damaged, "damaged"), (foreign, "not a backup"),
                      (tmp_path / "missing.backup", "no such file"), (lying, "rows"), (elsewhere, other)):
        with pytest.raises(backup.BackupError, match=says):
            backup.restore(target, ADMIN, bad, force=True)
    assert _tables(target_url, skip_audit_after=before) == unchanged
    assert _audit_actions(target_url, before) == [("restore", "failed")] * 6
    with pytest.raises(backup.BackupError, match="truncated"):
        backup.verify(truncated)
    assert backup.verify(file)["payload"]["sha256"] == backup.read_manifest(file)["payload"]["sha256"]
    checked = _cli(target_url, tmp_path, "restore", "--check", str(truncated))
    assert checked.exit_code != 0 and "truncated" in checked.output
    target.dispose()


def test_only_an_administrator_backs_up_or_restores(tiny_storage, tmp_path):
    leader = access_for(tiny_storage, "province")
    with pytest.raises(NotAllowed):
        backup.to_file(tiny_storage.engine, leader, tmp_path / "x.backup")
    with pytest.raises(NotAllowed):
        backup.restore(tiny_storage.engine, leader, tmp_path / "x.backup")
    assert not (tmp_path / "x.backup").exists()
    with pytest.raises(TypeError, match="Access"):
        backup.to_file(tiny_storage.engine, None, tmp_path / "x.backup")


def test_the_postgresql_tools_get_the_url_through_their_environment_not_a_command_line():
    url = sa.engine.make_url("postgresql+psycopg://app:p%40ss%20w=rd@db.example:6543/dash?sslmode=require")
    env = backup._libpq_env(url)
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGPASSWORD"], env["PGDATABASE"], env["PGSSLMODE"]) == (
        "db.example", "6543", "app", "p@ss w=rd", "dash", "require")
    with pytest.raises(backup.BackupError, match="prepare_threshold"):
        backup._libpq_env(sa.engine.make_url("postgresql+psycopg://app@db/dash?prepare_threshold=0"))


def test_a_backup_without_the_postgresql_tools_says_what_to_install(tiny_storage, tmp_path, monkeypatch):
    if tiny_storage.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match="postgresql-client"):
        backup.to_file(tiny_storage.engine, ADMIN, tmp_path / "x.backup")
    assert not list(tmp_path.iterdir())  # neither the file nor its working folder is left behind
