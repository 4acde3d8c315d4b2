"""Monitoring timeline (signal and verification dates) and the rigid-expenses table.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring") as batch:
        batch.add_column(sa.Column("signal_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("verified_on", sa.Date(), nullable=True))
    op.create_table(
        "expenses",
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount_yuan", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.household_id"]),
        sa.PrimaryKeyConstraint("household_id", "period", "kind"),
    )
    op.create_index(op.f("ix_expenses_household_id"), "expenses", ["household_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_expenses_household_id"), table_name="expenses")
    op.drop_table("expenses")
    with op.batch_alter_table("monitoring") as batch:
        batch.drop_column("verified_on")
        batch.drop_column("signal_on")
