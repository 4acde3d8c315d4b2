"""Backups of the whole database and their restore (administrators only): :func:`to_file`, :func:`restore`,
and :func:`read_manifest` / :func:`verify` for a file alone.

A backup is one ZIP file holding, first, ``manifest.json`` — format and version, backend, Alembic
revision, data version, rows per table, the payload's size and SHA-256, the tools that made it — and then
the payload, the backend's own complete copy: ``database.sqlite3``, made with SQLite's online backup API
(one step, so a consistent snapshot while the app keeps running), or ``database.pgdump``, ``pg_dump
--format=custom`` taken in the same exported snapshot as the row counts. Either can be opened without the
app (``unzip``, then ``sqlite3`` or ``pg_restore``). The copies are native, so a restore goes back into the
same backend only; moving between SQLite and PostgreSQL is not a backup's job.

A restore checks everything before it changes anything: the container, the manifest, the payload's size and
checksum, the backend and a revision this code knows; it refuses a target that holds rows unless forced.
It then replaces the whole database in one transaction — SQLite's backup API into the live file, or
pg_restore's script run by ``psql --single-transaction`` after dropping the old tables and followed by a
check of every row count — so a failure leaves the target as it was. An older revision is migrated to the
head afterwards. Both are audited (a refused or failed restore too, when the target has an audit log).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from data.definitions.access import Access, check
from data.store import audit
from data.store.storage import MIGRATIONS_DIR, migrate

FORMAT = "dashboard-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PAYLOADS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1 << 20
LOCK_TIMEOUT = "60s"  # a PostgreSQL restore gives up rather than wait longer behind the app's transactions
# libpq connection keywords a PostgreSQL URL may carry, and the environment variables that pass them on.
LIBPQ_ENV = {"host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "sslmode": "PGSSLMODE",
             "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL",
             "connect_timeout": "PGCONNECT_TIMEOUT", "application_name": "PGAPPNAME", "options": "PGOPTIONS",
             "service": "PGSERVICE", "passfile": "PGPASSFILE", "channel_binding": "PGCHANNELBINDING",
             "gssencmode": "PGGSSENCMODE", "target_session_attrs": "PGTARGETSESSIONATTRS",
             "client_encoding": "PGCLIENTENCODING"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")  # a table name, safe to quote into SQL
_REVISION = re.compile(r"^[A-Za-z0-9_]{1,64}$")


class BackupError(ValueError):
    """A backup that cannot be made, or a file that cannot be restored (nothing was changed)."""


class NotEmpty(BackupError):
    """The target database holds rows and the restore was not forced."""


# -- backing up ---------------------------------------------------------------------------------
def to_file(engine: Engine, access: Access, path: str | Path, overwrite: bool = False) -> dict:
    """Write a consistent copy of the whole database to ``path`` (administrators); returns the manifest.
    The file appears only when complete; an existing one is replaced only with ``overwrite``."""
    check(access).require("admin")
    path = Path(path)
    try:
        if path.exists() and not overwrite:
            raise BackupError(f"文件已存在 / {path} exists (give --force to replace it)")
        backend = _backend(engine)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as work:
            payload = Path(work) / PAYLOADS[backend]
            facts, tools = (_copy_sqlite if backend == "sqlite" else _dump_postgresql)(engine, payload)
            size, digest = _digest(payload)
            manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "backend": backend,
                        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                        **facts, "tools": tools,
                        "payload": {"name": payload.name, "bytes": size, "sha256": digest}}
            partial = Path(work) / "backup.zip"
            with zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
                archive.writestr(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))
                compression = zipfile.ZIP_DEFLATED if backend == "sqlite" else zipfile.ZIP_STORED  # dumps are compressed
                archive.write(payload, payload.name, compress_type=compression)
            os.replace(partial, path)
    except BackupError as error:
        _audit(engine, access, "backup", "failed", f"{path}: {error}")
        raise
    rows = sum(manifest["tables"].values())
    audit.record_for(engine, access, "backup", detail=f"→ {path}: {len(manifest['tables'])} tables, {rows} rows, "
                                                       f"revision {manifest['alembic_revision']}, sha256 {digest[:16]}")
    return manifest


def _copy_sqlite(engine: Engine, payload: Path) -> tuple[dict, dict]:
    copy = sqlite3.connect(payload)
    try:
        with engine.connect() as connection:
            # One step (pages=-1): the whole file under one read transaction, so a consistent snapshot; in
            # WAL mode the app's writers go on meanwhile.
            connection.connection.driver_connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal beside it
    finally:
        copy.close()
    with _sqlite_engine(payload) as copied, copied.connect() as connection:
        return _facts(connection), {"sqlite": sqlite3.sqlite_version}


def _dump_postgresql(engine: Engine, payload: Path) -> tuple[dict, dict]:
    pg_dump = _tool("pg_dump")
    with engine.connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            server = int(connection.execute(sa.text("SHOW server_version_num")).scalar_one()) // 10000
            if pg_dump["major"] < server:
                raise BackupError(f"pg_dump {pg_dump['version']} 低于服务器版本 / cannot dump a PostgreSQL {server} "
                                  f"server: install postgresql-client-{server} (make pgclient)")
            # pg_dump reads the snapshot this transaction exported: the counts below describe its dump.
            snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            facts = _facts(connection)
            _run([pg_dump["path"], "--format=custom", "--no-password", f"--snapshot={snapshot}",
                  f"--file={payload}"], _libpq_env(engine.url), "pg_dump")
    return facts, {"pg_dump": pg_dump["version"], "server": server}


def _facts(connection) -> dict:
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is None:
        raise BackupError("数据库尚无表结构 / the database has no schema yet: nothing to back up")
    version = connection.execute(sa.text("SELECT value FROM meta WHERE key = 'data_version'")).scalar()
    return {"alembic_revision": revision, "data_version": version, "tables": _counts(connection)}


# -- reading a file -------------------------------------------------------------------------------
def read_manifest(path: str | Path) -> dict:
    """The manifest of a backup file, after checking that it is one (not its payload: see :func:`verify`)."""
    with _archive(path) as (_archive_file, manifest):
        return manifest


def verify(path: str | Path) -> dict:
    """The manifest, after checking the payload's size and SHA-256 too (reads the whole file)."""
    with _archive(path) as (archive, manifest):
        _extract(archive, manifest, None)
        return manifest


