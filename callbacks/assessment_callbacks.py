"""Assessment workbench callbacks (``/assessment``): the scheme, class and year controls and a click on a
county (ranking bar or table row) rewrite the URL, and the page is rendered from it; the weight sliders
re-rank live — ranking, table and robustness — without saving anything (the what-if label says so, "reset"
restores the scheme's weights); saving a frozen run (evaluators and administrators) and comparing two runs.

Nothing the browser sends is trusted: the scheme, year and class come from the page's store and are read
again through data/read/assessment.py for the caller; weights are bounded numbers keyed by the scheme's own
codes, anything else is dropped.
"""
from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, html, no_update

from data.definitions.access import NotAllowed
from data.definitions.messages import language, t
from data.read import assessment
from data.read.cube import BadParameter
from data.store.storage import NotFound
from layouts import assessment_page as page
from layouts import figures_assessment as charts
from layouts import ids, shell

WEIGHT_ALL = {"type": page.WEIGHT, "kind": ALL, "code": ALL}
WEIGHT_LIMIT = 1000.0


def _lang(state: dict) -> str:
    return language(shell.text(state.get("lang")))


def _shared(state: dict) -> dict:
    """The page's URL state from its store."""
    return page.state_of(shell.text(state.get("scheme")) or assessment.DEFAULT_SCHEME,
                         state.get("version") if isinstance(state.get("version"), int) else None,
                         shell.text(state.get("year")), shell.text(state.get("class")) or assessment.CLASSES[0],
                         shell.text(state.get("county")), shell.text(state.get("indicator")),
                         state.get("seed") if isinstance(state.get("seed"), int) else None,
                         shell.text(state.get("region")))


def weights_of(values, keys, declared: dict) -> dict | None:
    """The sliders' weights as an override ({"dimensions": …, "indicators": …}) of the codes the scheme
    declares; None when every weight is the declared one (no what-if)."""
    out = {"dimensions": {}, "indicators": {}}
    if not isinstance(values, list) or not isinstance(keys, list):
        return None
    for value, key in zip(values, keys):
        kind, code = (key or {}).get("kind"), (key or {}).get("code")
        if kind in out and code in (declared.get(kind) or {}) and isinstance(value, (int, float)) \
                and 0 <= value <= WEIGHT_LIMIT:
            out[kind][code] = float(value)
    changed = any(out[kind].get(code, weight) != weight for kind in out for code, weight in declared.get(kind, {}).items())
    return out if changed else None


def navigate_to(state: dict, **changes) -> str:
    return page.link(_shared(state), _lang(state), **changes)


