"""The region report (``/region/<code>/report.pdf`` and ``.xlsx``, ``python -m dashboard report``): the region
profile as one document to hand over.

Assembled here, for the caller, from the same read services, figures and table labels as the profile page
(data/read/profile.py, layouts/figures.py, layouts/profile_tables.py): a cover (region, period, data
version, generation time), the key figures against the parent, the peers' median and the rank, each
chart (the plotly figure's data, drawn by data/ingest/report.py), each table whole with the latest
periods first, the units of the region on a map (their stored outlines as vector polygons in the colour
classes of the profile map's metric, with a legend) and with their values, and the definition of every metric
used. The month's brief (data/read/brief.py) is the first page after the cover.
Written as PDF or XLSX by data/ingest/report.py.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from data.definitions import labels, metrics
from data.definitions.messages import N_, language, localized, t
from data.ingest import report as document_files
from data.ingest.report import Chart, Document, MapChart, Section, Series, Shape, Table, periods_of
from data.read import brief, cube, profile
from data.read.views import map_data, map_view
from layouts import figures, profile_tables, region_page

FORMATS = {"pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MAP_METRIC = region_page.DEFAULT_MAP_METRIC
MAP_CLASSES = 5  # equal intervals over the web map's colour range (figures.colour_settings)
MAP_NAMED = 3  # units named on the map at each end of the ranking
RDBU = [[0, "#b2182b"], [0.25, "#ef8a62"], [0.5, "#f7f7f7"], [0.75, "#67a9cf"], [1, "#2166ac"]]  # plotly's RdBu


def path(code: str, fmt: str) -> str:
    return f"{region_page.path(code)}/report.{fmt}"


def _values(array) -> list:
    return [] if array is None else list(array)


def chart(figure, lang: str) -> Chart:
    """The data of a profile figure (bars and lines, a horizontal target line) as a chart to draw."""
    layout = figure.layout
    series, horizontal = [], False
    for trace in figure.data:
        if trace.type not in ("bar", "scatter"):
            continue
        if trace.type == "bar" and trace.orientation == "h":
            horizontal = True
            x, y = [str(v) for v in _values(trace.y)], _values(trace.x)
        else:
            x, y = periods_of(_values(trace.x)), _values(trace.y)
        colour = (trace.marker.color if trace.type == "bar" else trace.line.color) or "#8e1b1b"
        series.append(Series(
            name=trace.name or "", x=x, y=[None if v is None or v != v else float(v) for v in y],
            kind="bar" if trace.type == "bar" else "line", colour=colour if isinstance(colour, str) else "#8e1b1b",
            dash=trace.type == "scatter" and trace.line.dash not in (None, "solid"), right=trace.yaxis == "y2"))
    notes = {a.y: a.text for a in layout.annotations if a.yref in (None, "y")}
    lines = [(float(s.y0), notes.get(s.y0, "") or "", s.line.color or "#a61b1b") for s in layout.shapes
             if s.type == "line" and s.y0 is not None and s.y0 == s.y1 and s.xref in ("x domain", "paper")]
    title = layout.title.text or ""
    return Chart(title=title, series=series, horizontal=horizontal, lines=lines, no_data=t("no_data_here", lang),
                 right_axis=t("report_right_axis", lang))


def table(name: str, frame: pd.DataFrame, lang: str, title: str = "") -> Table:
    """A profile table whole, labelled as the page shows it; series with the latest period first."""
    if not frame.empty and "period" in frame:
        frame = frame.sort_values("period", ascending=False, kind="stable").reset_index(drop=True)
    labelled = profile_tables.labelled(name, frame, lang).drop(columns=["metric"], errors="ignore") \
        if not frame.empty else frame
    return Table(labelled, title=title, flagged=profile_tables.flagged_column(name, lang),
                 no_data=t("no_data_here", lang))


def _facts(values: list[dict], lang: str) -> list[str]:
    return region_page.facts_of(values, lang)


def document(storage, access, code: str, lang: str | None = None, now: dt.datetime | None = None) -> Document:
    """The report of region ``code`` for the caller (NotFound / InvalidCode / OutOfScope as the profile
    page; cube.NotBuilt before the figures exist)."""
    lang = language(lang)
    place = profile.region(storage, access, code)
    info = cube.info(storage)
    compare = profile.comparison(storage, access, place)
    used: list[str] = []  # metric codes, in the order they appear

    def use(codes) -> None:
        used.extend(c for c in codes if c in metrics.CATALOG and c not in used)

    key = profile.key_figures(storage, access, place, compare)
    use(key["metric"])
    month_brief = brief.brief(storage, access, place["code"], None, lang)
    use(s["metric"] for s in month_brief["sentences"] if s["metric"])
    sections = [_brief(month_brief, lang),
                Section("key_figures", t("profile_key_figures", lang), [table("key_figures", key, lang)])]
    sections.append(_monitoring(storage, access, place["code"], lang, use))
    sections.append(_employment(storage, access, place["code"], lang, use))
    sections.append(_projects(storage, access, place["code"], lang))
    sections.append(_funds(storage, access, place["code"], lang, use))
    sections.append(_pairing(storage, access, place, lang, use))
    sections.append(_map(storage, access, place, lang, use))
    sections.append(_definitions(used, lang))
    now = now or dt.datetime.now().astimezone()
    month = month_brief["period"] or info.latest.get("monitoring") or "—"
    year = info.latest.get("funds") or info.latest.get("income") or "—"
    lineage = " › ".join(r["name"] for r in place["lineage"])
    cover = [(t("report_region", lang), t("label_with_note", lang).format(name=place["name"], note=place["code"])),
             (t("report_lineage", lang), lineage),
             (t("report_period", lang), t("report_period_value", lang).format(month=month, year=year)),
             (t("report_data_version", lang), storage.data_version()),
             (t("report_generated", lang), now.strftime("%Y-%m-%d %H:%M %z")),
             (t("report_generated_for", lang), access.user or "—")]
    tiers = [localized(tier, lang) for tier in place["tiers"]]
    if tiers:
        cover.insert(2, (t("report_tiers", lang), t("list_separator", lang).join(tiers)))
    if place["partners"]:
        cover.insert(2, (t("paired_with", lang), t("list_separator", lang).join(place["partners"])))
    title = f"{place['name']}{t('profile_title', lang)}"
    return Document(title=title, region=place["code"], cover=cover, sections=sections,
                    page_label=t("report_page", lang), creator=t("app_title", lang),
                    cover_pair=t("label_named_text", lang).format(name="{name}", text="{value}"),
                    cover_separator=t("profile_cover_separator", lang),
                    footer=f"{title} · {t('report_data_version', lang)} {storage.data_version()}")


def _monitoring(storage, access, code: str, lang: str, use) -> Section:
    monthly = profile.monitoring_monthly(storage, access, code)
    period, latest = profile.latest_row(profile.series_table(storage, access, code, profile.CATEGORY_METRICS))
    risks = profile.recent_total(profile.series_table(storage, access, code, profile.RISK_METRICS))
    channels = profile.recent_total(profile.series_table(storage, access, code, profile.CHANNEL_METRICS))
    recent = t("last_12_months", lang)
    use(profile.CATEGORY_METRICS + profile.RISK_METRICS + profile.CHANNEL_METRICS)
    use([c for c in monthly.columns if c != "period"])
    return Section("monitoring", t("profile_monitoring", lang), [
        chart(figures.breakdown_figure(latest, region_page.titled(N_("by_category"), period or "—", lang), "户", lang), lang),
        chart(figures.breakdown_figure(risks, region_page.titled(N_("by_risk"), recent, lang), "户", lang,
                                       strip=region_page.RISK_PREFIX), lang),
        chart(figures.breakdown_figure(channels, region_page.titled(N_("by_channel"), recent, lang), "户", lang,
                                       strip=region_page.RISK_PREFIX), lang),
        chart(figures.flow_figure(monthly, lang), lang),
        chart(figures.days_figure(monthly, lang), lang),
        table("monitoring", monthly, lang),
    ])


def _employment(storage, access, code: str, lang: str, use) -> Section:
    monthly = profile.TABLES["employment"](storage, access, code)
    period, locations = profile.latest_row(profile.series_table(storage, access, code, profile.LOCATION_METRICS))
    _, modes = profile.latest_row(profile.series_table(storage, access, code, profile.MODE_METRICS))
    use([c for c in monthly.columns if c != "period"])
    use(profile.LOCATION_METRICS + profile.MODE_METRICS)
    return Section("employment", t("profile_employment", lang), [
        chart(figures.employment_figure(monthly, lang), lang),
        chart(figures.breakdown_figure(locations, region_page.titled(N_("by_location"), period or "—", lang), "人", lang,
                                       strip=region_page.EMPLOYED_PREFIX), lang),
        chart(figures.breakdown_figure(modes, region_page.titled(N_("by_mode"), period or "—", lang), "人", lang,
                                       strip=region_page.EMPLOYED_PREFIX), lang),
        table("employment", monthly, lang),
    ])


def _projects(storage, access, code: str, lang: str) -> Section:
    frame = profile.projects(storage, access, code)
    blocks: list = []
    if not frame.empty:
        blocks.append(region_page.projects_summary(frame, lang))
    blocks.append(table("projects", frame, lang))
    return Section("projects", t("profile_projects", lang), blocks)


def _funds(storage, access, code: str, lang: str, use) -> Section:
    frame = profile.funds_by_use(storage, access, code)
    share = profile.latest_values(storage, access, code, ("funds_industry_share", "funds_spend_rate"))
    use(v["metric"].code for v in share)
    line = metrics.get("funds_industry_share")
    facts = _facts(share, lang) + [region_page.policy_fact(line, lang)]
    return Section("funds", t("profile_funds", lang), [*facts, chart(figures.funds_figure(frame, lang), lang),
                                                       table("funds", frame, lang)])


def _pairing(storage, access, place: dict, lang: str, use) -> Section:
    values = profile.latest_values(storage, access, place["code"],
                                   profile.COLLABORATION_METRICS + profile.TEAM_METRICS)
    use(v["metric"].code for v in values)
    partners = t("list_separator", lang).join(place["partners"]) or t("none", lang)
    return Section("pairing", t("profile_pairing", lang), [
        t("label_named_text", lang).format(name=t("paired_with", lang), text=partners),
                                                           *_facts(values, lang)])


def _brief(found: dict, lang: str) -> Section:
    """The month in sentences (data/read/brief.py) as the report's first page: each sentence as the profile
    and ``/api/v1/brief`` write it, with its numbers; the rules beneath."""
    rules = f"{found['rules']['largest']} {found['rules']['unusual']}"
    return Section("brief", t("brief_title", lang).format(period=found["period"] or "—"),
                   [f"{document_files.BULLET}{s['text']}" for s in found["sentences"]] + [rules])


def _hex(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def scale_colour(scale, x: float) -> str:
    """The colour at ``x`` (0–1) of a plotly colour scale (stops ``[[position, "#rrggbb"], …]`` or "RdBu")."""
    stops = RDBU if isinstance(scale, str) else scale
    x = min(max(x, 0.0), 1.0)
    for (p0, c0), (p1, c1) in zip(stops, stops[1:]):
        if x <= p1:
            share = 0.0 if p1 == p0 else (x - p0) / (p1 - p0)
            return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in zip(_hex(c0), _hex(c1)))
    return stops[-1][1]


def map_classes(metric, values: list) -> list[tuple[float, float, str]]:
    """Equal-interval classes (low, high, colour) over the colour range the web map uses for these values
    (figures.colour_settings: its scale, by the metric's direction), widened to the values' own extremes."""
    present = [v for v in values if v is not None]
    if not present:
        return []
    settings = figures.colour_settings(metric, present)
    low, high = min(settings["zmin"], min(present)), max(settings["zmax"], max(present))
    inner_low, inner_high = settings["zmin"], settings["zmax"]
    if len(set(present)) == 1:
        return [(present[0], present[0], scale_colour(settings["colorscale"], 0.5))]
    step = (inner_high - inner_low) / MAP_CLASSES
    cuts = [low] + [inner_low + step * i for i in range(1, MAP_CLASSES)] + [high]
    reverse = settings["reversescale"]
    return [(cuts[i], cuts[i + 1], scale_colour(settings["colorscale"],
                                                 1 - (i + 0.5) / MAP_CLASSES if reverse else (i + 0.5) / MAP_CLASSES))
            for i in range(MAP_CLASSES)]


def class_colour(classes: list[tuple[float, float, str]], value) -> str:
    if value is None:
        return figures.NO_DATA
    for _, high, colour in classes:
        if value <= high:
            return colour
    return classes[-1][2]


def _rings(geometry: dict) -> list[list[tuple[float, float]]]:
    """The outer ring of each polygon of a GeoJSON Polygon or MultiPolygon."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else \
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else []
    return [[(float(x), float(y)) for x, y, *_ in polygon[0]] for polygon in polygons if polygon]


def _number(value, metric, lang: str) -> str:
    return f"{value:,.{figures.shown_decimals(metric)}f}"


def value_text(value, metric, lang: str) -> str:
    """A unit's value with its unit, singular or plural as the number shown asks (1 household, 2 households)."""
    if value is None or metric.unit not in labels.UNIT_TEXTS or metric.unit == "%":
        return figures.format_value(value, metric, lang)
    shown = _number(value, metric, lang)
    return f"{shown} {labels.unit_text(metric.unit, float(shown.replace(',', '')), lang)}"


def map_chart(view, data, outlines: list[dict], lang: str) -> MapChart:
    """The choropleth of a map view's units: outlines (profile.map_outlines) coloured by their class of the
    map data's values, the legend, and the units at each end of the ranking named on the map and beneath."""
    metric = data.metric
    rows = {r["code"]: r for r in data.rows}
    classes = map_classes(metric, data.values)
    ranked = sorted((r for r in data.rows if r.get("rank") is not None), key=lambda r: (r["rank"], r["code"]))
    first = ranked[:MAP_NAMED] if len(ranked) >= 2 else []
    last = [r for r in ranked[::-1][:MAP_NAMED] if r not in first][::-1] if len(ranked) >= 2 else []
    named = {r["code"] for r in first + last}
    names = dict(zip([u["code"] for u in view.units], figures.unit_names(view.units, lang)))
    shapes = [Shape(o["code"], names.get(o["code"], o["name"]), _rings(o["geometry"]),
                    class_colour(classes, rows.get(o["code"], {}).get("value")),
                    label=o["name"] if o["code"] in named else "") for o in outlines]
    legend = [(f"{_number(low, metric, lang)} – {_number(high, metric, lang)}", colour)
              for low, high, colour in classes]
    if any(rows.get(s.code, {}).get("value") is None for s in shapes):
        legend.append((t("no_data", lang), figures.NO_DATA))

    def listed(found):
        return t("report_map_separator", lang).join(t("report_map_unit", lang).format(
            rank=r["rank"], name=r["name"], value=value_text(r["value"], metric, lang))
            for r in found)

    order = "rank_best_first" if metric.direction in ("higher_better", "higher_worse") else "rank_highest_first"
    notes = [t("report_map_first", lang).format(order=t(order, lang), units=listed(first)),
             t("report_map_last", lang).format(units=listed(last))] if first else []
    if any(o["illustrative"] for o in outlines):
        notes.append(t("report_map_illustrative", lang))
    title = t("report_map_title", lang).format(metric=figures.label(metric, lang), period=data.period or "—",
                                               level=t(f"level_{view.layer}", lang))
    return MapChart(title=title, shapes=shapes, classes=legend, notes=notes, no_data=t("no_data_here", lang),
                    legend_title=t("report_map_legend", lang).format(
                        metric=figures.label(metric, lang), unit=figures.unit(metric, lang), period=data.period or "—"))


def _map(storage, access, place: dict, lang: str, use) -> Section:
    """The profile map's metric over the region's units: the choropleth of their stored outlines (read for
    the caller through profile.map_outlines, as the map page's /geo layer), then the units ranked."""
    view = map_view(storage, access, place["code"])
    data = map_data(storage, access, view, MAP_METRIC, None, None)
    use([MAP_METRIC])
    metric = metrics.get(MAP_METRIC)
    rows = sorted(data.rows, key=lambda r: (r.get("rank") is None, r.get("rank") or 0, r["code"]))
    frame = pd.DataFrame({
        t("ranking_col_rank", lang): [r.get("rank") for r in rows],
        t("ranking_col_code", lang): [r["code"] for r in rows],
        t("ranking_col_name", lang): [r["name"] for r in rows],
        t("label_with_note", lang).format(name=figures.label(metric, lang), note=figures.unit(metric, lang)):
            [r.get("value") for r in rows],
    })
    drawn = map_chart(view, data, profile.map_outlines(storage, access, view), lang)
    return Section("map", t("profile_map", lang), [drawn, Table(frame, no_data=t("no_data_here", lang))])


def _definitions(used: list[str], lang: str) -> Section:
    rows = [metrics.get(code) for code in used]
    frame = pd.DataFrame({
        t("report_col_code", lang): [m.code for m in rows],
        t("col_indicator", lang): [figures.label(m, lang) for m in rows],
        t("col_unit", lang): [figures.unit(m, lang) for m in rows],
        t("report_col_definition", lang): [localized(m, lang, zh="definition_zh", en="definition_en") for m in rows],
        t("report_col_target", lang): [labels.target_note(m, lang) for m in rows],
    })
    return Section("definitions", t("report_definitions", lang), [Table(frame, no_data=t("no_data_here", lang))])


def render(storage, access, code: str, fmt: str, lang: str | None = None) -> tuple[Document, bytes]:
    """The report of region ``code`` as ``pdf`` or ``xlsx`` bytes, with the document it was written from."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    made = document(storage, access, code, lang)
    return made, (document_files.to_pdf(made) if fmt == "pdf" else document_files.to_xlsx(made))


def file_name(made: Document, fmt: str) -> str:
    return f"{made.region}-{made.title}.{fmt}"
