"""Monitoring page callbacks: a control change or a click on the map rewrites the URL, and the page is
rendered again from it (layouts/monitoring_page.py), so that every view can be shared as a link.

The browser's state is not trusted: values are taken as single strings or numbers and checked again
by the layout; a clicked code must be one of the units the server draws for the region, within scope.
"""
from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from data.definitions import codes
from data.definitions.messages import language
from data.read.views import map_view
from data.store.storage import NotFound
from layouts import ids, monitoring_page, shell


def register(app, reading) -> None:
    """``reading()`` gives the request's storage snapshot and the caller's access (dashboard/auth.py)."""
    @app.callback(Output(ids.URL, "href", allow_duplicate=True), Input(ids.MON_MAP, "clickData"),
                  Input(ids.MON_PERIOD, "value"), Input(ids.MON_MIN_SCORE, "value"),
                  State(ids.MON_STATE, "data"), prevent_initial_call=True)
    def warning_controls(click, period, min_score, state):
        state = shell.state_of(state)
        target = {key: state.get(key) for key in ("region", "period", "min_score", "threshold", "size", "seed")}
        if ctx.triggered_id == ids.MON_MAP:
            code = shell.clicked_code(click)
            try:
                view = map_view(*reading(), shell.text(state.get("region")))
            except (codes.InvalidCode, NotFound):
                return no_update
            if code not in view.codes or code == view.code:
                return no_update
            target["region"] = code
        target["period"] = shell.text(period) or target["period"]
        target["min_score"] = min_score if isinstance(min_score, (int, float)) else target["min_score"]
        return shell.href(monitoring_page.PATH, **target, lang=language(shell.text(state.get("lang"))))

    for control, key in ((ids.MON_THRESHOLD, "threshold"), (ids.MON_SIZE, "size"), (ids.MON_SEED, "seed")):
        @app.callback(Output(ids.URL, "href", allow_duplicate=True), Input(control, "value"),
                      State(ids.MON_STATE, "data"), prevent_initial_call=True)
        def section_control(value, state, key=key):
            state = shell.state_of(state)
            if not isinstance(value, (int, float)) or value == state.get(key):
                return no_update
            target = {k: state.get(k) for k in ("region", "period", "min_score", "threshold", "size", "seed")}
            target[key] = value
            return shell.href(monitoring_page.PATH, **target, lang=language(shell.text(state.get("lang"))))
