"""The region report (``/region/<code>/report.pdf`` and ``.xlsx``, ``python -m dashboard report``): the region
profile as one document to hand over.

Assembled here, for the caller, from the same read services, figures and table labels as the profile page
(data/read/profile.py, layouts/figures.py, layouts/profile_tables.py): a cover (region, period, data
version, generation time), the key figures against the parent, the peers' median and the rank, each
chart (the plotly figure's data, drawn by data/ingest/report.py), each table whole with the latest
periods first, the units of the region with their values, and the definition of every metric used.
Written as PDF or XLSX by data/ingest/report.py.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from data.definitions import metrics
from data.definitions.messages import language, localized, t
from data.ingest import report as document_files
from data.ingest.report import Chart, Document, Section, Series, Table, periods_of
from data.read import cube, profile
from data.read.views import map_data, map_view
from layouts import figures, profile_tables, region_page

FORMATS = {"pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MAP_METRIC = region_page.DEFAULT_MAP_METRIC
CHART_UNITS_AT_MOST = 40  # more units than this: the map section is its table only


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
    labelled = profile_tables.labelled(name, frame).drop(columns=["metric"], errors="ignore") if not frame.empty \
        else frame
    return Table(labelled, title=title, flagged=profile_tables.flagged_column(name), no_data=t("no_data_here", lang))


def _facts(values: list[dict], lang: str) -> list[str]:
    return [f"{figures.label(v['metric'], lang)}（{v['period'] or '—'}）："
            f"{figures.format_value(v['value'], v['metric'], lang)}" for v in values]


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
    sections = [Section("key_figures", t("profile_key_figures", lang),
                        [table("key_figures", key, lang)])]
    sections.append(_monitoring(storage, access, place["code"], lang, use))
    sections.append(_employment(storage, access, place["code"], lang, use))
    sections.append(_projects(storage, access, place["code"], lang))
    sections.append(_funds(storage, access, place["code"], lang, use))
    sections.append(_pairing(storage, access, place, lang, use))
    sections.append(_map(storage, access, place, lang, use))
    sections.append(_definitions(used, lang))
    now = now or dt.datetime.now().astimezone()
    month = info.latest.get("monitoring") or "—"
    year = info.latest.get("funds") or info.latest.get("income") or "—"
    lineage = " › ".join(r["name"] for r in place["lineage"])
    cover = [(t("report_region", lang), f"{place['name']}（{place['code']}）"),
             (t("report_lineage", lang), lineage),
             (t("report_period", lang), t("report_period_value", lang).format(month=month, year=year)),
             (t("report_data_version", lang), storage.data_version()),
             (t("report_generated", lang), now.strftime("%Y-%m-%d %H:%M %z")),
             (t("report_generated_for", lang), access.user or "—")]
    tiers = [localized(tier, lang) for tier in place["tiers"]]
    if tiers:
        cover.insert(2, (t("report_tiers", lang), "、".join(tiers)))
    if place["partners"]:
        cover.insert(2, (t("paired_with", lang), "、".join(place["partners"])))
    title = f"{place['name']}{t('profile_title', lang)}"
    return Document(title=title, region=place["code"], cover=cover, sections=sections,
                    page_label=t("report_page", lang), creator=t("app_title", lang),
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
        chart(figures.breakdown_figure(latest, f"{t('by_category', lang)}（{period or '—'}）", "户", lang), lang),
        chart(figures.breakdown_figure(risks, f"{t('by_risk', lang)}（{recent}）", "户", lang,
                                       strip=region_page.RISK_PREFIX), lang),
        chart(figures.breakdown_figure(channels, f"{t('by_channel', lang)}（{recent}）", "户", lang,
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
        chart(figures.breakdown_figure(locations, f"{t('by_location', lang)}（{period or '—'}）", "人", lang,
                                       strip=region_page.EMPLOYED_PREFIX), lang),
        chart(figures.breakdown_figure(modes, f"{t('by_mode', lang)}（{period or '—'}）", "人", lang,
                                       strip=region_page.EMPLOYED_PREFIX), lang),
        table("employment", monthly, lang),
    ])


def _projects(storage, access, code: str, lang: str) -> Section:
    frame = profile.projects(storage, access, code)
    blocks: list = []
    if not frame.empty:
        blocks.append(f"{t('projects_count', lang)}：{len(frame)}，{t('flagged_projects', lang)}："
                      f"{int(frame['flagged'].sum())}")
    blocks.append(table("projects", frame, lang))
    return Section("projects", t("profile_projects", lang), blocks)


def _funds(storage, access, code: str, lang: str, use) -> Section:
    frame = profile.funds_by_use(storage, access, code)
    share = profile.latest_values(storage, access, code, ("funds_industry_share", "funds_spend_rate"))
    use(v["metric"].code for v in share)
    line = metrics.get("funds_industry_share")
    facts = _facts(share, lang) + [f"{t('policy_line', lang)}：{line.target_note}"]
    return Section("funds", t("profile_funds", lang), [*facts, chart(figures.funds_figure(frame, lang), lang),
                                                       table("funds", frame, lang)])


def _pairing(storage, access, place: dict, lang: str, use) -> Section:
    values = profile.latest_values(storage, access, place["code"],
                                   profile.COLLABORATION_METRICS + profile.TEAM_METRICS)
    use(v["metric"].code for v in values)
    partners = "、".join(place["partners"]) or t("none", lang)
    return Section("pairing", t("profile_pairing", lang), [f"{t('paired_with', lang)}：{partners}",
                                                           *_facts(values, lang)])


def _map(storage, access, place: dict, lang: str, use) -> Section:
    """The map's units with the value of the profile map's metric, best ranked first (the choropleth
    itself is not drawn in the document)."""
    view = map_view(storage, access, place["code"])
    data = map_data(storage, access, view, MAP_METRIC, None, None)
    use([MAP_METRIC])
    metric = metrics.get(MAP_METRIC)
    rows = sorted(data.rows, key=lambda r: (r.get("rank") is None, r.get("rank") or 0, r["code"]))
    frame = pd.DataFrame({
        t("ranking_col_rank", lang): [r.get("rank") for r in rows],
        t("ranking_col_code", lang): [r["code"] for r in rows],
        t("ranking_col_name", lang): [r["name"] for r in rows],
        f"{figures.label(metric, lang)}（{figures.unit(metric, lang)}）": [r.get("value") for r in rows],
    })
    title = t("report_map_title", lang).format(metric=figures.label(metric, lang), period=data.period or "—",
                                               level=t(f"level_{view.layer}", lang))
    blocks: list = []
    if len(rows) <= CHART_UNITS_AT_MOST:
        present = [r for r in rows if r.get("value") is not None][::-1]
        blocks.append(Chart(title=title, horizontal=True, no_data=t("no_data_here", lang),
                            series=[Series("", [r["name"] for r in present], [float(r["value"]) for r in present])]))
    blocks.append(Table(frame, title="" if blocks else title, no_data=t("no_data_here", lang)))
    return Section("map", t("profile_map", lang), blocks)


def _definitions(used: list[str], lang: str) -> Section:
    rows = [metrics.get(code) for code in used]
    frame = pd.DataFrame({
        t("report_col_code", lang): [m.code for m in rows],
        t("col_indicator", lang): [figures.label(m, lang) for m in rows],
        t("col_unit", lang): [figures.unit(m, lang) for m in rows],
        t("report_col_definition", lang): [localized(m, lang, zh="definition_zh", en="definition_en") for m in rows],
        t("report_col_target", lang): [m.target_note for m in rows],
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
