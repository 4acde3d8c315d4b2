"""Builds the stored metric cube: ``python -m dashboard build [--counties …] [--executor local|dask[:ADDRESS]]``.

Counties with records are cut into partitions; each partition is read from the database and run
through :func:`data.pipeline.partition_cube`, in this process or as tasks on a Dask cluster (each worker
reads its own partition, so only results travel). Prefecture, province and national rows are then
computed from the stored county rows. The whole build is one transaction: readers see the previous
cube until it commits, and a failed build leaves it as it was. A build of some counties replaces only
their rows and the rows above them; the result equals a full build (tests/test_pipeline.py).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import sqlalchemy as sa
from tqdm import tqdm

from data.compute.pipeline import CubePart, Periods, parent_cube, partition_cube
from data.definitions import metrics
from data.definitions.access import Access, OutOfScope, check
from data.definitions.codes import NATION
from data.store import records
from data.store.schema import cube, data_tables, meta, regions, thresholds
from data.store.storage import Storage, make_engine

PENDING = "cube_pending_counties"
PARTITION_COUNTIES = 20  # counties per partition: bounds the memory of one task (≈ 80 MB at demo density)
GRAINS = ("month", "year")
_engines: dict[str, sa.Engine] = {}


class BuildError(ValueError):
    """A build that cannot be done as asked (unknown county, an executor that cannot start)."""


# -- what to build ------------------------------------------------------------------------------------
def periods_of(connection) -> Periods:
    """Months from the first employment month (or identification) to the last event; years with records."""
    t = data_tables

    def one(query):
        return connection.execute(query).scalar()

    first_month = one(sa.select(sa.func.min(t["employment"].c.period)))
    if first_month is None:
        first = one(sa.select(sa.func.min(t["monitoring"].c.identified_on)))
        first_month = _month(first) if first else None
    last = [one(sa.select(sa.func.max(t["employment"].c.period))),
            *[_month(one(sa.select(sa.func.max(c)))) for c in
              (t["monitoring"].c.identified_on, t["monitoring"].c.eliminated_on, t["assistance"].c.started_on)]]
    last = [m for m in last if m]
    months = tuple(str(p) for p in pd.period_range(first_month, max(last), freq="M")) if first_month and last else ()
    years = set()
    for name in YEARLY_TABLES.values():
        years.update(connection.execute(sa.select(data_tables[name].c.year).distinct()).scalars())
    # Every year from the first to the last, so that "previous year" is always the calendar year before.
    years = tuple(str(y) for y in range(min(years), max(years) + 1)) if years else ()
    return Periods(months, years)


YEARLY_TABLES = {"income": "income", "industry": "projects", "funds": "funds", "collaboration": "collaboration",
                 "teams": "teams", "targeted": "targeted_assistance"}


def latest_periods(connection, periods: Periods) -> dict[str, str]:
    """The last period with records of each theme (what a page shows when no period is asked for)."""
    latest = {"monitoring": periods.months[-1] if periods.months else None,
              "employment": connection.execute(sa.select(sa.func.max(data_tables["employment"].c.period))).scalar()}
    for theme, name in YEARLY_TABLES.items():
        year = connection.execute(sa.select(sa.func.max(data_tables[name].c.year))).scalar()
        latest[theme] = None if year is None else str(year)
    return latest


def _month(value) -> str | None:
    return None if value is None else str(value)[:7]


def counties_with_data(connection) -> list[str]:
    """Every county-layer region that has records of its own or below it."""
    t = data_tables
    queries = [
        sa.select(regions.c.county_code).where(regions.c.code.in_(sa.select(t["households"].c.village_code).distinct())),
        sa.select(regions.c.county_code).where(regions.c.code.in_(sa.select(t["teams"].c.village_code).distinct())),
        sa.select(t["projects"].c.county_code).distinct(),
        sa.select(t["funds"].c.county_code).distinct(),
        sa.select(t["targeted_assistance"].c.county_code).distinct(),
        sa.select(regions.c.county_code).where(regions.c.code.in_(sa.select(t["collaboration"].c.west_code))),
    ]
    found = set()
    for query in queries:
        found.update(c for c in connection.execute(query).scalars() if c)
    return sorted(found)


# Tables that feed no figure of the cube: region flags, events, and who is paired with whom and what the
# agreements promise (read as they are by the collaboration pages: data/store/collaboration.py).
NO_FIGURES = ("regions", "events", "pairings", "collaboration_targets", "field_verification")  # field checks: issue 19


def counties_of_records(connection, table: str, frame: pd.DataFrame) -> set[str]:
    """The counties whose cube rows the records of ``frame`` (rows of an interchange table) feed."""
    if table in NO_FIGURES or frame.empty:  # the pages read these as they are
        return set()
    if table == "thresholds":  # a province's line scores every household of the province: its counties with data
        provinces = {code[:2] for code in frame["province_code"].dropna()}  # a code's first two digits: its province
        return {county for county in counties_with_data(connection) if county[:2] in provinces}
    if table in ("projects", "funds", "targeted_assistance"):
        codes = frame["county_code"]
    elif table in ("households", "teams", "collaboration"):
        codes = frame["west_code" if table == "collaboration" else "village_code"]
    else:
        stored = records.lookup(connection, data_tables["households"], "household_id", frame["household_id"],
                                extra=("village_code",))
        codes = [row[1] for row in stored.values()]
    found = records.lookup(connection, regions, "code", codes, extra=("county_code",))
    return {row[1] for row in found.values() if row[1]}


def mark_pending(connection, counties: set[str]) -> None:
    """Record, inside an import's transaction, that these counties' figures must be rebuilt."""
    row = connection.execute(sa.select(meta.c.value).where(meta.c.key == PENDING)).scalar()
    pending = sorted(set(json.loads(row or "[]")) | set(counties))
    connection.execute(meta.delete().where(meta.c.key == PENDING))
    connection.execute(meta.insert().values(key=PENDING, value=json.dumps(pending)))


def thresholds_frame(connection) -> pd.DataFrame:
    """The provinces' monitoring lines as the pipeline reads them: province_code, year, yuan (the stored
    contract column ``threshold``; the one place the two names meet)."""
    rows = connection.execute(sa.select(thresholds.c.province_code, thresholds.c.year, thresholds.c.threshold)).all()
    return pd.DataFrame(rows, columns=["province_code", "year", "yuan"]).astype({"year": int, "yuan": float})


# -- reading one partition ---------------------------------------------------------------------------
COLUMNS = {
    "households": ("household_id", "village_code", "size", "labour_count", "former_poor"),
    "members": ("household_id", "health"),
    "expenses": ("household_id", "period", "kind", "amount_yuan"),
    "monitoring": ("household_id", "category", "identified_on", "channel", "risk_types", "risk_status",
                   "eliminated_on"),
    "assistance": ("household_id", "started_on"),
    "income": ("household_id", "year", "per_capita_net_income", "wage", "operating", "property", "transfer"),
    "employment": ("person_id", "household_id", "period", "employed", "location", "mode", "monthly_wage"),
    "projects": ("county_code", "year", "status", "fund_connection", "fund_east_west", "fund_targeted",
                 "fund_social", "jobs_created", "households_linked", "output_value"),
    "funds": ("county_code", "year", "use", "allocated", "spent"),
    "collaboration": ("west_code", "year", *metrics.COLLABORATION),
    "teams": ("village_code", "year", "team_size", "dispatch_level", "days_on_site"),
    "targeted_assistance": ("county_code", "year", *metrics.TARGETED),
}


def _frame(connection, query, columns) -> pd.DataFrame:
    # Plain tuples: pandas probes each SQLAlchemy Row for attributes, which costs more than the query.
    return pd.DataFrame([tuple(row) for row in connection.execute(query).fetchall()], columns=list(columns))


def read_partition(connection, counties: list[str]) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The records of ``counties`` (and below) and their geography, as the pipeline wants them."""
    t = data_tables
    geography = _frame(connection, sa.select(regions.c.code, regions.c.level, regions.c.province_code,
                                             regions.c.city_code, regions.c.county_code, regions.c.township_code)
                       .where(regions.c.county_code.in_(counties)),
                       ("code", "level", "province_code", "city_code", "county_code", "township_code")).set_index("code")
    villages = sa.select(regions.c.code).where(regions.c.county_code.in_(counties))
    households = sa.select(t["households"].c.household_id).where(t["households"].c.village_code.in_(villages))
    tables = {}
    for name, columns in COLUMNS.items():
        table = t[name]
        query = sa.select(*[table.c[c] for c in columns])
        if name == "households":
            query = query.where(table.c.village_code.in_(villages))
        elif name in ("projects", "funds", "targeted_assistance"):
            query = query.where(table.c.county_code.in_(counties))
        elif name == "collaboration":
            query = query.where(table.c.west_code.in_(counties))
        elif name == "teams":
            query = query.where(table.c.village_code.in_(villages))
        else:
            query = query.where(table.c.household_id.in_(households))
        tables[name] = _frame(connection, query, columns)
    return tables, geography


