"""The command line: ``python -m dashboard init|build|upgrade|serve|regions|import|export|template|
users|audit|backup|restore``.

``init`` creates or migrates the schema and loads the region hierarchy of a scale (real provinces,
prefectures and counties; illustrative townships and villages in the counties in scope), its demo data
and one demo account per role. ``serve`` runs gunicorn on the same app the Procfile starts. ``users``
manages accounts and API tokens; ``audit`` prints the audit log; ``backup`` and ``restore`` copy the whole
database to a file and back (data/store/backup.py). Whoever runs the command line works on
the server itself: imports, exports and user changes are audited as ``cli:<login name>``.
"""
from __future__ import annotations

import getpass
import json
import os
import sys
import time
from dataclasses import replace

import click

from dashboard.config import Config
from data.definitions.access import Access, system_access
from data.definitions.codes import LEVELS, InvalidCode
from data.definitions.contract import INTERCHANGE
from data.demo.scales import SCALES
from data.store.accounts import ROLES
from data.store.audit import ACTIONS
from data.store.storage import InvalidLevel, NotFound, Storage, make_engine, migrate


def _storage(config: Config) -> Storage:
    return Storage(make_engine(config.database_url))


def _operator() -> str:
    return f"cli:{getpass.getuser()}"


def _operator_access(user: str | None = None) -> Access:
    """Whoever runs the command line operates the whole installation (recorded as ``cli:<login>``)."""
    return replace(system_access("cli"), user=user or _operator())


def _audit(storage: Storage, action: str, outcome: str, detail: str, region: str | None = None) -> None:
    from data.store import audit

    audit.record(storage.engine, action, outcome, user=_operator(), detail=detail, region=region, via="cli")


@click.group()
def main() -> None:
    """常态化精准帮扶监测分析平台 — command line."""


@main.command()
@click.option("--scale", type=click.Choice(list(SCALES)), default="demo", show_default=True)
@click.option("--seed", type=int, default=20260101, show_default=True)
@click.option("--if-absent", is_flag=True, help="Do nothing when the database already holds data.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.option("--no-demo", is_flag=True,
              help="A real deployment: the country down to counties only, no demo data and no demo accounts.")
def init(scale: str, seed: int, if_absent: bool, quiet: bool, no_demo: bool) -> None:
    """Create the schema and load regions, boundaries and demo data (or, with --no-demo, the country only)."""
    from data.compute.build import build as build_cube
    from data.demo.load import load_demo
    from data.demo.regions import load_regions
    from data.store.accounts import create_demo_accounts

    config = Config()
    storage = _storage(config)
    if if_absent and storage.is_loaded():
        click.echo(f"database already loaded ({config.database_url}); nothing to do")
        return
    started = time.perf_counter()
    migrate(storage.engine)
    operator = _operator_access()
    if no_demo:
        from geo.country import load_country

        load_country(storage, operator)
        counts = storage.counts_by_level(operator)
        click.echo(f"loaded the country in {time.perf_counter() - started:.1f}s: "
                   + ", ".join(f"{level} {counts.get(level, 0)}" for level in LEVELS)
                   + "; next: import each county's code list (README, Onboarding a real county)")
        return
    regions = load_regions(storage, operator, scale, seed, progress=not quiet)
    rows = load_demo(storage, operator, regions, scale, seed, progress=not quiet)
    built = build_cube(storage, operator, progress=not quiet)
    demo_users = create_demo_accounts(storage)
    counts = storage.counts_by_level(operator)
    click.echo(f"loaded scale={scale} seed={seed} in {time.perf_counter() - started:.1f}s: "
               + ", ".join(f"{level} {counts.get(level, 0)}" for level in LEVELS) + "; "
               + ", ".join(f"{table} {count}" for table, count in rows.items() if table != "seconds")
               + f"; cube {built['rows']} rows in {built['seconds']}s; {len(demo_users)} demo accounts "
               "(listed on the sign-in page when DASHBOARD_MODE=demo)")


