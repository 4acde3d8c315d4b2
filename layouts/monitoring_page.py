"""The monitoring page (``/monitoring``): early warnings, the identification-to-assistance board, the
matching and exit checks, the threshold what-if and the field sample, for one region.

Everything is rendered from the URL (``region``, ``period``, ``min_score``, ``threshold``, ``size``,
``seed``, ``lang``), so a copied link opens the same view; the controls rewrite the URL
(callbacks/monitoring_callbacks.py). The map colours the units by the share of households warned
(the cube, at the default cut); the list, board and checks are computed for the region
(data/monitoring.py) and show household rows as the role allows. Viewing household rows is audited.
"""
from __future__ import annotations

import json

import pandas as pd
from dash import dash_table, dcc, html

from data.definitions import codes, contract, metrics, tiers
from data.read import cube, monitoring
from data.compute import risk
from data.store.storage import NotFound, Storage
from data.read.views import MapData, map_data, map_view
from dashboard.i18n import language
from layouts import figures, ids, map_page, shell

PATH = "/monitoring"
MAP_METRIC = "warning_share"
WHATIF_START = 8000  # yuan: where the what-if starts in a region without a stored line
TABLE_STYLE = dict(sort_action="native", page_size=15, style_table={"overflowX": "auto"},
                   style_cell={"fontFamily": "WenQuanYi Micro Hei, sans-serif", "fontSize": 13, "padding": "4px 8px",
                               "textAlign": "left", "whiteSpace": "normal", "height": "auto", "maxWidth": 420},
                   style_header={"fontWeight": "bold", "backgroundColor": "#eef2f6"})
MODE_NOTE = {"sample": ("评估人员仅可查看随机抽取的部分农户。", "Evaluators see a seeded sample of households."),
             "hidden": ("您的角色不可查看农户清单，仅显示汇总。", "Your role sees totals only, no household rows.")}


def _t(zh: str, en: str, lang: str) -> str:
    return en if lang == "en" else zh


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
    min_score = _number(min_score, risk.DEFAULT_CUT, 0, 100)
    threshold = _number(threshold, None, *monitoring.WHATIF_RANGE)
    size = _number(size, None, 1, monitoring.SAMPLE_MAX, integer=True)
    seed = _number(seed, 1, 0, 2 ** 32 - 1, integer=True)
    state = state_of(view.code, period, min_score, threshold, size, seed)
    data = map_data(storage, access, view, MAP_METRIC, period, tiers.ALL)
    controls = html.Div(className="controls", children=[
        html.Label(_t("月份", "Month", lang), htmlFor=ids.MON_PERIOD),
        dcc.Dropdown(id=ids.MON_PERIOD, value=period, clearable=False, searchable=False,
                     options=map_page.period_options(known), className="period-choice"),
        html.Label(_t("预警分数线", "Warning cut", lang), htmlFor=ids.MON_MIN_SCORE),
        dcc.Input(id=ids.MON_MIN_SCORE, type="number", min=0, max=100, step=5, value=min_score, debounce=True),
        dcc.Store(id=ids.MON_STATE, data={**state, "lang": lang}),
    ])
    sections = [html.H2(_t("监测预警与帮扶进度", "Monitoring and early warning", lang)), controls,
                warning_section(storage, view, data, access, period, min_score, lang),
                backtest_section(storage, view, access, lang) if view.code or access.everything else None]
    if view.code is None:
        sections.append(html.P(_t("在地图上点击一个地区，查看预警名单、帮扶进度、核查、测算和抽样。",
                                  "Click a region on the map for its warning list, board, checks, what-if and sample.",
                                  lang), className="hint"))
    else:
        sections += [board_section(storage, view, access, lang), checks_section(storage, view, access, lang),
                     whatif_section(storage, view, access, threshold, lang),
                     sample_section(storage, view, access, size, seed, lang)]
    return shell.frame(access, html.Div(className="monitoring-page", children=sections), lang, PATH, view.lineage,
                       {"region": view.code})


def _table(table_id: str, rows: list[dict], columns: list[tuple[str, str, str]], lang: str):
    return dash_table.DataTable(id=table_id, data=rows, columns=[{"name": _t(zh, en, lang), "id": key}
                                                                 for key, zh, en in columns], **TABLE_STYLE)


