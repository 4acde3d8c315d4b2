"""Column mappings saved per source (issue 16): a county's spreadsheet layout imports in one step the next time.

The new ``column_mappings`` table, and ``import_log.group_id``, linking the imports of one file written in one
transaction (a person-level file: households and members), rolled back together.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "column_mappings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(length=64), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_column_mappings_signature", "column_mappings", ["signature", "table_name"], unique=False)
    with op.batch_alter_table("import_log") as batch:
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_log") as batch:
        batch.drop_column("group_id")
    op.drop_index("ix_column_mappings_signature", table_name="column_mappings")
    op.drop_table("column_mappings")