@main.command("build")
@click.option("--counties", default=None, help="Comma-separated county codes: rebuild only these (and the rows above).")
@click.option("--executor", default="local", show_default=True,
              help="local, dask (a LocalCluster here) or dask:tcp://SCHEDULER:8786 (workers must reach the database).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def build_command(counties: str | None, executor: str, quiet: bool) -> None:
    """Aggregate the records into the metric cube (region × period × metric)."""
    from data.compute.build import BuildError, build

    wanted = [c.strip() for c in counties.split(",") if c.strip()] if counties else None
    try:
        summary = build(_storage(Config()), _operator_access(), wanted, executor, progress=not quiet)
    except (BuildError, InvalidCode, NotFound) as error:
        raise click.ClickException(str(error)) from error
    click.echo(json.dumps(summary, ensure_ascii=False))


@main.command()
def upgrade() -> None:
    """Apply pending schema migrations."""
    migrate(_storage(Config()).engine)
    click.echo("schema up to date")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", 8050)), show_default="$PORT or 8050")
@click.option("--workers", type=int, default=2, show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the app with gunicorn."""
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "--no-control-socket",
                               "--bind", f"{host}:{port}", "--workers", str(workers),
                               "--timeout", "120", "dashboard.server:server"])


@main.command()
@click.option("--level", type=click.Choice(LEVELS), default=None)
@click.option("--parent", default=None, help="A region code or its significant prefix.")
def regions(level: str | None, parent: str | None) -> None:
    """Print regions as JSON lines (like GET /api/v1/regions)."""
    try:
        rows = _storage(Config()).regions(_operator_access(), level=level, parent=parent)
    except (InvalidCode, InvalidLevel, NotFound) as error:
        raise click.ClickException(str(error)) from error
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False))


@main.command("import")
@click.argument("table", type=click.Choice(["boundaries", *INTERCHANGE, "households+members"]), required=False)
@click.argument("file", type=click.Path(dir_okay=False), required=False)
@click.option("--user", default=None, help="Who imports (recorded in the import log).")
@click.option("--rollback", "rollback_id", type=int, default=None, help="Undo the accepted import with this id.")
@click.option("--code-field", default=None, help="boundaries: the property holding the region code.")
@click.option("--name-field", default=None, help="boundaries: the property holding the name.")
@click.option("--replace", "replace_children", is_flag=True, default=False,
              help="regions: the file is a new edition: units it omits under the parents it lists are removed.")
@click.option("--recode", type=click.Path(dir_okay=False, exists=True), default=None,
              help="regions: CSV/XLSX old_code,new_code moving the records of removed units (same transaction).")
@click.option("--mapping", "mapping_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A column mapping (JSON: table, headers {source header: column or null to ignore}, values "
                   "{column: {term: code}}) for a file whose headers are not the contract's; saved for the file's "
                   "layout once accepted. Without it a saved mapping of the layout is used, or one is suggested.")
def import_table(table, file, user, rollback_id, code_field, name_field, mapping_file, replace_children=False,
                 recode=None) -> None:
    """Import TABLE from FILE (CSV/XLSX; boundaries: GeoJSON/Shapefile/GeoPackage), all or nothing.

    TABLE households+members: a file of one row per person with the household's columns repeated, split into
    households and members in one import (an import log entry each; --rollback of either undoes both)."""
    from data.compute.build import build

    storage = _storage(Config())
    operator = _operator_access(user)
    if rollback_id is not None:
        from data.ingest.importer import rollback

        try:
            result = rollback(storage, operator, rollback_id)
        except (LookupError, ValueError) as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"rolled back import {result['import_id']} ({result['table']}): {result['rows_reverted']} rows")
        _figures_rebuilt(build(storage, operator))
        return
    if not table or not file:
        raise click.UsageError("give TABLE and FILE, or --rollback ID")
    if table == "boundaries":
        from geo.importer import ImportRejected, import_boundaries

        try:
            counts = import_boundaries(storage, operator, file, code_field, name_field)
        except ImportRejected as rejected:
            _report(rejected.problems)
        click.echo(f"imported {counts['township']} townships and {counts['village']} villages "
                   f"in {counts['counties']} counties from {file}")
        return
    if table == "regions" and not mapping_file:  # a code list: new units get illustrative cells (geo/codelist.py)
        from geo.codelist import ImportRejected, import_and_rebuild as import_code_list

        try:
            result, rebuilt = import_code_list(storage, operator, file, replace_children, recode)
        except ImportRejected as rejected:
            _report(rejected.problems, rejected.import_id)
        moved = ", ".join(f"{column} {count}" for column, count in sorted(result.moved.items())) or "none"
        click.echo(f"import {result.import_id} (regions) {result.status}: {result.added} added, {result.updated} "
                   f"updated, {result.unchanged} unchanged, {len(result.removed)} removed, records moved: {moved}; "
                   f"{result.drawn} illustrative cells drawn")
        _figures_rebuilt(rebuilt)
        return
    if replace_children or recode:
        raise click.UsageError("--replace and --recode are for the regions table (without --mapping)")
    from data.ingest.importer import ImportRejected
    from data.ingest.mapping import Mapping, MappingError
    from data.ingest.workflow import MappingNeeded, import_and_rebuild

    try:
        mapping = Mapping.from_json(open(mapping_file, "rb").read()) if mapping_file else None
        result, rebuilt = import_and_rebuild(storage, operator, table, file, mapping=mapping)
    except ImportRejected as rejected:
        _report(rejected.problems, rejected.import_id)
    except MappingError as error:
        raise click.ClickException("列映射不适用 / the mapping does not fit: " + "; ".join(
            f"{zh} / {en}" for zh, en in error.problems)) from error
    except MappingNeeded as needed:
        _suggest(needed.layout)
    if mapping_file:
        click.echo(f"mapping {result.mapping_id} saved for this layout (from {mapping_file})")
    elif result.mapping_id:
        click.echo(f"mapping {result.mapping_id} used (saved for this layout)")
    for part in result.parts or [result]:
        click.echo(f"import {part.import_id} ({part.table}) accepted: {part.added} added, {part.updated} updated, "
                   f"{part.unchanged} unchanged")
    _figures_rebuilt(rebuilt)


def _suggest(layout) -> None:
    """A file whose headers need a mapping: the suggestion, as a mapping file to check and pass with --mapping."""
    from data.ingest.mapping import suggest

    click.echo("表头与数据规范不一致，未导入 / the headers are not the contract's; nothing imported. Suggested "
               "mapping (score 1: a known name; below: similar names; null: ignored) — check it, save it as a "
               "file and import again with --mapping FILE:", err=True)
    for item in suggest(layout.table, layout.headers):
        click.echo(f"  {item.header} → {item.column or 'null'} ({item.score:.2f})", err=True)
    click.echo(layout.suggested.as_json())
    sys.exit(1)


def _figures_rebuilt(summary: dict | None) -> None:
    if summary:
        click.echo(f"figures rebuilt for {summary['counties']} counties ({summary['rows']} rows, {summary['seconds']}s)")


def _report(problems, import_id=None) -> None:
    logged = f", logged as import {import_id}" if import_id else ""
    click.echo(f"导入被拒绝，数据未改动 / import rejected, nothing changed ({len(problems)} problems{logged}):", err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


@main.command("export")
@click.argument("table", type=click.Choice(list(INTERCHANGE)))
@click.argument("file", type=click.Path(dir_okay=False))
def export_table(table: str, file: str) -> None:
    """Export TABLE to FILE (.csv UTF-8 with BOM, or .xlsx); personal data stays masked."""
    from data.ingest.exporter import export_table as export

    storage = _storage(Config())
    count = export(storage.engine, _operator_access(), table, file)
    _audit(storage, "export", "ok", f"{table} → {file}: {count} rows")
    click.echo(f"exported {count} rows of {table} to {file}")


@main.command("template")
@click.argument("table", type=click.Choice(list(INTERCHANGE)))
@click.argument("file", type=click.Path(dir_okay=False))
def template(table: str, file: str) -> None:
    """Write an empty XLSX template for TABLE (headers with comments, a sheet of allowed values)."""
    from data.ingest.exporter import write_template

    write_template(table, file)
    click.echo(f"template for {table} written to {file}")


@main.group()
def users() -> None:
    """Accounts: add, list, disable, enable, password, token."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--region", "regions", multiple=True,
              help="A region code (repeatable). An East–West office may be given its eastern region: it gets the "
                   "western regions paired with it.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (else it is asked for).")
@click.option("--no-password", is_flag=True, help="No sign-in with a password: the account uses API tokens only.")
def users_add(name: str, role: str, regions: tuple[str, ...], password_stdin: bool, no_password: bool) -> None:
    """Create user NAME with a role and its regions."""
    from data.store import accounts

    storage = _storage(Config())
    password = None if no_password else _password(password_stdin)
    try:
        user = accounts.add_user(storage, name, role, list(regions), password)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    _audit(storage, "user_add", "ok", f"{name}: {role} {','.join(r['code'] for r in user['regions'])}")
    click.echo(f"user {name} ({role}) added; regions: " + (", ".join(f"{r['name']} {r['code']}" for r in user["regions"])
                                                          or "whole country"))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
def users_list(as_json: bool) -> None:
    """Print every user with role, regions, state and tokens."""
    from data.store import accounts

    for user in accounts.list_users(_storage(Config()), _operator_access()):
        if as_json:
            click.echo(json.dumps(user, ensure_ascii=False, default=str))
            continue
        state = "active" if user["active"] else "disabled"
        state += ", locked" if user["locked"] else ""
        state += ", demo" if user["demo"] else ""
        regions = ", ".join(f"{r['name']} {r['code']}" for r in user["regions"]) or "whole country"
        click.echo(f"{user['name']:<24} {user['role']:<14} {state:<24} tokens {user['tokens']}  {regions}")


def _account_change(name: str, action: str, change) -> None:
    from data.store import accounts

    storage = _storage(Config())
    try:
        change(storage)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    _audit(storage, action, "ok", name)


@users.command("disable")
@click.argument("name")
def users_disable(name: str) -> None:
    """Disable NAME: no sign-in, no token, sessions end at their next request."""
    from data.store.accounts import set_active

    _account_change(name, "user_disable", lambda storage: set_active(storage, name, False))
    click.echo(f"user {name} disabled")


@users.command("enable")
@click.argument("name")
def users_enable(name: str) -> None:
    """Enable NAME again (and lift a lockout)."""
    from data.store.accounts import set_active

    _account_change(name, "user_enable", lambda storage: set_active(storage, name, True))
    click.echo(f"user {name} enabled")


@users.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_password(name: str, password_stdin: bool) -> None:
    """Set NAME's password (their open sessions end)."""
    from data.store.accounts import set_password

    password = _password(password_stdin)
    _account_change(name, "user_password", lambda storage: set_password(storage, name, password))
    click.echo(f"password of {name} changed")


@users.command("token")
@click.argument("name")
@click.option("--label", default=None, help="What the token is for.")
@click.option("--revoke", is_flag=True, help="Revoke every token of NAME instead.")
def users_token(name: str, label: str | None, revoke: bool) -> None:
    """Print a new API token for NAME (shown once), or revoke their tokens. Send it as
    ``Authorization: Bearer <token>``; it has the same scope as NAME."""
    from data.store.accounts import make_token, revoke_tokens

    if revoke:
        counted = []
        _account_change(name, "token_revoke", lambda storage: counted.append(revoke_tokens(storage, name)))
        click.echo(f"{counted[0]} token(s) of {name} revoked")
        return
    made = []
    _account_change(name, "token_add", lambda storage: made.append(make_token(storage, name, label)))
    click.echo(made[0])


@main.command("audit")
@click.option("--user", default=None)
@click.option("--action", type=click.Choice(list(ACTIONS)), default=None)
@click.option("--outcome", type=click.Choice(["ok", "refused", "failed"]), default=None)
@click.option("--since", type=click.DateTime(), default=None, help="UTC, e.g. 2026-11-01 or '2026-11-01 08:00'.")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
def audit_command(user, action, outcome, since, limit, as_json) -> None:
    """Print the audit log, newest first."""
    from data.store import audit

    for entry in audit.entries(_storage(Config()).engine, _operator_access(), user, action, outcome, since, limit):
        if as_json:
            click.echo(json.dumps(entry, ensure_ascii=False, default=str))
            continue
        click.echo(f"{entry['at']:%Y-%m-%d %H:%M:%S}  {entry['user_name'] or '-':<20} {entry['action']:<16} "
                   f"{entry['outcome']:<8} {entry['region_code'] or '-':<12} {entry['via']:<4} {entry['detail'] or ''}")


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def backup_command(file: str, force: bool) -> None:
    """Write a consistent copy of the whole database to FILE while the app runs (SQLite: online backup;
    PostgreSQL: pg_dump), with a manifest of its revision, row counts and SHA-256."""
    from data.store import backup

    try:
        manifest = backup.to_file(_storage(Config()).engine, _operator_access(), file, overwrite=force)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    payload = manifest["payload"]
    click.echo(f"backed up the {manifest['backend']} database (revision {manifest['alembic_revision']}, "
               f"{len(manifest['tables'])} tables, {sum(manifest['tables'].values())} rows) to {file}; "
               f"payload {payload['bytes']} bytes, sha256 {payload['sha256']}")


@main.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@click.option("--check", "check_only", is_flag=True, help="Only verify FILE (manifest, size, SHA-256); change nothing.")
def restore_command(file: str, force: bool, check_only: bool) -> None:
    """Replace the whole database by the backup in FILE, all or nothing (same backend only). Everything is
    verified first; a database that holds data is replaced only with --force. Restart the app afterwards."""
    from data.store import backup

    try:
        if check_only:
            manifest = backup.verify(file)
        else:
            manifest = backup.restore(_storage(Config()).engine, _operator_access(), file, force=force)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    done = "is sound" if check_only else "restored"
    click.echo(f"{file} {done}: {manifest['backend']} database of {manifest['created_at']}, revision "
               f"{manifest['alembic_revision']}, {len(manifest['tables'])} tables, {sum(manifest['tables'].values())} rows")


# -- report (issue 17 part 3): the region profile as one file per county ---------------------------------
@main.command("report")
@click.option("--region", "region_code", required=True,
              help="A region code or prefix: a province or prefecture gives one report per county in it; a county "
                   "(or a unit below) its own.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), default="pdf", show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=".", show_default=True,
              help="The folder the files are written to (made if absent).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def report_command(region_code: str, fmt: str, out_dir: str, lang: str, quiet: bool) -> None:
    """Write the report (the profile of /region/<code> as PDF or XLSX) of every county of REGION."""
    from pathlib import Path

    from tqdm import tqdm

    from data.read.cube import NotBuilt
    from layouts import report

    storage = _storage(Config())
    access = _operator_access()
    try:
        region = storage.region(access, region_code)
    except (InvalidCode, NotFound) as error:
        raise click.ClickException(str(error)) from error
    targets = [region] if region["level"] not in ("province", "city") else \
        storage.regions(access, level="county", parent=region["code"])
    if not targets:
        raise click.ClickException(f"{region['name']} 下没有县级区划 / no counties in {region['code']}")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    started, written = time.perf_counter(), 0
    for target in tqdm(targets, desc=f"报告 report {region['name']}", unit="county", disable=quiet):
        snapshot = storage.snapshot()
        try:
            made, data = report.render(snapshot, access, target["code"], fmt, lang)
        except NotBuilt as error:
            raise click.ClickException(str(error)) from error
        (folder / report.file_name(made, fmt)).write_bytes(data)
        written += 1
    seconds = time.perf_counter() - started
    _audit(storage, "export", "ok", f"report {fmt}: {written} files to {folder}", region=region["code"])
    click.echo(f"{written} {fmt} reports written to {folder} in {seconds:.1f} s "
               f"({seconds / written:.2f} s per report)")


# -- pack (issue 19 part 7): the assessment evidence pack of every county of a province -------------------------
@main.command("pack")
@click.option("--region", "region_code", required=True,
              help="A province or prefecture (one pack per county with figures in it) or a county.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), default="pdf", show_default=True)
@click.option("--scheme", default=None, help="The scheme id (default: the default scheme, latest version).")
@click.option("--year", type=int, default=None, help="The year (default: the last complete year).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=".", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def pack_command(region_code: str, fmt: str, scheme: str | None, year: int | None, out_dir: str, lang: str,
                 quiet: bool) -> None:
    """Write the evidence pack (layouts/assessment_report.py) of every county of REGION, with a progress bar."""
    from pathlib import Path

    from tqdm import tqdm

    from data.read import assessment
    from layouts import assessment_report

    storage = _storage(Config())
    access = _operator_access()
    try:
        region = storage.region(access, region_code)
        if region["level"] == "county":
            targets = [region["code"]]
        else:
            chosen = assessment.scheme_of(storage, access, scheme)
            targets = list(assessment.inputs(storage, access, chosen, year, region["code"]).counties.index)
    except (InvalidCode, NotFound, assessment.BadRequest) as error:
        raise click.ClickException(str(error)) from error
    if not targets:
        raise click.ClickException(f"{region['name']} 下没有有数据的县 / no county with figures in {region['code']}")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for code in tqdm(targets, desc=f"证据包 evidence packs {region['name']}", unit="county", disable=quiet):
        made, data = assessment_report.render(storage.snapshot(), access, code, fmt, scheme, None, year, lang)
        (folder / assessment_report.file_name(made, fmt)).write_bytes(data)
    seconds = time.perf_counter() - started
    _audit(storage, "export", "ok", f"evidence pack {fmt}: {len(targets)} files to {folder}", region=region["code"])
    click.echo(f"{len(targets)} {fmt} evidence packs written to {folder} in {seconds:.1f} s "
               f"({seconds / len(targets):.2f} s per pack)")
