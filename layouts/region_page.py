"""The region profile (``/region/<code>``, for a county the 县域画像): one printable page.

Key figures against the previous period, the parent and the peers; monitoring; employment; industry
projects; funds; East–West pairing and village teams; a map of its units for a chosen metric. Tables
sort in the page and download as CSV or XLSX (the same frames, from :mod:`data.profile`).
``/region/<code>?metric=<metric>&lang=<zh|en>``.
"""
from __future__ import annotations

import pandas as pd
from dash import dash_table, dcc, html

from data.definitions import codes, labels, metrics
from data.definitions.messages import N_, language, localized, t
from data.read import brief, cube, profile
from data.read.views import map_data, map_view
from data.store.storage import NotFound, Storage
from layouts import figures, ids, map_page, profile_tables, shell

PATH_PREFIX = "/region/"
PATH_TEMPLATE = PATH_PREFIX + "<code>"
GRAPH_CONFIG = {**map_page.GRAPH_CONFIG, "displayModeBar": False}
DEFAULT_MAP_METRIC = "monitored_households"
RISK_PREFIX = "当月新识别"  # the common start of the new-case breakdowns' Chinese names, cut from their bars
EMPLOYED_PREFIX = "务工就业人数"  # likewise for the employment breakdowns


def path(code: str) -> str:
    return f"{PATH_PREFIX}{code}"


def layout(storage: Storage, access, code: str | None = None, metric: str | None = None, lang: str | None = None,
           **_ignored) -> html.Div:
    lang = language(shell.text(lang))
    code = shell.text(code) or ""
    try:
        place = profile.region(storage, access, code)
    except (codes.InvalidCode, NotFound):
        return shell.not_found(access, lang, path(code), code)
    here = path(place["code"])
    metric = map_page.chosen_metric(metric, DEFAULT_MAP_METRIC)
    state = {"metric": None if metric == DEFAULT_MAP_METRIC else metric}
    try:
        cube.info(storage)
    except cube.NotBuilt as error:
        return shell.not_built(access, lang, here, place["lineage"], state, error, crumb_path)
    compare = profile.comparison(storage, access, place)
    sections = [
        header(place, lang),
        brief_section(storage, access, place, lang),
        section(t("profile_key_figures", lang), "key_figures", [
            table("key_figures", profile.key_figures(storage, access, place, compare), lang)]),
        monitoring_section(storage, access, place["code"], lang),
        employment_section(storage, access, place["code"], lang),
        projects_section(storage, access, place["code"], lang),
        funds_section(storage, access, place["code"], lang),
        pairing_section(storage, access, place, lang),
        map_section(storage, access, place, metric, lang),
        dcc.Download(id=ids.PROFILE_DOWNLOAD),
        dcc.Store(id=ids.PROFILE_STATE, data={"region": place["code"], "lang": lang}),
    ]
    return shell.frame(access, html.Div(sections, className="profile"), lang, here, place["lineage"], state,
                       crumb_path=crumb_path)


def crumb_path(region: str | None) -> str:
    """The breadcrumb of a profile leads to the profiles above it, and to the national map."""
    return path(region) if region else "/"


def header(place: dict, lang: str) -> html.Div:
    badges = [html.Span(localized(tier, lang), className="badge") for tier in place["tiers"]]
    partners = (t("label_named_text", lang).format(name=t("paired_with", lang),
                                                   text=t("list_separator", lang).join(place["partners"]))
                if place["partners"] else "")
    return html.Div(className="profile-header", children=[
        html.Div([html.H2(f"{place['name']}{t('profile_title', lang)}"), *badges, html.P(partners, className="note")]),
        html.Div(className="no-print", children=[
            html.Button(t("print", lang), id=ids.PROFILE_PRINT, className="button"),
            *report_links(place["code"], lang),
            dcc.Link(t("back_to_map", lang), className="button secondary",
                     href=shell.href("/", region=place["code"], lang=lang))]),
    ])


def section(title: str, name: str, children: list) -> html.Section:
    return html.Section(className="section", id=f"section-{name}", children=[html.H3(title), *children])


def downloads(name: str, lang: str) -> html.Div:
    return html.Div(className="downloads no-print", children=[
        html.Button(f"{t('download', lang)} {fmt.upper()}", className="button small",
                    id={"type": ids.PROFILE_DOWNLOAD_BUTTON, "table": name, "format": fmt})
        for fmt in ("csv", "xlsx")])


