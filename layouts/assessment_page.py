"""The assessment workbench (``/assessment``, 考核评估): every county of a class ranked by a weighted
indicator scheme, the weights' what-if, the robustness of ranks and grades, a county's evidence down to the
records, field verification, frozen runs and the evidence pack.

Rendered from the URL (``scheme``, ``version``, ``year``, ``class``, ``county``, ``indicator``, ``seed``,
``lang``), so a copied link opens the same view; the scheme, class and year controls and a click on a county
or an indicator rewrite the URL (callbacks/assessment_callbacks.py). The weight sliders re-rank live and are
never saved (the page says so; "reset" restores the scheme's weights). Everything is read through
data/read/assessment.py for the caller; figures come from layouts/figures_assessment.py. The component ids
are the constants below.
"""
from __future__ import annotations

from dash import dash_table, dcc, html

from data.definitions import contract, labels, policy
from data.definitions.messages import N_, language, localized, t
from data.read import assessment, cube
from data.store.storage import NotFound, Storage
from layouts import assessment_report
from layouts import figures_assessment as charts
from layouts import monitoring_page, profile_tables, shell

PATH = "/assessment"
GRAPH_CONFIG = {"displayModeBar": False, "displaylogo": False}

# -- component ids ---------------------------------------------------------------------------------------
STATE = "assess-state"
SCHEME = "assess-scheme"
CLASS = "assess-class"
REGION = "assess-region"  # a province or prefecture (empty: every county the caller may read)
YEAR = "assess-year"
WEIGHT = "assess-weight"  # pattern: {"type": WEIGHT, "kind": "dimensions" | "indicators", "code": …}
RESET = "assess-reset"
WHATIF = "assess-whatif"
RANKING = "assess-ranking"
TABLE = "assess-table"
ROBUST = "assess-robust"
GRADES = "assess-grades"
ROBUST_NOTE = "assess-robust-note"
SEED = "assess-seed"
EVIDENCE = "assess-evidence"
DIMENSIONS = "assess-dimensions"
INDICATOR = "assess-indicator"  # pattern: {"type": INDICATOR, "code": …}
INDICATORS = "assess-indicators"
RECORDS = "assess-records"
TREND = "assess-trend"
PACK_PDF = "assess-pack-pdf"
PACK_XLSX = "assess-pack-xlsx"
VERIFY = "assess-verify"
LABEL = "assess-label"
SAVE = "assess-save"
SAVED = "assess-saved"
RUNS = "assess-runs"
FIRST = "assess-first"
SECOND = "assess-second"
COMPARISON = "assess-comparison"
CHECKLIST = "assess-checklist"  # -pdf, -xlsx: the field checklist's downloads
CHECKLIST_NAMES = {"pdf": N_("assess_checklist_pdf"), "xlsx": N_("assess_checklist_xlsx")}
GO = "assess-go"  # the page's own address bar: a control's new URL (inside the page, so that a load fires no
# callback: Dash runs a callback whose input is inserted with the page unless its output is inserted with it)

CLASS_NAMES = {"all": N_("assess_class_all"), "national_key": N_("assess_class_national_key"),
               "provincial_key": N_("assess_class_provincial_key"), "other": N_("assess_class_other")}
MODE_NOTE = {"sample": N_("assess_mode_sample"), "hidden": N_("assess_mode_hidden"),
             "outside": N_("assess_mode_outside")}
TABLE_STYLE = dict(style_table={"overflowX": "auto"},
                   style_cell={"fontFamily": "WenQuanYi Micro Hei, sans-serif", "fontSize": 13, "padding": "4px 8px",
                               "textAlign": "left", "whiteSpace": "normal", "height": "auto", "maxWidth": 360},
                   style_header={"fontWeight": "bold", "backgroundColor": "#eef2f6"})


def title(lang: str = "zh") -> str:
    return t("assess_title", lang)


def _int(value, low: int, high: int) -> int | None:
    text = shell.text(value)
    if text is None or not text.isdigit():
        return None
    number = int(text)
    return number if low <= number <= high else None


def state_of(scheme: str, version: int | None, year: str, klass: str, county: str | None, indicator: str | None,
             seed: int | None, region: str | None = None) -> dict:
    """The page's shareable state (its URL parameters; the default scheme and class are left out)."""
    return {"scheme": None if scheme == assessment.DEFAULT_SCHEME else scheme, "version": version, "year": year,
            "class": None if klass == assessment.CLASSES[0] else klass, "region": region, "county": county,
            "indicator": indicator, "seed": seed}


