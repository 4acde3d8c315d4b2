"""Free text stored before numbers were recognised in every form is masked again (issue 15).

ID and phone numbers written with full-width digits, spaces, brackets or hyphens passed the masking of
free text until then; this masks them, with the masking of today (data/definitions/personal.py), in
every place free text is kept: the free-text columns of the interchange tables as they are at this
revision, audit details, the problems of rejected imports and what accepted imports recorded for their
rollback. Masking cannot be undone: the downgrade changes nothing.

Revision ID: 0007
Revises: 0006
"""
import json

import sqlalchemy as sa
from alembic import op

from data.definitions.personal import scrub
from data.store.audit import scrub_detail

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# table: (key columns, free-text columns) — frozen as the schema is at this revision
FREE_TEXT = {"regions": (("code",), ("name",)), "projects": (("project_id",), ("name",)),
             "collaboration": (("east_region", "west_code", "year"), ("east_region",))}
BATCH = 5000


def _rows(connection, table: str, columns: tuple[str, ...]):
    query = sa.select(*[sa.column(c) for c in columns]).select_from(sa.table(table))
    return connection.execute(query.execution_options(yield_per=BATCH))


def _update(connection, table: str, where: tuple[str, ...], changes: list[dict]) -> None:
    """``changes``: the new values of some columns, and under ``old_<column>`` the row's key."""
    if not changes:
        return
    columns = [c for c in changes[0] if not c.startswith("old_")]
    statement = (sa.table(table, *[sa.column(c) for c in {*columns, *where}]).update()
                 .where(*[sa.column(c) == sa.bindparam(f"old_{c}") for c in where])
                 .values({c: sa.bindparam(f"new_{c}") for c in columns}))
    connection.execute(statement, [{**{k: v for k, v in row.items() if k.startswith("old_")},
                                    **{f"new_{c}": row[c] for c in columns}} for row in changes])


def _scrub_json(text: str | None, scrub_value) -> str | None:
    """``text`` (JSON) with ``scrub_value`` applied; None when nothing changes or it is not JSON."""
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    scrubbed = scrub_value(value)
    return json.dumps(scrubbed, ensure_ascii=False) if scrubbed != value else None


def _scrub_problems(problems):
    if not isinstance(problems, list):
        return problems
    return [{k: scrub(v) if k != "column" else v for k, v in p.items()} if isinstance(p, dict) else p
            for p in problems]


def upgrade() -> None:
    connection = op.get_bind()
    for table, (key, columns) in FREE_TEXT.items():
        changes = []
        for row in _rows(connection, table, tuple(dict.fromkeys(key + columns))):
            row = row._mapping
            new = {c: scrub(row[c]) for c in columns}
            if any(new[c] != row[c] for c in columns):
                changes.append({**new, **{f"old_{k}": row[k] for k in key}})
        _update(connection, table, key, changes)

    changes = [{"detail": scrub_detail(detail), "old_id": id_}
               for id_, detail in _rows(connection, "audit_log", ("id", "detail"))
               if detail and scrub_detail(detail) != detail]
    _update(connection, "audit_log", ("id",), changes)

    changes = [{"problems": new, "old_id": id_}
               for id_, problems in _rows(connection, "import_log", ("id", "problems"))
               if (new := _scrub_json(problems, _scrub_problems)) is not None]
    _update(connection, "import_log", ("id",), changes)

    tables = dict(connection.execute(sa.text("SELECT id, table_name FROM import_log")).all())
    changes = []
    for import_id, row_key, previous in _rows(connection, "import_changes", ("import_id", "row_key", "previous")):
        table = tables.get(import_id)
        if table not in FREE_TEXT:
            continue
        key, columns = FREE_TEXT[table]
        new_previous = _scrub_json(previous, lambda row: {k: scrub(v) if k in columns else v
                                                          for k, v in row.items()} if isinstance(row, dict) else row)
        new_key = _scrub_json(row_key, lambda values: [scrub(v) if k in columns else v for k, v in zip(key, values)]
                              if isinstance(values, list) else values)
        if new_previous is not None or new_key is not None:
            changes.append({"previous": new_previous or previous, "row_key": new_key or row_key,
                            "old_import_id": import_id, "old_row_key": row_key})
    _update(connection, "import_changes", ("import_id", "row_key"), changes)


def downgrade() -> None:
    pass  # what was masked stays masked
