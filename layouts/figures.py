"""Pure figure builders: data in, plotly figure (or ``dash.Patch``) out; unit-tested without a browser.

The map is plotly's SVG geo trace with geometry given by URL (never inline), so a colour change only
sends values; the world basemap is switched off and its topojson served locally (offline intranet).
It has three choropleth traces over the same units, drawn in this order:

0. every unit (names travel once, here): grey "no data", or, when a tier is chosen, pale "not in the tier";
1. when a tier is chosen, its members in grey "no data" (a tier change patches these two traces only);
2. the metric: a unit without a value has no shape here, so the trace beneath shows and answers the hover.

A metric or period change patches trace 2's values, ranks and changes and the legend, nothing else.
Sequential colours for levels (reds where higher is worse, blues otherwise), diverging around zero for
changes; the range is the 2nd–98th percentile so that one outlier does not wash the map out.
"""
from __future__ import annotations

import json
import math

import plotly.graph_objects as go
from dash import Patch

from data.definitions import labels, policy
from data.definitions.messages import localized, t
from data.definitions.metrics import CATALOG as METRICS
from data.definitions.metrics import HORIZON, Metric
from data.definitions.metrics import UNITS as UNITS_EN
from data.read.views import MapData, TrendLine

MAP_HEIGHT = 620
# The legend lies below the map, in a band of its own (never over a unit, at any width: issue 17.7).
LEGEND_SHARE = 0.16  # of the figure's height, under the map's plot area
LEGEND_BELOW = {"orientation": "h", "thickness": 12, "len": 0.6, "lenmode": "fraction", "x": 0.5, "xanchor": "center",
                "y": 0, "yanchor": "bottom", "outlinewidth": 0}
NO_DATA = "#c9cfd6"
OUTSIDE_TIER = "#eef1f4"
FONT = {"family": "WenQuanYi Micro Hei, Microsoft YaHei, sans-serif"}
# Sequential scales start from a visible tint, so that the lowest value is never mistaken for "no data".
WORSE = [[0, "#fde0d2"], [0.25, "#fcae91"], [0.5, "#fb6a4a"], [0.75, "#de2d26"], [1, "#99000d"]]
BETTER = [[0, "#deebf7"], [0.25, "#9ecae1"], [0.5, "#6baed6"], [0.75, "#3182bd"], [1, "#08519c"]]
NEUTRAL = [[0, "#d9f0ea"], [0.5, "#5fb3a1"], [1, "#1b6b5c"]]
DIVERGING = "RdBu"  # red low, blue high
DATA_TRACE = 2
SERIES_COLOURS = {"region": "#8e1b1b", "parent": "#1f5fa8", "peers": "#7f8c8d"}


def label(metric: Metric, lang: str) -> str:
    return localized(metric, lang)


def unit(metric: Metric, lang: str) -> str:
    return localized(metric, lang, zh="unit", en="unit_en")


def shown_decimals(metric: Metric) -> int:
    """Decimals on screen: whole numbers for counts, sums, days and yuan; one decimal for rates."""
    return 0 if metric.decimals == 0 or metric.unit.startswith("元") else 1


def format_value(value: float | None, metric: Metric, lang: str = "zh", signed: bool = False) -> str:
    if value is None:
        return "—"
    text = f"{value:{'+' if signed else ''},.{shown_decimals(metric)}f}"
    if metric.unit == "%":
        return f"{text}{t('signed_points', lang) if signed else '%'}"
    return f"{text} {labels.unit_text(metric.unit, round(value, shown_decimals(metric)), lang)}"  # 1 household


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, math.floor(share * (len(ordered) - 1) + 0.5)))]


