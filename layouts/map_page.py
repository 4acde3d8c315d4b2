"""The map page (``/``): the choropleth of the selected region's units, a metric choice and a summary.

State lives in the URL: ``/?region=<code>&metric=<metric>&lang=<zh|en>``.
"""
from __future__ import annotations

from dash import dcc, html

from data import codes
from data.storage import NotFound, Storage
from data.views import DEFAULT_METRIC, METRICS, MapView, boundary_line_geometries, map_values, map_view
from dashboard.i18n import language, t
from layouts import figures, ids, shell

PATH = "/"


def layout(storage: Storage, region: str | None = None, metric: str | None = None,
           lang: str | None = None, **_ignored) -> html.Div:
    lang = language(lang)
    metric = metric if metric in METRICS else DEFAULT_METRIC
    try:
        view = map_view(storage, region or None)
    except (codes.InvalidCode, NotFound):
        return shell.frame(html.Div(className="card", children=[
            html.H2(f"{t('not_found', lang)}: {region}"),
            dcc.Link(t("back_to_nation", lang), href=shell.href(PATH, lang=lang))]), lang, PATH, [], {})
    state = {"region": view.region["code"] if view.region else None, "metric": shareable_metric(metric)}
    values = map_values(storage, view.units, metric)
    lines = boundary_line_geometries(storage) if view.region is None else None
    figure = figures.map_figure(view.units, values, view.geojson_url, metric, lang, lines)
    content = html.Div(className="map-page", children=[
        html.Div(className="controls", children=[
            html.Label(t("metric", lang), htmlFor=ids.METRIC),
            dcc.Dropdown(id=ids.METRIC, value=metric, clearable=False, searchable=False,
                         options=[{"label": t(f"metric_{m}", lang), "value": m} for m in METRICS]),
        ]),
        html.Div(className="map-row", children=[
            dcc.Graph(id=ids.MAP, figure=figure, className="map",
                      config={"topojsonURL": "/assets/topojson/", "displaylogo": False,
                              "modeBarButtonsToRemove": ["select2d", "lasso2d"]}),
            summary(view, values, metric, lang),
        ]),
        dcc.Store(id=ids.MAP_STATE, data={"region": view.region["code"] if view.region else None,
                                          "layer": view.layer, "lang": lang,
                                          "codes": view.codes}),
    ])
    return shell.frame(content, lang, PATH, view.lineage, state)


def shareable_metric(metric: str) -> str | None:
    """The metric as it goes into a link (the default is left out, so links stay short)."""
    return None if metric == DEFAULT_METRIC else metric


def summary(view: MapView, values: list[float], metric: str, lang: str) -> html.Aside:
    """Beside the map: what is shown, how many units, the key counties in view, and provenance."""
    title = view.region["name"] if view.region else t("nation", lang)
    key_counties = [u for u in view.units if u["national_key_county"]]
    return html.Aside(id=ids.SUMMARY, className="summary", children=[
        html.H2(title),
        html.P(f"{t('showing', lang)}：{len(view.units)} {t('units', lang)}"
               f"（{t('level_' + view.layer, lang)}）", className="showing"),
        html.P(f"{t(f'metric_{metric}', lang)}：{sum(v == 1 for v in values)} / {len(values)}",
               className="metric-count"),
        html.H3(f"{t('key_counties_here', lang)}（{len(key_counties)}）"),
        html.Ul(className="key-list", children=[
            html.Li(dcc.Link(u["name"], href=shell.href(PATH, region=u["code"], lang=lang)))
            for u in key_counties[:60]] or [html.Li(t("none", lang))]),
        html.P(t("click_to_drill", lang), className="hint"),
        html.P(t("boundary_note", lang), className="note"),
        html.P(t("flag_note", lang), className="note"),
    ])
