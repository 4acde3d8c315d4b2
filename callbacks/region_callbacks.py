"""Region profile callbacks: table downloads (CSV/XLSX) and the map's metric (printing: assets/print.js).

Downloads are rebuilt on the server from the region in the page's store, resolved again within the
caller's scope (403 if outside it); nothing the browser sends is written into a file, and the file is
written by data/ingest/spreadsheet.py (no cell a spreadsheet would run). Each download is audited.
"""
from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, dcc, no_update

from data.definitions import codes
from data.definitions.messages import language
from data.ingest import spreadsheet
from data.read import profile
from data.read.views import map_data, map_view
from data.store.storage import NotFound, Storage
from layouts import figures, ids, map_page, profile_tables, region_page, shell

FORMATS = ("csv", "xlsx")


def _region(state) -> str | None:
    return shell.text(shell.state_of(state).get("region"))


def download(storage: Storage, access, state, name, fmt) -> dict | None:
    """The file of table ``name`` for the region in ``state`` (None if anything is off)."""
    code, name, fmt = _region(state), shell.text(name), shell.text(fmt)
    if code is None or name not in profile.TABLES or fmt not in FORMATS:
        return None
    try:
        filename = f"{code}-{name}.{fmt}"
        lang = language(shell.text(shell.state_of(state).get("lang")))
        frame = profile_tables.labelled(name, profile.exported(storage, access, name, code, filename), lang)
    except (codes.InvalidCode, NotFound):
        return None
    return dcc.send_bytes(spreadsheet.table_bytes(frame, fmt, name), filename)


def register(app, reading) -> None:
    """``reading()`` gives the request's storage snapshot and the caller's access (dashboard/auth.py)."""
    @app.callback(Output(ids.PROFILE_DOWNLOAD, "data"),
                  Input({"type": ids.PROFILE_DOWNLOAD_BUTTON, "table": ALL, "format": ALL}, "n_clicks"),
                  State(ids.PROFILE_STATE, "data"), prevent_initial_call=True)
    def send(clicks, state):
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not isinstance(clicks, list) or not any(clicks):
            return no_update
        return download(*reading(), state, trigger.get("table"), trigger.get("format")) or no_update

    @app.callback(Output(ids.PROFILE_MAP, "figure"), Output(ids.PROFILE_MAP_CAPTION, "children"),
                  Input(ids.PROFILE_METRIC, "value"), State(ids.PROFILE_STATE, "data"), prevent_initial_call=True)
    def recolour(metric, state):
        code = _region(state)
        if code is None:
            return no_update, no_update
        try:
            storage, access = reading()
            view = map_view(storage, access, code)
        except (codes.InvalidCode, NotFound):
            return no_update, no_update
        lang = language(shell.text(state.get("lang")))
        metric = map_page.chosen_metric(metric, region_page.DEFAULT_MAP_METRIC)
        data = map_data(storage, access, view, metric, None, None)
        return figures.map_patch(data, lang), map_page.caption(view, data, lang)

    # The print button has no callback: assets/print.js handles it (one dialog per press, charts fitted).
