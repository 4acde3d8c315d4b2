"""``python -m benchmarks [--repeats N] [--only geometry|api|pipeline|map …]``: prints JSON."""
from __future__ import annotations

import json

import click

from benchmarks import run as benchmarks
from dashboard.config import Config


@click.command()
@click.option("--repeats", type=int, default=30, show_default=True)
@click.option("--only", type=click.Choice(["geometry", "api", "pipeline", "map", "report", "monitoring", "collaboration"]), multiple=True,
              help="Run only these parts (default: all).")
def main(repeats: int, only: tuple[str, ...]) -> None:
    """Measure geometry, the figure API, the pipeline against DuckDB, the map page and the region report
    (docs/performance.md)."""
    parts = only or ("geometry", "api", "pipeline", "map", "report", "monitoring", "collaboration")
    click.echo(json.dumps(benchmarks.run(Config(), repeats, parts), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
