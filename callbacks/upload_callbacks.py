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
from data.ingest.importer import ImportRejected, count_lines, save_upload
from data.ingest.workflow import import_and_rebuild
from data.store.storage import Storage
from layouts import ids
from layouts.upload_page import PROBLEM_COLUMNS, import_log_rows, tables_for

RIGHTS = {ids.TEMPLATE_LINK: "import", ids.UPLOAD_RESULT: "import", ids.UPLOAD_DOWNLOAD: "import"}


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
        lang = language((state or {}).get("lang") if isinstance(state, dict) else None)
        hidden = {"display": "none"}
        access = access_in_job()
        if access is None or not access.role.can_import:  # the request was checked; this is the job's own check
            return html.P(t("refused_title", lang), className="error"), [], hidden, no_update
        if not isinstance(contents, str) or not isinstance(table, str) or table not in tables_for(access):
            return no_update, no_update, no_update, no_update
        try:
            content = base64.b64decode(contents.split(",", 1)[1], validate=True)
        except (IndexError, binascii.Error):
            return html.P(t("upload_unreadable", lang), className="error"), [], hidden, no_update
        if len(content) > limits.UPLOAD_BYTES:
            message = t("upload_too_large", lang).format(size=_mb(len(content)), limit=_mb(limits.UPLOAD_BYTES))
            return html.P(message, className="error"), [], hidden, no_update
        path = save_upload(upload_folder, file_name if isinstance(file_name, str) else "upload.csv", content)
        total = count_lines(path) or 0
        set_progress(("0", str(max(total, 1))))
        try:
            with limits.bounded():  # this job's own process: a file past the reader's checks stops here
                result, _ = import_and_rebuild(storage, access, table, path, progress=lambda rows: set_progress(
                    (str(rows), str(max(total, rows, 1)))))
        except ImportRejected as rejected:
            problems = [p.as_dict() for p in rejected.problems]
            message = t("upload_rejected", lang).format(count=len(problems), log=rejected.import_id)
            return (html.P(message, className="error"), problems, {"display": "inline-block"},
                    import_log_rows(storage, lang, access))
        except limits.LimitExceeded as exceeded:
            message = (t("upload_out_of_memory", lang) if exceeded.what == "memory" else
                       t("upload_out_of_time", lang).format(minutes=limits.UPLOAD_SECONDS // 60))
            return html.P(message, className="error"), [], hidden, import_log_rows(storage, lang, access)
        finally:
            path.unlink(missing_ok=True)  # the upload may hold whole ID numbers: only the masked rows stay
        set_progress(("1", "1"))
        message = t("upload_accepted", lang).format(id=result.import_id, added=result.added,
                                                    updated=result.updated, unchanged=result.unchanged)
        return html.P(message, className="ok"), [], hidden, import_log_rows(storage, lang, access)

    @app.callback(Output(ids.UPLOAD_DOWNLOAD, "data"), Input(ids.UPLOAD_DOWNLOAD_BUTTON, "n_clicks"),
                  State(ids.UPLOAD_PROBLEMS, "data"), prevent_initial_call=True)
    def download_problems(_clicks, problems):
        if not isinstance(problems, list) or not problems:
            return no_update
        frame = pd.DataFrame([p for p in problems if isinstance(p, dict)]).reindex(columns=list(PROBLEM_COLUMNS))
        frame["value"] = frame["value"].map(scrub)  # what the browser sends back is not trusted
        return dcc.send_bytes(spreadsheet.csv_bytes(frame), "import-problems.csv")  # no cell that would run


def _mb(size: int) -> str:
    return f"{size / (1 << 20):.0f}"
