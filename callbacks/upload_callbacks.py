"""Upload page callbacks: run the import in the background with progress; offer the problem list.

The callback only moves data between the page and ``data.importer``; the file is saved under the
instance folder, imported all or nothing within the uploader's scope, and deleted afterwards. The import
runs in a background process, outside any request: the uploader's access is read again from the
request that started it (dashboard/auth.py), and the import is written to the audit log.
"""
from __future__ import annotations

import base64
import binascii

import pandas as pd
from dash import Input, Output, State, dcc, html, no_update

from data.definitions import contract
from data.definitions.messages import language, t
from data.definitions.personal import scrub
from data.ingest import limits, spreadsheet
from data.ingest import mapping as column_mapping
from data.ingest.importer import ImportRejected, count_lines, save_upload
from data.ingest.mapping import Mapping, MappingError
from data.ingest.workflow import MappingNeeded, import_and_rebuild
from data.store.storage import Storage
from geo.codelist import import_and_rebuild as import_code_list
from layouts import ids
from layouts.upload_page import (PROBLEM_COLUMNS, import_log_rows, mapping_box, mapping_dropdown, mapping_rows,
                                 tables_for)

RIGHTS = {ids.TEMPLATE_LINK: "import", ids.UPLOAD_RESULT: "import", ids.UPLOAD_DOWNLOAD: "import",
          ids.MAPPING_TABLE: "import"}


def register(app, storage: Storage, upload_folder, access_in_job) -> None:
    """``access_in_job()`` reads the uploader's access again inside the background job (dashboard/auth.py)."""

    @app.callback(Output(ids.TEMPLATE_LINK, "href"), Input(ids.UPLOAD_TABLE, "value"))
    def template_link(table):
        return f"/api/v1/templates/{table if isinstance(table, str) and table in contract.INTERCHANGE else 'households'}.xlsx"

    @app.callback(
        Output(ids.UPLOAD_RESULT, "children"), Output(ids.UPLOAD_PROBLEMS, "data"),
        Output(ids.UPLOAD_DOWNLOAD_BUTTON, "style"), Output(ids.IMPORT_LOG, "data"),
        Input(ids.UPLOAD_FILE, "contents"), State(ids.UPLOAD_FILE, "filename"), State(ids.UPLOAD_TABLE, "value"),
        State(ids.UPLOAD_STATE, "data"),
        background=True, prevent_initial_call=True,
        running=[(Output(ids.UPLOAD_FILE, "disabled"), True, False)],
        progress=[Output(ids.UPLOAD_PROGRESS, "value"), Output(ids.UPLOAD_PROGRESS, "max")],
    )
    def run_import(set_progress, contents, file_name, table, state):
        return upload(storage, access_in_job(), upload_folder, contents, file_name, table, state, None, set_progress)

    @app.callback(
        Output(ids.UPLOAD_RESULT, "children", allow_duplicate=True),
        Output(ids.UPLOAD_PROBLEMS, "data", allow_duplicate=True),
        Output(ids.UPLOAD_DOWNLOAD_BUTTON, "style", allow_duplicate=True),
        Output(ids.IMPORT_LOG, "data", allow_duplicate=True),
        Input(ids.MAPPING_CONFIRM, "n_clicks"), State(ids.UPLOAD_FILE, "contents"), State(ids.UPLOAD_FILE, "filename"),
        State(ids.UPLOAD_TABLE, "value"), State(ids.UPLOAD_STATE, "data"), State(ids.MAPPING_TABLE, "data"),
        background=True, prevent_initial_call=True,
        running=[(Output(ids.MAPPING_CONFIRM, "disabled"), True, False),
                 (Output(ids.UPLOAD_FILE, "disabled"), True, False)],
        progress=[Output(ids.MAPPING_PROGRESS, "value"), Output(ids.MAPPING_PROGRESS, "max")],
    )
    def confirm_mapping(set_progress, clicks, contents, file_name, table, state, rows):
        """The mapping the user confirmed (the file is still in the page): import with it and save it."""
        if not clicks:
            return no_update, no_update, no_update, no_update
        return upload(storage, access_in_job(), upload_folder, contents, file_name, table, state,
                      rows if isinstance(rows, list) else [], set_progress)

    @app.callback(Output(ids.UPLOAD_DOWNLOAD, "data"), Input(ids.UPLOAD_DOWNLOAD_BUTTON, "n_clicks"),
                  State(ids.UPLOAD_PROBLEMS, "data"), prevent_initial_call=True)
    def download_problems(_clicks, problems):
        if not isinstance(problems, list) or not problems:
            return no_update
        frame = pd.DataFrame([p for p in problems if isinstance(p, dict)]).reindex(columns=list(PROBLEM_COLUMNS))
        frame["value"] = frame["value"].map(scrub)  # what the browser sends back is not trusted
        return dcc.send_bytes(spreadsheet.csv_bytes(frame), "import-problems.csv")  # no cell that would run