def _mode_note(mode: str, lang: str):
    return html.P(_t(*MODE_NOTE[mode], lang), className="notice") if mode in MODE_NOTE else None


# -- early warning -----------------------------------------------------------------------------------
def warning_section(storage, view, data: MapData, access, period: str, min_score: float, lang: str) -> html.Div:
    facts = storage.facts()  # the demo's flood; a real deployment has none of these facts
    flood = {"counties": json.loads(facts.get("flood_counties", "[]")), "months": json.loads(facts.get("flood_months", "[]"))}
    trend = cube.series(storage, access, "warning_households", view.code)["series"]
    children = [
        html.H3(_t("风险预警", "Early warning", lang)),
        html.P(_t("风险评分（0–100）由七项透明规则加总：收入与监测线差距35分、收入下降15分、刚性支出（医疗、教育、灾害损失、意外）25分、"
                  "疾病残疾12分、劳动力不足10分、务工中断10分、依赖转移性收入8分。地图为各地区评分≥50分且未纳入监测的农户占比。",
                  "The risk score (0–100) adds seven transparent rules: income against the monitoring line 35 points, "
                  "falling income 15, rigid expenses (medical, schooling, disaster loss, accidents) 25, illness and "
                  "disability 12, too little labour 10, work lost 10, dependence on transfers 8. The map shows the share "
                  "of households not under monitoring that score 50 or more.", lang), className="note"),
        html.Div(className="map-row", children=[
            html.Div(className="map-column", children=[
                dcc.Graph(id=ids.MON_MAP, className="map", figure=figures.map_figure(view.units, data, view.geojson_url, lang),
                          config={**map_page.GRAPH_CONFIG, "topojsonURL": "/assets/topojson/"}),
            ]),
            html.Aside(className="side", children=[
                dcc.Graph(id=ids.MON_TREND, config=map_page.GRAPH_CONFIG,
                          figure=figures.warning_trend_figure(trend, period, lang)),
                html.P(flood_note(storage, access, view, flood, period, trend, lang), id=ids.MON_WHY, className="note"),
            ]),
        ]),
    ]
    if view.code is not None:
        warned = monitoring.warnings(storage, access, view.code, period=period, min_score=min_score)
        children += [
            html.P(_t(f"{period}：{warned['scored_households']:,} 户未纳入监测的农户中，{warned['count']:,} 户评分≥{min_score:g}，"
                      f"其中本月新进入 {warned['new']:,} 户。", f"{period}: of {warned['scored_households']:,} households not "
                      f"under monitoring, {warned['count']:,} score {min_score:g} or more, {warned['new']:,} of them new "
                      f"this month.", lang), id=ids.MON_SUMMARY, className="kpi-line"),
            why_list(warned, lang),
            _mode_note(warned["mode"], lang),
            _table(ids.MON_WARNINGS, [_warning_row(r, lang) for r in warned["households"]],
                   [("township", "乡镇", "township"), ("village", "村", "village"), ("household_id", "户编码", "household"),
                    ("head_name", "户主", "head"), ("score", "评分", "score"), ("change", "较上月", "change"),
                    ("category", "预计类别", "likely category"), ("drivers", "主要原因", "main drivers")], lang),
        ]
    return html.Div(className="card", children=children)


def _warning_row(row: dict, lang: str) -> dict:
    previous = row["previous_score"]
    change = "新进入" if row["new"] else (f"{row['score'] - previous:+.1f}" if previous is not None else "")
    return {"township": row["township"], "village": row["village"], "household_id": row["household_id"],
            "head_name": row["head_name"], "score": row["score"], "change": change,
            "category": row["category_zh"] if lang == "zh" else row["category"],
            "drivers": "；".join(d["zh" if lang == "zh" else "en"] for d in row["drivers"])}


