"""Reading and writing the interchange tables as DataFrames in contract columns.

``protect`` is the one place personal values are masked and hashed before storage, for generated and
imported data alike; ``read_table`` is what exports and pages read, so nothing whole can leave.
:func:`listing` is how a page lists records for a caller: within their scope, and for household tables
only as their role allows (everything, the households of the fixed sample, or nothing). :func:`visible`
applies that rule (:meth:`Access.shown <data.definitions.access.Access.shown>`) to rows already read:
every household row that leaves the data layer passes one of the two.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from data.definitions import contract, personal
from data.definitions.access import Access, OutOfScope, check
from data.definitions.codes import NATION, significant
from data.store import audit
from data.store.schema import data_tables, regions


def stored_table(name: str) -> sa.Table:
    """Where an interchange table is stored (the regions spec lives in ``regions``)."""
    return regions if name == "regions" else data_tables[name]

INSERT_CHUNK = 20_000
LOOKUP_BATCH = 5000


def protect(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Mask names and ID numbers (keeping a keyed hash of full ID numbers), and any ID or phone number
    written in a free-text column; already masked values pass."""
    frame = frame.copy()
    for column in contract.spec_of(table).columns:
        if column.kind == "str" and not column.personal and column.name in frame and not _is_code(column.name):
            frame[column.name] = frame[column.name].map(personal.scrub)
    if table == "households":
        numbers = frame["head_id_number"].astype(str)
        full = numbers.map(personal.valid_id_number)
        hashes = frame["head_id_hash"] if "head_id_hash" in frame else pd.Series(None, index=frame.index, dtype=object)
        frame["head_id_hash"] = np.where(full, numbers.map(personal.hash_id), hashes)
        frame["head_id_number"] = np.where(full, numbers.map(personal.mask_id), numbers)
        frame["head_name"] = frame["head_name"].astype(str).map(personal.mask_name)
    if table == "teams":
        frame["first_secretary"] = frame["first_secretary"].astype(str).map(personal.mask_name)
    return frame


def _is_code(column: str) -> bool:
    return column.endswith(("_id", "_code")) or column == "code"


def to_rows(table: str, frame: pd.DataFrame) -> list[dict]:
    """Plain Python rows (None for missing) in the stored columns of ``table``."""
    columns = [c.name for c in contract.spec_of(table).all_columns]
    frame = frame.reindex(columns=columns).astype(object)
    frame = frame.where(pd.notna(frame), None)
    return frame.to_dict("records")


def insert(connection, table: str, frame: pd.DataFrame) -> int:
    """Bulk insert of a contract table's rows (see :func:`insert_tuples`)."""
    columns = [c.name for c in contract.spec_of(table).all_columns]
    frame = frame.reindex(columns=columns)
    for start in range(0, len(frame), INSERT_CHUNK):
        chunk = frame.iloc[start:start + INSERT_CHUNK].astype(object)
        chunk = chunk.where(pd.notna(chunk), None)
        insert_tuples(connection, table, columns, list(chunk.itertuples(index=False, name=None)))
    return len(frame)


def insert_tuples(connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    """Insert tuples through the driver's executemany (no per-row dicts): ~3× faster for millions."""
    quote = connection.dialect.identifier_preparer.quote
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join([marker] * len(columns))})")
    for start in range(0, len(rows), INSERT_CHUNK):
        connection.exec_driver_sql(sql, rows[start:start + INSERT_CHUNK])


def lookup(connection, table: sa.Table, column: str, values, extra=()) -> dict:
    """{value: row} for the rows of ``table`` whose ``column`` is in ``values`` (batched IN lists)."""
    found = {}
    values = sorted({v for v in values if v is not None and not (isinstance(v, float) and pd.isna(v))})
    for start in range(0, len(values), LOOKUP_BATCH):
        batch = values[start:start + LOOKUP_BATCH]
        query = sa.select(table.c[column], *[table.c[c] for c in extra]).where(table.c[column].in_(batch))
        for row in connection.execute(query):
            found[row[0]] = row
    return found