def _engine(url: str) -> sa.Engine:
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def compute_partition(database_url: str, counties: list[str], periods: Periods) -> list[tuple]:
    """One task: read the partition, run the pipeline, return cube rows (runs on any worker)."""
    with _engine(database_url).connect() as connection:
        tables, geography = read_partition(connection, counties)
        limits = thresholds_frame(connection)
    part = partition_cube(tables, geography, limits, periods)
    owner = geography["county_code"]
    return cube_rows(part, geography["level"], owner, with_distributions=set(counties))


# -- rows in and out of the cube table ---------------------------------------------------------------
def cube_rows(part: CubePart, level_of: pd.Series, county_of: pd.Series | None,
              with_distributions: set[str]) -> list[tuple]:
    """(region_code, period, level, county_code, figures JSON, distributions JSON) of every row."""
    distributions = {}
    if not part.histograms.empty:
        kept = part.histograms[part.histograms["code"].isin(with_distributions)]
        for (code, period, name), group in kept.groupby(["code", "period", "distribution"]):
            distributions.setdefault((code, period), {})[name] = {
                str(int(v)): int(c) for v, c in zip(group["value"], group["count"])}
    rows = []
    for grain in GRAINS:
        frame = part.grain(grain)
        if frame.empty:
            continue
        catalog = metrics.of_grain(grain)
        values = pd.DataFrame({m.code: frame[m.code].astype("Int64") if m.decimals == 0 else frame[m.code]
                               for m in catalog})
        # One JSON array per row; pandas' CSV writer formats the numbers in C (ints stay ints).
        lines = values.to_csv(header=False, index=False, na_rep="null", lineterminator="\n").split("\n")[:-1]
        codes_, periods_ = frame.index.get_level_values("code"), frame.index.get_level_values("period")
        levels = np.where(codes_ == NATION, "nation", level_of.reindex(codes_).to_numpy())
        owners = county_of.reindex(codes_).to_numpy() if county_of is not None else [None] * len(frame)
        for code, period, level, owner, line in zip(codes_, periods_, levels, owners, lines):
            dist = distributions.get((code, period)) if code in with_distributions else None
            rows.append((code, period, level, owner, f"[{line}]",
                         json.dumps(dist, sort_keys=True) if dist else None))
    return rows


