"""The monitoring page (``/monitoring``): early warnings, the identification-to-assistance board, the
matching and exit checks, the threshold what-if and the field sample, for one region.

A load renders every section once, from the URL (``region``, ``period``, ``min_score``, ``threshold``,
``size``, ``seed``, ``lang``), so a copied link opens the same view. After that each control updates only
what depends on it (callbacks/monitoring_callbacks.py, each with the builders of this module): the month the
map's colours (a ``Patch``), the trend's marker, the note on why and the list; the warning cut the list and
the score note; the threshold the what-if's result (text, map colours, table); size and seed the sample. The
controls keep the URL in step in the browser (``history.replaceState``); a click on the map opens the unit's
page. The map colours the units by the share of households warned (the cube, at the default cut); the list,
board and checks are computed for the region (data/read/monitoring.py) and show household rows as the role
allows (an evaluator: the fixed sample's, at ``policy.SAMPLE_RATE``, and a field sample of at most
``policy.FIELD_SAMPLE_CAP``; the notes say so). Viewing household rows is audited. A region without
household data says so in each section. Every number a text states is formatted from the constant the
computation uses (risk.COMPONENTS, data/definitions/policy.py).
"""
from __future__ import annotations

import pandas as pd
from dash import dash_table, dcc, html

from data.compute import risk
from data.definitions import codes, contract, metrics, policy, tiers
from data.definitions.labels import value_label
from data.definitions.messages import N_, language, localized, t
from data.read import cube, monitoring
from data.read.views import MapData, map_data, map_view
from data.store.storage import NotFound, Storage
from layouts import figures, ids, map_page, shell

PATH = "/monitoring"
# Ids of this page's own components (the others: layouts/ids.py)
SCORE_NOTE = "mon-score-note"
DRIVERS = "mon-drivers"
SAMPLE_BODY = "mon-sample-body"
SAMPLE_DRAW = "mon-sample-draw"  # the button that draws the sample of a region above a county (on demand)
INLINE_LEVELS = ("county", "township", "village")  # the sample drawn with the page: a county or below
# The page's own location: a click on the map opens the unit's page through it. (A callback whose output is
# outside the page, like the app's ``url``, fires whenever the page is inserted, prevent_initial_call or not:
# before issue 17 that rendered the page two or three times a load.)
GO = "mon-go"
LINK_STATE = ("period", "min_score", "threshold", "size", "seed")  # what the controls keep in the URL
MAP_METRIC = "warning_share"
WHATIF_START = 8000  # yuan: where the what-if starts in a region without a stored line
TABLE_STYLE = dict(sort_action="native", page_size=15, style_table={"overflowX": "auto"},
                   style_cell={"fontFamily": "WenQuanYi Micro Hei, sans-serif", "fontSize": 13, "padding": "4px 8px",
                               "textAlign": "left", "whiteSpace": "normal", "height": "auto", "maxWidth": 420},
                   style_header={"fontWeight": "bold", "backgroundColor": "#eef2f6"})
MODE_NOTE = {"sample": N_("mon_mode_sample"), "hidden": N_("mon_mode_hidden")}


def _number(value, default, low, high, integer=False):
    try:
        number = float(shell.text(value)) if shell.text(value) is not None else default
    except ValueError:
        return default
    if number is None:
        return None
    number = min(max(number, low), high)
    return int(number) if integer else number


def state_of(region, period, min_score, threshold, size, seed) -> dict:
    return {"region": region, "period": period, "min_score": min_score, "threshold": threshold, "size": size,
            "seed": seed}