def table(name: str, frame: pd.DataFrame, lang: str, page_size: int = 15) -> html.Div:
    """A sortable table of profile table ``name`` (a code-keyed frame, labelled here as it is downloaded)
    with its CSV/XLSX downloads; flagged rows (idle, failed) stand out."""
    if frame.empty:
        return html.P(t("no_data_here", lang), className="note")
    frame = profile_tables.labelled(name, frame, lang).drop(columns=["metric"], errors="ignore")
    columns = [{"name": str(c), "id": f"c{i}", **_number_format(frame[c])} for i, c in enumerate(frame.columns)]
    rows = [{f"c{i}": _cell(v) for i, v in enumerate(row)} for row in frame.itertuples(index=False)]
    flagged = [f"c{i}" for i, c in enumerate(frame.columns) if c == profile_tables.flagged_column(name, lang)]
    return html.Div([
        downloads(name, lang),
        dash_table.DataTable(
            id={"type": ids.PROFILE_TABLE, "table": name}, data=rows, columns=columns, sort_action="native",
            # every row, latest period first, in a box that scrolls on the screen and prints whole (no pager)
            page_action="none", sort_by=_latest_first(name, frame, columns, lang),
            style_table={"overflowX": "auto", "overflowY": "auto", "maxHeight": f"{page_size * 34 + 40}px"},
            style_cell={"fontFamily": "WenQuanYi Micro Hei, sans-serif", "fontSize": 13, "padding": "4px 8px",
                        "textAlign": "left", "whiteSpace": "normal", "height": "auto"},
            style_header={"fontWeight": "bold", "backgroundColor": "#eef2f6"},
            style_data_conditional=[{"if": {"filter_query": f"{{{flagged[0]}}} != ''", "column_id": "*"},
                                     "backgroundColor": "#fdecea", "color": "#a61b1b"}] if flagged else []),
    ])


def _number_format(column: pd.Series) -> dict:
    """Thousands separators for numbers (years excepted); two decimals where any value has a fraction."""
    if not pd.api.types.is_numeric_dtype(column) or "year" in str(column.name):
        return {}
    whole = bool((column.dropna() % 1 == 0).all())
    return {"type": "numeric", "format": {"specifier": ",.0f" if whole else ",.2~f"}}


def _cell(value):
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
        return int(value)
    return value.item() if hasattr(value, "item") else value


def fact(name: str, period: str | None, text: str, lang: str) -> str:
    """One fact line: 产业项目资金占比（2026）：59.8% / Industry share of connection funds (2026): 59.8%."""
    return t("label_named_text", lang).format(
        name=t("label_with_note", lang).format(name=name, note=period or "—"), text=text)


def facts_of(values: list[dict], lang: str) -> list[str]:
    """The fact lines of profile.latest_values (the funds' and pairing's figures, on the page and in the report)."""
    return [fact(figures.label(v["metric"], lang), v["period"], figures.format_value(v["value"], v["metric"], lang),
                 lang) for v in values]


def projects_summary(frame: pd.DataFrame, lang: str) -> str:
    """How many projects, how many of them idle or failed."""
    return t("profile_projects_summary", lang).format(projects=t("projects_count", lang), count=len(frame),
                                                      flagged=t("flagged_projects", lang),
                                                      flagged_count=int(frame["flagged"].sum()))


def policy_fact(line, lang: str) -> str:
    """A metric's policy line, in words with its sources (labels.target_note)."""
    return t("label_named_text", lang).format(name=t("policy_line", lang), text=labels.target_note(line, lang))


def titled(key: str, note: str, lang: str) -> str:
    """A chart's title with its period: 按类别（2026-10） / by category (2026-10)."""
    return t("label_with_note", lang).format(name=t(key, lang), note=note)


def graph(figure, name: str) -> dcc.Graph:
    return dcc.Graph(id=f"profile-{name}", figure=figure, config=GRAPH_CONFIG, className="profile-graph")


def monitoring_section(storage: Storage, access, code: str, lang: str) -> html.Section:
    monthly = profile.monitoring_monthly(storage, access, code)
    period, latest = profile.latest_row(profile.series_table(storage, access, code, profile.CATEGORY_METRICS))
    risks = profile.recent_total(profile.series_table(storage, access, code, profile.RISK_METRICS))
    channels = profile.recent_total(profile.series_table(storage, access, code, profile.CHANNEL_METRICS))
    recent = t("last_12_months", lang)
    return section(t("profile_monitoring", lang), "monitoring", [
        html.Div(className="grid-3", children=[
            graph(figures.breakdown_figure(latest, titled(N_("by_category"), period or "—", lang), "户", lang), "category"),
            graph(figures.breakdown_figure(risks, titled(N_("by_risk"), recent, lang), "户", lang, strip=RISK_PREFIX),
                  "risk"),
            graph(figures.breakdown_figure(channels, titled(N_("by_channel"), recent, lang), "户", lang,
                                           strip=RISK_PREFIX), "channel"),
        ]),
        html.Div(className="grid-2", children=[
            graph(figures.flow_figure(monthly, lang), "flows"),
            graph(figures.days_figure(monthly, lang), "days"),
        ]),
        table("monitoring", monthly, lang, page_size=12),
    ])