def colour_settings(metric: Metric, values: list[float | None]) -> dict:
    """Colour scale and range for the values on screen (the same rule at every level)."""
    present = sorted(v for v in values if v is not None) or [0.0, 1.0]
    low, high = (present[0], present[-1]) if len(present) < 20 else (_percentile(present, 0.02), _percentile(present, 0.98))
    if metric.kind == "growth":
        reach = max(abs(low), abs(high)) or 1.0
        return {"colorscale": DIVERGING, "reversescale": metric.direction == "higher_worse",
                "zmin": -reach, "zmax": reach, "zmid": 0}
    if high <= low:
        high = low + 1.0
    scale = {"higher_worse": WORSE, "higher_better": BETTER}.get(metric.direction or "", NEUTRAL)
    return {"colorscale": scale, "reversescale": False, "zmin": low, "zmax": high, "zmid": None}


def legend_title(data: MapData, lang: str) -> str:
    metric = data.metric
    return f"{label(metric, lang)}<br>{unit(metric, lang)} · {data.period or '—'}"


def _hovertemplate(data: MapData, lang: str) -> str:
    metric = data.metric
    value = f"%{{z:,.{shown_decimals(metric)}f}}{'' if metric.unit == '%' else ' '}{unit(metric, lang)}"
    previous = data.previous_period or "—"
    change_unit = t("points_unit", lang) if metric.unit == "%" else unit(metric, lang)
    lines = [t("hover_value", lang).format(label=label(metric, lang), value=value),
             t("hover_rank", lang).format(rank="%{customdata[0]}", n=data.with_data),
             t("hover_change", lang).format(previous=previous, unit=change_unit, change="%{customdata[1]}")]
    return "<b>%{text}</b><br>" + "<br>".join(lines) + f"<extra>{data.period or ''}</extra>"


def _data_arrays(data: MapData) -> dict:
    digits = data.metric.decimals
    return {
        "z": [None if v is None else round(v, digits) for v in data.values],
        # Units without a value are not drawn on this trace: their rank and change are never shown.
        "customdata": [None if r["value"] is None else [r.get("rank"), _change_text(r["change"], data.metric)]
                       for r in data.rows],
    }


def _change_text(change: float | None, metric: Metric) -> str:
    if change is None:
        return "—"
    return f"{change:+,.{shown_decimals(metric)}f}"


def _tiered(data: MapData) -> bool:
    return not all(r["in_tier"] for r in data.rows)


def _base(data: MapData, lang: str) -> dict:
    """Colour and hover of trace 0: no data, or outside the tier when one is chosen."""
    if not _tiered(data):
        colour, hover = NO_DATA, t("no_data", lang)
    else:
        colour, hover = OUTSIDE_TIER, t("label_named_text", lang).format(name=t("outside_tier", lang),
                                                                         text=localized(data.tier, lang))
    return {"colorscale": [[0, colour], [1, colour]], "hovertemplate": f"<b>%{{text}}</b><br>{hover}<extra></extra>"}


def _members(data: MapData, names: list[str]) -> dict:
    """Locations, names and values of trace 1: the tier's members (none without a tier)."""
    members = [i for i, r in enumerate(data.rows) if r["in_tier"]] if _tiered(data) else []
    return {"locations": [data.rows[i]["code"] for i in members], "text": [names[i] for i in members],
            "z": [0] * len(members)}


def unit_names(units: list[dict], lang: str) -> list[str]:
    return [t("label_with_note", lang).format(name=u["name"], note=t("illustrative", lang)) if u.get("illustrative")
            else u["name"] for u in units]


