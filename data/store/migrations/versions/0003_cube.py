"""The metric cube and the provinces' monitoring thresholds.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cube",
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("county_code", sa.String(length=12), nullable=True),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("distributions", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("region_code", "period"),
    )
    op.create_index("ix_cube_county_code", "cube", ["county_code"])
    op.create_index("ix_cube_period_level", "cube", ["period", "level"])
    op.create_table(
        "thresholds",
        sa.Column("province_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("yuan", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["province_code"], ["regions.code"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("province_code", "year"),
    )


def downgrade() -> None:
    op.drop_table("thresholds")
    op.drop_index("ix_cube_period_level", table_name="cube")
    op.drop_index("ix_cube_county_code", table_name="cube")
    op.drop_table("cube")
