"""The command line: ``python -m dashboard init|serve|regions|import``.

``init`` creates or migrates the schema and loads the region hierarchy of a scale (real provinces,
prefectures and counties; illustrative townships and villages in the counties in scope). ``serve``
runs gunicorn on the same app the Procfile starts.
"""
from __future__ import annotations

import json
import os
import sys
import time

import click

from dashboard.config import Config
from data.codes import LEVELS, InvalidCode
from data.scales import SCALES
from data.storage import InvalidLevel, NotFound, Storage, make_engine, migrate


def _storage(config: Config) -> Storage:
    return Storage(make_engine(config.database_url))


@click.group()
def main() -> None:
    """常态化精准帮扶监测分析平台 — command line."""


@main.command()
@click.option("--scale", type=click.Choice(list(SCALES)), default="demo", show_default=True)
@click.option("--seed", type=int, default=20260101, show_default=True)
@click.option("--if-absent", is_flag=True, help="Do nothing when the database already holds data.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def init(scale: str, seed: int, if_absent: bool, quiet: bool) -> None:
    """Create the schema and load regions, boundaries and demo data."""
    from data.demo import load_demo
    from data.loader import load_regions

    config = Config()
    storage = _storage(config)
    if if_absent and storage.is_loaded():
        click.echo(f"database already loaded ({config.database_url}); nothing to do")
        return
    started = time.perf_counter()
    migrate(storage.engine)
    regions = load_regions(storage, scale, seed, progress=not quiet)
    rows = load_demo(storage, regions, scale, seed, progress=not quiet)
    counts = storage.counts_by_level()
    click.echo(f"loaded scale={scale} seed={seed} in {time.perf_counter() - started:.1f}s: "
               + ", ".join(f"{level} {counts.get(level, 0)}" for level in LEVELS) + "; "
               + ", ".join(f"{table} {count}" for table, count in rows.items() if table != "seconds"))


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
        rows = _storage(Config()).regions(level=level, parent=parent)
    except (InvalidCode, InvalidLevel, NotFound) as error:
        raise click.ClickException(str(error)) from error
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False))


@main.command("import")
@click.argument("table", type=click.Choice(["boundaries"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--code-field", default=None, help="The property holding the region code.")
@click.option("--name-field", default=None, help="The property holding the name.")
def import_table(table: str, file: str, code_field: str | None, name_field: str | None) -> None:
    """Import TABLE from FILE (all or nothing; every problem is reported)."""
    from geo.importer import ImportRejected, import_boundaries

    try:
        counts = import_boundaries(_storage(Config()), file, code_field, name_field)
    except ImportRejected as rejected:
        click.echo(f"导入被拒绝，数据未改动 / import rejected, nothing changed ({len(rejected.problems)} problems):",
                   err=True)
        for problem in rejected.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    click.echo(f"imported {counts['township']} townships and {counts['village']} villages "
               f"in {counts['counties']} counties from {file}")


@main.command()
@click.option("--repeats", type=int, default=30, show_default=True)
def bench(repeats: int) -> None:
    """Measure geometry payloads and route latencies; prints JSON (see docs/performance.md)."""
    from dashboard import bench as benchmarks

    click.echo(json.dumps(benchmarks.run(Config(), repeats), ensure_ascii=False, indent=2))
