"""Collaboration tables (issue 18): pairings, collaboration targets, targeted assistance, the collaboration table's added quantities.

The collaboration table gains fourteen optional quantities (NULL in the rows stored before); three contract
tables are created: ``pairings`` (who is paired with whom since when: East–West pairs and central units'
targeted assistance), ``collaboration_targets`` (an agreement's target per pair, year and indicator) and
``targeted_assistance`` (a central unit's yearly assistance of a county). Declared in
data/definitions/contract.py.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Frozen as contract._COLLABORATION_ADDED declares them at this revision: name → money (BigInteger) or count.
ADDED = (("social_aid", True), ("talent_received", False), ("people_trained", False), ("parks_built", False),
         ("workers_helped", False), ("former_poor", False), ("to_east", False), ("in_province", False),
         ("consumption_bought", True), ("consumption_sold", True), ("pairings_township", False),
         ("pairings_village", False), ("pairings_school", False), ("pairings_hospital", False))
TARGETED = (("funds_direct", True), ("funds_introduced", True), ("cadres_seconded", False),
            ("cadres_in_villages", False), ("officials_trained", False), ("technicians_trained", False),
            ("produce_bought", True), ("produce_sold", True), ("projects", False))


def _number(money: bool):
    return sa.BigInteger() if money else sa.Integer()


def upgrade() -> None:
    with op.batch_alter_table("collaboration") as batch:
        for name, money in ADDED:
            batch.add_column(sa.Column(name, _number(money), nullable=True))
    op.create_table(
        "pairings",
        sa.Column("east_region", sa.String(length=64), nullable=False),
        sa.Column("west_code", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("end_year", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["west_code"], ["regions.code"]),
        sa.PrimaryKeyConstraint("east_region", "west_code", "kind", "unit"),
    )
    op.create_index(op.f("ix_pairings_west_code"), "pairings", ["west_code"], unique=False)
    op.create_table(
        "collaboration_targets",
        sa.Column("east_region", sa.String(length=64), nullable=False),
        sa.Column("west_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=32), nullable=False),
        sa.Column("target", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["west_code"], ["regions.code"]),
        sa.PrimaryKeyConstraint("east_region", "west_code", "year", "indicator"),
    )
    op.create_index(op.f("ix_collaboration_targets_west_code"), "collaboration_targets", ["west_code"], unique=False)
    op.create_table(
        "targeted_assistance",
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("county_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        *[sa.Column(name, _number(money), nullable=False) for name, money in TARGETED],
        sa.ForeignKeyConstraint(["county_code"], ["regions.code"]),
        sa.PrimaryKeyConstraint("unit", "county_code", "year"),
    )
    op.create_index(op.f("ix_targeted_assistance_county_code"), "targeted_assistance", ["county_code"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_targeted_assistance_county_code"), table_name="targeted_assistance")
    op.drop_table("targeted_assistance")
    op.drop_index(op.f("ix_collaboration_targets_west_code"), table_name="collaboration_targets")
    op.drop_table("collaboration_targets")
    op.drop_index(op.f("ix_pairings_west_code"), table_name="pairings")
    op.drop_table("pairings")
    with op.batch_alter_table("collaboration") as batch:
        for name, _ in reversed(ADDED):
            batch.drop_column(name)