def layout(storage: Storage, access, region: str | None = None, period: str | None = None, min_score=None,
           threshold=None, size=None, seed=None, lang: str | None = None, **_ignored) -> html.Div:
    lang = language(shell.text(lang))
    region, period = map_page.home_region(access, shell.text(region)), shell.text(period)
    try:
        view = map_view(storage, access, region)
    except (codes.InvalidCode, NotFound):
        return shell.not_found(access, lang, PATH, region)
    known = monitoring.months(storage)
    if not known:
        return shell.not_built(access, lang, PATH, view.lineage, {"region": region}, cube.NotBuilt("cube"))
    period = period if period in known else known[-1]
    min_score = _number(min_score, policy.WARNING_CUT, 0, 100)
    threshold = _number(threshold, None, *monitoring.WHATIF_RANGE)
    size = _number(size, None, 1, monitoring.SAMPLE_MAX, integer=True)
    seed = _number(seed, 1, 0, 2 ** 32 - 1, integer=True)
    state = {**state_of(view.code, period, min_score, threshold, size, seed), "lang": lang}
    data = map_data(storage, access, view, MAP_METRIC, period, tiers.ALL)
    controls = html.Div(className="controls", children=[
        html.Label(t("mon_month", lang), htmlFor=ids.MON_PERIOD),
        dcc.Dropdown(id=ids.MON_PERIOD, value=period, clearable=False, searchable=False,
                     options=map_page.period_options(known), className="period-choice"),
        _field(t("mon_warning_cut", lang), dcc.Input(id=ids.MON_MIN_SCORE, type="number", min=0, max=100, step=5,
                                                     value=min_score, debounce=True)),
    ])
    sections = [html.H2(t("mon_title", lang)), controls,
                warning_section(storage, view, data, access, period, min_score, lang),
                backtest_section(storage, view, access, lang) if view.code or access.everything else None]
    if view.code is None:
        sections.append(html.P(t("mon_click_hint", lang), className="hint"))
    else:
        sections += [board_section(storage, view, access, lang), checks_section(storage, view, access, lang),
                     whatif_section(storage, view, access, threshold, lang),
                     sample_section(storage, view, access, size, seed, lang)]
    sections += [dcc.Store(id=ids.MON_STATE, data=state), dcc.Location(id=GO, refresh="callback-nav")]
    return shell.frame(access, html.Div(className="monitoring-page", children=sections), lang, PATH, view.lineage,
                       {"region": view.code})


def _field(label: str, control) -> html.Div:
    """A label and its number input side by side (assets/monitoring.css sets the input's width)."""
    return html.Div(className="mon-field", children=[html.Label(label, htmlFor=control.id), control])


def _table(table_id: str, rows: list[dict], columns: list[tuple[str, str]], lang: str):
    """A table of ``rows`` with ``columns`` (key, msgid of its heading): only the columns shown are sent."""
    return dash_table.DataTable(id=table_id, data=table_rows(rows, columns), columns=[
        {"name": t(msgid, lang), "id": key} for key, msgid in columns], **TABLE_STYLE)


def table_rows(rows: list[dict], columns: list[tuple[str, str]]) -> list[dict]:
    """``rows`` with only the keys of ``columns`` (what a table sends to the browser: a province's lists
    carried every field of the API's rows)."""
    keys = [key for key, _ in columns]
    return [{key: row.get(key) for key in keys} for row in rows]


def case_cells(row: dict, lang: str) -> dict:
    """A case row of the read service (codes) as the tables show it in ``lang``: category, risk types,
    measures, unmatched needs, risk status and exit reasons in words."""
    join = t("list_separator", lang).join
    cells = dict(row)
    if row.get("category") is not None:
        cells["category"] = value_label("monitoring", "category", row["category"], lang)
    if isinstance(row.get("risk_types"), list):
        cells["risk_types"] = join(value_label("monitoring", "risk_types", r, lang) for r in row["risk_types"])
    if isinstance(row.get("measures"), list):
        cells["measures"] = join(value_label("assistance", "measure", m, lang) for m in row["measures"])
    if isinstance(row.get("unmatched"), list):
        cells["unmatched"] = join(t("mon_unmatched_labour_capacity", lang) if u == "labour_capacity"
                                  else value_label("monitoring", "risk_types", u, lang) for u in row["unmatched"])
    if row.get("risk_status") is not None:
        cells["risk_status"] = value_label("monitoring", "risk_status", row["risk_status"], lang)
    if "reason_codes" in row:
        cells["reasons"] = t("mon_reason_separator", lang).join(exit_reason(r, lang) for r in row["reason_codes"])
    return cells


def exit_reason(reason: dict, lang: str) -> str:
    """An exit check's reason (:func:`data.read.monitoring.exit_reason_zh`'s codes and numbers) in ``lang``."""
    if reason["code"] == "income_below_line":
        return t("mon_exit_income_below_line", lang).format(year=reason["year"], income=f"{reason['income']:,.0f}",
                                                             line=f"{reason['line']:,.0f}")
    return t("mon_exit_too_soon", lang).format(days=reason["days"], months=reason["months"])


