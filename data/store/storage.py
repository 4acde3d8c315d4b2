"""Storage: the engine, schema migrations, and every query the app makes of regions and boundaries.

SQLite (the embedded default, a file under ``instance/``) and PostgreSQL run the same code. Every
read and write of regions takes the caller's :class:`~data.definitions.access.Access` as its first
argument, so that a region outside the caller's scope is refused here, in the data layer, not in the UI.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.engine import Engine

from data.definitions import codes
from data.definitions.access import Access, OutOfScope, check
from data.store.schema import (
    LAYERS,
    boundaries,
    boundary_lines,
    cube,
    events,
    meta,
    regions,
    thresholds,
)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
INSERT_CHUNK = 2000
SQLITE_BUSY_SECONDS = 15  # a write waits this long for SQLite's one write lock (an import's apply is shorter)
REGION_FIELDS = ("code", "name", "level", "parent_code", "national_key_county", "provincial_key_county",
                 "former_poverty_county", "source", "flag_source", "urban_rural")


class NotFound(LookupError):
    """A region (or other key) that does not exist."""


class InvalidLevel(ValueError):
    """A level name that is not a layer, or a layer that does not lie below the parent asked for."""


def make_engine(url: str) -> Engine:
    """An engine for a database URL. Every pool tests a connection before lending it (one dropped by a
    database restart is replaced, not handed to a request). SQLite gets a parent folder, foreign keys, the
    write-ahead log (readers and the one writer do not block each other) and a wait of
    ``SQLITE_BUSY_SECONDS`` for the write lock instead of failing with "database is locked"."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            cursor.close()
    return engine