def register(app, reading) -> None:
    """``reading()`` gives the request's storage snapshot and the caller's access (dashboard/auth.py)."""
    @app.callback(Output(page.GO, "href"), Input(page.SCHEME, "value"), Input(page.CLASS, "value"),
                  Input(page.YEAR, "value"), Input(page.REGION, "value"), Input(page.TABLE, "active_cell"),
                  Input(page.RANKING, "clickData"), State(page.STATE, "data"), prevent_initial_call=True)
    def navigate(scheme, klass, year, region, cell, click, state):
        """A control's or a click's new URL: the page is rendered from it. The output is inside the page, so
        that a load fires nothing (an output outside it, the app's address bar, made Dash run this on every
        load with the controls' values and drop the ``indicator`` the address asked for)."""
        state = shell.state_of(state)
        trigger = ctx.triggered_id
        if trigger == page.SCHEME and shell.text(scheme) and scheme != state.get("scheme"):
            return navigate_to(state, scheme=scheme, version=None, indicator=None)
        if trigger == page.CLASS and shell.text(klass) and klass != state.get("class"):
            return navigate_to(state, **{"class": klass})
        if trigger == page.YEAR and shell.text(year) and year != state.get("year"):
            return navigate_to(state, year=year)
        if trigger == page.REGION and (shell.text(region) or None) != state.get("region"):
            return navigate_to(state, region=shell.text(region) or None, county=None, indicator=None)
        code = shell.text(cell.get("row_id")) if isinstance(cell, dict) and trigger == page.TABLE \
            else shell.clicked_code(click) if trigger == page.RANKING else None
        if not code:
            return no_update
        return navigate_to(state, county=code, indicator=None) + f"#{page.EVIDENCE}"

    @app.callback(Output(page.RANKING, "figure"), Output(page.TABLE, "data"), Output(page.WHATIF, "children"),
                  Output(page.WHATIF, "className"), Output(page.ROBUST, "figure"), Output(page.GRADES, "figure"),
                  Output(page.ROBUST_NOTE, "children"),
                  Input(WEIGHT_ALL, "value"), State(WEIGHT_ALL, "id"), State(page.STATE, "data"),
                  prevent_initial_call=True)
    def reweigh(values, keys, state):
        state = shell.state_of(state)
        lang = _lang(state)
        weights = weights_of(values, keys, state.get("weights") or {})
        storage, access = reading()
        shared = _shared(state)
        scheme, year, klass = state.get("scheme"), shared["year"], state.get("class")
        version = shared["version"]
        try:
            found = assessment.scores(storage, access, scheme, version, year, klass, shared["region"],
                                      weights=weights)
            robust = assessment.robustness(storage, access, scheme, version, year, klass, shared["region"],
                                           weights=weights, seed=shared["seed"])
        except (BadParameter, NotFound):  # all dimension weights at zero, or the scheme gone meanwhile
            return (no_update, no_update, t("assess_whatif_invalid", lang), "notice", no_update, no_update,
                    no_update)
        label = t("assess_whatif_on", lang) if weights else t("assess_whatif_off", lang)
        return (charts.ranking_figure(found, lang), charts.ranking_rows(found, lang), label,
                "notice whatif" if weights else "note", charts.robustness_figure(robust, lang),
                charts.grade_probability_figure(robust, found["grades"], lang), page.robust_note(robust, lang))

    @app.callback(Output(WEIGHT_ALL, "value"), Input(page.RESET, "n_clicks"), State(WEIGHT_ALL, "id"),
                  State(page.STATE, "data"), prevent_initial_call=True)
    def reset(clicks, keys, state):
        declared = shell.state_of(state).get("weights") or {}
        if not clicks or not isinstance(keys, list):
            return no_update
        return [(declared.get((k or {}).get("kind")) or {}).get((k or {}).get("code"), 0) for k in keys]

    @app.callback(Output(page.SAVED, "children"), Output(page.FIRST, "options"), Output(page.SECOND, "options"),
                  Output(page.FIRST, "value"), Output(page.SECOND, "value"),
                  Input(page.SAVE, "n_clicks"), State(page.LABEL, "value"), State(page.STATE, "data"),
                  prevent_initial_call=True)
    def save(clicks, label, state):
        if not clicks:
            return (no_update,) * 5
        state = shell.state_of(state)
        lang = _lang(state)
        shared = _shared(state)
        storage, access = reading()
        label = shell.text(label) or ""
        try:
            saved = assessment.save_run(storage, access, state.get("scheme"), shared["version"], shared["year"],
                                        None, label[:120])
        except NotAllowed:
            return t("assess_save_not_allowed", lang), no_update, no_update, no_update, no_update
        runs = assessment.runs(storage, access)
        options = [{"label": page.run_label(r), "value": r["id"]} for r in runs]
        message = t("assess_saved", lang).format(id=saved["id"], digest=str(saved.get("digest", ""))[:12])
        first = options[1]["value"] if len(options) > 1 else None
        return message, options, options, first, saved["id"]

    @app.callback(Output(page.COMPARISON, "children"), Input(page.FIRST, "value"), Input(page.SECOND, "value"),
                  State(page.STATE, "data"), prevent_initial_call=True)
    def compare(first, second, state):
        storage, access = reading()
        return page.comparison(storage, access, first, second, _lang(shell.state_of(state)))