def link(state: dict, lang: str, **changes) -> str:
    """The page's URL with ``changes`` applied to its state."""
    merged = {**state, **changes}
    return shell.href(PATH, **{k: (str(v) if v is not None else None) for k, v in merged.items()}, lang=lang)


def layout(storage: Storage, access, scheme: str | None = None, version=None, year=None, lang: str | None = None,
           county: str | None = None, indicator: str | None = None, seed=None, region: str | None = None,
           **params) -> html.Div:
    lang = language(shell.text(lang))
    klass = shell.text(params.get("class")) or assessment.CLASSES[0]
    klass = klass if klass in (assessment.ALL_CLASSES, *assessment.CLASSES) else assessment.CLASSES[0]
    scheme_id = shell.text(scheme) or assessment.DEFAULT_SCHEME
    version = _int(version, 1, 100000)
    seed = _int(seed, 0, 2 ** 32 - 1)
    county, indicator, region = shell.text(county), shell.text(indicator), shell.text(region)
    try:
        found = assessment.scores(storage, access, scheme_id, version, shell.text(year), klass, region)
    except cube.NotBuilt as error:
        return shell.not_built(access, lang, PATH, [], {}, error)
    except (NotFound, cube.BadParameter) as error:
        return shell.frame(access, html.Div(className="card", children=[
            html.H2(t("assess_title", lang)), html.P(str(error), className="notice"),
            dcc.Link(t("assess_back", lang), href=shell.href(PATH, lang=lang))]), lang, PATH, [], {})
    region = found["region"]
    state = state_of(scheme_id, version, found["year"], klass, county, indicator, seed, region)
    store = {**state, "scheme": scheme_id, "class": klass, "lang": lang,
             "weights": {"dimensions": {d["code"]: d["weight"] for d in found["dimensions"]},
                         "indicators": {i["code"]: i["weight"] for i in found["indicators"]}}}
    sections = [
        html.H2(t("assess_title", lang)),
        controls(storage, access, found, klass, region, lang),
        ranking_section(found, lang),
        robustness_section(storage, access, found, klass, seed, region, lang),
        evidence_section(storage, access, found, county, indicator, state, lang),
        verification_section(storage, access, county, seed, lang),
        runs_section(storage, access, found, lang),
        dcc.Store(id=STATE, data=store), dcc.Location(id=GO, refresh="callback-nav"),
    ]
    return shell.frame(access, html.Div(className="profile assessment-page", children=sections), lang, PATH, [],
                       {k: v for k, v in state.items() if v is not None})


def controls(storage: Storage, access, found: dict, klass: str, region: str | None, lang: str) -> html.Div:
    schemes = assessment.scheme_list(storage, access)
    places = assessment.region_choices(storage, access, found["scheme"]["id"], found["scheme"]["version"],
                                       found["year"])
    scheme = found["scheme"]
    versions = f"{t('assess_scheme_version', lang)} {scheme['version']} · {t('assess_data_version', lang)} " \
               f"{found['data_version']}"
    year_note = t("assess_year_to_date", lang).format(through=found["through"]) if found["partial"] else ""
    return html.Div(className="section", children=[
        html.Div(className="controls", children=[
            html.Label(t("assess_scheme", lang), htmlFor=SCHEME),
            dcc.Dropdown(id=SCHEME, value=scheme["id"], clearable=False, searchable=False, style={"width": 380},
                         options=[{"label": localized(s, lang), "value": s["id"]} for s in schemes]),
            html.Label(t("assess_class", lang), htmlFor=CLASS),
            dcc.Dropdown(id=CLASS, value=klass, clearable=False, searchable=False, style={"width": 260},
                         options=[{"label": t(CLASS_NAMES[c], lang), "value": c}
                                  for c in (*assessment.CLASSES, assessment.ALL_CLASSES)]),
            html.Label(t("assess_year", lang), htmlFor=YEAR),
            dcc.Dropdown(id=YEAR, value=found["year"], clearable=False, searchable=False, style={"width": 120},
                         options=[{"label": y, "value": y} for y in reversed(found["years"])]),
            html.Label(t("assess_region", lang), htmlFor=REGION),
            dcc.Dropdown(id=REGION, value=region, clearable=True, searchable=True, style={"width": 300},
                         placeholder=t("assess_region_all", lang),
                         options=[{"label": p["name"] if p["level"] == "province" else f"{p['province']} · {p['name']}",
                                   "value": p["code"]} for p in places]),
        ]),
        html.P([versions, html.Span(f" · {year_note}" if year_note else "")], className="note"),
        html.P(localized(scheme, lang, zh="description_zh", en="description_en"), className="note"),
    ])


