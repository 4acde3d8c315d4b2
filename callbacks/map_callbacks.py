"""Map page callbacks: a click drills into the region; a metric change patches colours only.

The metric callback sends a ``dash.Patch`` (values and hover text), never the figure, and the URL is
kept in step on the client (``history.replaceState``) so that a copied link opens the same view.
"""
from __future__ import annotations

from dash import Input, Output, State, no_update

from data.codes import InvalidCode
from data.storage import NotFound, Storage
from data.views import METRICS, map_view
from dashboard.i18n import language
from layouts import figures, ids, shell
from layouts.map_page import PATH


def register(app, storage: Storage) -> None:
    @app.callback(Output(ids.URL, "href"), Input(ids.MAP, "clickData"), State(ids.MAP_STATE, "data"),
                  State(ids.METRIC, "value"), prevent_initial_call=True)
    def drill(click, state, metric):
        points = (click or {}).get("points") or []
        code = points[0].get("location") if points else None
        if not code or code not in state["codes"] or code == state["region"]:
            return no_update
        return shell.href(PATH, region=code, metric=metric if metric != METRICS[0] else None,
                          lang=state["lang"])

    @app.callback(Output(ids.MAP, "figure"), Input(ids.METRIC, "value"), State(ids.MAP_STATE, "data"),
                  prevent_initial_call=True)
    def recolour(metric, state):
        if metric not in METRICS:
            return no_update
        try:
            view = map_view(storage, state["region"])
        except (InvalidCode, NotFound):
            return no_update
        values = figures.flag_values(view.units, metric, view.in_scope)
        return figures.map_patch(view.units, values, metric, language(state["lang"]))

    app.clientside_callback(
        """function (metric) {
            const url = new URL(window.location.href);
            if (metric && metric !== url.searchParams.get('metric')) {
                url.searchParams.set('metric', metric);
                window.history.replaceState(window.history.state, '', url.toString());
            }
            return window.dash_clientside.no_update;
        }""",
        Input(ids.METRIC, "value"), prevent_initial_call=True)
