"""Map page callbacks: a click drills into the region; a metric change patches colours only.

The browser's state is not trusted: a clicked code must be one of the units the server drew, and the
metric must be known. The metric callback sends a ``dash.Patch`` (values and labels), never the figure;
the URL is kept in step on the client (``history.replaceState``) so that a copied link opens the view.
"""
from __future__ import annotations

from dash import Input, Output, State, no_update

from data.storage import Storage
from data.views import METRICS, map_values
from dashboard.i18n import language
from layouts import figures, ids, shell
from layouts.map_page import PATH, shareable_metric


def _valid_state(state) -> bool:
    return isinstance(state, dict) and isinstance(state.get("codes"), list)


def _clicked_code(click) -> str | None:
    points = click.get("points") if isinstance(click, dict) else None
    point = points[0] if isinstance(points, list) and points else None
    return point.get("location") if isinstance(point, dict) else None


def register(app, storage: Storage) -> None:
    @app.callback(Output(ids.URL, "href"), Input(ids.MAP, "clickData"), State(ids.MAP_STATE, "data"),
                  State(ids.METRIC, "value"), prevent_initial_call=True)
    def drill(click, state, metric):
        code = _clicked_code(click)
        if not _valid_state(state) or code not in state["codes"] or code == state.get("region"):
            return no_update
        return shell.href(PATH, region=code, metric=shareable_metric(metric) if metric in METRICS else None,
                          lang=language(state.get("lang")))

    @app.callback(Output(ids.MAP, "figure"), Input(ids.METRIC, "value"), State(ids.MAP_STATE, "data"),
                  prevent_initial_call=True)
    def recolour(metric, state):
        if metric not in METRICS or not _valid_state(state):
            return no_update
        units = storage.regions_by_codes([c for c in state["codes"] if isinstance(c, str)])
        if len(units) != len(state["codes"]):
            return no_update
        return figures.map_patch(map_values(storage, units, metric), metric, language(state.get("lang")))

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
