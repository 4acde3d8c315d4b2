"""The map page (``/``, 一张图): the choropleth of the selected region's units for a metric, period and
tier, with headline cards, a ranking of the units and a trend against the parent and peers.

State lives in the URL: ``/?region=<code>&metric=<metric>&period=<YYYY-MM|YYYY>&tier=<tier>&order=<best|worst>
&show=<all|top10|bottom10>&lang=<zh|en>`` (the ranking's order and part: defaults left out).
"""
from __future__ import annotations

import pandas as pd
from dash import dcc, html

from data.definitions import codes, labels, metrics, reference, tiers
from data.definitions.messages import language, localized, t
from data.read import cube
from data.read.views import (
    DEFAULT_METRIC,
    SHOWN,
    MapView,
    boundary_line_geometries,
    map_data,
    map_view,
    periods,
    trend_lines,
)
from data.store import membership
from data.store.storage import NotFound, OutOfScope, Storage
from layouts import figures, ids, shell

PATH = "/"
KPI_METRICS = ("monitored_households", "risk_not_eliminated_households", "newly_identified_households",
               "labourers_employed", "funds_spend_rate")
GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def metric_options(lang: str) -> list[dict]:
    """The shown metrics grouped by theme, each group under a heading that cannot be chosen."""
    options = []
    for theme, names in metrics.THEMES.items():
        group = [m for m in SHOWN if m.theme == theme]
        if group:
            options.append({"label": t("label_theme_heading", lang).format(theme=localized(names, lang)),
                            "value": f"theme:{theme}", "disabled": True})
            options += [{"label": figures.label(m, lang), "value": m.code} for m in group]
    return options


def period_options(periods: list[str]) -> list[dict]:
    return [{"label": p, "value": p} for p in reversed(periods)]


def chosen_tier(view, tier) -> str:
    """The tier a view applies: on a map of villages all or rural only; elsewhere a county tier."""
    if view.layer == "village":
        return tiers.RURAL if shell.text(tier) == tiers.RURAL else tiers.ALL
    return tiers.get(tier).code


def tier_options(storage: Storage, access, lang: str, view=None) -> list[dict]:
    """The tiers with the number of their counties the caller may see (on a map of villages: all or rural)."""
    if view is not None and view.layer == "village":
        return [{"label": t("villages_all", lang), "value": tiers.ALL},
                {"label": t("villages_rural", lang), "value": tiers.RURAL, "title": t("villages_rural_tip", lang)}]
    options = []
    for tier in tiers.TIERS:
        members = membership.counties(storage, access, tier.code)
        name = localized(tier, lang)
        option = {"label": name if members is None else t("label_tier_count", lang).format(name=name, n=len(members)),
                  "value": tier.code, "disabled": members is not None and not members}
        gap = membership.list_gap(storage, access, tier.code)
        if gap:  # the shipped reference list is partial: say so, with its counts
            listed, total = gap
            option["label"] += f" · {t('tier_list_incomplete', lang).format(listed=listed, total=total)}"
            option["title"] = t("tier_list_incomplete_tip", lang).format(listed=listed, total=total)
        options.append(option)
    return options


def chosen_metric(metric, default: str = DEFAULT_METRIC) -> str:
    """A metric offered in the picker, or the default (anything else a link or a browser sends)."""
    metric = shell.text(metric)
    return metric if metric in metrics.CATALOG and metrics.CATALOG[metric].shown else default