def _mode_note(mode: str, lang: str):
    return html.P(t(MODE_NOTE[mode], lang).format(rate=f"{policy.SAMPLE_RATE:.0%}"), className="notice") \
        if mode in MODE_NOTE else None


# -- early warning -----------------------------------------------------------------------------------
WARNING_COLUMNS = [("township", N_("mon_col_township")), ("village", N_("mon_col_village")),
                   ("household_id", N_("mon_col_household")), ("head_name", N_("mon_col_head")),
                   ("score", N_("mon_col_score")), ("change", N_("mon_col_change")),
                   ("category", N_("mon_col_likely_category")), ("drivers", N_("mon_col_drivers"))]


def warning_section(storage, view, data: MapData, access, period: str, min_score: float, lang: str) -> html.Div:
    trend = warning_trend(storage, view, access)
    under_way = monitoring.events(storage, access, view.code, period)  # the events table, for the caller
    children = [
        html.H3(t("mon_warning", lang)),
        html.P(score_note(lang, min_score if view.code is not None else None), id=SCORE_NOTE, className="note"),
        html.Div(className="map-row", children=[
            html.Div(className="map-column", children=[
                dcc.Graph(id=ids.MON_MAP, className="map", figure=figures.map_figure(view.units, data, view.geojson_url, lang),
                          config={**map_page.GRAPH_CONFIG, "topojsonURL": "/assets/topojson/"}),
            ]),
            html.Aside(className="side", children=[
                dcc.Graph(id=ids.MON_TREND, config=map_page.GRAPH_CONFIG,
                          figure=figures.warning_trend_figure(trend, period, lang)),
                html.P(rise_note(under_way, period, trend, lang), id=ids.MON_WHY, className="note"),
            ]),
        ]),
    ]
    if view.code is not None:
        summary, drivers, rows, mode = warning_list(storage, view, access, period, min_score, lang)
        children += [
            html.P(summary, id=ids.MON_SUMMARY, className="kpi-line"),
            html.P(drivers, id=DRIVERS, className="note"),
            _mode_note(mode, lang),
            _table(ids.MON_WARNINGS, rows, WARNING_COLUMNS, lang),
        ]
    return html.Div(className="card", children=children)


def warning_list(storage, view, access, period: str, min_score: float, lang: str) -> tuple[str, str, list[dict], str]:
    """What the month and the cut decide: the summary line, the drivers in words, the list's rows and the
    role's household mode."""
    warned = monitoring.warnings(storage, access, view.code, period=period, min_score=min_score)
    summary = t("mon_summary", lang).format(period=period, scored=f"{warned['scored_households']:,}",
                                            count=f"{warned['count']:,}", cut=f"{min_score:g}",
                                            new=f"{warned['new']:,}")
    return summary, drivers_text(warned, lang), [_warning_row(r, lang) for r in warned["households"]], warned["mode"]


def warning_trend(storage, view, access) -> list[dict]:
    """Households warned month by month (the cube, at the default cut)."""
    return cube.series(storage, access, "warning_households", view.code)["series"]


def score_note(lang: str, min_score: float | None = None) -> str:
    """How the score is made, each rule with the points the score gives it (``risk.COMPONENTS``), and the cut
    of the map (``policy.WARNING_CUT``) and, when it differs, of the list (``min_score``)."""
    text = t("mon_score_rule", lang).format(count=len(risk.COMPONENTS), **{c.code: c.points for c in risk.COMPONENTS})
    text += t("mon_score_map", lang).format(cut=policy.WARNING_CUT)
    if min_score is not None and min_score != policy.WARNING_CUT:
        text += t("mon_score_list_cut", lang).format(chosen=f"{min_score:g}")
    return text


def _warning_row(row: dict, lang: str) -> dict:
    previous = row["previous_score"]
    change = t("mon_new", lang) if row["new"] else (f"{row['score'] - previous:+.1f}" if previous is not None else "")
    return {"township": row["township"], "village": row["village"], "household_id": row["household_id"],
            "head_name": row["head_name"], "score": row["score"], "change": change,
            "category": value_label("monitoring", "category", row["category"], lang),
            "drivers": t("mon_reason_separator", lang).join(localized(d, lang) for d in row["drivers"])}


