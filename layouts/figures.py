"""Pure figure builders: data in, plotly figure (or ``dash.Patch``) out; unit-tested without a browser.

The map is plotly's SVG geo trace with geometry given by URL (never inline), so a colour change only
sends values; the world basemap is switched off and its topojson served locally (offline intranet).
Names travel once, in ``customdata``; a metric change patches the values and their short labels.
"""
from __future__ import annotations

import json

import plotly.graph_objects as go
from dash import Patch

from dashboard.i18n import t

FLAG_COLOURS = ("#dfe6ee", "#b8bec6", "#c0392b")  # no, unknown, yes
MAP_HEIGHT = 640


def _answers(values: list[float], lang: str) -> list[str]:
    labels = {0.0: t("no", lang), 0.5: t("unknown", lang), 1.0: t("yes", lang)}
    return [labels[v] for v in values]


def _colour_axis(metric: str, lang: str) -> dict:
    no, unknown, yes = FLAG_COLOURS
    return {
        "colorscale": [[0, no], [0.33, no], [0.33, unknown], [0.67, unknown], [0.67, yes], [1, yes]],
        "zmin": 0, "zmax": 1,
        "colorbar": {"tickvals": [1 / 6, 0.5, 5 / 6], "ticktext": [t("no", lang), t("unknown", lang), t("yes", lang)],
                     "title": {"text": t(f"metric_{metric}", lang), "side": "right"},
                     "thickness": 14, "len": 0.35, "x": 0.99, "y": 0.2},
    }


def _hovertemplate(metric: str, lang: str) -> str:
    return f"%{{customdata}}<br>{t(f'metric_{metric}', lang)}：%{{text}}<extra></extra>"


def map_figure(units: list[dict], values: list[float], geojson_url: str, metric: str, lang: str,
               lines: list[str] | None = None) -> go.Figure:
    """Choropleth of ``units`` (dicts with code, name) coloured by ``values``; optional boundary lines."""
    names = [u["name"] + (f"（{t('illustrative', lang)}）" if u.get("illustrative") else "") for u in units]
    figure = go.Figure(go.Choropleth(
        geojson=geojson_url, featureidkey="id",
        locations=[u["code"] for u in units], z=values, customdata=names,
        text=_answers(values, lang), hovertemplate=_hovertemplate(metric, lang),
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


def map_patch(values: list[float], metric: str, lang: str) -> Patch:
    """Only what a metric change alters: values, their labels, the hover template and colour-bar title."""
    patch = Patch()
    patch["data"][0]["z"] = values
    patch["data"][0]["text"] = _answers(values, lang)
    patch["data"][0]["hovertemplate"] = _hovertemplate(metric, lang)
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
