"""The one import use case, for the command line and the upload page alike: validate and store the file
all or nothing (data/ingest/importer.py), audit the outcome, rebuild the figures of the counties touched."""
from __future__ import annotations

from pathlib import Path

from data.compute.build import after_import
from data.definitions.access import Access, check
from data.ingest.importer import ImportRejected, ImportResult, import_file
from data.store import audit
from data.store.storage import Storage


def import_and_rebuild(storage: Storage, access: Access, table: str, path: str | Path,
                       progress=None) -> tuple[ImportResult, dict | None]:
    """Import ``path`` into ``table`` for ``access``; the result and the rebuild's summary. Raises
    :class:`ImportRejected` (nothing changed; the rejection audited)."""
    path = Path(path)
    region = check(access).regions[0] if len(access.regions) == 1 else None
    try:
        result = import_file(storage, access, table, path, progress=progress)
    except ImportRejected as rejected:
        audit.record_for(storage.engine, access, "import", "failed", region=region,
                         detail=f"{table} {path.name}: rejected, {len(rejected.problems)} problems "
                                f"(import log {rejected.import_id})")
        raise
    audit.record_for(storage.engine, access, "import", "ok", region=region,
                     detail=f"{table} {path.name}: import {result.import_id}, {result.added} added, "
                            f"{result.updated} updated")
    return result, after_import(storage, access, table, result.counties)