def drivers_text(warned: dict, lang: str) -> str:
    """What drives this month's warnings: households by the risk type of their drivers ("" without any)."""
    counts = pd.Series([r for row in warned["households"] for r in row["risk_types"]]).value_counts()
    if counts.empty:
        return ""

    def label(risk_type: str) -> str:  # the score's own words for a driver, else the contract's (its code in English)
        return localized(risk.RISK_LABELS.get(risk_type) or (
            contract.label_zh("monitoring", "risk_types", risk_type), risk_type.replace("_", " ")), lang)
    return t("mon_drivers", lang) + t("list_separator", lang).join(f"{label(r)} {n}" for r, n in counts.items())


def rise_note(events: list[dict], period: str, trend: list[dict], lang: str) -> str:
    """Why warnings rose: the month's change, and each disaster or emergency under way in the month in the
    region, above it or below it (``events``: :func:`data.read.monitoring.events`), named by its kind, place
    and dates."""
    values = {p["period"]: p["value"] for p in trend}
    months = [p["period"] for p in trend]
    at = months.index(period) if period in months else None
    before = values.get(months[at - 1]) if at else None
    now = values.get(period)
    text = ""
    if now is not None and before is not None:
        text = t("mon_flood_change", lang).format(now=f"{now:,.0f}", change=f"{now - before:+,.0f}")
    if events:
        named = t("list_separator", lang).join(
            t("mon_event" if e["ended_on"] else "mon_event_ongoing", lang).format(
                kind=localized(e, lang, zh="kind_zh", en="kind"), region=e["region_name"], start=e["started_on"],
                **({"end": e["ended_on"]} if e["ended_on"] else {})) for e in events)
        text += t("mon_events_why", lang).format(events=named)
    return text


def backtest_section(storage, view, access, lang: str) -> html.Div:
    result = monitoring.backtest(storage, access, view.code)
    return html.Div(className="card", children=[
        html.H3(t("mon_backtest", lang)),
        html.P(t("mon_backtest_note", lang).format(first=result["months"][0], last=result["months"][1],
                                                   horizon=result["horizon_months"], base_rate=result["base_rate"]),
               className="note"),
        _table(ids.MON_BACKTEST, result["cuts"], [("cut", N_("mon_col_cut")), ("warned", N_("mon_col_warned")),
                                                  ("identified_after", N_("mon_col_identified_after")),
                                                  ("precision", N_("mon_col_precision")),
                                                  ("identified", N_("mon_col_identified_households")),
                                                  ("warned_before", N_("mon_col_warned_before")),
                                                  ("recall", N_("mon_col_recall"))], lang),
        dcc.Graph(id=ids.MON_CALIBRATION, config=map_page.GRAPH_CONFIG, figure=figures.calibration_figure(result["bands"], lang)),
    ])


# -- board, checks, what-if, sample ------------------------------------------------------------------
CASE_COLUMNS = [("village", N_("mon_col_village")), ("household_id", N_("mon_col_household")), ("head_name", N_("mon_col_head")),
                ("category", N_("mon_col_category")), ("risk_types", N_("mon_col_risk_types")),
                ("signal_on", N_("mon_col_signal_on")), ("verified_on", N_("mon_col_verified_on")),
                ("identified_on", N_("mon_col_identified_on")), ("first_measure_on", N_("mon_col_first_measure_on")),
                ("eliminated_on", N_("mon_col_eliminated_on")), ("measures", N_("mon_col_measures"))]


def board_note(result: dict, lang: str) -> str:
    """The board's counts and the targets it counted with (``result["targets"]``: :func:`monitoring.targets`)."""
    return t("mon_board_note", lang).format(cases=result["cases"], as_of=result["as_of"], overdue=result["overdue"],
                                            **result["targets"])