def layout(storage: Storage, access, region: str | None = None, metric: str | None = None, period: str | None = None,
           tier: str | None = None, lang: str | None = None, order: str | None = None, show: str | None = None,
           **_ignored) -> html.Div:
    lang = language(shell.text(lang))
    region, period = home_region(access, shell.text(region)), shell.text(period)
    metric = chosen_metric(metric)
    order, show = figures.rank_order(shell.text(order)), figures.rank_show(shell.text(show))
    try:
        view = map_view(storage, access, region)
    except (codes.InvalidCode, NotFound):
        return shell.not_found(access, lang, PATH, region)
    tier = chosen_tier(view, tier)
    try:
        known, shown = periods(storage, metric, period)
    except cube.NotBuilt as error:
        return shell.not_built(access, lang, PATH, view.lineage, link_state(view, metric, None, tier, order, show),
                               error)
    notice = t("period_not_found", lang).format(period=period, shown=shown or "—") if period and period != shown else None
    state = link_state(view, metric, shown if period else None, tier, order, show)
    data = map_data(storage, access, view, metric, shown, tier)
    lines = boundary_line_geometries(storage) if view.region is None else None
    content = html.Div(className="map-page", children=[
        html.Div(className="controls", children=[
            html.Label(t("metric", lang), htmlFor=ids.METRIC),
            dcc.Dropdown(id=ids.METRIC, value=metric, clearable=False, options=metric_options(lang),
                         className="metric-choice", maxHeight=420),
            html.Label(t("period", lang), htmlFor=ids.PERIOD),
            dcc.Dropdown(id=ids.PERIOD, value=shown, clearable=False, searchable=False,
                         options=period_options(known), className="period-choice"),
            html.Label(t("tier", lang), htmlFor=ids.TIER),
            dcc.Dropdown(id=ids.TIER, value=tier, clearable=False, searchable=False, className="tier-choice",
                         options=tier_options(storage, access, lang, view), disabled=not view.tiered),
            profile_link(view, lang),
        ]),
        html.P(notice, className="notice") if notice else None,
        html.Div(id=ids.KPIS, className="kpi-cards", children=kpi_cards(storage, access, view, data.period, lang)),
        html.Div(className="map-row", children=[
            html.Div(className="map-column", children=[
                dcc.Graph(id=ids.MAP, className="map",
                          figure=figures.map_figure(view.units, data, view.geojson_url, lang, lines),
                          config={**GRAPH_CONFIG, "topojsonURL": "/assets/topojson/"}),
                html.P(id=ids.MAP_CAPTION, className="caption", children=caption(view, data, lang)),
            ]),
            html.Aside(className="side", children=[
                ranking_panel(data, order, show, lang),
                dcc.Graph(id=ids.TREND, config=GRAPH_CONFIG,
                          figure=figures.trend_figure(trend_lines(storage, access, view, metric, tier),
                                                      data.metric, data.period, lang)),
            ]),
        ]),
        html.Div(className="notes", children=[
            html.P(t("click_to_drill", lang), className="hint"),
            html.P(metric_definition(data.metric, lang), id=ids.METRIC_NOTE, className="note"),
            html.P(t("boundary_note", lang), className="note"),
            html.P(flag_note(lang), className="note"),
        ]),
        dcc.Store(id=ids.MAP_STATE, data={"region": view.code, "lang": lang}),
    ])
    return shell.frame(access, content, lang, PATH, view.lineage, state)


def home_region(access, region: str | None) -> str | None:
    """The region the map opens on: the one asked for, else the caller's own region if they have just one."""
    if region:
        return region
    own = access.regions
    return own[0] if len(own) == 1 else None


def geometry_url(storage: Storage, access, region: str | None) -> str | None:
    """The geometry URL the map of ``region`` will ask for (None if the region is unknown), so the page can
    start fetching it before the layout arrives."""
    region = home_region(access, region)
    if not region:
        return f"/geo/county.geojson?v={storage.data_version()}"
    try:
        return map_view(storage, access, region).geojson_url
    except (codes.InvalidCode, NotFound, OutOfScope):
        return None


def link_state(view: MapView, metric: str, period: str | None, tier: str, order: str | None = None,
               show: str | None = None) -> dict:
    """The view's state as it goes into links (defaults left out, so links stay short)."""
    order, show = figures.rank_order(order), figures.rank_show(show)
    return {"region": view.code, "metric": None if metric == DEFAULT_METRIC else metric, "period": period,
            "tier": None if tier == tiers.ALL else tier,
            "order": None if order == figures.RANK_ORDERS[0] else order,
            "show": None if show == figures.RANK_SHOWS[0] else show}


def ranking_panel(data, order: str, show: str, lang: str) -> html.Div:
    """The ranking: its order (best or worst first) and part (all, top or bottom 10), the bars in a box that
    scrolls when all of many units are shown, and the full ranking as CSV or XLSX."""
    return html.Div(className="ranking-panel", children=[
        html.Div(className="ranking-controls no-print", children=[
            html.Span(t("rank_order_label", lang), className="control-label"),
            dcc.RadioItems(id=ids.RANK_ORDER, value=order, inline=True, className="radio-choice",
                           options=figures.rank_order_options(data.metric, lang)),
            html.Span(t("rank_show_label", lang), className="control-label"),
            dcc.RadioItems(id=ids.RANK_SHOW, value=show, inline=True, className="radio-choice",
                           options=figures.rank_show_options(lang)),
        ]),
        html.Div(className="ranking-scroll", children=dcc.Graph(
            id=ids.RANKING, figure=figures.ranking_figure(data, lang, order, show), config=GRAPH_CONFIG)),
        html.Div(className="downloads no-print", children=[
            html.Span(t("ranking_download", lang), className="control-label"),
            html.Button("CSV", id=ids.RANKING_CSV, className="button small"),
            html.Button("XLSX", id=ids.RANKING_XLSX, className="button small"),
            dcc.Download(id=ids.RANKING_DOWNLOAD)]),
    ])


