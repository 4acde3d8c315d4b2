"""Regions, boundaries, national boundary lines and metadata.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LAYERS = ("province", "city", "county", "township", "village")


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("code", sa.String(12), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("parent_code", sa.String(12), sa.ForeignKey("regions.code"), nullable=True),
        sa.Column("national_key_county", sa.Boolean, nullable=False),
        sa.Column("provincial_key_county", sa.Boolean, nullable=False),
        sa.Column("former_poverty_county", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(120), nullable=False),
        sa.Column("flag_source", sa.String(200), nullable=True),
        *[sa.Column(f"{layer}_code", sa.String(12), nullable=True) for layer in LAYERS],
    )
    for layer in LAYERS:
        op.create_index(f"ix_regions_{layer}_code", "regions", [f"{layer}_code"])
    op.create_index("ix_regions_parent", "regions", ["parent_code"])
    op.create_index("ix_regions_level", "regions", ["level"])
    op.create_table(
        "boundaries",
        sa.Column("code", sa.String(12), sa.ForeignKey("regions.code", ondelete="CASCADE"), primary_key=True),
        sa.Column("layer", sa.String(10), primary_key=True),
        sa.Column("source", sa.String(120), nullable=False),
        sa.Column("illustrative", sa.Boolean, nullable=False),
        sa.Column("geometry_fine", sa.Text, nullable=False),
        sa.Column("geometry_coarse", sa.Text, nullable=True),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
    )
    op.create_table(
        "boundary_lines",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("source", sa.String(120), nullable=False),
        sa.Column("geometry", sa.Text, nullable=False),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("meta")
    op.drop_table("boundary_lines")
    op.drop_table("boundaries")
    for layer in LAYERS:
        op.drop_index(f"ix_regions_{layer}_code", "regions")
    op.drop_index("ix_regions_level", "regions")
    op.drop_index("ix_regions_parent", "regions")
    op.drop_table("regions")