def employment_section(storage: Storage, access, code: str, lang: str) -> html.Section:
    monthly = profile.TABLES["employment"](storage, access, code)
    period, locations = profile.latest_row(profile.series_table(storage, access, code, profile.LOCATION_METRICS))
    _, modes = profile.latest_row(profile.series_table(storage, access, code, profile.MODE_METRICS))
    return section(t("profile_employment", lang), "employment", [
        graph(figures.employment_figure(monthly, lang), "employment-series"),
        html.Div(className="grid-2", children=[
            graph(figures.breakdown_figure(locations, titled(N_("by_location"), period or "—", lang), "人", lang,
                                           strip=EMPLOYED_PREFIX), "locations"),
            graph(figures.breakdown_figure(modes, titled(N_("by_mode"), period or "—", lang), "人", lang,
                                           strip=EMPLOYED_PREFIX), "modes"),
        ]),
        table("employment", monthly, lang, page_size=12),
    ])


def projects_section(storage: Storage, access, code: str, lang: str) -> html.Section:
    frame = profile.projects(storage, access, code)
    summary = projects_summary(frame, lang) if not frame.empty else ""
    return section(t("profile_projects", lang), "projects", [html.P(summary, className="section-summary"),
                                                               table("projects", frame, lang)])


def funds_section(storage: Storage, access, code: str, lang: str) -> html.Section:
    frame = profile.funds_by_use(storage, access, code)
    share = profile.latest_values(storage, access, code, ("funds_industry_share", "funds_spend_rate"))
    line = metrics.get("funds_industry_share")
    facts = [html.Li(text) for text in facts_of(share, lang)]
    below = share[0]["value"] is not None and line.target is not None and share[0]["value"] < line.target
    facts.append(html.Li(policy_fact(line, lang), className="warning" if below else "note"))
    return section(t("profile_funds", lang), "funds", [
        html.Ul(facts, className="facts"),
        graph(figures.funds_figure(frame, lang), "funds"),
        table("funds", frame, lang),
    ])


def pairing_section(storage: Storage, access, place: dict, lang: str) -> html.Section:
    values = profile.latest_values(storage, access, place["code"],
                                   profile.COLLABORATION_METRICS + profile.TEAM_METRICS)
    items = [html.Li(text) for text in facts_of(values, lang)]
    partners = t("list_separator", lang).join(place["partners"]) or t("none", lang)
    return section(t("profile_pairing", lang), "pairing", [
        html.P(t("label_named_text", lang).format(name=t("paired_with", lang), text=partners)),
        html.Ul(items, className="facts columns")])


def map_section(storage: Storage, access, place: dict, metric: str, lang: str) -> html.Section:
    view = map_view(storage, access, place["code"])
    data = map_data(storage, access, view, metric, None, None)
    return section(t("profile_map", lang), "map", [
        html.Div(className="controls no-print", children=[
            html.Label(t("metric", lang), htmlFor=ids.PROFILE_METRIC),
            dcc.Dropdown(id=ids.PROFILE_METRIC, value=metric, clearable=False,
                         options=map_page.metric_options(lang), className="metric-choice", maxHeight=360)]),
        dcc.Graph(id=ids.PROFILE_MAP, className="map", config={**GRAPH_CONFIG, "topojsonURL": "/assets/topojson/"},
                  figure=figures.map_figure(view.units, data, view.geojson_url, lang)),
        html.P(map_page.caption(view, data, lang), id=ids.PROFILE_MAP_CAPTION, className="caption"),
    ])


def report_links(code: str, lang: str) -> list:
    """The profile as one file to hand over (dashboard/report_routes.py, layouts/report.py)."""
    return [html.A(text, href=shell.href(f"{path(code)}/report.{fmt}", lang=lang), id=f"profile-report-{fmt}",
                   className="button secondary", download="")
            for fmt, text in (("pdf", t("report_pdf", lang)), ("xlsx", t("report_xlsx", lang)))]


def _latest_first(name: str, frame: pd.DataFrame, columns: list[dict], lang: str = "zh") -> list[dict]:
    """A series table (one row per period) shows its latest period first (the page, the print and the report
    alike)."""
    period = profile_tables.bilingual("col_period", lang)
    if name not in ("monitoring", "employment"):
        return []
    found = [c["id"] for c, header in zip(columns, frame.columns) if header == period]
    return [{"column_id": found[0], "direction": "desc"}] if found else []


def brief_section(storage: Storage, access, place: dict, lang: str) -> html.Section:
    """The month in sentences (data/read/brief.py), at the top of the profile: each sentence links to the chart
    or list behind it; the rules of "largest" and "the ends among the peers" beneath."""
    found = brief.brief(storage, access, place["code"], None, lang)
    items = [html.Li([sentence["text"], *[html.Span([" ", dcc.Link(
        t("brief_link_map" if link["kind"] == "map" else "brief_link_monitoring", lang), href=link["url"],
        className="brief-link no-print")]) for link in sentence["links"]]], className=f"brief-{sentence['kind']}")
             for sentence in found["sentences"]]
    return section(t("brief_title", lang).format(period=found["period"]), "brief", [
        html.Ul(items, className="facts brief"),
        html.P(f"{found['rules']['largest']} {found['rules']['unusual']}", className="note")])