CUBE_COLUMNS = ["region_code", "period", "level", "county_code", "figures", "distributions"]


def _insert(connection, rows: list[tuple]) -> None:
    records.insert_tuples(connection, "cube", CUBE_COLUMNS, rows)


def read_county_part(connection, layouts: dict[str, list[str]]) -> CubePart:
    """The stored county rows as a :class:`CubePart` (for recomputing the rows above them)."""
    rows = connection.execute(sa.select(cube.c.region_code, cube.c.period, cube.c.figures, cube.c.distributions)
                              .where(cube.c.region_code == cube.c.county_code)).all()
    frames, histogram = {}, []
    for grain in GRAINS:
        mine = [r for r in rows if (len(r.period) == 7) == (grain == "month")]
        index = pd.MultiIndex.from_tuples([(r.region_code, r.period) for r in mine], names=["code", "period"])
        frames[grain] = pd.DataFrame([json.loads(r.figures) for r in mine], index=index,
                                     columns=layouts[grain], dtype="float64")
    for row in rows:
        for name, counts in json.loads(row.distributions or "{}").items():
            histogram.extend((row.region_code, row.period, name, int(v), c) for v, c in counts.items())
    return CubePart(frames["month"], frames["year"],
                    pd.DataFrame(histogram, columns=["code", "period", "distribution", "value", "count"]))


# -- executors ------------------------------------------------------------------------------------
def _local(database_url: str, partitions: list[list[str]], periods: Periods) -> Iterator[list[tuple]]:
    for counties in partitions:
        yield compute_partition(database_url, counties, periods)


def _dask(address: str | None) -> Callable:
    def run(database_url: str, partitions: list[list[str]], periods: Periods) -> Iterator[list[tuple]]:
        from distributed import Client, LocalCluster, as_completed

        cluster = None if address else LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                                     dashboard_address=None)
        try:
            with Client(address or cluster) as client:
                futures = client.map(compute_partition, [database_url] * len(partitions), partitions,
                                     periods=periods, pure=False)
                for future in as_completed(futures):
                    yield future.result()
        finally:
            if cluster is not None:
                cluster.close()
    return run


def executor_of(spec: str) -> Callable:
    """``local``; ``dask`` (a LocalCluster on this machine); ``dask:tcp://scheduler:8786`` (a cluster)."""
    if spec == "local":
        return _local
    if spec == "dask" or spec.startswith("dask:"):
        return _dask(spec.partition(":")[2] or None)
    raise BuildError(f"未知执行方式 / unknown executor {spec!r}: local, dask or dask:ADDRESS")