# -- ranking and the weights' what-if --------------------------------------------------------------------
def weight_sliders(found: dict, lang: str) -> html.Div:
    """A slider per dimension and, folded beneath, per indicator: the declared weights to start with."""
    def slider(kind: str, code: str, name: str, value: float) -> html.Div:
        return html.Div(className="weight", children=[
            html.Label(name, className="control-label"),
            dcc.Slider(id={"type": WEIGHT, "kind": kind, "code": code}, min=0, max=100, step=5, value=value,
                       marks=None, updatemode="mouseup")])
    dimensions = [slider("dimensions", d["code"], localized(d, lang), d["weight"]) for d in found["dimensions"]]
    indicators = [slider("indicators", i["code"], f"{localized(next(d for d in found['dimensions'] if d['code'] == i['dimension']), lang)} · "
                                                  f"{localized(i, lang)}", i["weight"]) for i in found["indicators"]]
    grid = {"display": "grid", "gridTemplateColumns": "repeat(4, 1fr)", "gap": "4px 16px"}
    return html.Div(className="weights", children=[
        html.Div(className="controls", children=[
            html.Strong(t("assess_weights", lang)),
            html.Span(t("assess_whatif_off", lang), id=WHATIF, className="note"),
            html.Button(t("assess_reset", lang), id=RESET, className="button small secondary")]),
        html.Div(dimensions, style=grid),
        html.Details([html.Summary(t("assess_indicator_weights", lang)), html.Div(indicators, style=grid)]),
    ])


def ranking_section(found: dict, lang: str) -> html.Section:
    rule = found.get("rule") or {}
    notes = [localized(rule[k], lang) for k in ("reweighting", "coverage", "grade", "progress") if k in rule]
    return html.Section(className="section", id="section-ranking", children=[
        html.H3(t("assess_ranking", lang).format(klass=t(CLASS_NAMES[found["class"]], lang), year=found["year"])),
        weight_sliders(found, lang),
        dcc.Graph(id=RANKING, figure=charts.ranking_figure(found, lang), config=GRAPH_CONFIG),
        dash_table.DataTable(id=TABLE, columns=charts.ranking_columns(found, lang),
                             data=charts.ranking_rows(found, lang), sort_action="native", page_action="none",
                             cell_selectable=True, **TABLE_STYLE),
        html.P(t("assess_click_county", lang), className="hint"),
        html.Ul([html.Li(n, className="note") for n in notes], className="facts"),
    ])


# -- robustness ------------------------------------------------------------------------------------------
def robustness_section(storage: Storage, access, found: dict, klass: str, seed: int | None, region: str | None,
                       lang: str) -> html.Section:
    robust = assessment.robustness(storage, access, found["scheme"]["id"], found["scheme"]["version"], found["year"],
                                   klass, region, seed=seed)
    return html.Section(className="section", id="section-robustness", children=[
        html.H3(t("assess_robustness", lang)),
        html.P(robust_note(robust, lang), id=ROBUST_NOTE, className="note"),
        html.Div(className="grid-2", children=[
            dcc.Graph(id=ROBUST, figure=charts.robustness_figure(robust, lang), config=GRAPH_CONFIG),
            dcc.Graph(id=GRADES, figure=charts.grade_probability_figure(robust, found["grades"], lang),
                      config=GRAPH_CONFIG)]),
    ])


def robust_note(robust: dict, lang: str) -> str:
    solid = sum(1 for c in robust["counties"] if c["solid"])
    return t("assess_robust_note", lang).format(
        samples=robust["samples"], seed=robust["seed"], concentration=robust["concentration"],
        solid=solid, n=len(robust["counties"]), cut=f"{robust['solid_cut']:.0%}")


