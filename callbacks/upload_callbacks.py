"""Upload page callbacks: run the import in the background with progress; offer the problem list.

The callback only moves data between the page and ``data.importer``; the file is saved under the
instance folder and imported all or nothing.
"""
from __future__ import annotations

import base64
import binascii

import pandas as pd
from dash import Input, Output, State, dcc, html, no_update

from data import contract
from data.build import after_import
from data.importer import ImportRejected, count_lines, import_file, save_upload
from data.storage import Storage
from dashboard.i18n import language, t
from layouts import ids
from layouts.upload_page import PROBLEM_COLUMNS, import_log_rows


def register(app, storage: Storage, upload_folder) -> None:
    @app.callback(Output(ids.TEMPLATE_LINK, "href"), Input(ids.UPLOAD_TABLE, "value"))
    def template_link(table):
        return f"/api/v1/templates/{table if table in contract.INTERCHANGE else 'households'}.xlsx"

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
        lang = language((state or {}).get("lang"))
        hidden = {"display": "none"}
        if not isinstance(contents, str) or table not in contract.INTERCHANGE:
            return no_update, no_update, no_update, no_update
        try:
            content = base64.b64decode(contents.split(",", 1)[1], validate=True)
        except (IndexError, binascii.Error):
            return html.P(t("upload_unreadable", lang), className="error"), [], hidden, no_update
        path = save_upload(upload_folder, file_name or "upload.csv", content)
        total = count_lines(path) or 0
        set_progress(("0", str(max(total, 1))))
        try:
            result = import_file(storage, table, path, user="upload",
                                 progress=lambda rows: set_progress((str(rows), str(max(total, rows, 1)))))
        except ImportRejected as rejected:
            problems = [p.as_dict() for p in rejected.problems]
            message = t("upload_rejected", lang).format(count=len(problems), log=rejected.import_id)
            return (html.P(message, className="error"), problems, {"display": "inline-block"},
                    import_log_rows(storage, lang))
        after_import(storage, table, result.counties)  # the figures follow the records
        set_progress(("1", "1"))
        message = t("upload_accepted", lang).format(id=result.import_id, added=result.added,
                                                    updated=result.updated, unchanged=result.unchanged)
        return html.P(message, className="ok"), [], hidden, import_log_rows(storage, lang)

    @app.callback(Output(ids.UPLOAD_DOWNLOAD, "data"), Input(ids.UPLOAD_DOWNLOAD_BUTTON, "n_clicks"),
                  State(ids.UPLOAD_PROBLEMS, "data"), prevent_initial_call=True)
    def download_problems(_clicks, problems):
        if not isinstance(problems, list) or not problems:
            return no_update
        frame = pd.DataFrame(problems).reindex(columns=list(PROBLEM_COLUMNS))
        return dcc.send_data_frame(frame.to_csv, "import-problems.csv", index=False, encoding="utf-8-sig")