def why_list(warned: dict, lang: str) -> html.Div:
    """What drives this month's warnings: households by the risk type of their drivers."""
    counts = pd.Series([r for row in warned["households"] for r in row["risk_types"]]).value_counts()
    if counts.empty:
        return html.Div()
    label = (lambda r: risk.RISK_LABELS[r][0] if r in risk.RISK_LABELS else contract.label_zh("monitoring", "risk_types", r)) \
        if lang == "zh" else (lambda r: risk.RISK_LABELS[r][1] if r in risk.RISK_LABELS else r.replace("_", " "))
    return html.P(_t("预警原因（户数，一户可有多项）：", "Drivers (households; one may have several): ", lang)
                  + "、".join(f"{label(r)} {n}" for r, n in counts.items()), className="note")


def flood_note(storage, access, view, flood: dict, period: str, trend: list[dict], lang: str) -> str:
    """Why warnings rose: the month's change, and the flood where a flooded county is in view."""
    values = {p["period"]: p["value"] for p in trend}
    months = [p["period"] for p in trend]
    at = months.index(period) if period in months else None
    before = values.get(months[at - 1]) if at else None
    now = values.get(period)
    text = ""
    if now is not None and before is not None:
        text = _t(f"本月预警户 {now:,.0f} 户，较上月 {now - before:+,.0f} 户。", f"{now:,.0f} households warned this month, "
                  f"{now - before:+,.0f} on last month. ", lang)
    prefix = codes.significant(view.code, view.region["level"]) if view.region else ""
    hit = [c for c in flood["counties"] if c.startswith(prefix) or prefix.startswith(c[:6])]
    if hit and flood["months"]:
        names = "、".join(r["name"] for r in storage.regions_by_codes(access, hit))
        text += _t(f"{names}在{'、'.join(flood['months'])}遭受洪涝灾害：应急管理部门报送的灾害损失计入刚性支出，"
                   "损失占家庭年收入越高，评分越高，因此这些县在汛期月份预警明显增多，随后逐步识别纳入监测。",
                   f"{names} were flooded in {', '.join(flood['months'])}: the disaster losses reported by emergency "
                   "management count as rigid expenses, scored by their share of the household's income, so warnings "
                   "rise there in the flood months, and households are identified in the following weeks.", lang)
    return text


def backtest_section(storage, view, access, lang: str) -> html.Div:
    result = monitoring.backtest(storage, access, view.code)
    return html.Div(className="card", children=[
        html.H3(_t("回测与校准", "Backtest and calibration", lang)),
        html.P(_t(f"在 {result['months'][0]} 至 {result['months'][1]} 的历史数据上：准确率 = 预警户中随后{result['horizon_months']}个月内被识别的比例；"
                  f"覆盖率 = 新识别户中此前{result['horizon_months']}个月曾被预警的比例。全部评分农户{result['horizon_months']}个月内被识别的基准比例为 {result['base_rate']}%。",
                  f"On the history from {result['months'][0]} to {result['months'][1]}: precision = share of warned households "
                  f"identified within {result['horizon_months']} months; recall = share of newly identified households warned in "
                  f"the {result['horizon_months']} months before. Base rate over all scored households: {result['base_rate']}%.",
                  lang), className="note"),
        _table(ids.MON_BACKTEST, result["cuts"], [("cut", "分数线", "cut"), ("warned", "预警户月", "warned household-months"),
                                        ("identified_after", "随后识别", "identified after"),
                                        ("precision", "准确率%", "precision %"), ("identified", "新识别户", "identified"),
                                        ("warned_before", "此前曾预警", "warned before"), ("recall", "覆盖率%", "recall %")], lang),
        dcc.Graph(id=ids.MON_CALIBRATION, config=map_page.GRAPH_CONFIG, figure=figures.calibration_figure(result["bands"], lang)),
    ])


# -- board, checks, what-if, sample ------------------------------------------------------------------
CASE_COLUMNS = [("village", "村", "village"), ("household_id", "户编码", "household"), ("head_name", "户主", "head"),
                ("category_zh", "类别", "category"), ("risk_types_zh", "风险类型", "risk types"),
                ("signal_on", "预警", "signal"), ("verified_on", "核实", "verified"), ("identified_on", "识别", "identified"),
                ("first_measure_on", "首项措施", "first measure"), ("eliminated_on", "风险消除", "eliminated"),
                ("measures_zh", "帮扶措施", "measures")]