# -- evidence --------------------------------------------------------------------------------------------
def evidence_section(storage: Storage, access, found: dict, county: str | None, indicator: str | None,
                     state: dict, lang: str) -> html.Section:
    head = html.H3(t("assess_evidence", lang))
    if not county:
        return html.Section(className="section", id=EVIDENCE, children=[
            head, html.P(t("assess_choose_county", lang), className="hint")])
    try:
        found = assessment.evidence(storage, access, county, found["scheme"]["id"], found["scheme"]["version"],
                                    found["year"], indicator)
    except (NotFound, cube.BadParameter) as error:
        return html.Section(className="section", id=EVIDENCE, children=[head, html.P(str(error), className="notice")])
    own = found["score"]
    summary = t("assess_county_summary", lang).format(
        county=found["county"]["name"], klass=t(CLASS_NAMES[found["county"]["class"]], lang),
        score=charts.number(own["composite"]), grade=charts.grade_name(found["grades"], own["grade"], lang),
        rank=own["rank"] or "—", n=found["peers"], progress=charts.number(own["progress"], signed=True),
        progress_rank=own["progress_rank"] or "—", coverage=charts.share(own["coverage"]))
    code = found["county"]["code"]
    pack = [html.A(t("assess_pack_pdf", lang), id=PACK_PDF, className="button secondary", download="",
                   href=shell.href(f"{PATH}/{code}/pack.pdf", scheme=state.get("scheme"), year=found["year"],
                                   lang=lang)),
            html.A(t("assess_pack_xlsx", lang), id=PACK_XLSX, className="button secondary", download="",
                   href=shell.href(f"{PATH}/{code}/pack.xlsx", scheme=state.get("scheme"), year=found["year"],
                                   lang=lang))]
    children = [head, html.Div(className="profile-header", children=[
        html.Div([html.H2(found["county"]["name"]), html.P(summary)]), html.Div(pack, className="no-print")]),
        dcc.Graph(id=DIMENSIONS, figure=charts.dimension_figure(found, lang), config=GRAPH_CONFIG)]
    chosen = None
    for dimension in found["dimensions"]:
        children.append(html.H4(f"{localized(dimension, lang)} · {charts.number(dimension['score'])}"))
        children.append(indicator_table(dimension, state, lang))
        chosen = chosen or next((i for i in dimension["indicators"] if i["code"] == indicator), None)
    if chosen:
        children.append(indicator_detail(chosen, lang))
    return html.Section(className="section", id=EVIDENCE, children=children)


def indicator_table(dimension: dict, state: dict, lang: str) -> html.Table:
    header = html.Tr([html.Th(t(k, lang)) for k in (
        N_("assess_col_indicator"), N_("assess_col_value"), N_("assess_col_target"), N_("assess_col_normalised"),
        N_("assess_col_share"), N_("assess_col_peers"), N_("assess_col_peer_rank"), N_("assess_col_records"))])
    rows = []
    for item in dimension["indicators"]:
        unit = localized(item, lang, zh="unit", en="unit_en")
        peers = item["peers"]
        rows.append(html.Tr([
            html.Td(localized(item, lang)),
            html.Td(f"{charts.number(item['value'], 2)} {unit}" if item["present"] else t("assess_missing", lang)),
            html.Td(charts.number(item["target"], 0) if item["target"] is not None else "—"),
            html.Td(charts.number(item["normalised"])),
            html.Td(f"{100 * item['share']:.1f}%"),
            html.Td(t("assess_peer_range", lang).format(median=charts.number(peers["median"], 2),
                                                        low=charts.number(peers["min"], 2),
                                                        high=charts.number(peers["max"], 2))),
            html.Td(f"{peers['rank'] or '—'} / {peers['n']}"),
            html.Td(dcc.Link(t("assess_open_indicator", lang), id={"type": INDICATOR, "code": item["code"]},
                             href=link(state, lang, indicator=item["code"]) + f"#{INDICATORS}")),
        ]))
    return html.Table([html.Thead(header), html.Tbody(rows)], className="evidence-table")


