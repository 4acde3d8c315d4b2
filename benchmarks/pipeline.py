"""Pipeline and API benchmarks for ``python -m dashboard bench`` (see docs/performance.md).

Pipeline: every record is read once into memory; then the pandas pipeline computes the whole cube
(additive metrics at the finest level, summed up every level, ratios, growth and quantiles derived),
and DuckDB computes the additive aggregates from the same DataFrames with ``GROUP BY GROUPING SETS``
over village, township, county, prefecture, province and the country. Both answers are compared.
API: p50/p95 latency of the figure routes through the WSGI app, as a browser would call them.
"""
from __future__ import annotations

import statistics
import time

import duckdb
import numpy as np
import pandas as pd

from benchmarks.run import percentile
from data.compute import pipeline
from data.compute.build import (
    ancestors_of,
    counties_with_data,
    periods_of,
    read_partition,
    thresholds_frame,
)
from data.definitions.codes import NATION
from data.store.storage import Storage

LEVEL_KEYS = ("p", "c", "k", "t", "v")
SETS = ", ".join("(" + ", ".join((*LEVEL_KEYS[:depth], "period")) + ")" for depth in range(6))
COUNTY_SETS = ", ".join("(" + ", ".join((*LEVEL_KEYS[:depth], "period")) + ")" for depth in range(4))
# The same additive aggregates as data/pipeline.py, written as SQL over the same frames.
QUERIES = {
    "employment": f"""
        SELECT p, c, k, t, v, e.period, count(*) AS labourers_tracked, sum(e.employed::INT) AS labourers_employed,
               sum((e.employed AND e.location = 'paired_east')::INT) AS employed_paired_east,
               sum((e.employed AND e.mode = 'workshop')::INT) AS mode_workshop,
               sum(CASE WHEN e.employed THEN e.monthly_wage ELSE 0 END) AS wage_bill
        FROM employment e JOIN households h USING (household_id) JOIN geography g ON g.v = h.village_code
        WHERE h.former_poor GROUP BY GROUPING SETS ({SETS})""",
    "monitoring": f"""
        WITH cases AS (
            SELECT g.p, g.c, g.k, g.t, g.v, h.size,
                   greatest(0, date_diff('month', DATE '{{first}}-01', date_trunc('month', m.identified_on::DATE))) AS entered,
                   CASE WHEN m.risk_status = 'eliminated' THEN greatest(0, date_diff('month', DATE '{{first}}-01',
                        date_trunc('month', m.eliminated_on::DATE))) END AS left_at
            FROM monitoring m JOIN households h USING (household_id) JOIN geography g ON g.v = h.village_code),
        months AS (SELECT range AS i, strftime(DATE '{{first}}-01' + to_months(range::INT), '%Y-%m') AS period
                   FROM range({{months}}))
        SELECT p, c, k, t, v, period, count(*) AS monitored_households, sum(size) AS monitored_people,
               sum((left_at IS NOT NULL AND left_at <= i)::INT) AS risk_eliminated_households
        FROM cases JOIN months ON cases.entered <= months.i GROUP BY GROUPING SETS ({SETS})""",
    "income": f"""
        SELECT p, c, k, t, v, i.year::VARCHAR AS period,
               sum(CASE WHEN h.former_poor THEN h.size ELSE 0 END) AS former_poor_people,
               sum(CASE WHEN h.former_poor THEN i.wage + i.operating + i.property + i.transfer ELSE 0 END)
                   AS former_poor_income_total
        FROM income i JOIN households h USING (household_id) JOIN geography g ON g.v = h.village_code
        GROUP BY GROUPING SETS ({SETS})""",
    "funds": f"""
        SELECT p, c, k, NULL AS t, NULL AS v, f.year::VARCHAR AS period, sum(f.allocated) AS funds_allocated,
               sum(f.spent) AS funds_spent
        FROM funds f JOIN (SELECT DISTINCT p, c, k FROM geography) g ON g.k = f.county_code
        GROUP BY GROUPING SETS ({COUNTY_SETS})""",
}


def _duckdb(tables: dict[str, pd.DataFrame], geography: pd.DataFrame, periods) -> list[pd.DataFrame]:
    """The aggregates as DuckDB computes them, fetched as DataFrames (what is timed)."""
    frames = {**tables, "geography": geography.reset_index().rename(columns={
        "code": "v", "province_code": "p", "city_code": "c", "county_code": "k", "township_code": "t"})}
    connection = duckdb.connect()
    for name, frame in frames.items():
        connection.register(name, frame)
    results = []
    for sql in QUERIES.values():
        sql = sql.replace("{first}", periods.months[0]).replace("{months}", str(len(periods.months)))
        results.append(connection.execute(sql).df())
    connection.close()
    return results


def _by_region(results: list[pd.DataFrame]) -> dict[tuple, dict]:
    """(code, period) → aggregates, the code being the deepest level of each grouping set."""
    answer: dict[tuple, dict] = {}
    for result in results:
        codes = result["v"].fillna(result["t"]).fillna(result["k"]).fillna(result["c"]).fillna(result["p"]).fillna(NATION)
        values = result.drop(columns=[*LEVEL_KEYS, "period"]).to_dict("records")
        for code, period, row in zip(codes, result["period"], values):
            answer.setdefault((code, period), {}).update(row)
    return answer