def map_figure(units: list[dict], data: MapData, geojson_url: str, lang: str,
               lines: list[str] | None = None) -> dict:
    """Choropleth of ``units`` (dicts with code, name) coloured by ``data``; optional boundary lines.

    A plain figure dict: plotly's validation of graph objects took 0.5 s for the national layer
    (tests validate the dict with ``go.Figure`` instead).
    """
    names = unit_names(units, lang)
    codes = [u["code"] for u in units]
    shape = {"type": "choropleth", "geojson": geojson_url, "featureidkey": "id", "showscale": False,
             "marker": {"line": {"width": 0.4, "color": "#ffffff"}}}
    traces = [
        {**shape, "locations": codes, "z": [0] * len(codes), "text": names, **_base(data, lang)},
        {**shape, "colorscale": [[0, NO_DATA], [1, NO_DATA]], **_members(data, names),
         "hovertemplate": f"<b>%{{text}}</b><br>{t('no_data', lang)}<extra></extra>"},
        {**shape, "showscale": True, "locations": codes, "text": names, "hovertemplate": _hovertemplate(data, lang),
         "colorbar": LEGEND_BELOW | {"title": {"text": legend_title(data, lang), "side": "top"}},
         **_data_arrays(data), **colour_settings(data.metric, data.values)},
    ]
    if lines:
        lon, lat = line_coordinates(lines)
        traces.append({"type": "scattergeo", "lon": lon, "lat": lat, "mode": "lines", "hoverinfo": "skip",
                       "showlegend": False, "line": {"width": 1, "color": "#555"}})
    return {"data": traces, "layout": {
        "geo": {"visible": False, "fitbounds": "locations", "projection": {"type": "mercator"}, "resolution": 110,
                "bgcolor": "rgba(0,0,0,0)", "domain": {"x": [0, 1], "y": [LEGEND_SHARE, 1]}},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "height": MAP_HEIGHT, "paper_bgcolor": "rgba(0,0,0,0)",
        "clickmode": "event", "font": FONT}}


def map_patch(data: MapData, lang: str, names: list[str] | None = None) -> Patch:
    """What a metric or period change alters: values, ranks, changes, colours and legend of trace 2.

    With ``names`` (the units' names, in order) the tier changed too: traces 0 and 1 follow it.
    """
    patch = Patch()
    arrays = _data_arrays(data)
    colours = colour_settings(data.metric, data.values)
    for key, value in {**arrays, **colours, "hovertemplate": _hovertemplate(data, lang)}.items():
        patch["data"][DATA_TRACE][key] = value
    patch["data"][DATA_TRACE]["colorbar"]["title"]["text"] = legend_title(data, lang)
    if names is not None:
        for key, value in _base(data, lang).items():
            patch["data"][0][key] = value
        for key, value in _members(data, names).items():
            patch["data"][1][key] = value
    return patch


RANK_ORDERS = ("best", "worst")  # the ranking's order: rank 1 (the best by the metric's direction) first, or last
RANK_SHOWS = ("all", "top10", "bottom10")  # which part of the ranking is drawn
RANK_PART = 10


def rank_order(value) -> str:
    """An order the ranking offers, or the default (anything else a link or a browser sends)."""
    return value if isinstance(value, str) and value in RANK_ORDERS else RANK_ORDERS[0]


def rank_show(value) -> str:
    return value if isinstance(value, str) and value in RANK_SHOWS else RANK_SHOWS[0]


def rank_order_options(metric: Metric, lang: str) -> list[dict]:
    """"Best first / worst first" where the metric has a direction, else "highest / lowest first"."""
    labels = ((t("rank_best_first", lang), t("rank_worst_first", lang)) if metric.direction else
              (t("rank_highest_first", lang), t("rank_lowest_first", lang)))
    return [{"label": text, "value": value} for text, value in zip(labels, RANK_ORDERS)]


def rank_show_options(lang: str) -> list[dict]:
    labels = (t("rank_show_all", lang), t("rank_show_top", lang).format(n=RANK_PART),
              t("rank_show_bottom", lang).format(n=RANK_PART))
    return [{"label": text, "value": value} for text, value in zip(labels, RANK_SHOWS)]


def rank_rule(metric: Metric, lang: str) -> str:
    """How the ranking orders: rank 1 is the best (where the metric has a direction) or the highest."""
    return t("rank_best_first" if metric.direction else "rank_highest_first", lang)


def ranking_rows(data: MapData, order=None, show=None) -> list[dict]:
    """The ranked units in drawing order (top to bottom): all, the best or the worst ``RANK_PART`` of them,
    rank 1 first (``best``) or last (``worst``). Ranks are the read service's (by the metric's direction)."""
    ranked = sorted((r for r in data.rows if r["value"] is not None), key=lambda r: (r["rank"], r["code"]))
    show = rank_show(show)
    if show == "top10":
        ranked = ranked[:RANK_PART]
    elif show == "bottom10":
        ranked = ranked[-RANK_PART:]
    return ranked[::-1] if rank_order(order) == "worst" else ranked


