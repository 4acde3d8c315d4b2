"""Pure figure builders: data in, plotly figure (or ``dash.Patch``) out; unit-tested without a browser.

The map is plotly's SVG geo trace with geometry given by URL (never inline), so a colour change only
sends values; the world basemap is switched off and its topojson served locally (offline intranet).
"""
from __future__ import annotations

import json

import plotly.graph_objects as go
from dash import Patch

from dashboard.i18n import t

FLAG_COLOURS = ("#dfe6ee", "#c0392b")
MAP_HEIGHT = 640


def flag_values(units: list[dict], metric: str, in_scope: set[str]) -> list[int]:
    """0/1 per unit for a yes/no attribute; ``in_scope`` holds the counties with detail and their ancestors."""
    if metric == "in_scope":
        return [int(u["code"] in in_scope or u["code"][:6] + "000000" in in_scope) for u in units]
    return [int(bool(u[metric])) for u in units]


def _colour_axis(metric: str, lang: str) -> dict:
    low, high = FLAG_COLOURS
    return {
        "colorscale": [[0, low], [0.5, low], [0.5, high], [1, high]],
        "zmin": 0, "zmax": 1,
        "colorbar": {"tickvals": [0.25, 0.75], "ticktext": [t("no", lang), t("yes", lang)],
                     "title": {"text": t(f"metric_{metric}", lang), "side": "right"},
                     "thickness": 14, "len": 0.35, "x": 0.99, "y": 0.2},
    }


def _hover(units: list[dict], values: list[int], metric: str, lang: str) -> list[str]:
    answer = {0: t("no", lang), 1: t("yes", lang)}
    return [f"{u['name']}{'（' + t('illustrative', lang) + '）' if u.get('illustrative') else ''}"
            f"<br>{t(f'metric_{metric}', lang)}：{answer[v]}" for u, v in zip(units, values)]


def map_figure(units: list[dict], values: list[int], geojson_url: str, metric: str, lang: str,
               lines: list[str] | None = None) -> go.Figure:
    """Choropleth of ``units`` (dicts with code, name) coloured by ``values``; optional boundary lines."""
    figure = go.Figure(go.Choropleth(
        geojson=geojson_url, featureidkey="id",
        locations=[u["code"] for u in units], z=values,
        text=_hover(units, values, metric, lang), hovertemplate="%{text}<extra></extra>",
        marker={"line": {"width": 0.4, "color": "#ffffff"}},
        **_colour_axis(metric, lang),
    ))
    if lines:
        lon, lat = line_coordinates(lines)
        figure.add_trace(go.Scattergeo(lon=lon, lat=lat, mode="lines", hoverinfo="skip", showlegend=False,
                                       line={"width": 1, "color": "#555"}))
    figure.update_geos(visible=False, fitbounds="locations", projection_type="mercator",
                       resolution=110, bgcolor="rgba(0,0,0,0)")
    figure.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=MAP_HEIGHT,
                         paper_bgcolor="rgba(0,0,0,0)", clickmode="event",
                         font={"family": "WenQuanYi Micro Hei, Microsoft YaHei, sans-serif"})
    return figure


def map_patch(units: list[dict], values: list[int], metric: str, lang: str) -> Patch:
    """Only what a metric change alters: values, hover text and the colour axis."""
    patch = Patch()
    patch["data"][0]["z"] = values
    patch["data"][0]["text"] = _hover(units, values, metric, lang)
    patch["data"][0]["colorbar"]["title"]["text"] = t(f"metric_{metric}", lang)
    return patch


def line_coordinates(lines: list[str]) -> tuple[list, list]:
    """lon/lat arrays (None between parts) of GeoJSON (Multi)LineString texts."""
    lon: list = []
    lat: list = []
    for text in lines:
        geometry = json.loads(text)
        parts = geometry["coordinates"] if geometry["type"] == "MultiLineString" else [geometry["coordinates"]]
        for part in parts:
            lon.extend([p[0] for p in part] + [None])
            lat.extend([p[1] for p in part] + [None])
    return lon, lat