@contextmanager
def _archive(path: str | Path):
    path = Path(path)
    try:
        with path.open("rb") as file:
            head = file.read(30 + len(MANIFEST))
    except FileNotFoundError:
        raise BackupError(f"文件不存在 / no such file: {path}") from None
    except OSError as error:
        raise BackupError(f"无法读取 / cannot read {path}: {error}") from None
    # A backup starts with the local header of manifest.json (ZIP signature, name length at byte 26).
    if head[:4] != b"PK\x03\x04" or int.from_bytes(head[26:28], "little") != len(MANIFEST) or head[30:] != MANIFEST.encode():
        raise BackupError(f"不是本系统的备份文件 / {path} is not a backup of this dashboard")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise BackupError(f"备份文件不完整或已损坏 / {path} is truncated or damaged (its directory is missing)") from None
    with archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
        except (zipfile.BadZipFile, ValueError, KeyError):
            raise BackupError(f"备份清单已损坏 / the manifest of {path} is damaged") from None
        yield archive, _checked_manifest(manifest, path)


def _checked_manifest(manifest, path: Path) -> dict:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"不是本系统的备份文件 / {path} is not a backup of this dashboard")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {manifest.get('format_version')} 不受支持 / backup format version "
                          f"{manifest.get('format_version')!r} is not supported (this code reads {FORMAT_VERSION})")
    backend, payload, tables = manifest.get("backend"), manifest.get("payload"), manifest.get("tables")
    sound = (backend in PAYLOADS and isinstance(payload, dict) and payload.get("name") == PAYLOADS[backend]
             and isinstance(payload.get("bytes"), int) and re.fullmatch(r"[0-9a-f]{64}", str(payload.get("sha256")))
             and isinstance(tables, dict) and all(_NAME.match(str(name)) and isinstance(rows, int) and rows >= 0
                                                  for name, rows in tables.items())
             and _REVISION.match(str(manifest.get("alembic_revision"))))
    if not sound:
        raise BackupError(f"备份清单已损坏 / the manifest of {path} is damaged")
    return manifest