def ranking_figure(data: MapData, lang: str, order=None, show=None) -> dict:
    """Horizontal bars of the units with a value (see :func:`ranking_rows`), each labelled with its rank.

    A plain figure dict, like the map's: validating 2,891 bars as graph objects took 2 s (tests validate the
    dict with ``go.Figure``).
    """
    ranked = ranking_rows(data, order, show)
    metric = data.metric
    colours = colour_settings(metric, data.values)
    values = [r["value"] for r in ranked]
    bar = {"type": "bar", "orientation": "h", "x": values, "y": [f"{r['rank']}. {r['name']}" for r in ranked],
           "customdata": [r["code"] for r in ranked],
           "text": [format_value(r["value"], metric, lang) for r in ranked], "textposition": "outside",
           "cliponaxis": False,
           # Text colour given: plotly would otherwise derive it from the numeric colours and warn.
           "outsidetextfont": {"color": "#1f2d3d"},
           "marker": {"color": values, "colorscale": colours["colorscale"], "reversescale": colours["reversescale"],
                      "cmin": colours["zmin"], "cmax": colours["zmax"], "line": {"width": 0}},
           "hovertemplate": "%{y}: %{text}<extra></extra>"}
    show = rank_show(show)
    shown = (t("ranking_shown_all", lang).format(n=data.with_data) if show == "all" else
             t("ranking_shown" if show == "top10" else "ranking_shown_bottom", lang).format(
                 shown=len(ranked), n=data.with_data))
    xaxis = {"title": {"text": unit(metric, lang)}, "fixedrange": True, "automargin": True}
    if ranked:  # room for the values' text beyond the longest bar (and the policy line)
        longest = max(values + ([metric.target] if metric.target is not None else []))
        shortest = min(0.0, min(values))
        xaxis["range"] = [shortest * 1.25, longest * 1.3 if longest > 0 else 1]
    layout = {
        "title": {"text": t("ranking_title", lang).format(label=label(metric, lang), shown=shown,
                                                           period=data.period or "—"), "font": {"size": 14}},
        "height": max(220, 60 + 22 * len(ranked)), "margin": {"l": 8, "r": 24, "t": 40, "b": 24},
        "yaxis": {"autorange": "reversed", "automargin": True, "fixedrange": True, "type": "category"},
        "xaxis": xaxis, "font": FONT, "paper_bgcolor": "#fff", "plot_bgcolor": "#fff", "clickmode": "event",
        "dragmode": False, "shapes": [], "annotations": []}
    if metric.target is not None:
        layout["shapes"].append({"type": "line", "xref": "x", "yref": "y domain", "x0": metric.target,
                                 "x1": metric.target, "y0": 0, "y1": 1, "line": {"dash": "dash", "color": "#555"}})
        layout["annotations"].append({"xref": "x", "yref": "y domain", "x": metric.target, "y": 1, "showarrow": False,
                                      "xanchor": "left", "yanchor": "bottom",
                                      "text": t("ranking_target", lang).format(target=metric.target)})
    if not ranked:
        layout["annotations"].append(_no_data_note(lang))
    return {"data": [bar], "layout": layout}


def trend_label(line: TrendLine, lang: str) -> str:
    """A trend line's name: the region's (the nation's), or what the peers' median is taken over."""
    if line.peers is None:
        return line.name or t("nation", lang)
    group = line.peers
    if group.kind == "province_counties" and not group.tier_applies:
        key = "peers_province_counties_all"
    elif group.kind == "siblings":
        key = f"peers_siblings_{group.level}"
    else:
        key = f"peers_{group.kind}"
    tier_name = localized(group.tier, lang)
    return t(key, lang).format(tier=tier_name, n=len(group.codes))


