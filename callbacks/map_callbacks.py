"""Map page callbacks: a click on the map or the ranking drills in; a metric, period or tier change patches
the map's colours and redraws the ranking, trend, cards and caption.

The browser's state is not trusted: every value is taken as one string or ignored (``shell.text``), the
region comes back from the store and is resolved again within the caller's scope, a clicked code must be
one of the units the server draws for it, and metric, period and tier are checked against the catalog and
the cube. The map is never re-sent: a ``dash.Patch`` carries the values. The URL is kept in step on the
client (``history.replaceState``) so that a copied link opens the view, with the ranking's order and part,
which redraw the ranking alone. The full ranking downloads as CSV or XLSX (data/ingest/spreadsheet.py).
"""
from __future__ import annotations

from dash import Input, Output, State, ctx, dcc, no_update

from data.definitions import codes
from data.definitions.messages import language
from data.ingest import spreadsheet
from data.read.views import map_data, map_view, periods, trend_lines
from data.store.storage import NotFound, Storage
from layouts import figures, ids, map_page, shell
from layouts.map_page import PATH


def _view(storage: Storage, access, state: dict):
    """The view of the region in the page's store, resolved within the caller's scope (None if unknown)."""
    try:
        return map_view(storage, access, shell.text(state.get("region")))
    except (codes.InvalidCode, NotFound):
        return None


def ranking_file(storage: Storage, access, state, metric, period, tier, fmt: str) -> dict | None:
    """The full ranking of the view in the page's store as a ``csv`` or ``xlsx`` download (None if the view
    is unknown): aggregates of the units the caller may see, written by the one spreadsheet writer."""
    state = shell.state_of(state)
    view = _view(storage, access, state)
    if view is None or fmt not in ("csv", "xlsx"):
        return None
    lang = language(shell.text(state.get("lang")))
    metric = map_page.chosen_metric(metric)
    data = map_data(storage, access, view, metric, shell.text(period), map_page.chosen_tier(view, tier))
    name = f"{view.code or 'nation'}-{metric}-{data.period or 'none'}-ranking.{fmt}"
    return dcc.send_bytes(spreadsheet.table_bytes(map_page.ranking_frame(data, lang), fmt, "ranking"), name)


