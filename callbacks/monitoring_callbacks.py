"""Monitoring page callbacks: each control updates only the sections that depend on it, with the builders
of layouts/monitoring_page.py, and never the page around them (no render of the whole page, no jump of the
scroll position):

* the month: the map's colours (a ``dash.Patch`` of its values), the trend's marker (a ``Patch``), the note on
  why warnings rose, and the list;
* the warning cut: the list (summary, drivers, rows) and the score note;
* the threshold: the what-if's text, its map's colours (a ``Patch``) and its table;
* the sample's size and seed: the sample.

Each is one request, fired by its control only (``prevent_initial_call``: a load renders every section once,
in the page). The URL keeps the shared state (month, cut, threshold, size, seed) in step in the browser
(``history.replaceState``, no request), with the language link and the page's store, so a copied link opens
the same view; a click on the map opens the unit's page with that state.

The browser's state is not trusted: values are taken as single strings or numbers within their ranges, the
region comes from the page's store and is resolved again within the caller's scope, and a clicked code must be
one of the units the server draws for it.
"""
from __future__ import annotations

from dash import Input, Output, Patch, State, ctx, no_update

from data.definitions import codes, tiers
from data.definitions.messages import language
from data.read import monitoring
from data.read.views import map_data, map_view
from data.store.storage import NotFound
from layouts import figures, ids, monitoring_page, shell

# Keeps one URL parameter (and the language link, and the page's store) in step with a control.
_KEEP_IN_URL = """function (value, state) {
    const key = '%s';
    if (value === null || value === undefined || value === '') { return window.dash_clientside.no_update; }
    const url = new URL(window.location.href);
    if (url.searchParams.get(key) !== String(value)) {
        url.searchParams.set(key, String(value));
        window.history.replaceState(window.history.state, '', url.toString());
    }
    const other = new URL(url.toString());
    if (other.searchParams.get('lang') === 'en') { other.searchParams.delete('lang'); }
    else { other.searchParams.set('lang', 'en'); }
    const kept = Object.assign({}, state || {});
    kept[key] = value;
    return [other.pathname + other.search, kept];
}"""
CONTROLS = {"period": ids.MON_PERIOD, "min_score": ids.MON_MIN_SCORE, "threshold": ids.MON_THRESHOLD,
            "size": ids.MON_SIZE, "seed": ids.MON_SEED}


