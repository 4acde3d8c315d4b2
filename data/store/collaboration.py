"""Reading the collaboration tables (issue 18) within the caller's scope: East–West collaboration rows, the
agreements' targets, central units' targeted assistance and the pairings, as DataFrames in contract columns.

These are aggregate figures of regions (no household records), so a row is read when the caller may read
its region's figures (:attr:`Access.figures <data.definitions.access.Access.figures>`: an East–West office its
paired regions and their parents, a county leader its county, the regions above it and the peers it is
compared with), or with ``within="records"`` only under the caller's own regions (and, for pairings, the
pairings of the regions above them: a county's province-level pair is its own). The read services
(data/read/collaboration.py) build the ledgers on these frames; which pairing a row belongs to is
:func:`data.store.membership.covering_pairings`.
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

from data.definitions import codes, contract
from data.definitions.access import Access, check
from data.store import records
from data.store.membership import same_region_name
from data.store.schema import data_tables, regions
from data.store.storage import Storage

TABLES = ("collaboration", "collaboration_targets", "targeted_assistance", "pairings")
REGION_COLUMN = {"collaboration": "west_code", "collaboration_targets": "west_code",
                 "targeted_assistance": "county_code", "pairings": "west_code"}
WITHIN = ("figures", "records")


def frame(storage: Storage, access: Access, table: str, west: str | None = None, east: str | None = None,
          years: Iterable[int] | None = None, within: str = "figures") -> pd.DataFrame:
    """The rows of ``table`` (one of :data:`TABLES`) the caller may read, in contract columns and key order.

    ``west``: a region code (any length the codes module reads) — the rows of that region and below it, and for
    pairings also those naming one of its ancestors (its province's pair covers it); the region itself must be
    readable (``NotFound`` / ``OutOfScope`` otherwise). ``east``: an eastern region as the rows write it (a name
    or a code; compared after NFKC and stripping). ``years``: the rows of those years (pairings: in force in
    one of them). ``within``: ``figures`` (default) or ``records`` (see the module)."""
    check(access)
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; one of {', '.join(TABLES)}")
    if within not in WITHIN:
        raise ValueError(f"within must be one of {', '.join(WITHIN)}")
    spec = contract.TABLES[table]
    stored = data_tables[table]
    column = REGION_COLUMN[table]
    layers = [f"{layer}_code" for layer in codes.LEVELS]
    query = (sa.select(*[stored.c[c.name] for c in spec.all_columns], *[regions.c[layer] for layer in layers])
             .join(regions, regions.c.code == stored.c[column])
             .order_by(*[stored.c[k] for k in spec.key]))
    place = None
    if west is not None:
        place = storage.region(access, west, figures_only=within == "figures")
        prefix = records.region_prefix(place)
        condition = stored.c[column].startswith(prefix)
        if table == "pairings":
            condition = sa.or_(condition, stored.c[column].in_(list(place["ancestors"].values())))
        query = query.where(condition)
    wanted = sorted({int(y) for y in years}) if years is not None else None
    if wanted is not None and table != "pairings":
        query = query.where(stored.c.year.in_(wanted))
    names = [c.name for c in spec.all_columns]
    with storage.engine.connect() as connection:
        rows = connection.execute(query).all()
    scope = access.figures if within == "figures" else access.records
    kept = []
    for row in rows:
        values, ancestors = row[:len(names)], dict(zip(codes.LEVELS, row[len(names):]))
        code = values[names.index(column)]
        if not (scope.allows_figures(code, ancestors) if within == "figures" else
                scope.allows(ancestors) or (table == "pairings" and code in scope.above)):
            continue
        if east is not None and not same_region_name(values[names.index("east_region")], east):
            continue
        if wanted is not None and table == "pairings":
            start, end = values[names.index("start_year")], values[names.index("end_year")]
            if not (start <= wanted[-1] and (end is None or end >= wanted[0])):
                continue
        kept.append(values)
    return records.normalise(table, pd.DataFrame(kept, columns=names)).reset_index(drop=True)


def completion(collaboration: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Targets against results: one row per target (east_region, west_code, year, indicator, target) with
    ``result`` (the collaboration row's value of the indicator; missing when the row or the value is) and
    ``completion`` (result ÷ target × 100; missing when either is missing or the target is 0)."""
    if targets.empty:
        return targets.assign(result=pd.Series(dtype="Int64"), completion=pd.Series(dtype="Float64"))
    keys = ["east_region", "west_code", "year"]
    long = collaboration.melt(id_vars=keys, value_vars=list(contract.COLLABORATION_QUANTITIES),
                              var_name="indicator", value_name="result") if not collaboration.empty else \
        pd.DataFrame(columns=[*keys, "indicator", "result"])
    long = long.astype({"east_region": "string", "west_code": "string", "year": "Int64", "indicator": "string"})
    merged = targets.merge(long, on=[*keys, "indicator"], how="left")
    result = pd.to_numeric(merged["result"]).astype("Float64")
    target = pd.to_numeric(merged["target"]).astype("Float64")
    merged["result"] = result.round().astype("Int64")
    merged["completion"] = (100 * result / target.where(target != 0)).round(1)
    return merged