def record_header(kind: str, column: str, lang: str) -> str:
    """The header of a column of the records behind an indicator, as the page that lists them names it: the
    monitoring page's cases, the profile's projects and funds, the contract's fields; the code otherwise."""
    case = dict(monitoring_page.CASE_COLUMNS).get(column)
    if case:
        return t(case, lang)
    if kind in ("idle_projects", "projects") and column in profile_tables.PROJECT_COLUMNS:
        return t(f"col_project_{column}", lang)
    if kind == "funds" and column in profile_tables.FUNDS_COLUMNS:
        return t(f"col_funds_{column}", lang)
    table = "teams" if kind == "teams" else "monitoring"
    if column in {c.name for c in contract.spec_of(table).all_columns}:
        return labels.field_label(table, column, lang)
    return column


def indicator_detail(item: dict, lang: str) -> html.Div:
    found = item.get("records") or {}
    rows = found.get("rows") or []
    note = [html.P(localized(item, lang, zh="definition_zh", en="definition_en"), className="note"),
            html.P(localized(item, lang, zh="description_zh", en="description_en"), className="note")]
    if found.get("mode") in MODE_NOTE:
        note.append(html.P(t(MODE_NOTE[found["mode"]], lang).format(rate=f"{policy.SAMPLE_RATE:.0%}"),
                           className="notice"))
    if found.get("kind") is None:
        listing = html.P(t("assess_no_records", lang), className="hint")
    elif not rows:
        listing = html.P(t("assess_records_none", lang).format(count=found.get("count", 0)), className="hint")
    else:
        # a field with a Chinese twin (``x`` and ``x_zh``) shown once, in the page's language
        columns = [c for c in rows[0] if not c.endswith(("_zh", "_en"))]
        listing = dash_table.DataTable(
            id=RECORDS, columns=[{"name": record_header(found["kind"], c, lang), "id": c} for c in columns],
            page_size=15, sort_action="native",
            data=[{c: _cell(localized(r, lang, zh=f"{c}_zh", en=c) if f"{c}_zh" in r else r.get(c), lang)
                   for c in columns} for r in rows], **TABLE_STYLE)
    return html.Div(id=INDICATORS, className="indicator-detail", children=[
        html.H4(t("assess_indicator_detail", lang).format(indicator=localized(item, lang))), *note,
        dcc.Graph(id=TREND, figure=charts.indicator_trend_figure(item, lang), config=GRAPH_CONFIG),
        html.P(t("assess_records_count", lang).format(count=found.get("count", 0)), className="section-summary"),
        listing])


def _cell(value, lang: str):
    if isinstance(value, list):
        return t("assess_list_separator", lang).join(str(v) for v in value)
    if isinstance(value, bool):
        return "√" if value else ""
    return value


# -- field verification ----------------------------------------------------------------------------------
def verification_section(storage: Storage, access, county: str | None, seed: int | None, lang: str) -> html.Section:
    head = html.H3(t("assess_verification", lang))
    if not county:
        return html.Section(className="section", id=VERIFY, children=[
            head, html.P(t("assess_choose_county", lang), className="hint")])
    try:
        design = assessment.field_design(storage, access, county, seed)
        results = assessment.field_results(storage, access, county, seed)
    except (NotFound, cube.BadParameter, PermissionError) as error:
        return html.Section(className="section", id=VERIFY, children=[head, html.P(str(error), className="notice")])
    villages = design["villages"]
    table = dash_table.DataTable(
        columns=[{"name": t(f, lang), "id": k} for k, f in (
            ("village", N_("assess_col_village")), ("stratum", N_("assess_col_stratum")),
            ("population", N_("assess_col_population")), ("sampled", N_("assess_col_sampled")),
            ("probability", N_("assess_col_probability")))],
        data=[{**v, "stratum": assessment_report.stratum_name(v["stratum"], lang),
               "probability": round(v["probability"], 4) if v.get("probability") is not None else None}
              for v in villages], page_size=12, **TABLE_STYLE)
    code = design["county"]["code"]
    checklist = html.Div(className="no-print controls", children=[
        html.A(t(CHECKLIST_NAMES[fmt], lang), id=f"{CHECKLIST}-{fmt}", className="button secondary", download="",
               href=shell.href(f"{PATH}/{code}/checklist.{fmt}", seed=seed, lang=lang)) for fmt in ("pdf", "xlsx")])
    notes = [html.P(localized(design["design"]["text"], lang), className="note")] if design["design"].get("text") else []
    if design.get("mode") in MODE_NOTE:
        notes.append(html.P(t(MODE_NOTE[design["mode"]], lang).format(rate=f"{policy.SAMPLE_RATE:.0%}"),
                            className="notice"))
    estimate = [dcc.Graph(figure=charts.verification_figure(results, lang), config=GRAPH_CONFIG)] \
        if results["visited"] else [html.P(t("assess_no_results", lang), className="hint")]
    return html.Section(className="section", id=VERIFY, children=[
        head, html.P(t("assess_design_summary", lang).format(villages=len(villages), households=len(design["households"]),
                                                             seed=design["seed"]), className="section-summary"),
        *notes, checklist, table, *estimate, html.P(localized(results["formula"], lang), className="note")
        if results.get("formula") else None])


