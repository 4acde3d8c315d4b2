"""Assessment tables (issue 19): indicator scheme versions, frozen assessment runs, field verification results.

``assessment_schemes`` keeps the versions of indicator schemes saved by administrators and evaluators (the
validated JSON document; shipped schemes stay files), ``assessment_runs`` the frozen runs (one JSON document
each with its SHA-256 and the data, records and cube versions it was computed from), ``field_verification``
the contract table of field-check results per sampled household (data/definitions/contract.py).

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Frozen as contract.TABLES["field_verification"] declares its answers at this revision (enum: String(32)).
ANSWERS = ("correctly_identified", "should_be_monitored", "wrongly_exited", "satisfied")


def upgrade() -> None:
    op.create_table(
        "assessment_schemes",
        sa.Column("scheme_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(length=64), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scheme_id", "version"),
    )
    op.create_table(
        "assessment_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("scheme_id", sa.String(length=40), nullable=False),
        sa.Column("scheme_version", sa.Integer(), nullable=False),
        sa.Column("year", sa.String(length=7), nullable=False),
        sa.Column("data_version", sa.String(length=64), nullable=True),
        sa.Column("records_version", sa.String(length=64), nullable=True),
        sa.Column("cube_version", sa.String(length=64), nullable=True),
        sa.Column("saved_by", sa.String(length=64), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "field_verification",
        sa.Column("sample_id", sa.String(length=64), nullable=False),
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        *[sa.Column(name, sa.String(length=32), nullable=True) for name in ANSWERS],
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["households.household_id"]),
        sa.PrimaryKeyConstraint("sample_id", "household_id"),
    )
    op.create_index(op.f("ix_field_verification_household_id"), "field_verification", ["household_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_field_verification_household_id"), table_name="field_verification")
    op.drop_table("field_verification")
    op.drop_table("assessment_runs")
    op.drop_table("assessment_schemes")