def register(app, reading) -> None:
    """``reading()`` gives the request's storage snapshot and the caller's access (dashboard/auth.py)."""
    @app.callback(Output(ids.URL, "href"), Input(ids.MAP, "clickData"), Input(ids.RANKING, "clickData"),
                  State(ids.MAP_STATE, "data"), State(ids.METRIC, "value"), State(ids.PERIOD, "value"),
                  State(ids.TIER, "value"), State(ids.RANK_ORDER, "value"), State(ids.RANK_SHOW, "value"),
                  prevent_initial_call=True)
    def drill(map_click, ranking_click, state, metric, period, tier, order, show):
        code = shell.clicked_code(ranking_click if ctx.triggered_id == ids.RANKING else map_click)
        state = shell.state_of(state)
        storage, access = reading()
        view = _view(storage, access, state)
        if view is None or code not in view.codes or code == view.code:
            return no_update
        metric = map_page.chosen_metric(metric)
        period = periods(storage, metric, shell.text(period))[1]
        target = {**map_page.link_state(view, metric, period, map_page.chosen_tier(view, tier), shell.text(order),
                                        shell.text(show)), "region": code}
        return shell.href(PATH, **target, lang=language(shell.text(state.get("lang"))))

    @app.callback(Output(ids.PERIOD, "options"), Output(ids.PERIOD, "value"), Input(ids.METRIC, "value"),
                  State(ids.PERIOD, "value"), prevent_initial_call=True)
    def period_choice(metric, period):
        """A metric of another grain (months ↔ years) brings its own periods: the same month or year where
        it has one (a month's year, a year's last month), else its latest."""
        known, shown = periods(reading()[0], map_page.chosen_metric(metric), shell.text(period))
        return map_page.period_options(known), shown

    @app.callback(Output(ids.MAP, "figure"), Output(ids.RANKING, "figure"), Output(ids.TREND, "figure"),
                  Output(ids.KPIS, "children"), Output(ids.MAP_CAPTION, "children"), Output(ids.METRIC_NOTE, "children"),
                  Output(ids.BREADCRUMB, "children"), Output(ids.LANGUAGE_LINK, "href"), Output(ids.RANK_ORDER, "options"),
                  Input(ids.METRIC, "value"), Input(ids.PERIOD, "value"), Input(ids.TIER, "value"),
                  State(ids.RANK_ORDER, "value"), State(ids.RANK_SHOW, "value"),
                  State(ids.MAP_STATE, "data"), prevent_initial_call=True)
    def update(metric, period, tier, order, show, state):
        state = shell.state_of(state)
        storage, access = reading()
        view = _view(storage, access, state)
        if view is None:
            return (no_update,) * 9
        lang = language(shell.text(state.get("lang")))
        metric, tier = map_page.chosen_metric(metric), map_page.chosen_tier(view, tier)
        order, show = figures.rank_order(shell.text(order)), figures.rank_show(shell.text(show))
        data = map_data(storage, access, view, metric, shell.text(period), tier)
        link_state = map_page.link_state(view, metric, data.period, tier, order, show)
        names = figures.unit_names(view.units, lang) if ctx.triggered_id == ids.TIER else None
        return (figures.map_patch(data, lang, names),
                figures.ranking_figure(data, lang, order, show),
                figures.trend_figure(trend_lines(storage, access, view, metric, tier),
                                     data.metric, data.period, lang),
                map_page.kpi_cards(storage, access, view, data.period, lang),
                map_page.caption(view, data, lang),
                map_page.metric_definition(data.metric, lang),
                shell.crumbs(access, lang, PATH, view.lineage, link_state),
                shell.language_href(lang, PATH, link_state),
                figures.rank_order_options(data.metric, lang))

    @app.callback(Output(ids.RANKING, "figure", allow_duplicate=True),
                  Output(ids.BREADCRUMB, "children", allow_duplicate=True),
                  Output(ids.LANGUAGE_LINK, "href", allow_duplicate=True),
                  Input(ids.RANK_ORDER, "value"), Input(ids.RANK_SHOW, "value"),
                  State(ids.METRIC, "value"), State(ids.PERIOD, "value"), State(ids.TIER, "value"),
                  State(ids.MAP_STATE, "data"), prevent_initial_call=True)
    def reorder(order, show, metric, period, tier, state):
        """Best or worst first, all or the top or bottom 10: the ranking alone is redrawn (and the links)."""
        state = shell.state_of(state)
        storage, access = reading()
        view = _view(storage, access, state)
        if view is None:
            return (no_update,) * 3
        lang = language(shell.text(state.get("lang")))
        metric, tier = map_page.chosen_metric(metric), map_page.chosen_tier(view, tier)
        order, show = figures.rank_order(shell.text(order)), figures.rank_show(shell.text(show))
        data = map_data(storage, access, view, metric, shell.text(period), tier)
        link_state = map_page.link_state(view, metric, data.period, tier, order, show)
        return (figures.ranking_figure(data, lang, order, show),
                shell.crumbs(access, lang, PATH, view.lineage, link_state),
                shell.language_href(lang, PATH, link_state))

    @app.callback(Output(ids.RANKING_DOWNLOAD, "data"), Input(ids.RANKING_CSV, "n_clicks"),
                  Input(ids.RANKING_XLSX, "n_clicks"), State(ids.METRIC, "value"), State(ids.PERIOD, "value"),
                  State(ids.TIER, "value"), State(ids.MAP_STATE, "data"), prevent_initial_call=True)
    def download(csv_clicks, xlsx_clicks, metric, period, tier, state):
        """The full ranking of the view (every unit with a value, best first), rebuilt on the server."""
        return ranking_file(*reading(), state, metric, period, tier,
                            "xlsx" if ctx.triggered_id == ids.RANKING_XLSX else "csv") or no_update

    app.clientside_callback(
        """function (metric, period, tier, order, show) {
            const url = new URL(window.location.href);
            const wanted = {metric: metric, period: period, tier: tier === 'all' ? null : tier,
                            order: order === 'best' ? null : order, show: show === 'all' ? null : show};
            let changed = false;
            for (const [key, value] of Object.entries(wanted)) {
                if ((value || null) !== url.searchParams.get(key)) {
                    if (value) { url.searchParams.set(key, value); } else { url.searchParams.delete(key); }
                    changed = true;
                }
            }
            if (changed) { window.history.replaceState(window.history.state, '', url.toString()); }
            return window.dash_clientside.no_update;
        }""",
        Input(ids.METRIC, "value"), Input(ids.PERIOD, "value"), Input(ids.TIER, "value"),
        Input(ids.RANK_ORDER, "value"), Input(ids.RANK_SHOW, "value"), prevent_initial_call=True)
