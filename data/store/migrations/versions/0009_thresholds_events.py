"""Thresholds and disaster events as contract tables (issue 16).

The provinces' monitoring thresholds become the ``thresholds`` contract table: its column ``yuan`` is
renamed ``threshold`` (the contract's name) and widened to the type of every money column. The disasters
and emergencies of counties and townships get the new ``events`` table. A demo database loaded before this
revision kept its flood as two facts (``flood_counties``, ``flood_months``): they become events rows, as
the demo writes them now, and the facts go.

Revision ID: 0009
Revises: 0008
"""
import calendar
import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Frozen as data/demo/load.py writes the demo's flood at this revision.
DEMO_FLOOD_NOTE = "演示数据中的示意性洪涝（非真实灾情）/ the demo's illustrative flood, not a real disaster"


def upgrade() -> None:
    with op.batch_alter_table("thresholds") as batch:
        batch.alter_column("yuan", new_column_name="threshold", existing_type=sa.Integer(), type_=sa.BigInteger(),
                           existing_nullable=False)
    op.create_table(
        "events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"]),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index(op.f("ix_events_region_code"), "events", ["region_code"], unique=False)
    _demo_flood_as_events()


def _demo_flood_as_events() -> None:
    connection = op.get_bind()
    meta = sa.table("meta", sa.column("key"), sa.column("value"))
    facts = dict(connection.execute(sa.select(meta.c.key, meta.c.value).where(
        meta.c.key.in_(("flood_counties", "flood_months")))).all())
    counties, months = json.loads(facts.get("flood_counties", "[]")), sorted(json.loads(facts.get("flood_months", "[]")))
    known = set(connection.execute(sa.text("SELECT code FROM regions")).scalars()) if counties else set()
    rows = []
    if months:
        first_year, first_month = map(int, months[0].split("-"))
        last_year, last_month = map(int, months[-1].split("-"))
        start = dt.date(first_year, first_month, 1)
        end = dt.date(last_year, last_month, calendar.monthrange(last_year, last_month)[1])
        rows = [{"event_id": f"demo-flood-{code}", "region_code": code, "kind": "flood", "started_on": start,
                 "ended_on": end, "note": DEMO_FLOOD_NOTE} for code in counties if code in known]
    if rows:
        events = sa.table("events", *[sa.column(c) for c in rows[0]])
        connection.execute(events.insert(), rows)
    connection.execute(meta.delete().where(meta.c.key.in_(("flood_counties", "flood_months"))))


def downgrade() -> None:
    op.drop_index(op.f("ix_events_region_code"), table_name="events")
    op.drop_table("events")
    with op.batch_alter_table("thresholds") as batch:
        batch.alter_column("threshold", new_column_name="yuan", existing_type=sa.BigInteger(), type_=sa.Integer(),
                           existing_nullable=False)