def board_section(storage, view, access, lang: str) -> html.Div:
    result = monitoring.board(storage, access, view.code)
    return html.Div(className="card", children=[
        html.H3(t("mon_board", lang)),
        html.P(board_note(result, lang), className="note"),
        _table(ids.MON_BOARD, result["townships"], [
            ("name", N_("mon_col_township")), ("cases", N_("mon_col_cases")),
            ("median_days_to_identify", N_("mon_col_median_days_to_identify")),
            ("p90_days_to_identify", N_("mon_col_p90_days_to_identify")),
            ("median_days_to_measure", N_("mon_col_median_days_to_measure")),
            ("p90_days_to_measure", N_("mon_col_p90_days_to_measure")),
            ("overdue_identification", N_("mon_col_overdue_identification")),
            ("overdue_measure", N_("mon_col_overdue_measure"))], lang),
        dcc.Graph(id=ids.MON_HEAT, config=map_page.GRAPH_CONFIG, figure=figures.overdue_heatmap(result["heat"], lang)),
        html.H4(t("mon_overdue", lang)),
        _mode_note(result["mode"], lang),
        _table(ids.MON_OVERDUE, [case_cells(r, lang) for r in result["overdue_cases"]], CASE_COLUMNS, lang),
    ])


def checks_section(storage, view, access, lang: str) -> html.Div:
    result = monitoring.checks(storage, access, view.code)
    exits = [case_cells(r, lang) for r in result["exits"]]
    return html.Div(className="card", children=[
        html.H3(t("mon_checks", lang)),
        html.P(t("mon_checks_note", lang).format(with_measures=result["cases_with_measures"],
                                                 mismatched=result["mismatched"], eliminated=result["eliminated"],
                                                 flagged=result["exit_flagged"]), className="note"),
        _mode_note(result["mode"], lang),
        _table(ids.MON_MISMATCHES, [case_cells(r, lang) for r in result["mismatches"]],
               CASE_COLUMNS[:5] + [("measures", N_("mon_col_measures")), ("unmatched", N_("mon_col_unmatched"))], lang),
        html.H4(t("mon_exits", lang)),
        _table(ids.MON_EXITS, exits, CASE_COLUMNS[:5] + [("identified_on", N_("mon_col_identified_on")),
                                                        ("eliminated_on", N_("mon_col_eliminated_on")),
                                                        ("reasons", N_("mon_col_reasons"))], lang),
    ])


def whatif_section(storage, view, access, threshold, lang: str) -> html.Div:
    """The what-if: the threshold's input, then its result (:func:`whatif_result`), which the threshold
    alone updates."""
    try:
        result = whatif_result(storage, view, access, threshold)
    except monitoring.NoData:
        return html.Div(className="card", children=[html.H3(t("mon_whatif", lang)),
                                                    html.P(t("mon_whatif_no_data", lang), className="notice")])
    drawn = bool(view.units and result["children"])
    return html.Div(className="card", children=[
        html.H3(t("mon_whatif", lang)),
        _field(t("mon_whatif_input", lang), dcc.Input(
            id=ids.MON_THRESHOLD, type="number", min=monitoring.WHATIF_RANGE[0], max=monitoring.WHATIF_RANGE[1],
            step=10, value=result["threshold"], debounce=True)),
        html.P(whatif_summary(result, lang), id=ids.MON_WHATIF_SUMMARY, className="kpi-line"),
        dcc.Graph(id=ids.MON_WHATIF_MAP, className="map",
                  config={**map_page.GRAPH_CONFIG, "topojsonURL": "/assets/topojson/"},
                  figure=figures.map_figure(view.units, whatif_map_data(view, result), view.geojson_url, lang)
                  if drawn else {}, style=None if drawn else {"display": "none"}),
        _table(ids.MON_WHATIF, result["children"], [("name", N_("mon_col_region")), ("households", N_("mon_col_households_under")),
                                                    ("people", N_("mon_col_people")), ("households_now", N_("mon_col_households_now")),
                                                    ("people_now", N_("mon_col_people_now"))], lang),
    ])


def whatif_result(storage, view, access, threshold) -> dict:
    """:func:`monitoring.whatif` at ``threshold`` (None: the stored line, or :data:`WHATIF_START` in a region
    without one)."""
    try:
        return monitoring.whatif(storage, access, view.code, threshold)  # default: the stored line
    except monitoring.NoData:
        raise
    except monitoring.BadRequest:
        if threshold is not None:
            raise
        return monitoring.whatif(storage, access, view.code, WHATIF_START)  # no line stored here