def board_section(storage, view, access, lang: str) -> html.Div:
    result = monitoring.board(storage, access, view.code)
    return html.Div(className="card", children=[
        html.H3(_t("识别到帮扶进度", "From identification to assistance", lang)),
        html.P(_t(f"{result['cases']} 个监测案例（截至 {result['as_of']}），超期 {result['overdue']} 个：预警到识别超过{monitoring.IDENTIFICATION_TARGET_DAYS}天，"
                  f"或识别后{monitoring.MEASURE_TARGET_DAYS}天内未落实帮扶措施。",
                  f"{result['cases']} cases (to {result['as_of']}), {result['overdue']} overdue: more than "
                  f"{monitoring.IDENTIFICATION_TARGET_DAYS} days from signal to identification, or no measure "
                  f"{monitoring.MEASURE_TARGET_DAYS} days after identification.", lang), className="note"),
        _table(ids.MON_BOARD, result["townships"], [
            ("name", "乡镇", "township"), ("cases", "案例数", "cases"),
            ("median_days_to_identify", "识别天数中位数", "days to identify, median"),
            ("p90_days_to_identify", "识别天数90分位", "days to identify, p90"),
            ("median_days_to_measure", "帮扶天数中位数", "days to measure, median"),
            ("p90_days_to_measure", "帮扶天数90分位", "days to measure, p90"),
            ("overdue_identification", "识别超期", "identification overdue"),
            ("overdue_measure", "帮扶超期", "measure overdue")], lang),
        dcc.Graph(id=ids.MON_HEAT, config=map_page.GRAPH_CONFIG, figure=figures.overdue_heatmap(result["heat"], lang)),
        html.H4(_t("超期案例", "Overdue cases", lang)),
        _mode_note(result["mode"], lang),
        _table(ids.MON_OVERDUE, result["overdue_cases"], CASE_COLUMNS, lang),
    ])


def checks_section(storage, view, access, lang: str) -> html.Div:
    result = monitoring.checks(storage, access, view.code)
    exits = [{**r, "reasons": "；".join(r["reasons"])} for r in result["exits"]]
    return html.Div(className="card", children=[
        html.H3(_t("帮扶措施匹配与风险消除核查", "Measure matching and exit checks", lang)),
        html.P(_t(f"{result['cases_with_measures']} 个有措施的案例中 {result['mismatched']} 个措施与风险类型不匹配（因病→健康医疗、缺劳动力→兜底保障、"
                  f"有劳动能力→产业就业）；{result['eliminated']} 个已消除风险的案例中 {result['exit_flagged']} 个需复核。",
                  f"{result['mismatched']} of {result['cases_with_measures']} cases with measures do not match their risk "
                  f"(illness → health, no labour → safety net, labour → industry or employment); {result['exit_flagged']} of "
                  f"{result['eliminated']} exits need review.", lang), className="note"),
        _mode_note(result["mode"], lang),
        _table(ids.MON_MISMATCHES, result["mismatches"], CASE_COLUMNS[:5] + [("measures_zh", "帮扶措施", "measures"),
                                                                             ("unmatched_zh", "未匹配", "unmatched")], lang),
        html.H4(_t("风险消除需复核", "Exits to review", lang)),
        _table(ids.MON_EXITS, exits, CASE_COLUMNS[:5] + [("identified_on", "识别", "identified"),
                                                        ("eliminated_on", "风险消除", "eliminated"),
                                                        ("reasons", "原因", "reasons")], lang),
    ])