# -- frozen runs -----------------------------------------------------------------------------------------
def runs_section(storage: Storage, access, found: dict, lang: str) -> html.Section:
    saved = assessment.runs(storage, access)
    options = [{"label": run_label(r), "value": r["id"]} for r in saved]
    may_save = access.role.code in ("admin", "evaluator")
    save = [dcc.Input(id=LABEL, type="text", maxLength=120, placeholder=t("assess_run_label", lang)),
            html.Button(t("assess_save_run", lang), id=SAVE, className="button")] if may_save else \
        [html.P(t("assess_save_not_allowed", lang), className="hint")]
    return html.Section(className="section", id="section-runs", children=[
        html.H3(t("assess_runs", lang)),
        html.P(t("assess_runs_note", lang), className="note"),
        html.Div(className="controls", children=save),
        html.P(id=SAVED, className="section-summary"),
        html.Div(className="controls", children=[
            html.Label(t("assess_compare_first", lang), htmlFor=FIRST),
            dcc.Dropdown(id=FIRST, options=options, value=options[1]["value"] if len(options) > 1 else None,
                         style={"width": 360}),
            html.Label(t("assess_compare_second", lang), htmlFor=SECOND),
            dcc.Dropdown(id=SECOND, options=options, value=options[0]["value"] if options else None,
                         style={"width": 360})]),
        html.Div(comparison(storage, access, options[1]["value"] if len(options) > 1 else None,
                            options[0]["value"] if options else None, lang), id=COMPARISON),
    ])


def comparison(storage: Storage, access, first, second, lang: str):
    """The comparison of two saved runs, or the hint when fewer than two are chosen."""
    if not isinstance(first, int) or not isinstance(second, int):
        return html.P(t("assess_compare_hint", lang), className="hint")
    try:
        found = assessment.compare(storage, access, first, second)
    except NotFound:
        return html.P(t("assess_compare_hint", lang), className="hint")
    return comparison_table(found, lang)


def run_label(run: dict) -> str:
    scheme = run.get("scheme") or {}
    when = str(run.get("saved_at") or "")[:16].replace("T", " ")
    label = run.get("label") or ""
    return f"#{run['id']} {label} · {scheme.get('id', run.get('scheme_id', ''))} v{scheme.get('version', run.get('scheme_version', ''))} · {when}"


def comparison_table(found: dict, lang: str) -> html.Div:
    reasons = {"data": t("assess_reason_data", lang), "weights": t("assess_reason_weights", lang),
               "both": t("assess_reason_both", lang), "none": t("assess_reason_none", lang)}
    columns = [("name", N_("assess_col_county")), ("year", N_("assess_year")), ("score_a", N_("assess_col_score_a")),
               ("score_b", N_("assess_col_score_b")), ("change", N_("assess_col_change")),
               ("data_effect", N_("assess_col_data_effect")), ("weights_effect", N_("assess_col_weights_effect")),
               ("rank_a", N_("assess_col_rank_a")), ("rank_b", N_("assess_col_rank_b")),
               ("reason", N_("assess_col_reason"))]
    rows = [{**{k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()},
             "reason": reasons.get(r.get("reason"), r.get("reason"))} for r in found["rows"]]
    summary = t("assess_compare_summary", lang).format(
        moved=sum(1 for r in found["rows"] if r.get("reason") not in (None, "none")), n=len(found["rows"]),
        scheme=t("assess_yes" if found.get("scheme_changed") else "assess_no", lang),
        data=t("assess_yes" if found.get("data_changed") else "assess_no", lang))
    return html.Div([html.P(summary, className="section-summary"), dash_table.DataTable(
        columns=[{"name": t(m, lang), "id": k} for k, m in columns], data=rows, sort_action="native", page_size=20,
        **TABLE_STYLE)])