def _extract(archive: zipfile.ZipFile, manifest: dict, target: Path | None) -> None:
    """Copy the payload to ``target`` (None: only read it), checking its size and SHA-256."""
    payload = manifest["payload"]
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(payload["name"]) as source, open(target or os.devnull, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > payload["bytes"]:
                    break
                digest.update(chunk)
                out.write(chunk)
    except KeyError:
        raise BackupError("备份文件缺少数据 / the backup holds no payload") from None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
        raise BackupError(f"备份数据已损坏 / the backup's payload is damaged ({error})") from None
    if size != payload["bytes"] or digest.hexdigest() != payload["sha256"]:
        raise BackupError("备份数据已损坏 / the backup's payload is damaged (its size or SHA-256 differs from the manifest)")


# -- restoring ------------------------------------------------------------------------------------
def restore(engine: Engine, access: Access, path: str | Path, force: bool = False) -> dict:
    """Replace the whole database by the backup in ``path`` (administrators); returns the manifest. Refuses a
    target that holds rows unless ``force``; everything is checked first and a failure changes nothing."""
    check(access).require("admin")
    try:
        manifest = _restore(engine, Path(path), force)
    except BackupError as error:
        _audit(engine, access, "restore", "refused" if isinstance(error, NotEmpty) else "failed", f"{path}: {error}")
        raise
    upgraded = manifest["alembic_revision"] != _scripts().get_current_head()
    if upgraded:
        migrate(engine)
    audit.record_for(engine, access, "restore", detail=f"← {path}: {sum(manifest['tables'].values())} rows, "
                                                        f"revision {manifest['alembic_revision']}"
                                                        + (" (migrated to head)" if upgraded else "")
                                                        + f", made {manifest['created_at']}")
    return manifest


def _restore(engine: Engine, path: Path, force: bool) -> dict:
    backend = _backend(engine)
    with _archive(path) as (archive, manifest):
        if manifest["backend"] != backend:
            raise BackupError(f"这是 {manifest['backend']} 的备份 / this is a backup of a {manifest['backend']} "
                              f"database and restores into {manifest['backend']} only, not {backend}")
        scripts = _scripts()
        if manifest["alembic_revision"] not in {script.revision for script in scripts.walk_revisions()}:
            raise BackupError(f"备份的表结构版本 {manifest['alembic_revision']} 比本程序新 / the backup's schema "
                              f"revision {manifest['alembic_revision']} is unknown here: upgrade the app first")
        if backend == "postgresql":  # before reading a large file: the tools must be there
            tools = (_tool("pg_restore"), _tool("psql"))
            made_by = int(str(manifest.get("tools", {}).get("pg_dump", "0")).split(".")[0] or 0)
            if tools[0]["major"] < made_by:
                raise BackupError(f"pg_restore {tools[0]['version']} 低于备份所用版本 / the backup was made by pg_dump "
                                  f"{made_by}: install postgresql-client-{made_by}")
        with tempfile.TemporaryDirectory(prefix="dashboard-restore-") as work:
            payload = Path(work) / manifest["payload"]["name"]
            _extract(archive, manifest, payload)
            if backend == "sqlite":
                _check_sqlite_copy(payload, manifest)
                _refuse_unless_empty(engine, force)
                _restore_sqlite(engine, payload)
            else:
                _refuse_unless_empty(engine, force)
                _restore_postgresql(engine, payload, manifest, *tools)
    return manifest


def _refuse_unless_empty(engine: Engine, force: bool) -> None:
    with engine.connect() as connection:
        held = {name: rows for name, rows in _counts(connection).items() if rows and name != "alembic_version"}
    if held and not force:
        raise NotEmpty(f"目标数据库已有数据 / the database holds data ({sum(held.values())} rows in {len(held)} "
                       "tables): give --force to replace it")


def _check_sqlite_copy(payload: Path, manifest: dict) -> None:
    with _sqlite_engine(payload) as copied, copied.connect() as connection:
        try:
            problems = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]
            facts = _facts(connection)
        except (sa.exc.DatabaseError, BackupError) as error:
            raise BackupError(f"备份数据已损坏 / the backup's database is damaged ({error})") from None
    if problems != ["ok"]:
        raise BackupError(f"备份数据已损坏 / the backup's database is damaged: {'; '.join(problems[:3])}")
    _compare(facts, manifest)


def _compare(facts: dict, manifest: dict) -> None:
    if facts["alembic_revision"] != manifest["alembic_revision"]:
        raise BackupError(f"备份数据与清单不符 / the payload has revision {facts['alembic_revision']}, the manifest "
                          f"{manifest['alembic_revision']}")
    if facts["tables"] != manifest["tables"]:
        differ = sorted(set(facts["tables"].items()) ^ set(manifest["tables"].items()))
        raise BackupError("备份数据与清单不符 / the payload's rows differ from the manifest: "
                          + ", ".join(f"{name} {rows}" for name, rows in differ[:6]))


def _restore_sqlite(engine: Engine, payload: Path) -> None:
    source = sqlite3.connect(payload)
    try:
        with engine.connect() as connection:
            # One step into the live file: the whole content is replaced in one write transaction, and the
            # app's connections see the old or the new database, never a mix.
            source.backup(connection.connection.driver_connection)
    except sqlite3.Error as error:
        raise BackupError(f"恢复失败，数据库未改动 / the restore failed, nothing changed ({error})") from None
    finally:
        source.close()


