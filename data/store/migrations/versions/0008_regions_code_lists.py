"""Regions loaded from code lists (issue 16): the urban-rural classification code of a unit; owned by the code-list import.

``regions.urban_rural``: the 3-digit 城乡分类代码 of the statistical code list (111 主城区 … 220 村庄), NULL where
the list gives none. Existing rows keep NULL (no code list was loaded before this revision).

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("regions") as batch:
        batch.add_column(sa.Column("urban_rural", sa.String(length=3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("regions") as batch:
        batch.drop_column("urban_rural")