def upload(storage: Storage, access, upload_folder, contents, file_name, table, state, confirmed_rows,
           set_progress) -> tuple:
    """The upload callback's work, outside Dash (tests drive it): import the dropped file, through the saved
    mapping of its layout if it needs one; a file that needs a mapping nobody confirmed yet shows the
    suggestion; ``confirmed_rows`` (the mapping table, as the user confirmed it) imports with that mapping and
    saves it. The outputs: result (with the mapping to confirm, when one is needed), problems, download
    button style, import log."""
    lang = language((state or {}).get("lang") if isinstance(state, dict) else None)
    hidden = {"display": "none"}
    if access is None or not access.role.can_import:  # the request was checked; this is the job's own check
        return (html.P(t("refused_title", lang), className="error"), [], hidden, no_update)
    if not isinstance(contents, str) or not isinstance(table, str) or table not in tables_for(access):
        return (no_update, no_update, no_update, no_update)
    try:
        content = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (IndexError, binascii.Error):
        return (html.P(t("upload_unreadable", lang), className="error"), [], hidden, no_update)
    if len(content) > limits.UPLOAD_BYTES:
        message = t("upload_too_large", lang).format(size=_mb(len(content)), limit=_mb(limits.UPLOAD_BYTES))
        return (html.P(message, className="error"), [], hidden, no_update)
    mapping = _confirmed(table, confirmed_rows)
    path = save_upload(upload_folder, file_name if isinstance(file_name, str) else "upload.csv", content)
    total = count_lines(path) or 0
    set_progress(("0", str(max(total, 1))))
    try:
        with limits.bounded():  # this job's own process: a file past the reader's checks stops here
            result, _ = _import_table(storage, access, table, path, mapping=mapping, progress=lambda rows: set_progress(
                (str(rows), str(max(total, rows, 1)))))
    except MappingNeeded as needed:
        layout = needed.layout
        counts = column_mapping.distinct_counts(path, layout.headers)
        rows = mapping_rows(column_mapping.suggest(table, layout.headers), counts)
        return (html.Div([html.P(t("mapping_needed", lang), className="notice"),
                          mapping_box(lang, rows, mapping_dropdown(table, lang))]), [], hidden, no_update)
    except MappingError as error:
        problems = [{"row": 0, "column": "header", "value": "", "reason_zh": zh, "reason_en": en}
                    for zh, en in error.problems]
        return (html.P(t("mapping_unfit", lang), className="error"), problems, {"display": "inline-block"},
                no_update)
    except ImportRejected as rejected:
        problems = [p.as_dict() for p in rejected.problems]
        message = t("upload_rejected", lang).format(count=len(problems), log=rejected.import_id)
        return (html.P(message, className="error"), problems, {"display": "inline-block"},
                import_log_rows(storage, lang, access))
    except limits.LimitExceeded as exceeded:
        message = (t("upload_out_of_memory", lang) if exceeded.what == "memory" else
                   t("upload_out_of_time", lang).format(minutes=limits.UPLOAD_SECONDS // 60))
        return (html.P(message, className="error"), [], hidden, import_log_rows(storage, lang, access))
    finally:
        path.unlink(missing_ok=True)  # the upload may hold whole ID numbers: only the masked rows stay
    set_progress(("1", "1"))
    message = t("upload_accepted", lang).format(id=result.import_id, added=result.added,
                                                updated=result.updated, unchanged=result.unchanged)
    if result.mapping_id and mapping is not None:
        message += " " + t("mapping_saved", lang).format(id=result.mapping_id)
    elif result.mapping_id:
        message += " " + t("mapping_used", lang).format(id=result.mapping_id)
    return html.P(message, className="ok"), [], hidden, import_log_rows(storage, lang, access)


def _confirmed(table: str, rows) -> Mapping | None:
    """The mapping the user confirmed in the table (what the browser sends is not trusted: only source header
    → one of the table's columns or ignored; the importer checks it against the file's own headers)."""
    if not isinstance(rows, list) or not rows:
        return None
    columns = {c.name for c in column_mapping.spec_for(table).columns}
    headers = {}
    for row in rows:
        if isinstance(row, dict) and isinstance(row.get("header"), str):
            column = row.get("column")
            headers[row["header"][:200]] = column if isinstance(column, str) and column in columns else None
    return Mapping(table, headers) if headers else None


def _mb(size: int) -> str:
    return f"{size / (1 << 20):.0f}"


def _import_table(storage: Storage, access, table: str, path, mapping=None, progress=None):
    """The regions table without a column mapping is a code list (geo/codelist.py: new townships and villages get
    illustrative cells; additions only on this page — a new edition that removes units: the CLI's --replace)."""
    if table == "regions" and mapping is None:
        return import_code_list(storage, access, path, progress=progress)
    return import_and_rebuild(storage, access, table, path, mapping=mapping, progress=progress)