def _restore_postgresql(engine: Engine, payload: Path, manifest: dict, pg_restore: dict, psql: dict) -> None:
    preparer = engine.dialect.identifier_preparer
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        schema = inspector.default_schema_name
        old = {"TABLE": inspector.get_table_names(), "VIEW": inspector.get_view_names(),
               "MATERIALIZED VIEW": inspector.get_materialized_view_names(),
               "SEQUENCE": inspector.get_sequence_names(), "TYPE": [e["name"] for e in inspector.get_enums()]}
    qualified = lambda name: f"{preparer.quote_schema(schema)}.{preparer.quote(name)}"  # noqa: E731
    drop = [f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}';"] + [
        f"DROP {kind} IF EXISTS {', '.join(map(qualified, names))} CASCADE;"
        for kind, names in old.items() if names]
    # Checked inside the same transaction: a dump that does not hold what the manifest says rolls back.
    checks = [f"IF (SELECT count(*) FROM {qualified(name)}) <> {int(rows)} THEN RAISE EXCEPTION "
              f"'rows of %: % restored, {int(rows)} in the manifest', '{name}', (SELECT count(*) FROM {qualified(name)}); "
              "END IF;" for name, rows in manifest["tables"].items()]
    checks.append(f"IF (SELECT version_num FROM {qualified('alembic_version')}) <> '{manifest['alembic_revision']}' "
                  "THEN RAISE EXCEPTION 'the restored revision differs from the manifest'; END IF;")
    work = payload.parent
    (work / "drop.sql").write_text("\n".join(drop) + "\n")
    (work / "check.sql").write_text("DO $check$ BEGIN\n" + "\n".join(checks) + "\nEND $check$;\n")
    env = _libpq_env(engine.url)
    with (work / "pg_restore.err").open("w+") as errors:
        script = subprocess.Popen([pg_restore["path"], "--no-owner", "--no-privileges", "--exit-on-error",
                                   "--file=-", str(payload)], stdout=subprocess.PIPE, stderr=errors, env=env)
        applied = subprocess.run([psql["path"], "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1",
                                  "--single-transaction", f"--file={work / 'drop.sql'}", "--file=-",
                                  f"--file={work / 'check.sql'}"],
                                 stdin=script.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                                 text=True)
        script.stdout.close()
        converted = script.wait()
        errors.seek(0)
        if converted != 0 or applied.returncode != 0:
            said = (errors.read().strip() or applied.stderr.strip()).splitlines()
            raise BackupError("恢复失败，数据库未改动 / the restore failed and was rolled back, nothing changed: "
                              + " ".join(said[-3:]))


# -- shared ----------------------------------------------------------------------------------------
def _backend(engine: Engine) -> str:
    backend = engine.dialect.name
    if backend not in PAYLOADS:
        raise BackupError(f"不支持的数据库 / backups of {backend} databases are not supported")
    if backend == "sqlite" and engine.url.database in (None, "", ":memory:"):
        raise BackupError("内存数据库无法备份 / an in-memory SQLite database has no file to back up or restore")
    return backend


def _counts(connection) -> dict[str, int]:
    return {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
            for name in sorted(sa.inspect(connection).get_table_names())}


def _digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            size += len(chunk)
            digest.update(chunk)
    return size, digest.hexdigest()


@contextmanager
def _sqlite_engine(path: Path):
    engine = sa.create_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))


def _tool(name: str) -> dict:
    """A PostgreSQL client program: its path, version and major version."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"未找到 {name} / {name} is not installed: install the PostgreSQL client tools "
                          "(Debian: postgresql-client; make pgclient)")
    said = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"(\d+)(?:\.(\d+))?", said)
    if found is None:
        raise BackupError(f"{name} --version 无法识别 / cannot tell the version of {path}: {said.strip()!r}")
    return {"path": path, "version": found.group(0), "major": int(found.group(1))}


def _libpq_env(url: sa.engine.URL) -> dict[str, str]:
    """The environment that points libpq's programs at the same server, database and user as ``url``
    (the password too, so that it never appears on a command line)."""
    env = dict(os.environ)
    for key, value in url.query.items():
        if key not in LIBPQ_ENV:
            raise BackupError(f"数据库地址参数 {key} 无法传给 pg_dump / the database URL parameter {key!r} "
                              "cannot be passed to the PostgreSQL tools")
        env[LIBPQ_ENV[key]] = value if isinstance(value, str) else value[-1]
    given = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username, "PGPASSWORD": url.password,
             "PGDATABASE": url.database}
    env.update({key: str(value) for key, value in given.items() if value is not None})
    return env


def _run(command: list[str], env: dict[str, str], name: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        raise BackupError(f"{name} 失败 / {name} failed: " + " ".join(said[-3:]))


def _audit(engine: Engine, access: Access, action: str, outcome: str, detail: str) -> None:
    """A refused or failed backup or restore, where the database has an audit log to hold it."""
    try:
        if sa.inspect(engine).has_table("audit_log"):
            audit.record_for(engine, access, action, outcome, detail=detail)
    except sa.exc.SQLAlchemyError:
        pass  # the database itself is what failed; the error raised says so