@contextmanager
def writing(engine: Engine) -> Iterator[sa.Connection]:
    """A transaction that holds the write lock from its first statement (SQLite: ``BEGIN IMMEDIATE``, waiting
    for the lock up to the busy timeout), so that what it reads first cannot change before it writes.
    Committed at the end of the block, rolled back on an error; keep it short (other writers wait)."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield connection


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


class Storage:
    """Reads and writes of the region hierarchy and its boundaries."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def snapshot(self) -> "Snapshot":
        """The storage as one request sees it (see :class:`Snapshot`)."""
        return Snapshot(self.engine)

    # -- writing ---------------------------------------------------------------------------------
    def replace_regions(self, access: Access, records: Iterable[dict], outlines: Iterable[dict],
                        lines: Iterable[dict], facts: dict[str, str]) -> None:
        """Replace the whole hierarchy, its outlines and boundary lines in one transaction (administrators)."""
        check(access).require("admin")
        records, outlines, lines = _region_rows(records), list(outlines), list(lines)
        records.sort(key=lambda r: LAYERS.index(r["level"]))  # parents before children
        with self.engine.begin() as connection:
            for table in (cube, thresholds, events, boundary_lines, boundaries):
                connection.execute(table.delete())
            connection.execute(regions.update().values(parent_code=None))
            connection.execute(regions.delete())
            for table, rows in ((regions, records), (boundaries, outlines), (boundary_lines, lines)):
                for start in range(0, len(rows), INSERT_CHUNK):
                    connection.execute(table.insert(), rows[start:start + INSERT_CHUNK])
            version = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:12]
            self._put_meta(connection, {**facts, "data_version": version})

    def replace_subdivisions(self, access: Access, county_codes: list[str], records: list[dict],
                             outlines: list[dict]) -> None:
        """Replace every township and village of ``county_codes`` by ``records`` in one transaction
        (administrators). A unit kept (its code in ``records``) is updated in place — name, level, parent, source
        and ancestors; its flags, urban-rural code and the records pointing to it stay — new ones are added, the
        others removed (records still pointing to one make the transaction fail: check first)."""
        check(access).require("admin")
        with self.engine.begin() as connection:
            below = sa.and_(regions.c.county_code.in_(county_codes), regions.c.level.in_(("township", "village")))
            stored = set(connection.execute(sa.select(regions.c.code).where(below)).scalars())
            rows = sorted(_region_rows(records), key=lambda r: LAYERS.index(r["level"]))
            connection.execute(boundaries.delete().where(boundaries.c.code.in_(sa.select(regions.c.code).where(below))))
            new = [r for r in rows if r["code"] not in stored]
            for start in range(0, len(new), INSERT_CHUNK):
                connection.execute(regions.insert(), new[start:start + INSERT_CHUNK])
            kept = [r for r in rows if r["code"] in stored]
            columns = ("name", "level", "parent_code", "source", *[f"{layer}_code" for layer in LAYERS])
            if kept:
                connection.execute(regions.update().where(regions.c.code == sa.bindparam("k_code")).values(
                    {c: sa.bindparam(f"v_{c}") for c in columns}),
                    [{"k_code": r["code"], **{f"v_{c}": r.get(c) for c in columns}} for r in kept])
            gone = sorted(stored - {r["code"] for r in rows})
            for start in range(0, len(gone), INSERT_CHUNK):
                connection.execute(regions.update().where(regions.c.code.in_(gone[start:start + INSERT_CHUNK]))
                                   .values(parent_code=None))
            for start in range(0, len(gone), INSERT_CHUNK):
                connection.execute(regions.delete().where(regions.c.code.in_(gone[start:start + INSERT_CHUNK])))
            for start in range(0, len(outlines), INSERT_CHUNK):
                connection.execute(boundaries.insert(), outlines[start:start + INSERT_CHUNK])
            previous = connection.execute(sa.select(meta.c.value).where(meta.c.key == "data_version")).scalar() or ""
            stamp = hashlib.sha256(f"{previous}{sorted(county_codes)}{len(records)}".encode()).hexdigest()[:12]
            self._put_meta(connection, {"data_version": stamp})

    # -- code lists (geo/codelist.py) ---------------------------------------------------------------
    def subdivisions(self, access: Access, county_codes: list[str]) -> list[dict]:
        """Every township and village of ``county_codes`` (administrators), each a region dict with its own
        layer's outline: ``outline`` (GeoJSON text, None if it has none) and ``outline_illustrative``."""
        check(access).require("admin")
        query = (sa.select(regions, boundaries.c.geometry_fine, boundaries.c.illustrative)
                 .outerjoin(boundaries, sa.and_(boundaries.c.code == regions.c.code, boundaries.c.layer == regions.c.level))
                 .where(regions.c.county_code.in_(sorted(county_codes)), regions.c.level.in_(("township", "village")))
                 .order_by(regions.c.code))
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [{**_region_dict(r), "outline": r["geometry_fine"], "outline_illustrative": bool(r["illustrative"])}
                for r in rows]

    def outline_of(self, access: Access, code: str, layer: str) -> str | None:
        """The fine outline (GeoJSON text) of ``code`` on ``layer``, None if it has none."""
        self.region(access, code)
        with self.engine.connect() as connection:
            return connection.execute(sa.select(boundaries.c.geometry_fine).where(
                boundaries.c.code == code, boundaries.c.layer == check_layer(layer))).scalar()

    def references(self, access: Access, codes_wanted: list[str]) -> dict[str, dict[str, int]]:
        """code → {"table.column": records} for the records of every table that point to one of ``codes_wanted``
        (the foreign keys to ``regions.code``: households.village_code, projects.village_code, teams, events …)."""
        check(access).require("admin")
        found: dict[str, dict[str, int]] = {}
        if not codes_wanted:
            return found
        with self.engine.connect() as connection:
            for table, column in region_references():
                c = table.c[column]
                for start in range(0, len(codes_wanted), 5000):
                    batch = sorted(codes_wanted)[start:start + 5000]
                    for code, count in connection.execute(
                            sa.select(c, sa.func.count()).where(c.in_(batch)).group_by(c)).all():
                        found.setdefault(code, {})[f"{table.name}.{column}"] = count
        return found

    def moved_keys(self, access: Access, moves: dict[str, str]) -> dict[str, list[tuple]]:
        """Where moving records by ``moves`` (old code → new code) would give two rows one key (a table whose
        key holds its region column: teams' village_code and year): table → the keys held twice."""
        check(access).require("admin")
        clashes: dict[str, list[tuple]] = {}
        if not moves:
            return clashes
        with self.engine.connect() as connection:
            for table, column in region_references():
                key = [c.name for c in table.primary_key.columns]
                if column not in key:
                    continue
                touched = sorted(set(moves) | set(moves.values()))
                rows = connection.execute(sa.select(*[table.c[k] for k in key]).where(table.c[column].in_(touched))).all()
                seen, twice = set(), []
                for row in rows:
                    moved = tuple(moves.get(v, v) if k == column else v for k, v in zip(key, row))
                    if moved in seen:
                        twice.append(moved)
                    seen.add(moved)
                if twice:
                    clashes[table.name] = sorted(twice, key=str)
        return clashes

    def change_subdivisions(self, access: Access, connection, added: list[dict], updated: list[dict],
                            outlines: list[dict], removed: list[str], moves: dict[str, str]) -> dict[str, int]:
        """Inside the caller's write transaction (administrators): add region rows (``added``), change the
        names, flags and urban-rural codes of stored ones (``updated``: full rows of REGION_UPDATES, by code),
        store ``outlines`` (replacing the code's outline on that layer), move the records pointing to the old
        codes of ``moves`` to the new ones, then remove the ``removed`` units (their outlines and cube rows go
        with them). Returns the records moved per ``table.column``."""
        check(access).require("admin")
        for start in range(0, len(added), INSERT_CHUNK):
            connection.execute(regions.insert(), sorted(_region_rows(added), key=lambda r: LAYERS.index(r["level"]))
                               [start:start + INSERT_CHUNK])
        if updated:
            connection.execute(regions.update().where(regions.c.code == sa.bindparam("k_code")).values(
                {c: sa.bindparam(f"v_{c}") for c in REGION_UPDATES}),
                [{"k_code": r["code"], **{f"v_{c}": r[c] for c in REGION_UPDATES}} for r in updated])
        for row in outlines:
            connection.execute(boundaries.delete().where(boundaries.c.code == row["code"],
                                                         boundaries.c.layer == row["layer"]))
        for start in range(0, len(outlines), INSERT_CHUNK):
            connection.execute(boundaries.insert(), outlines[start:start + INSERT_CHUNK])
        moved: dict[str, int] = {}
        for table, column in region_references():
            for old, new in sorted(moves.items()):
                count = connection.execute(table.update().where(table.c[column] == old).values({column: new})).rowcount
                if count:
                    moved[f"{table.name}.{column}"] = moved.get(f"{table.name}.{column}", 0) + count
        for start in range(0, len(removed), INSERT_CHUNK):
            batch = removed[start:start + INSERT_CHUNK]
            connection.execute(boundaries.delete().where(boundaries.c.code.in_(batch)))
            connection.execute(cube.delete().where(cube.c.region_code.in_(batch)))
            connection.execute(regions.update().where(regions.c.code.in_(batch)).values(parent_code=None))
        for start in range(0, len(removed), INSERT_CHUNK):
            connection.execute(regions.delete().where(regions.c.code.in_(removed[start:start + INSERT_CHUNK])))
        if not (added or updated or outlines or removed or moves):
            return moved
        previous = connection.execute(sa.select(meta.c.value).where(meta.c.key == "data_version")).scalar() or ""
        stamp = hashlib.sha256(f"{previous}code-list{len(added)}{len(updated)}{len(outlines)}{removed}{sorted(moves.items())}"
                               .encode()).hexdigest()[:12]
        self._put_meta(connection, {"data_version": stamp})
        return moved

    def put_facts(self, connection, values: dict[str, str]) -> None:
        """Record facts about the loaded data, inside the caller's transaction."""
        self._put_meta(connection, values)

    def _put_meta(self, connection, values: dict[str, str]) -> None:
        connection.execute(meta.delete().where(meta.c.key.in_(list(values))))
        connection.execute(meta.insert(), [{"key": k, "value": str(v)} for k, v in values.items()])

    # -- reading ---------------------------------------------------------------------------------
    def is_loaded(self) -> bool:
        inspector = sa.inspect(self.engine)
        if not inspector.has_table("regions"):
            return False
        with self.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(regions)).scalar_one() > 0

    def facts(self) -> dict[str, str]:
        with self.engine.connect() as connection:
            return dict(connection.execute(sa.select(meta.c.key, meta.c.value)).all())

    def data_version(self) -> str:
        return self.facts().get("data_version", "empty")

    def region(self, access: Access, code: str, figures_only: bool = False) -> dict:
        """One region by full code or significant prefix: :class:`NotFound` if absent, :class:`OutOfScope` if
        outside the caller's records (``figures_only``: outside the regions whose figures they may read)."""
        row = self._row(code)
        scope = check(access).scope
        allowed = scope.allows_figures(row["code"], _ancestors(row)) if figures_only else scope.allows(_ancestors(row))
        if not allowed:
            raise OutOfScope(row["code"])
        return _region_dict(row)

    def _row(self, code: str):
        full = codes.normalize(code)
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(regions).where(regions.c.code == full)).mappings().first()
        if row is None:
            raise NotFound(f"没有这个区划 / no such region: {code}")
        return row

    def _rows(self, codes_wanted: list[str]) -> list:
        if not codes_wanted:
            return []
        with self.engine.connect() as connection:
            return connection.execute(sa.select(regions).where(regions.c.code.in_(codes_wanted))).mappings().all()

    def lineage(self, access: Access, code: str) -> list[dict]:
        """The region and its parents, from the province down (for the breadcrumb); each says whether it is
        ``in_scope`` (the parents of a county leader's county are named but not opened)."""
        region = self.region(access, code)
        above = [c for layer, c in region["ancestors"].items() if c != region["code"]]
        chain = [_region_dict(row) for row in self._rows(above)] + [region]
        chain.sort(key=lambda r: LAYERS.index(r["level"]))
        for region in chain:
            region["in_scope"] = access.scope.allows(region["ancestors"])
        return chain

    def regions(self, access: Access, level: str | None = None, parent: str | None = None) -> list[dict]:
        """Regions filling ``level`` (every level if None) under ``parent`` (direct children if no level).

        Raises :class:`NotFound` for an unknown parent and ``ValueError`` for an unknown level.
        """
        query = self._listing(check(access), sa.select(regions).order_by(regions.c.code), level, parent)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [_region_dict(r) for r in rows if access.scope.allows(_ancestors(r))]

    def _listing(self, access: Access, query, level: str | None, parent: str | None):
        """``query`` limited to the regions filling ``level`` under ``parent`` (its children if no level)."""
        if level is not None:
            query = query.where(_layer_column(level) == regions.c.code)
        if parent is not None:
            parent_row = self.listed_parent(access, parent)
            query = query.where(regions.c.parent_code == parent_row["code"] if level is None
                                else _under(parent_row, level))
        return query

    def listed_parent(self, access: Access, parent: str) -> dict:
        """The parent whose units are listed: within the scope, or above it (then only the units within the
        scope are listed, by the caller's filter); :class:`OutOfScope` otherwise."""
        try:
            return self.region(access, parent)
        except OutOfScope as refused:
            if refused.code not in access.scope.above:
                raise
            return _region_dict(self._row(parent))

    def units(self, access: Access, level: str | None = None, parent: str | None = None) -> list[tuple[str, str, str]]:
        """(code, name, level) of what :meth:`regions` lists, without the rest (fast for whole layers)."""
        query = self._listing(check(access), sa.select(regions.c.code, regions.c.name, regions.c.level,
                                        *[regions.c[f"{layer}_code"] for layer in LAYERS]).order_by(regions.c.code),
                              level, parent)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [(r[0], r[1], r[2]) for r in rows if access.scope.allows(dict(zip(LAYERS, r[3:])))]

    def outlines(self, access: Access, layer: str, parent: str | None = None,
                 fine: bool = True, flagged: bool = False) -> list[tuple]:
        """(code, name, GeoJSON geometry) of the units on ``layer`` under ``parent`` (all if None); ``flagged``:
        (code, name, geometry, illustrative), the last true for an illustrative outline (drawn, not surveyed)."""
        check(access)
        geometry = boundaries.c.geometry_fine if fine else sa.func.coalesce(
            boundaries.c.geometry_coarse, boundaries.c.geometry_fine)
        query = (sa.select(regions, geometry.label("geometry"), boundaries.c.illustrative.label("outline_illustrative"))
                 .join(boundaries, boundaries.c.code == regions.c.code)
                 .where(boundaries.c.layer == check_layer(layer))
                 .order_by(regions.c.code))
        if parent is not None:
            query = query.where(_under(self.listed_parent(access, parent), layer))
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [(r["code"], r["name"], r["geometry"], *((bool(r["outline_illustrative"]),) if flagged else ()))
                for r in rows if access.scope.allows(_ancestors(r))]

    def regions_by_codes(self, access: Access, codes_wanted: list[str]) -> list[dict]:
        """The regions with these 12-digit codes, in the order given (unknown codes left out)."""
        scope = check(access).scope
        found = {r["code"]: _region_dict(r) for r in self._rows(codes_wanted) if scope.allows(_ancestors(r))}
        return [found[code] for code in codes_wanted if code in found]

    def with_ancestors(self, access: Access, codes_wanted: list[str]) -> set[str]:
        """The codes given that the caller may see and every ancestor of theirs, in one query."""
        scope = check(access).scope
        columns = [regions.c[f"{layer}_code"] for layer in LAYERS]
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(*columns).where(regions.c.code.in_(codes_wanted))).all()
        return {code for row in rows if scope.allows(dict(zip(LAYERS, row))) for code in row if code}

    def boundary_lines(self) -> list[tuple[str, str]]:
        with self.engine.connect() as connection:
            return [tuple(r) for r in connection.execute(
                sa.select(boundary_lines.c.name, boundary_lines.c.geometry).order_by(boundary_lines.c.id))]

    def counts_by_level(self, access: Access) -> dict[str, int]:
        """How many regions of each level (the whole hierarchy: administrators)."""
        check(access).require("admin")
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(regions.c.level, sa.func.count()).group_by(regions.c.level)).all()
        return {level: count for level, count in rows}

    # -- comparison figures (issue 17): what the caller's figures reach beyond the records -------------
    def figure_units(self, access: Access, level: str | None = None,
                     parent: str | None = None) -> list[tuple[str, str, str]]:
        """(code, name, level) of the units on ``level`` under ``parent`` (listed as for :meth:`units`)
        whose aggregate figures the caller may read (``access.figures``: also the regions they are
        compared with, see data/definitions/access.Scope.compares); never records."""
        figures = check(access).figures
        query = self._listing(access, sa.select(regions.c.code, regions.c.name, regions.c.level,
                                                *[regions.c[f"{layer}_code"] for layer in LAYERS])
                              .order_by(regions.c.code), level, parent)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [(r[0], r[1], r[2]) for r in rows if figures.allows_figures(r[0], dict(zip(LAYERS, r[3:])))]