def read_table(engine, access: Access, table: str) -> pd.DataFrame:
    """A whole table in contract order, sorted by its key (the same bytes for the same data); the whole
    country's records, so only for a caller who sees everything, and of a household table only the rows
    of the households the caller may see (:func:`visible`)."""
    _check_prefix(access, None)
    spec = contract.spec_of(table)
    stored = stored_table(table)
    query = sa.select(*[stored.c[c.name] for c in spec.all_columns]).order_by(*[stored.c[k] for k in spec.key])
    with engine.connect() as connection:
        frame = pd.DataFrame(connection.execute(query).all(), columns=[c.name for c in spec.all_columns])
    if table in HOUSEHOLD_TABLES:
        frame, _ = visible(access, frame)
    return normalise(table, frame)


HOUSEHOLD_TABLES = tuple(name for name, spec in contract.TABLES.items()
                         if any(c.name == "household_id" for c in spec.columns))


def normalise(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Contract types: strings, nullable integers, booleans, ISO dates; the same from any backend."""
    spec = contract.spec_of(table)
    out = pd.DataFrame(index=frame.index)
    for column in [c for c in spec.all_columns if c.name in frame or c in spec.columns]:  # extras when present
        values = frame[column.name] if column.name in frame else pd.Series(None, index=frame.index, dtype=object)
        if column.kind in ("int", "money", "year"):
            out[column.name] = pd.array(pd.to_numeric(values), dtype="Int64")
        elif column.kind == "bool":
            out[column.name] = values.astype("boolean")
        elif column.kind == "date":
            out[column.name] = pd.to_datetime(values).dt.strftime("%Y-%m-%d").astype("string")
        else:
            out[column.name] = values.astype("string")
    return out


# Where a row of each table lies: its own region column; the other tables through their household's village.
REGION_COLUMNS = {"projects": "county_code", "funds": "county_code", "collaboration": "west_code",
                  "teams": "village_code", "households": "village_code",
                  "thresholds": "province_code", "events": "region_code",
                  "pairings": "west_code", "collaboration_targets": "west_code", "targeted_assistance": "county_code"}


def region_filter(table: str, prefix: str | None):
    """The condition "belongs to the region with this code prefix", joining households where needed: a range
    of codes (``code >= p AND code < p'``, p' the prefix with its last digit raised), which an index of the
    column serves (SQLite serves no LIKE by an index)."""
    stored = data_tables[table]
    if not prefix:
        return stored, sa.true()

    def starts(column, start: str):
        return sa.and_(column >= start, column < start[:-1] + chr(ord(start[-1]) + 1))
    column = REGION_COLUMNS.get(table)
    if table == "projects" and len(prefix) > 6:  # below a county: the projects placed in its villages
        column = "village_code"
    if table == "thresholds":  # the lines in force in a region: its province's
        return stored, starts(stored.c.province_code, prefix[:2])
    if column:
        return stored, starts(stored.c[column], prefix)
    households = data_tables["households"]
    joined = stored.join(households, stored.c.household_id == households.c.household_id)
    return joined, starts(households.c.village_code, prefix)


def _check_prefix(access: Access, prefix: str | None) -> None:
    if not check(access).records.allows_prefix(prefix):
        raise OutOfScope(prefix or NATION)


def count_rows(engine, access: Access, prefix: str | None, tables=contract.LOAD_ORDER) -> dict[str, int]:
    """Rows of each table within the region (every table unless named; one query each)."""
    _check_prefix(access, prefix)
    counts = {}
    with engine.connect() as connection:
        for table in tables:
            source, condition = region_filter(table, prefix)
            counts[table] = connection.execute(
                sa.select(sa.func.count()).select_from(source).where(condition)).scalar_one()
    return counts


def preview(engine, access: Access, table: str, prefix: str | None, limit: int | None = 50,
            households_in: list[str] | None = None) -> pd.DataFrame:
    """The first rows (in key order) of a table within the region, as stored: personal data masked; with
    ``households_in``, only the rows of those households."""
    _check_prefix(access, prefix)
    spec = contract.TABLES[table]
    stored = data_tables[table]
    source, condition = region_filter(table, prefix)
    if households_in is not None:
        condition = sa.and_(condition, stored.c.household_id.in_(households_in))
    query = (sa.select(*[stored.c[c.name] for c in spec.columns]).select_from(source).where(condition)
             .order_by(*[stored.c[k] for k in spec.key]).limit(limit))
    with engine.connect() as connection:
        frame = pd.DataFrame(connection.execute(query).all(), columns=[c.name for c in spec.columns])
    return normalise(table, frame)


@dataclass
class Listing:
    frame: pd.DataFrame  # the rows shown (empty when hidden)
    total: int  # rows of the table within the region
    mode: str  # first (the first rows), sample (the first rows of the fixed sample's households) or hidden


def visible(access: Access, rows: pd.DataFrame, column: str | None = "household_id") -> tuple[pd.DataFrame, str]:
    """The rows whose household (``column``; None: the index) the caller may see, and the mode: full,
    sample (the households of the fixed sample) or hidden. The one rule: :meth:`Access.shown`."""
    mode = check(access).household_mode
    if mode == "full":
        return rows, mode
    households = rows.index if column is None else rows[column]
    return rows[np.array(access.shown(households), dtype=bool)], mode


def _first_shown(connection, access: Access, table: str, prefix: str | None, households: int) -> list[str]:
    """The first ``households`` households (by id) with rows in ``table`` within the region that the
    caller may see, read in batches until found."""
    stored = data_tables[table]
    source, condition = region_filter(table, prefix)
    query = (sa.select(stored.c.household_id).select_from(source).where(condition).distinct()
             .order_by(stored.c.household_id))
    chosen: list[str] = []
    for batch in connection.execution_options(stream_results=True, yield_per=LOOKUP_BATCH).execute(query).partitions():
        ids = [h for (h,) in batch]
        chosen += [h for h, shown in zip(ids, access.shown(ids)) if shown]
        if len(chosen) >= households:
            break
    return chosen[:households]


def region_prefix(region: dict) -> str:
    """The significant code prefix of a region's records (a region dict from data/storage.py)."""
    return significant(region["code"], region["level"])


def listing(storage, access: Access, table: str, region: str | None, limit: int = 50) -> Listing:
    """Rows of ``table`` within ``region`` (the whole country: None) for a caller's :class:`~data.accounts.Access`.

    The region is resolved within the caller's scope (``OutOfScope`` otherwise; the whole country only for
    a caller who sees it). Household tables follow the role: ``full`` lists the first rows, ``sample`` the
    first rows of the fixed sample's households (the same households whatever region is asked), ``none``
    nothing; ``total`` counts every row. The view is audited."""
    place = None if region is None else storage.region(access, region)
    prefix = None if place is None else region_prefix(place)
    total = count_rows(storage.engine, access, prefix, (table,))[table]
    if table not in HOUSEHOLD_TABLES or access.households == "full":
        shown = Listing(preview(storage.engine, access, table, prefix, limit), total, "first")
    elif access.households == "none":
        shown = Listing(preview(storage.engine, access, table, prefix, 0), total, "hidden")
    else:
        with storage.engine.connect() as connection:
            chosen = _first_shown(connection, access, table, prefix, limit)  # each has at least one row
        shown = Listing(preview(storage.engine, access, table, prefix, limit, households_in=chosen), total, "sample")
    if table in HOUSEHOLD_TABLES:
        audit.record_for(storage.engine, access, "view_households", "ok" if shown.mode != "hidden" else "refused",
                         region=place and place["code"], detail=f"{table}: {shown.mode} {len(shown.frame)} of {shown.total} rows")
    return shown