def profile_link(view: MapView, lang: str):
    if view.region is None:
        return None
    return dcc.Link(t("open_profile", lang), id=ids.PROFILE_LINK, className="profile-link",
                    href=shell.href(f"/region/{view.code}", lang=lang))


def caption(view: MapView, data, lang: str) -> str:
    """What the map shows, in words: units, how many have a value, and what grey means."""
    level = t(f"level_{view.layer}", lang)
    tier = localized(data.tier, lang)
    in_tier = sum(r["in_tier"] for r in data.rows)
    text = t("caption_drawn", lang).format(units=len(data.rows), level=level, with_data=data.with_data, period=data.period)
    pale = data.tier.code != tiers.ALL and view.layer == "county"
    return text + (t("caption_pale", lang).format(tier=tier, in_tier=in_tier) if pale else "")


def flag_note(lang: str) -> str:
    """Where the tier lists come from, by the sources' names (the notice, the provinces' lists), with the
    counts of the shipped list (data/definitions/reference.py), never a file's path."""
    confirmed = sum(1 for county in reference.key_counties() if county.confirmed)
    return t("flag_note", lang).format(confirmed=confirmed, total=reference.KEY_COUNTY_TOTAL,
                                       poverty_total=reference.POVERTY_COUNTY_TOTAL)


def metric_definition(metric: metrics.Metric, lang: str) -> str:
    definition = localized(metric, lang, zh="definition_zh", en="definition_en")
    note = labels.target_note(metric, lang)
    return t("label_named_text", lang).format(name=figures.label(metric, lang),
                                              text=f"{definition} {note}" if note else definition)


def kpi_cards(storage: Storage, access, view: MapView, period: str, lang: str) -> list:
    """The headline cards of the selected region (the nation at the top) in the chosen period."""
    national_refused = view.code is None and not access.may_read_nation
    figures_by_code = {} if national_refused else {
        f["metric"]: f for f in cube.key_figures_to_date(storage, access, view.code, at=period)}
    cards = []
    for code in KPI_METRICS:
        metric = metrics.get(code)
        found = figures_by_code.get(code, {})
        change = found.get("change")
        better = None if change in (None, 0) or metric.direction is None else (
            (change > 0) == (metric.direction == "higher_better"))
        months = found.get("months")  # a year under way: set against the same months of last year
        compared = (t("kpi_year_to_date", lang).format(
                        month=months, previous=figures.format_value(found.get("previous"), metric, lang))
                    if months else
                    t("kpi_change", lang).format(previous=found.get("previous_period") or "—",
                                                 change=figures.format_value(change, metric, lang, signed=True)))
        shown_period = (t("period_to_month", lang).format(year=found["period"], month=months) if months
                        else found.get("period") or "—")
        cards.append(html.Div(className="kpi", id=f"kpi-{code}", children=[
            html.Div(figures.label(metric, lang), className="kpi-name"),
            html.Div(figures.format_value(found.get("value"), metric, lang), className="kpi-value"),
            html.Div(compared, className="kpi-change " + {True: "better", False: "worse", None: ""}[better]),
            html.Div(shown_period, className="kpi-period"),
        ]))
    return cards


def ranking_frame(data, lang: str):
    """The full ranking as a table to download: every unit with a value, best first, labelled here
    (aggregate figures only: no household, no formula)."""
    metric = data.metric
    rows = figures.ranking_rows(data, figures.RANK_ORDERS[0], figures.RANK_SHOWS[0])
    return pd.DataFrame({
        t("ranking_col_rank", lang): [r["rank"] for r in rows],
        t("ranking_col_code", lang): [r["code"] for r in rows],
        t("ranking_col_name", lang): [r["name"] for r in rows],
        t("ranking_col_value", lang): [r["value"] for r in rows],
        t("ranking_col_unit", lang): [figures.unit(metric, lang)] * len(rows),
        t("ranking_col_period", lang): [data.period] * len(rows),
        t("ranking_col_rule", lang): [f"{figures.label(metric, lang)} · {figures.rank_rule(metric, lang)}"] * len(rows),
    })