def period_date(period: str) -> str:
    """A period (``YYYY`` or ``YYYY-MM``) as the date it starts, for a time axis.

    Never the bare year: plotly.js reads a number-like value on a category axis as a category index, so
    a marker at "2026" stretched the axis to index 2026 and drew every year at "2023".
    """
    return f"{period}-01-01" if len(period) == 4 else f"{period}-01"


def time_axis(periods: list[str]) -> dict:
    """A date axis for ``periods`` (all of one grain): a tick per year for years, per 1, 3 or 6 months for
    months as their number grows; labelled ``2024`` or ``2024-07`` in every language."""
    if periods and len(periods[0]) == 4:
        return {"type": "date", "tickformat": "%Y", "dtick": "M12", "tick0": "2000-01-01", "hoverformat": "%Y"}
    step = 1 if len(periods) <= 8 else 3 if len(periods) <= 24 else 6
    return {"type": "date", "tickformat": "%Y-%m", "dtick": f"M{step}", "tick0": "2000-01-01", "hoverformat": "%Y-%m"}


def trend_figure(lines: list[TrendLine], metric: Metric, period: str | None, lang: str) -> go.Figure:
    """The selected region against its parent and the median of its peers, every period of the metric, on a
    time axis (one position per year or month, in time order)."""
    figure = go.Figure()
    every = sorted({p["period"] for line in lines for p in line.points})
    for line in lines:
        name = trend_label(line, lang)
        points = sorted(line.points, key=lambda p: p["period"])
        figure.add_trace(go.Scatter(
            x=[period_date(p["period"]) for p in points], y=[p["value"] for p in points], name=name,
            customdata=[p["period"] for p in points],
            mode="lines+markers", line={"color": SERIES_COLOURS[line.key], "width": 3 if line.key == "region" else 1.5,
                                        "dash": "dot" if line.key == "peers" else "solid"},
            marker={"size": 4}, connectgaps=False,
            hovertemplate=t("hover_value", lang).format(
                label=name, value=f"%{{y:,.{shown_decimals(metric)}f}} {unit(metric, lang)}") + "<extra>%{customdata}</extra>"))
    if metric.target is not None:
        figure.add_hline(y=metric.target, line={"dash": "dash", "color": "#555", "width": 1},
                         annotation_text=labels.target_note(metric, lang) or str(metric.target))
    if period:
        figure.add_vline(x=period_date(period), line={"color": "#8e1b1b", "width": 1, "dash": "dot"})
    figure.update_layout(
        title={"text": t("trend_title", lang).format(label=label(metric, lang), unit=unit(metric, lang)),
               "font": {"size": 14}},
        height=300, margin={"l": 8, "r": 8, "t": 40, "b": 8}, font=FONT, paper_bgcolor="#fff", plot_bgcolor="#fff",
        legend={"orientation": "h", "y": -0.15},
        xaxis={**time_axis(every or ([period] if period else [])), "automargin": True, "tickangle": 0},
        yaxis={"automargin": True, "rangemode": "tozero" if metric.kind != "growth" else "normal"})
    if not any(p["value"] is not None for line in lines for p in line.points):
        _say_no_data(figure, lang)
    return figure


# -- the region profile (frames keyed by codes: data/read/profile.py) ------------------------------------
def _short(code: str, lang: str, strip: str) -> str:
    """A metric's name as a category label: 当月新识别（因病） → 因病; English: the catalog's name."""
    metric = METRICS[code]
    if lang == "en":
        return metric.en.split("(")[-1].rstrip(")") if "(" in metric.en else metric.en
    if strip and metric.zh.startswith(strip):
        return metric.zh[len(strip):].strip("（）")
    return metric.zh