# What a code list changes of a stored region (geo/codelist.py); the rest of the row stays.
REGION_UPDATES = ("name", "national_key_county", "provincial_key_county", "former_poverty_county", "flag_source",
                  "urban_rural")


def region_references() -> list[tuple[sa.Table, str]]:
    """(table, column) of every record column that names a region (a foreign key to ``regions.code``), outside
    the hierarchy itself (regions' parents, boundaries)."""
    from data.store.schema import metadata

    return [(table, column.name) for table in metadata.sorted_tables if table.name not in ("regions", "boundaries")
            for column in table.columns for key in column.foreign_keys if key.target_fullname == "regions.code"]


def _region_rows(records: Iterable[dict]) -> list[dict]:
    """Region rows with every optional column present (one executemany: a key missing in the first row would
    drop the column's values of the others)."""
    optional = {"flag_source": None, "urban_rural": None}
    return [{**optional, **record} for record in records]


def check_layer(layer: str) -> str:
    if layer not in LAYERS:
        raise InvalidLevel(f"未知级别 / unknown level {layer!r}; one of {', '.join(LAYERS)}")
    return layer


def _under(parent: dict, layer: str):
    """The condition "fills ``layer`` and lies within ``parent``"; the layer must be below the parent's level."""
    if LAYERS.index(check_layer(layer)) <= LAYERS.index(parent["level"]):
        raise InvalidLevel(f"级别须低于上级区划 / level {layer!r} is not below {parent['level']} {parent['code']}")
    return _layer_column(parent["layers"][-1]) == parent["code"]