def whatif_summary(result: dict, lang: str) -> str:
    return t("mon_whatif_note", lang).format(
        year=result["year"], threshold=f"{result['threshold']:,.0f}", households=f"{result['households']:,}",
        people=f"{result['people']:,}", stored=f"{result['stored_threshold'] or 0:,.0f}",
        households_now=f"{result['households_now']:,}", people_now=f"{result['people_now']:,}")


def whatif_map_data(view, result: dict) -> MapData:
    """The what-if counts as map data over the view's units."""
    found = {c["code"]: c["households"] for c in result["children"]}
    rows = [{"code": u["code"], "name": u["name"], "level": u["level"], "value": found.get(u["code"]), "change": None,
             "rank": None, "in_tier": True} for u in view.units]
    metric = metrics.get("households_below_threshold")
    with_data = cube.rank(rows, metric.direction)  # rank 1: the fewest households under the line
    return MapData(metric, str(result["year"]), None, tiers.get(None), rows, with_data)


def sample_section(storage, view, access, size: int | None, seed: int, lang: str) -> html.Div:
    """The field sample: size, seed and the button that draws it, then the sample (:func:`sample_body`),
    which they alone update. A county or below: drawn with the page; above (a province's default sample is
    over a thousand households, half the page's weight): drawn when asked, by the button or a size in the URL."""
    cap = monitoring.size_cap(access)
    if (view.region or {}).get("level") in INLINE_LEVELS or size is not None:
        body, drawn = sample_body(storage, view, access, size, seed, lang)
    else:
        body, drawn = [html.P(t("mon_sample_on_demand", lang), className="note")], None
    return html.Div(className="card", children=[
        html.H3(t("mon_sample", lang)),
        html.Div(className="controls", children=[
            _field(t("mon_sample_size", lang), dcc.Input(id=ids.MON_SIZE, type="number", min=1,
                                                         max=cap or monitoring.SAMPLE_MAX, step=1, value=drawn,
                                                         debounce=True)),
            _field(t("mon_sample_seed", lang), dcc.Input(id=ids.MON_SEED, type="number", min=0, step=1, value=seed,
                                                         debounce=True)),
            html.Button(t("mon_sample_draw", lang), id=SAMPLE_DRAW, n_clicks=0, className="button")]),
        html.Div(body, id=SAMPLE_BODY),
    ])


def sample_body(storage, view, access, size: int | None, seed: int, lang: str) -> tuple[list, int]:
    """The sample of ``size`` households drawn with ``seed`` (notes, downloads, table), and the size drawn."""
    cap = monitoring.size_cap(access)
    try:
        result = monitoring.field_sample(storage, access, view.code, size, seed)
    except monitoring.BadRequest as error:
        return [html.P(str(error), className="notice")], min(size or monitoring.SAMPLE_DEFAULT,
                                                             cap or monitoring.SAMPLE_MAX)
    drawn = result["size"] or min(size or monitoring.SAMPLE_DEFAULT, cap or monitoring.SAMPLE_MAX)
    base = f"/api/v1/monitoring/sample?region={view.code}&size={max(result['size'], 1)}&seed={seed}&lang={language(lang)}"
    notice = result["design"]["notice"]
    return [
        html.P(t("mon_sample_note", lang).format(strata=len(result["strata"]), population=result["population"],
                                                 size=result["size"]), className="note"),
        html.P(localized(result["design"]["text"], lang), className="note"),
        html.P(localized(notice, lang), className="notice") if notice else None,
        _mode_note(result["mode"], lang),
        html.P(t("mon_sample_capped", lang).format(cap=cap), className="notice") if cap is not None else None,
        html.Div(className="downloads", children=[
            html.A(t("mon_sample_xlsx", lang), href=base + "&format=xlsx", id=ids.MON_SAMPLE_XLSX),
            html.A(t("mon_sample_pdf", lang), href=base + "&format=pdf", id=ids.MON_SAMPLE_PDF)]),
        _table(ids.MON_SAMPLE, [case_cells(r, lang) for r in result["households"]],
               [("township", N_("mon_col_township"))] + CASE_COLUMNS[:5] + [("risk_status", N_("mon_col_risk_status"))],
               lang),
    ], drawn
