"""Saved column mappings (schema ``column_mappings``): found again by a file's layout signature.

A mapping saved by a user serves the imports within the saver's regions (one saved by whoever sees the
whole country serves everyone); the newest that applies is used. Mappings are configuration — headers,
columns and value terms — never a value of a record.
"""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from data.definitions.access import Access, check
from data.store.schema import column_mappings


def _scope_of(access: Access) -> str | None:
    return None if access.scope.everything else json.dumps(sorted(access.scope.prefixes))


def _serves(saved_scope: str | None, access: Access) -> bool:
    """Whether a mapping saved within ``saved_scope`` serves ``access``: every region of the caller lies in it."""
    if saved_scope is None:
        return True
    if access.scope.everything:
        return False
    prefixes = json.loads(saved_scope)
    return bool(access.scope.prefixes) and all(any(own.startswith(p) for p in prefixes)
                                               for own in access.scope.prefixes)


def save(engine, access: Access, signature: str, table: str, mapping_json: str) -> int:
    """Save a confirmed mapping for the caller's regions; its id."""
    check(access).require("import")
    with engine.begin() as connection:
        return connection.execute(column_mappings.insert().values(
            signature=signature, table_name=table, mapping=mapping_json, saved_by=access.user or "?",
            saved_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
            scope=_scope_of(access))).inserted_primary_key[0]


def find(engine, access: Access, signature: str, table: str) -> tuple[int, str] | None:
    """The newest mapping saved for this layout and table that serves the caller: (id, mapping JSON)."""
    check(access).require("import")
    query = (sa.select(column_mappings.c.id, column_mappings.c.mapping, column_mappings.c.scope)
             .where(column_mappings.c.signature == signature, column_mappings.c.table_name == table)
             .order_by(column_mappings.c.id.desc()))
    with engine.connect() as connection:
        for row in connection.execute(query):
            if _serves(row.scope, access):
                return row.id, row.mapping
    return None
