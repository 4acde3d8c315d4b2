"""East–West collaboration page callbacks: a control change rewrites the URL (the page is rendered again from
it, layouts/collaboration_page.py); the ledger sorts on the server (by the numbers behind the cells, the
totals row kept last; "worst first" is one sort, the mean completion ascending); the ledger downloads as
CSV or XLSX.

Nothing the browser sends is trusted: the partner and year come from the page's store and are read again
through the service within the caller's scope (another pair's ledger is refused there); a sort names one of
the ledger's columns or is ignored; the file is written by data/ingest/spreadsheet.py.
"""
from __future__ import annotations

from dash import Input, Output, State, ctx, dcc, no_update

from data.definitions import codes
from data.definitions.messages import language
from data.ingest import spreadsheet
from data.read import collaboration as collab
from data.store.storage import NotFound
from layouts import collaboration_ids as cids
from layouts import collaboration_page, shell
from layouts import figures_collaboration as fc
from layouts import ids

FORMATS = ("csv", "xlsx")


def _lang(state: dict) -> str:
    return language(shell.text(state.get("lang")))


def _ledger(reading, state: dict):
    """The ledger of the store's partner and year, read again for the caller (None if anything is off)."""
    east, year = shell.text(state.get("east")), state.get("year")
    if east is None or not (year is None or isinstance(year, int)):
        return None
    try:
        return collab.ledger(*reading(), east, year)
    except (NotFound, codes.InvalidCode):
        return None


def sorted_rows(reading, state, sort_by) -> list[dict] | None:
    """The ledger's rows sorted by ``sort_by`` (the DataTable's), for the callback and the benchmark."""
    state = shell.state_of(state)
    ledger = _ledger(reading, state)
    if ledger is None:
        return None
    return collaboration_page.ledger_table(ledger, language(shell.text(state.get("lang"))), sort_by,
                                           show=shell.text(state.get("show")))["data"]


def ledger_download(reading, state, fmt: str) -> dict | None:
    state = shell.state_of(state)
    ledger = _ledger(reading, state)
    if ledger is None or fmt not in FORMATS:
        return None
    lang = language(shell.text(state.get("lang")))
    frame = collaboration_page.ledger_file(ledger, lang)
    name = f"{ledger.east['code'] or 'east'}-{ledger.year}-ledger.{fmt}"
    return dcc.send_bytes(spreadsheet.table_bytes(frame, fmt, "ledger"), name)


def register(app, reading) -> None:
    """``reading()`` gives the request's storage snapshot and the caller's access (dashboard/auth.py)."""
    def target_of(state: dict) -> dict:
        return {"east": state.get("east"), "year": state.get("year"), "indicator": state.get("chosen"),
                "order": state.get("order"), "show": state.get("show")}

    def link(state: dict, target: dict) -> str:
        target = {**target, "order": None if target["order"] == "best" else target["order"]}
        return shell.href(collaboration_page.PATH, **target, lang=language(shell.text(state.get("lang"))))

    @app.callback(Output(ids.URL, "href", allow_duplicate=True), Input(cids.EAST, "value"), Input(cids.YEAR, "value"),
                  State(cids.STATE, "data"), prevent_initial_call=True)
    def partner_and_year(east, year, state):
        state = shell.state_of(state)
        target = target_of(state)
        if ctx.triggered_id == cids.EAST and shell.text(east) and east != state.get("east"):
            target = {"east": east, "year": None, "indicator": None, "order": target["order"], "show": target["show"]}
        elif ctx.triggered_id == cids.YEAR and isinstance(year, int) and year != state.get("year"):
            target["year"] = year
        else:
            return no_update
        return link(state, target)

    @app.callback(Output(ids.URL, "href", allow_duplicate=True), Input(cids.INDICATOR, "value"),
                  Input(cids.RANK_ORDER, "value"), State(cids.STATE, "data"), prevent_initial_call=True)
    def indicator_and_order(indicator, order, state):
        state = shell.state_of(state)
        target = target_of(state)
        if ctx.triggered_id == cids.INDICATOR and shell.text(indicator) in collab.INDICATORS \
                and indicator != state.get("chosen"):
            target["indicator"] = indicator
        elif ctx.triggered_id == cids.RANK_ORDER and fc.rank_order(order) != state.get("order"):
            target["order"] = fc.rank_order(order)
        else:
            return no_update
        return link(state, target)

    # The sections below the ledger are filled once it is on the screen, each read again for the caller.
    @app.callback(Output(cids.TRENDS_BODY, "children"), Input(cids.STATE, "data"))
    def trends(state):
        state = shell.state_of(state)
        storage, access = reading()
        ledger = _ledger(lambda: (storage, access), state)
        if ledger is None:
            return no_update
        return collaboration_page.trends_body(storage, access, ledger, shell.text(state.get("chosen")),
                                              fc.rank_order(state.get("order")), _lang(state))

    @app.callback(Output(cids.FLOWS_BODY, "children"), Input(cids.STATE, "data"))
    def flows(state):
        state = shell.state_of(state)
        storage, access = reading()
        ledger = _ledger(lambda: (storage, access), state)
        if ledger is None:
            return no_update
        return collaboration_page.flows_body(storage, access, ledger, collab.pairs(storage, access), _lang(state))

    @app.callback(Output(cids.OUTCOMES_BODY, "children"), Input(cids.STATE, "data"))
    def outcomes(state):
        state = shell.state_of(state)
        east = shell.text(state.get("east"))
        if east is None:
            return no_update
        try:
            return collaboration_page.outcomes_body(*reading(), east, _lang(state))
        except (NotFound, codes.InvalidCode):
            return no_update

    @app.callback(Output(cids.TARGETED_BODY, "children"), Input(cids.STATE, "data"))
    def targeted(state):
        state = shell.state_of(state)
        year = state.get("year") if isinstance(state.get("year"), int) else None
        return collaboration_page.targeted_body(*reading(), year, _lang(state))

    @app.callback(Output(cids.LEDGER, "data"), Output(cids.LEDGER, "sort_by"), Input(cids.LEDGER, "sort_by"),
                  Input(cids.WORST_FIRST, "n_clicks"), State(cids.STATE, "data"), prevent_initial_call=True)
    def sort(sort_by, _clicks, state):
        if ctx.triggered_id == cids.WORST_FIRST:
            sort_by = fc.WORST_FIRST
        sort_by = sort_by if isinstance(sort_by, list) else []
        rows = sorted_rows(reading, state, sort_by)
        if rows is None:
            return no_update, no_update
        return rows, sort_by

    @app.callback(Output(cids.LEDGER_DOWNLOAD, "data"), Input(cids.LEDGER_CSV, "n_clicks"),
                  Input(cids.LEDGER_XLSX, "n_clicks"), State(cids.STATE, "data"), prevent_initial_call=True)
    def download(_csv, _xlsx, state):
        fmt = {cids.LEDGER_CSV: "csv", cids.LEDGER_XLSX: "xlsx"}.get(ctx.triggered_id)
        return (ledger_download(reading, state, fmt) if fmt else None) or no_update