def _small_layout(figure: go.Figure, title: str, height: int = 260) -> go.Figure:
    figure.update_layout(title={"text": title, "font": {"size": 14}}, height=height, font=FONT,
                         margin={"l": 8, "r": 8, "t": 40, "b": 8}, paper_bgcolor="#fff", plot_bgcolor="#fff",
                         legend={"orientation": "h", "y": -0.2}, dragmode=False)
    figure.update_xaxes(fixedrange=True, automargin=True)
    figure.update_yaxes(fixedrange=True, automargin=True)
    return figure


def breakdown_figure(values, title: str, unit_zh: str, lang: str, strip: str = "") -> go.Figure:
    """Horizontal bars of a breakdown (a Series: metric code → value), largest first."""
    present = [(str(k), float(v)) for k, v in values.items() if v is not None and v == v] if len(values) else []
    present.sort(key=lambda kv: kv[1])
    figure = go.Figure(go.Bar(x=[v for _, v in present], y=[_short(k, lang, strip) for k, _ in present],
                              orientation="h", marker={"color": "#8e1b1b"}, text=[f"{v:,.0f}" for _, v in present],
                              textposition="auto", insidetextfont={"color": "#ffffff"},
                              outsidetextfont={"color": "#1f2d3d"},
                              hovertemplate=t("hover_value", lang).format(
                                  label="%{y}", value=f"%{{x:,.0f}} {localized((unit_zh, UNITS_EN.get(unit_zh, unit_zh)), lang)}")
                              + "<extra></extra>"))
    _small_layout(figure, title, height=max(200, 70 + 24 * len(present)))
    if not present or not any(v for _, v in present):
        _say_no_data(figure, lang)
    return figure


def _dates(monthly) -> list[str]:
    """The periods of a profile frame as dates for a time axis (see :func:`period_date`)."""
    return [period_date(str(p)) for p in monthly["period"]] if "period" in monthly else []


def flow_figure(monthly, lang: str) -> go.Figure:
    """Newly identified and risk eliminated per month (bars)."""
    figure = go.Figure()
    for column, name, colour in (("newly_identified_households", "flow_identified", "#c0392b"),
                                 ("risk_eliminated_in_month", "flow_eliminated", "#1d7a36")):
        if column in monthly:
            figure.add_trace(go.Bar(x=_dates(monthly), y=monthly[column], name=t(name, lang),
                                    marker={"color": colour}))
    figure.update_layout(barmode="group", xaxis={**time_axis(list(monthly["period"])), "tickangle": 0})
    return _small_layout(figure, t("flow_title", lang), height=280)


def days_figure(monthly, lang: str) -> go.Figure:
    """Median and 90th-percentile days from identification to the first measure, with the target."""
    figure = go.Figure()
    for column, dash in (("median_days_to_assistance", "solid"), ("p90_days_to_assistance", "dot")):
        if column in monthly:
            figure.add_trace(go.Scatter(x=_dates(monthly), y=monthly[column], name=label(METRICS[column], lang),
                                        mode="lines+markers", line={"color": "#1f5fa8", "dash": dash},
                                        marker={"size": 4}))
    target = METRICS["median_days_to_assistance"].target
    figure.add_hline(y=target, line={"dash": "dash", "color": "#a61b1b", "width": 1},
                     annotation_text=t("days_target", lang).format(days=f"{target:g}"))
    figure.update_layout(xaxis={**time_axis(list(monthly["period"])), "tickangle": 0}, yaxis={"rangemode": "tozero"})
    return _small_layout(figure, t("days_title", lang), height=280)


def employment_figure(monthly, lang: str) -> go.Figure:
    """Former-poor labourers employed (bars) and the employment rate (line, right axis), by month:
    the dip around the Spring Festival shows."""
    figure = go.Figure()
    if "labourers_employed" in monthly:
        figure.add_trace(go.Bar(x=_dates(monthly), y=monthly["labourers_employed"], marker={"color": "#9ecae1"},
                                name=label(METRICS["labourers_employed"], lang)))
    if "employment_rate" in monthly:
        figure.add_trace(go.Scatter(x=_dates(monthly), y=monthly["employment_rate"], yaxis="y2",
                                    mode="lines+markers", line={"color": "#8e1b1b"}, marker={"size": 4},
                                    name=label(METRICS["employment_rate"], lang)))
    figure.update_layout(xaxis={**time_axis(list(monthly["period"])), "tickangle": 0},
                         yaxis={"title": t("unit_people", lang)},
                         yaxis2={"overlaying": "y", "side": "right", "title": "%", "rangemode": "tozero"})
    return _small_layout(figure, t("employment_title", lang), height=300)