def _number(value, low: float, high: float):
    """A number within [low, high] from the browser, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        return None
    return value


def register(app, reading) -> None:
    """``reading()`` gives the request's storage snapshot and the caller's access (dashboard/auth.py)."""
    def page(state):
        """(storage, access, view, lang, state) of the page's store, its region resolved again within the
        caller's scope (an outside region: refused with 403 by the request guard), or None if unknown."""
        state = shell.state_of(state)
        storage, access = reading()
        try:
            view = map_view(storage, access, shell.text(state.get("region")))
        except (codes.InvalidCode, NotFound):
            return None
        return storage, access, view, language(shell.text(state.get("lang"))), state

    def month(storage, period) -> str | None:
        period = shell.text(period)
        return period if period in monitoring.months(storage) else None

    @app.callback(Output(monitoring_page.GO, "href"), Input(ids.MON_MAP, "clickData"), State(ids.MON_STATE, "data"),
                  prevent_initial_call=True)
    def drill(click, state):
        """A click on a unit of the map opens its page, with the state of the controls."""
        found = page(state)
        code = shell.clicked_code(click)
        if found is None or code not in found[2].codes or code == found[2].code:
            return no_update
        kept = found[4]
        target = {key: kept.get(key) for key in monitoring_page.LINK_STATE}
        return shell.href(monitoring_page.PATH, region=code, **target, lang=found[3])

    @app.callback(Output(ids.MON_MAP, "figure"), Output(ids.MON_TREND, "figure"), Output(ids.MON_WHY, "children"),
                  Input(ids.MON_PERIOD, "value"), State(ids.MON_STATE, "data"), prevent_initial_call=True)
    def month_changed(period, state):
        """The month: the map's colours, the trend's marker and why warnings rose."""
        found = page(state)
        if found is None or month(found[0], period) is None:
            return (no_update,) * 3
        storage, access, view, lang, _ = found
        period = month(storage, period)
        data = map_data(storage, access, view, monitoring_page.MAP_METRIC, period, tiers.ALL)
        trend = monitoring_page.warning_trend(storage, view, access)
        marker = Patch()
        marker["layout"]["shapes"][0]["x0"] = period
        marker["layout"]["shapes"][0]["x1"] = period
        why = monitoring_page.rise_note(monitoring.events(storage, access, view.code, period), period, trend, lang)
        return figures.map_patch(data, lang), marker, why

    @app.callback(Output(ids.MON_SUMMARY, "children"), Output(monitoring_page.DRIVERS, "children"),
                  Output(ids.MON_WARNINGS, "data"), Output(monitoring_page.SCORE_NOTE, "children"),
                  Input(ids.MON_PERIOD, "value"), Input(ids.MON_MIN_SCORE, "value"), State(ids.MON_STATE, "data"),
                  prevent_initial_call=True)
    def list_changed(period, min_score, state):
        """The month or the cut: the list of households warned, its summary and drivers, the score note."""
        found = page(state)
        min_score = _number(min_score, 0, 100)
        if found is None or found[2].code is None or min_score is None or month(found[0], period) is None:
            return (no_update,) * 4
        storage, access, view, lang, _ = found
        summary, drivers, rows, _mode = monitoring_page.warning_list(storage, view, access, month(storage, period),
                                                                     min_score, lang)
        return summary, drivers, rows, monitoring_page.score_note(lang, min_score)

    @app.callback(Output(ids.MON_WHATIF_SUMMARY, "children"), Output(ids.MON_WHATIF_MAP, "figure"),
                  Output(ids.MON_WHATIF, "data"), Input(ids.MON_THRESHOLD, "value"), State(ids.MON_STATE, "data"),
                  prevent_initial_call=True)
    def whatif_changed(threshold, state):
        """The threshold: the what-if's text, its map's colours and its table; nothing else moves."""
        found = page(state)
        threshold = _number(threshold, *monitoring.WHATIF_RANGE)
        if found is None or found[2].code is None or threshold is None:
            return (no_update,) * 3
        storage, access, view, lang, _ = found
        result = monitoring_page.whatif_result(storage, view, access, threshold)
        drawn = bool(view.units and result["children"])
        colours = figures.map_patch(monitoring_page.whatif_map_data(view, result), lang) if drawn else no_update
        return monitoring_page.whatif_summary(result, lang), colours, result["children"]

    @app.callback(Output(monitoring_page.SAMPLE_BODY, "children"), Input(ids.MON_SIZE, "value"), Input(ids.MON_SEED, "value"),
                  Input(monitoring_page.SAMPLE_DRAW, "n_clicks"), State(ids.MON_STATE, "data"),
                  prevent_initial_call=True)
    def sample_changed(size, seed, draw, state):
        """The sample's size or seed, or the button (a province's sample is drawn when asked; without a size:
        the default size; a size typed goes into the URL, and a link with a size opens the sample drawn): the
        sample drawn again."""
        found = page(state)
        asked = isinstance(draw, int) and draw > 0 and ctx.triggered_id == monitoring_page.SAMPLE_DRAW
        size, seed = _number(size, 1, monitoring.SAMPLE_MAX), _number(seed, 0, 2 ** 32 - 1)
        if found is None or found[2].code is None or (size is None and not asked) or seed is None:
            return no_update
        storage, access, view, lang, _ = found
        return monitoring_page.sample_body(storage, view, access, None if size is None else int(size), int(seed),
                                           lang)[0]

    for key, control in CONTROLS.items():
        app.clientside_callback(_KEEP_IN_URL % key, Output(ids.LANGUAGE_LINK, "href", allow_duplicate=True),
                                Output(ids.MON_STATE, "data", allow_duplicate=True), Input(control, "value"),
                                State(ids.MON_STATE, "data"), prevent_initial_call=True)