def pipeline_benchmark(storage: Storage) -> dict:
    with storage.engine.connect() as connection:
        started = time.perf_counter()
        periods = periods_of(connection)
        counties = counties_with_data(connection)
        tables, geography = read_partition(connection, counties)
        limits = thresholds_frame(connection)
        ancestors = ancestors_of(connection, set(counties))
        read_seconds = time.perf_counter() - started
    rows_in = sum(len(frame) for frame in tables.values())

    started = time.perf_counter()
    part = pipeline.partition_cube(tables, geography, limits, periods)
    county_codes = set(counties)
    above = pipeline.parent_cube(part.only(county_codes), tables["collaboration"].iloc[:0], ancestors, periods)
    pandas_seconds = time.perf_counter() - started

    # The same aggregates as the DuckDB queries (and a little more: monitoring flows and histograms),
    # at every level: the like-for-like comparison.
    started = time.perf_counter()
    households = tables["households"]
    subset = [pipeline.employment_measures(households, tables["employment"]),
              pipeline.monitoring_measures(households, tables["monitoring"], tables["assistance"], periods.months)[0],
              pipeline.income_measures(households, tables["income"], tables["monitoring"], geography["province_code"],
                                       limits),
              pipeline.fund_measures(tables["funds"])]
    for frame in subset:  # as the build does it: villages to townships and counties, counties upwards
        below = pipeline.rollup(frame, geography, ("township", "county"))
        counties_only = below[below.index.get_level_values("code").isin(county_codes)]
        pipeline.rollup(pd.concat([frame[frame.index.get_level_values("code").isin(county_codes)], counties_only]),
                        ancestors, ("city", "province", "nation"))
    subset_seconds = time.perf_counter() - started

    started = time.perf_counter()
    results = _duckdb(tables, geography, periods)
    duckdb_seconds = time.perf_counter() - started
    expected = _by_region(results)

    computed = {}
    for source in (part, above):
        for grain in ("month", "year"):
            computed.update(source.grain(grain).to_dict("index"))
    compared = mismatches = 0
    for key, row in expected.items():
        for metric, value in row.items():
            if key in computed and metric in computed[key]:
                mine = computed[key][metric]
                if not (pd.isna(mine) and pd.isna(value)):
                    compared += 1
                    mismatches += not np.isclose(mine, value)
    cells = sum(len(f) * f.shape[1] for f in (part.month, part.year, above.month, above.year))
    return {
        "records": {name: len(frame) for name, frame in tables.items()}, "counties": len(counties),
        "read_seconds": round(read_seconds, 2),
        "pandas_whole_cube": {"seconds": round(pandas_seconds, 2), "rows_per_second": round(rows_in / pandas_seconds),
                              "cube_rows": int(sum(len(f) for f in (part.month, part.year, above.month, above.year))),
                              "cube_cells": int(cells),
                              "what": "every metric at every level (additive, ratios, growth, quantiles)"},
        "pandas_same_aggregates": {"seconds": round(subset_seconds, 2),
                                   "rows_per_second": round(rows_in / subset_seconds),
                                   "what": "what the DuckDB queries compute (plus monitoring flows), every level"},
        "duckdb": {"seconds": round(duckdb_seconds, 2), "rows_per_second": round(rows_in / duckdb_seconds),
                   "version": duckdb.__version__,
                   "what": "the additive aggregates of employment, monitoring stocks, income and funds, GROUPING SETS"},
        "pandas_over_duckdb": round(subset_seconds / duckdb_seconds, 2),
        "whole_cube_over_duckdb": round(pandas_seconds / duckdb_seconds, 2),
        "cross_check": {"values_compared": compared, "mismatches": mismatches},
    }


def api_benchmark(client, storage: Storage, repeats: int) -> list[dict]:
    """Latency of the figure routes a page calls, warm (the first answer is excluded)."""
    township = storage.regions(level="township")
    county = township[0]["code"][:6] if township else "52"
    requests = [
        ("metric catalog", "/api/v1/metrics"),
        ("national counties, monthly metric", "/api/v1/values?metric=risk_eliminated_share&level=county"),
        ("national counties, yearly metric", "/api/v1/values?metric=funds_industry_share&level=county"),
        ("one province's counties", "/api/v1/values?metric=labourers_employed&parent=52&level=county"),
        ("one county's townships", f"/api/v1/values?metric=newly_identified_households&parent={county}"),
        ("one township's villages", f"/api/v1/values?metric=monitored_households&parent={township[0]['code'][:9]}"
         if township else "/api/v1/values?metric=monitored_households&parent=52"),
        ("series of a county", f"/api/v1/series?metric=employment_rate&region={county}"),
        ("national series", "/api/v1/series?metric=labourers_employed"),
        ("county profile", f"/api/v1/regions/{county}"),
        ("CSV of a province's counties", "/api/v1/values?metric=labourers_employed&parent=52&level=county&format=csv"),
    ]
    results = []
    for label, url in requests:
        status = client.get(url).status_code
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(url)
            samples.append(time.perf_counter() - started)
        results.append({"route": label, "url": url, "status": status,
                        "p50_ms": round(statistics.median(samples) * 1000, 1),
                        "p95_ms": round(percentile(samples, 0.95) * 1000, 1)})
    return results
