"""The one import use case, for the command line and the upload page alike: validate and store the file
all or nothing (data/ingest/importer.py), audit the outcome, rebuild the figures of the counties touched.

A file whose headers are not the contract's is read through a column mapping (data/ingest/mapping.py): the
one given (confirmed by the user: saved for the file's layout once the import is accepted), else the one
saved for its layout that serves the caller; with neither, :class:`MappingNeeded` carries the suggestion.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from data.compute.build import after_import
from data.definitions.access import Access, check
from data.ingest import mapping as column_mapping
from data.ingest.importer import ImportRejected, ImportResult, import_file, import_mapped
from data.ingest.mapping import Mapping, MappingError
from data.ingest.reader import FileProblem, read_header
from data.store import audit
from data.store import mappings as saved_mappings
from data.store.storage import Storage


@dataclass
class Layout:
    """A file's headers as they are, its layout signature, and how it would be read."""
    table: str
    headers: list[str]
    signature: str
    exact: bool  # the contract's headers: no mapping needed
    saved: Mapping | None  # the saved mapping of this layout that serves the caller
    suggested: Mapping


class MappingNeeded(ValueError):
    """The file's headers are not the contract's and no saved mapping serves its layout (nothing changed):
    ``layout.suggested`` is the mapping to confirm."""

    def __init__(self, layout: Layout):
        self.layout = layout
        super().__init__("表头与数据规范不一致，请确认列映射 / the headers are not the contract's: confirm a column mapping")


def layout_of(storage: Storage, access: Access, table: str, path: str | Path) -> Layout | None:
    """How ``path`` would be read into ``table``; None when its header cannot be read (the import reports why)."""
    try:
        headers = read_header(path, column_mapping.known_names(table))
    except FileProblem:
        return None
    signature = column_mapping.signature(headers)
    found = saved_mappings.find(storage.engine, access, signature, table)
    saved = Mapping.from_json(found[1], found[0]) if found else None
    if saved is not None and column_mapping.check(saved, table, headers):
        saved = None  # (a layout of the same headers always fits; a mapping saved for another table does not)
    return Layout(table, headers, signature, column_mapping.exact(table, headers), saved,
                  Mapping.suggested(table, headers))


def import_and_rebuild(storage: Storage, access: Access, table: str, path: str | Path,
                       progress=None, mapping: Mapping | None = None) -> tuple[ImportResult, dict | None]:
    """Import ``path`` into ``table`` for ``access``; the result and the rebuild's summary. Raises
    :class:`ImportRejected` (nothing changed; the rejection audited), :class:`MappingNeeded` (the headers need
    a mapping: nothing read further) or :class:`MappingError` (``mapping`` does not fit the file).

    ``mapping``: a mapping the user confirmed; saved for the file's layout when the import is accepted
    (``result.mapping_id``). ``table`` may be ``households+members`` (one row per person)."""
    path = Path(path)
    region = check(access).regions[0] if len(access.regions) == 1 else None
    chosen, confirmed = mapping, mapping is not None
    layout = layout_of(storage, access, table, path) if table in column_mapping.mappable() else None
    if layout is not None and mapping is not None:
        problems = column_mapping.check(mapping, table, layout.headers)
        if problems:
            raise MappingError(problems)
    elif layout is not None and not layout.exact:
        if layout.saved is None:
            raise MappingNeeded(layout)
        chosen = layout.saved
    try:
        if chosen is None and table not in column_mapping.PARTS:
            result = import_file(storage, access, table, path, progress=progress)
        else:
            result = import_mapped(storage, access, table, path, chosen, progress=progress)
    except ImportRejected as rejected:
        audit.record_for(storage.engine, access, "import", "failed", region=region,
                         detail=f"{table} {path.name}: rejected, {len(rejected.problems)} problems "
                                f"(import log {rejected.import_id})")
        raise
    if confirmed and layout is not None:
        result.mapping_id = saved_mappings.save(storage.engine, access, layout.signature, table, mapping.as_json())
    parts = result.parts or [result]
    audit.record_for(storage.engine, access, "import", "ok", region=region,
                     detail=f"{table} {path.name}: " + "; ".join(
                         f"import {r.import_id}{'' if len(parts) == 1 else f' ({r.table})'}, {r.added} added, "
                         f"{r.updated} updated" for r in parts)
                     + (f"; mapping {result.mapping_id}" if result.mapping_id else ""))
    return result, after_import(storage, access, table, result.counties)