def whatif_section(storage, view, access, threshold, lang: str) -> html.Div:
    try:
        result = monitoring.whatif(storage, access, view.code, threshold)  # default: the stored line
    except monitoring.BadRequest:
        if threshold is not None:
            raise
        result = monitoring.whatif(storage, access, view.code, WHATIF_START)  # no line stored here
    threshold = result["threshold"]
    units = [{"code": c["code"], "name": c["name"]} for c in result["children"]]
    return html.Div(className="card", children=[
        html.H3(_t("监测线测算", "Threshold what-if", lang)),
        html.Label(_t("假设监测线（元/人·年）", "Threshold (yuan per person per year)", lang), htmlFor=ids.MON_THRESHOLD),
        dcc.Input(id=ids.MON_THRESHOLD, type="number", min=monitoring.WHATIF_RANGE[0], max=monitoring.WHATIF_RANGE[1],
                  step=10, value=threshold, debounce=True),
        html.P(_t(f"按 {result['year']} 年收入：监测线 {threshold:,.0f} 元时 {result['households']:,} 户 {result['people']:,} 人低于该线；"
                  f"现行监测线 {result['stored_threshold'] or 0:,.0f} 元时 {result['households_now']:,} 户 {result['people_now']:,} 人。不改变已存数据。",
                  f"On {result['year']} incomes: {result['households']:,} households ({result['people']:,} people) under "
                  f"{threshold:,.0f} yuan; {result['households_now']:,} ({result['people_now']:,}) under the current line of "
                  f"{result['stored_threshold'] or 0:,.0f}. Nothing stored changes.", lang), id=ids.MON_WHATIF_SUMMARY,
               className="kpi-line"),
        dcc.Graph(id=ids.MON_WHATIF_MAP, className="map", config={**map_page.GRAPH_CONFIG, "topojsonURL": "/assets/topojson/"},
                  figure=figures.map_figure(view.units, whatif_map_data(view, result), view.geojson_url, lang))
        if units and view.units else None,
        _table(ids.MON_WHATIF, result["children"], [("name", "地区", "region"), ("households", "低于假设线户数", "households under"),
                                                    ("people", "人数", "people"), ("households_now", "低于现行线户数", "under current line"),
                                                    ("people_now", "人数（现行）", "people (current)")], lang),
    ])


def whatif_map_data(view, result: dict) -> MapData:
    """The what-if counts as map data over the view's units."""
    found = {c["code"]: c["households"] for c in result["children"]}
    rows = [{"code": u["code"], "name": u["name"], "level": u["level"], "value": found.get(u["code"]), "change": None,
             "rank": None, "in_tier": True} for u in view.units]
    with_data = cube.rank(rows)
    return MapData(metrics.get("households_below_threshold"), str(result["year"]), None, tiers.get(None), rows, with_data)


def sample_section(storage, view, access, size: int, seed: int, lang: str) -> html.Div:
    children = [html.H3(_t("入户核查抽样", "Field sample for verification visits", lang)),
                html.Label(_t("样本量", "Size", lang), htmlFor=ids.MON_SIZE),
                dcc.Input(id=ids.MON_SIZE, type="number", min=1, max=monitoring.SAMPLE_MAX, step=1,
                          value=size or monitoring.SAMPLE_DEFAULT, debounce=True),
                html.Label(_t("随机种子", "Seed", lang), htmlFor=ids.MON_SEED),
                dcc.Input(id=ids.MON_SEED, type="number", min=0, step=1, value=seed, debounce=True)]
    try:
        result = monitoring.field_sample(storage, access, view.code, size, seed)
    except monitoring.BadRequest as error:
        return html.Div(className="card", children=children + [html.P(str(error), className="notice")])
    base = f"/api/v1/monitoring/sample?region={view.code}&size={result['size']}&seed={seed}"
    return html.Div(className="card", children=children + [
        html.P(_t(f"按乡镇×监测类别分{len(result['strata'])}层（每层至少1户，其余按比例），从 {result['population']} 户中抽取 {result['size']} 户；同一种子得到同一样本。",
                  f"{len(result['strata'])} strata (township × category; at least one each, the rest in proportion): "
                  f"{result['size']} of {result['population']} households; the same seed gives the same sample.", lang),
               className="note"),
        _mode_note(result["mode"], lang),
        html.Div(className="downloads", children=[
            html.A(_t("下载核查清单 XLSX", "Checklist XLSX", lang), href=base + "&format=xlsx", id=ids.MON_SAMPLE_XLSX),
            html.A(_t("下载核查清单 PDF", "Checklist PDF", lang), href=base + "&format=pdf", id=ids.MON_SAMPLE_PDF)]),
        _table(ids.MON_SAMPLE, result["households"], [("township", "乡镇", "township")] + CASE_COLUMNS[:5]
               + [("risk_status_zh", "风险状态", "status")], lang),
    ])
