"""Failed sign-ins under names that are no account (a keyed digest of the name), locked as accounts are.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("name_digest", sa.String(length=64), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_failed", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name_digest"),
    )
    op.create_index(op.f("ix_login_failures_last_failed"), "login_failures", ["last_failed"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_login_failures_last_failed"), table_name="login_failures")
    op.drop_table("login_failures")