def _layer_column(layer: str) -> sa.Column:
    return regions.c[f"{check_layer(layer)}_code"]


def _ancestors(row) -> dict[str, str | None]:
    return {layer: row[f"{layer}_code"] for layer in LAYERS}


def _region_dict(row) -> dict:
    record = {field: row[field] for field in REGION_FIELDS}
    record["ancestors"] = {layer: row[f"{layer}_code"] for layer in LAYERS if row[f"{layer}_code"]}
    # The layers the region fills, top down: its own level, and lower ones where it has no children there.
    record["layers"] = [layer for layer in LAYERS if row[f"{layer}_code"] == row["code"]]
    record["illustrative"] = row["source"] == "illustrative"
    return record


class Snapshot(Storage):
    """The storage as one request sees it: the facts (data version, cube layout) are read once and each
    region row once, however many services ask. Made per request by the web layer; never kept longer."""

    def __init__(self, engine: Engine):
        super().__init__(engine)
        self._facts: dict[str, str] | None = None
        self._found: dict[str, object] = {}

    def snapshot(self) -> "Snapshot":
        return self

    def facts(self) -> dict[str, str]:
        if self._facts is None:
            self._facts = super().facts()
        return self._facts

    def _row(self, code: str):
        full = codes.normalize(code)
        if full not in self._found:
            self._found[full] = super()._row(code)
        return self._found[full]

    def _rows(self, codes_wanted: list[str]) -> list:
        missing = [c for c in codes_wanted if c not in self._found]
        for row in super()._rows(missing):
            self._found[row["code"]] = row
        return [self._found[c] for c in codes_wanted if c in self._found]