# -- the build ------------------------------------------------------------------------------------
def build(storage: Storage, access: Access, counties: list[str] | None = None, executor: str = "local",
          progress: bool = False, partition_size: int = PARTITION_COUNTIES) -> dict:
    """Build the cube (all counties, or only ``counties``, which must lie in the caller's scope) in one
    transaction; returns a summary. Needs the import right; the whole cube needs the whole country."""
    check(access).require("import")
    if counties is None and not access.everything:
        raise OutOfScope(NATION)
    started = time.perf_counter()
    run = executor_of(executor)
    url = storage.engine.url.render_as_string(hide_password=False)
    layouts = {g: [m.code for m in metrics.of_grain(g)] for g in GRAINS}
    with storage.engine.connect() as connection:
        periods = periods_of(connection)
        everything = counties_with_data(connection)
    facts = storage.facts()
    stored_periods = json.loads(facts.get("cube_periods", "null"))
    stored_layouts = json.loads(facts.get("cube_layouts", "null"))
    full = counties is None or stored_periods != {g: list(periods.of(g)) for g in GRAINS} or stored_layouts != layouts
    pending = json.loads(facts.get(PENDING, "[]"))  # counties an import changed and no build has caught up with
    if full:
        targets = everything
    else:
        targets = sorted({_county(storage, access, code) for code in counties} | set(pending))
    partitions = [targets[i:i + partition_size] for i in range(0, len(targets), partition_size)]
    # Compute first (workers read committed records), then write in one short transaction.
    computed = []
    with tqdm(total=len(targets), desc="指标立方 cube", unit="county", disable=not progress) as bar:
        for rows in run(url, partitions, periods):
            computed.append(rows)
            bar.update(len({r[3] for r in rows if r[3]}))
    rows_written = sum(len(rows) for rows in computed)
    with storage.engine.begin() as connection:
        if full:
            connection.execute(cube.delete())
        else:
            connection.execute(cube.delete().where(sa.or_(cube.c.county_code.in_(targets), cube.c.county_code.is_(None))))
        for rows in computed:
            _insert(connection, rows)
        rows_written += _build_parents(connection, layouts, periods)
        version = hashlib.sha256(f"{time.time_ns()}{rows_written}".encode()).hexdigest()[:12]
        still_pending = [] if full else sorted(set(pending) - set(targets))
        storage.put_facts(connection, {
            "cube_layouts": json.dumps(layouts), "cube_version": version,
            "cube_periods": json.dumps({g: list(periods.of(g)) for g in GRAINS}),
            "cube_latest": json.dumps(latest_periods(connection, periods)),
            PENDING: json.dumps(still_pending),
            "cube_built_at": dt.datetime.now().isoformat(timespec="seconds")})
    return {"full": full, "counties": len(targets), "partitions": len(partitions), "rows": rows_written,
            "months": len(periods.months), "years": len(periods.years), "executor": executor,
            "seconds": round(time.perf_counter() - started, 2)}


def after_import(storage: Storage, access: Access, table: str, counties: list[str]) -> dict | None:
    """Rebuild the figures an accepted import changed (region flags feed no figure); the build summary."""
    return None if table in NO_FIGURES else build(storage, access, counties)


def _county(storage: Storage, access: Access, code: str) -> str:
    region = storage.region(access, code)
    if "county" not in region["layers"]:
        raise BuildError(f"不是县级区划 / not a county: {code} ({region['name']}, {region['level']})")
    return region["code"]


def ancestors_of(connection, codes: set[str]) -> pd.DataFrame:
    """Level, prefecture and province of each region, indexed by code (what the rows above counties need)."""
    return pd.DataFrame(connection.execute(
        sa.select(regions.c.code, regions.c.level, regions.c.city_code, regions.c.province_code)
        .where(regions.c.code.in_(sorted(codes)))).all(),
        columns=["code", "level", "city_code", "province_code"]).set_index("code")


def _build_parents(connection, layouts: dict[str, list[str]], periods: Periods) -> int:
    counties = read_county_part(connection, layouts)
    above = sa.select(regions.c.county_code).where(regions.c.code == data_tables["collaboration"].c.west_code)
    collaboration = pd.DataFrame(connection.execute(
        sa.select(*[data_tables["collaboration"].c[c] for c in COLUMNS["collaboration"]])
        .where(above.scalar_subquery().is_(None))).all(), columns=list(COLUMNS["collaboration"]))
    codes_needed = set(counties.month.index.get_level_values("code")) | set(
        counties.year.index.get_level_values("code")) | set(collaboration["west_code"])
    ancestors = ancestors_of(connection, codes_needed)
    part = parent_cube(counties, collaboration, ancestors, periods)
    produced = set(part.month.index.get_level_values("code")) | set(part.year.index.get_level_values("code"))
    rows = cube_rows(part, ancestors_of(connection, produced)["level"], None, with_distributions=set())
    _insert(connection, rows)
    return len(rows)