def funds_figure(frame, lang: str) -> go.Figure:
    """Connection funds allocated and spent by use in the latest year (uses in the official Chinese terms)."""
    figure = go.Figure()
    if len(frame):
        year = frame["year"].max()
        latest = frame[frame["year"] == year]
        uses = [labels.value_label("funds", "use", v, lang) for v in latest["use"]]
        for column, colour in (("allocated", "#9ecae1"), ("spent", "#1f5fa8")):
            figure.add_trace(go.Bar(x=uses, y=latest[column] / 1e4, name=t(f"funds_{column}", lang),
                                    marker={"color": colour}, hovertemplate=t("hover_value", lang).format(
                                        label="%{x}", value=f"%{{y:,.1f}} {t('label_unit_ten_thousand_yuan', lang)}")
                                    + "<extra></extra>"))
        title = t("funds_title", lang).format(year=year)
    else:
        title = t("funds_title_empty", lang)
    figure.update_layout(barmode="group")
    _small_layout(figure, title, height=280)
    if not len(frame):
        _say_no_data(figure, lang)
    return figure


def _no_data_note(lang: str) -> dict:
    return {"text": t("no_data_here", lang), "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
            "font": {"size": 14, "color": "#5d6b7a"}}


def _say_no_data(figure: go.Figure, lang: str) -> None:
    figure.add_annotation(**_no_data_note(lang))


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


def warning_trend_figure(series: list[dict], period: str | None, lang: str) -> go.Figure:
    """Early-warning households month by month, the chosen month marked."""
    figure = go.Figure(go.Scatter(x=[p["period"] for p in series], y=[p["value"] for p in series], mode="lines+markers",
                                  line={"color": SERIES_COLOURS["region"]}, marker={"size": 4},
                                  hovertemplate="%{x}: %{y:,.0f}<extra></extra>"))
    if period:
        figure.add_vline(x=period, line={"color": "#999", "dash": "dot"})
    _small_layout(figure, t("warning_trend", lang).format(cut=policy.WARNING_CUT))
    if not any(p["value"] for p in series):
        _say_no_data(figure, lang)
    return figure


def calibration_figure(bands: list[dict], lang: str) -> go.Figure:
    """Calibration: the share of each score band identified within the horizon."""
    figure = go.Figure(go.Bar(x=[b["band"] for b in bands], y=[b["rate"] for b in bands], marker={"color": "#de2d26"},
                              customdata=[b["households"] for b in bands],
                              hovertemplate="%{x}: %{y}% (n=%{customdata:,})<extra></extra>"))
    _small_layout(figure, t("calibration", lang).format(horizon=HORIZON))
    figure.update_yaxes(ticksuffix="%")
    return figure


def overdue_heatmap(heat: list[dict], lang: str) -> go.Figure:
    """Overdue cases by township (rows) and month of identification (columns), as coloured squares (the
    partial plotly bundle has no heatmap trace)."""
    figure = go.Figure()
    if heat:
        figure.add_trace(go.Scatter(
            x=[h["month"] for h in heat], y=[h["township_name"] for h in heat], mode="markers",
            marker={"symbol": "square", "size": 14, "color": [h["overdue"] for h in heat], "colorscale": WORSE,
                    "cmin": 0, "showscale": True, "colorbar": {"thickness": 10}},
            customdata=[h["overdue"] for h in heat], hovertemplate="%{y} %{x}: %{customdata}<extra></extra>"))
    _small_layout(figure, t("overdue_heat", lang), height=320)
    if not heat:
        _say_no_data(figure, lang)
    return figure
