"""The East–West collaboration page (``/collaboration``, 东西部协作与定点帮扶): one eastern partner and its
western regions in one year, seen from either side.

``/collaboration?east=<code>&year=<YYYY>&indicator=<quantity>&order=<best|worst>&show=<all>&lang=<zh|en>`` —
every view is a link (defaults left out: the caller's largest partner, its latest year, the first agreement
indicator, best first, the ledger showing the agreement's indicators — those with targets — and ``show=all``
every indicator). Sections: the pairs the caller is party to (an eastern office: its western regions;
a western leader: her eastern partner(s) and central unit(s)); the **pair ledger** (one row per western
region of the caller's own, per indicator target, result, completion, last year and change, totals last,
cells under target styled and marked in text, sortable by every column on the server, "worst first" in one
click, CSV/XLSX); the share to national key counties against the requirement; **small multiples** of one
indicator on a shared axis and the full **ranking**; **labour flows** (western county → eastern partner /
own province / elsewhere) from the employment figures; **outcomes** of paired counties against unpaired
peers before and after the pair's start, with the caveat; the **targeted-assistance** ledger (central unit ×
county). Data from data/read/collaboration.py (the caller's scope: another pair's ledger is refused there,
403 and audited), drawn by layouts/figures_collaboration.py; callbacks in callbacks/collaboration_callbacks.py;
the report for the leadership in layouts/collaboration_report.py.
"""
from __future__ import annotations

import pandas as pd
from dash import dash_table, dcc, html

from data.definitions import codes, contract, metrics
from data.definitions.access import OutOfScope, level_of
from data.definitions.messages import N_, language, localized, t
from data.read import collaboration as collab
from data.store.storage import NotFound, Storage
from layouts import collaboration_ids as cids
from layouts import figures, map_page, shell
from layouts import figures_collaboration as fc

PATH = "/collaboration"
GRAPH_CONFIG = {**map_page.GRAPH_CONFIG, "displayModeBar": False}
MONEY_SCALE = 1e4  # yuan are shown in 万元
# A ledger of more rows than this draws only the rows in view (DataTable virtualization: a partner of 60
# regions × 12 indicators is ~4,000 cells, ~1 s of the browser's time each way); a smaller one draws whole.
VIRTUAL_ROWS = 30
CELL_STYLE = {"fontFamily": "WenQuanYi Micro Hei, sans-serif", "fontSize": 13, "padding": "4px 8px",
              "textAlign": "right", "whiteSpace": "nowrap", "minWidth": "72px"}
HEADER_STYLE = {"fontWeight": "bold", "backgroundColor": "#eef2f6", "textAlign": "center", "whiteSpace": "normal"}
def sticky(first: str, second: str, width: int = 118) -> list[dict]:
    """The first two columns stay in view while a wide table scrolls sideways (CSS position: sticky; Dash's
    fixed_columns draws the table twice)."""
    cell = {"position": "sticky", "zIndex": 1, "backgroundColor": "#fff", "textAlign": "left"}
    return [{"if": {"column_id": first}, **cell, "left": 0, "minWidth": f"{width}px", "width": f"{width}px",
             "maxWidth": f"{width}px"},
            {"if": {"column_id": second}, **cell, "left": f"{width}px", "whiteSpace": "normal", "minWidth": "150px"}]


STICKY = sticky("code", "name")
KIND_MSGIDS = {"east_west": N_("collab_kind_east_west"), "targeted": N_("collab_kind_targeted")}
PEER_RULE_MSGIDS = {"same_tier": N_("collab_peer_rule_same_tier"), "province": N_("collab_peer_rule_province"),
                    "none": N_("collab_peer_rule_none")}


# -- labels, attached here from codes -------------------------------------------------------------------------
def indicator(code: str, lang: str) -> fc.Indicator:
    """A collaboration quantity as the page shows it: its name, its unit (yuan in 万元)."""
    metric = metrics.get(f"ew_{code}")
    name = localized((contract.label_zh("collaboration_targets", "indicator", code), metric.en), lang)
    if code in contract.COLLABORATION_MONEY:
        return fc.Indicator(code, name, t("collab_unit_wan", lang), MONEY_SCALE)
    return fc.Indicator(code, name, figures.unit(metric, lang))


def quantity(code: str, lang: str) -> fc.Indicator:
    """A targeted-assistance quantity (定点帮扶) as shown: the contract's name, without the theme's prefix."""
    metric = metrics.get(f"ta_{code}")
    english = metric.en.split(": ", 1)[-1]
    name = localized((contract.TABLES["targeted_assistance"].column(code).zh, english[:1].upper() + english[1:]), lang)
    if metric.unit == "元":
        return fc.Indicator(code, name, t("collab_unit_wan", lang), MONEY_SCALE)
    return fc.Indicator(code, name, figures.unit(metric, lang))


def _year(value) -> int | None:
    text = shell.text(value)
    return int(text) if text and text.isdigit() and len(text) == 4 else None


def state_of(east, year, chosen, order, show=None) -> dict:
    return {"east": east, "year": year, "indicator": chosen, "order": order, "show": show}


SHOW_ALL = "all"  # ``?show=all``: every indicator of the ledger, not only the agreement's (those with targets)


def agreement_indicators(ledger) -> list[str]:
    """The ledger's indicators that carry a target in its year (the agreement's), in ledger order."""
    with_target = set(ledger.rows.loc[ledger.rows["target"].notna(), "indicator"]) if len(ledger.rows) else set()
    return [code for code in ledger.indicators if code in with_target]


def shown_indicators(ledger, show) -> list[str]:
    """What the ledger table shows: the agreement's indicators by default (the table stays light for a partner
    of 60 regions), every indicator with ``show=all`` or when no indicator has a target."""
    agreement = agreement_indicators(ledger)
    return list(ledger.indicators) if show == SHOW_ALL or not agreement else agreement


# -- the page ---------------------------------------------------------------------------------------------------
def layout(storage: Storage, access, east: str | None = None, year=None, indicator: str | None = None,
           order: str | None = None, lang: str | None = None, show: str | None = None, **_ignored) -> html.Div:
    lang = language(shell.text(lang))
    found = collab.partners(storage, access)
    pairs = collab.pairs(storage, access)
    asked = shell.text(east)
    known = [c for c in found["east_code"] if isinstance(c, str)]
    east_code = asked or (known[0] if known else None)
    state = state_of(asked, shell.text(year), shell.text(indicator), shell.text(order))
    children = [html.H2(t("collab_title", lang)), partners_section(pairs, lang)]
    if east_code is None:
        children.append(html.P(t("collab_no_pairs", lang), className="notice", id=cids.LEDGER))
        children.append(section(t("collab_targeted_section", lang), "targeted", targeted_body(storage, access, None, lang)))
        return shell.frame(access, html.Div(children, className="collaboration-page"), lang, PATH, [], state)
    try:
        ledger = collab.ledger(storage, access, east_code, _year(year))
    except NotFound:
        try:  # a year the partner has no ledger for: its latest
            ledger = collab.ledger(storage, access, east_code, None)
        except (NotFound, codes.InvalidCode):
            return shell.not_found(access, lang, PATH, asked)
    except codes.InvalidCode:
        return shell.not_found(access, lang, PATH, asked)
    chosen = shell.text(indicator)
    agreement = agreement_indicators(ledger)
    show = SHOW_ALL if shell.text(show) == SHOW_ALL else None
    if chosen not in ledger.indicators:
        chosen = (agreement or ledger.indicators or [None])[0]
    order = fc.rank_order(shell.text(order))
    state = state_of(asked, str(ledger.year) if shell.text(year) else None,
                     None if chosen == (agreement or ledger.indicators or [None])[0] else chosen,
                     None if order == "best" else order, show)
    full = {**state, "east": ledger.east["code"] or ledger.east["east_region"], "year": ledger.year}
    children[1:1] = [controls(found, ledger, lang), summary(ledger, lang)]
    if ledger.rows.empty:  # a partner of the caller's regions without a row of hers (e.g. a township)
        children += [html.P(t("collab_no_rows", lang), className="notice", id=cids.LEDGER),
                     section(t("collab_targeted_section", lang), "targeted",
                             targeted_body(storage, access, ledger.year, lang))]
        return shell.frame(access, html.Div(children, className="collaboration-page profile"), lang, PATH, [], state)
    children += [
        ledger_section(ledger, lang, show, state),
        trends_section(ledger, chosen, order, lang),
        section(t("collab_flows_section", lang), "flows", [waiting(cids.FLOWS_BODY, lang)]),
        section(t("collab_outcomes_title", lang), "outcomes", [waiting(cids.OUTCOMES_BODY, lang)]),
        section(t("collab_targeted_section", lang), "targeted", [waiting(cids.TARGETED_BODY, lang)]),
        dcc.Store(id=cids.STATE, data={**full, "chosen": chosen, "order": order, "lang": lang}),
    ]
    return shell.frame(access, html.Div(children, className="collaboration-page profile"), lang, PATH, [], state)


def controls(found: pd.DataFrame, ledger, lang: str) -> html.Div:
    options = [{"label": fc.paren(r.east_name, t('collab_regions_n', lang).format(n=r.regions), lang),
                "value": r.east_code} for r in found.itertuples(index=False) if isinstance(r.east_code, str)]
    if ledger.east["code"] not in [o["value"] for o in options]:
        options.insert(0, {"label": ledger.east["name"], "value": ledger.east["code"]})
    return html.Div(className="controls", children=[
        html.Label(t("collab_east", lang), htmlFor=cids.EAST),
        dcc.Dropdown(id=cids.EAST, value=ledger.east["code"], clearable=False, searchable=False, options=options,
                     className="metric-choice"),
        html.Label(t("collab_year", lang), htmlFor=cids.YEAR),
        dcc.Dropdown(id=cids.YEAR, value=ledger.year, clearable=False, searchable=False,
                     options=[{"label": str(y), "value": y} for y in reversed(ledger.years)], className="period-choice"),
        *report_links(ledger, lang),
    ])


def report_links(ledger, lang: str) -> list:
    """The ledger, charts and outcome comparison as one file for the leadership (layouts/collaboration_report.py)."""
    east = ledger.east["code"] or ledger.east["east_region"]
    return [html.A(text, href=shell.href(f"{PATH}/report.{fmt}", east=east, year=ledger.year, lang=lang),
                   id=element, className="button secondary", download="")
            for fmt, text, element in (("pdf", t("report_pdf", lang), cids.REPORT_PDF),
                                       ("xlsx", t("report_xlsx", lang), cids.REPORT_XLSX))]


def summary(ledger, lang: str) -> html.P:
    regions = ledger.rows["west_code"].nunique()
    under = sorted(set(ledger.rows.loc[ledger.rows["under_target"].fillna(False).astype(bool), "west_code"]))
    text = t("collab_summary", lang).format(east=ledger.east["name"], year=ledger.year, regions=regions,
                                            indicators=len(ledger.indicators), under=len(under))
    if ledger.months:
        text += " " + t("collab_months_note", lang).format(year=ledger.year, months=ledger.months)
    return html.P(text, className="section-summary", id=cids.SUMMARY)


def waiting(element: str, lang: str) -> html.Div:
    """A section's body, filled by its callback once the ledger is on the screen (callbacks/collaboration_callbacks.py)."""
    return html.Div(id=element, children=html.P(t("collab_loading", lang), className="note"))


def section(title: str, name: str, children: list) -> html.Section:
    return html.Section(className="section", id=f"collab-section-{name}", children=[html.H3(title), *children])


def partners_section(pairs: pd.DataFrame, lang: str) -> html.Section:
    """Both sides: every pairing the caller is party to — the eastern partner or the central unit, the western
    region, since when (an illustrative demo unit says so)."""
    rows = []
    for pair in pairs.itertuples(index=False):
        kind = t(KIND_MSGIDS.get(pair.kind, KIND_MSGIDS["east_west"]), lang)
        helper = pair.unit if pair.kind == "targeted" else (pair.east_name or pair.east_region)
        if pair.illustrative:
            helper = fc.paren(helper, t("illustrative", lang), lang)
        rows.append({"kind": kind, "helper": helper, "west": fc.paren(pair.west_name, pair.west_code, lang),
                     "start": "" if pd.isna(pair.start_year) else str(pair.start_year),
                     "end": "" if pd.isna(pair.end_year) else str(pair.end_year)})
    columns = [("kind", N_("collab_col_kind")), ("helper", N_("collab_col_helper")), ("west", N_("collab_col_west")),
               ("start", N_("collab_col_start")), ("end", N_("collab_col_end"))]
    body = dash_table.DataTable(id=cids.PARTNERS, data=rows, columns=[{"name": t(m, lang), "id": k} for k, m in columns],
                                sort_action="native", page_action="none",
                                style_table={"overflowX": "auto", "maxHeight": "260px", "overflowY": "auto"},
                                style_cell={**CELL_STYLE, "textAlign": "left"}, style_header=HEADER_STYLE) \
        if rows else html.P(t("collab_no_pairs", lang), className="note")
    return section(t("collab_partners_title", lang), "partners", [body])


# -- the ledger -------------------------------------------------------------------------------------------------
def ledger_parts(ledger, lang: str) -> tuple[pd.DataFrame, list[fc.Indicator]]:
    """The wide ledger (one row per western region) and its indicators as shown."""
    shown = [indicator(code, lang) for code in ledger.indicators]
    wide = getattr(ledger, "_wide", None)
    if wide is None:  # one ledger, one wide frame: the page and the report ask for it several times
        wide = fc.ledger_wide(ledger.rows, ledger.indicators)
        ledger._wide = wide
    return wide, shown


def ledger_totals(ledger) -> dict:
    """The totals row of a ledger (the service's totals per indicator), once per ledger."""
    row = getattr(ledger, "_totals_row", None)
    if row is None:
        row = fc.ledger_totals(ledger_parts(ledger, "zh")[0], ledger.indicators, ledger.totals)
        ledger._totals_row = row
    return row


def ledger_table(ledger, lang: str, sort_by=None, show=None) -> dict:
    """The DataTable's columns, rows (sorted by ``sort_by``) and styles for a ledger: the indicators of
    :func:`shown_indicators` (``show``)."""
    wide, shown = ledger_parts(ledger, lang)
    codes_ = set(shown_indicators(ledger, show))
    table = fc.ledger_table(wide, [i for i in shown if i.code in codes_], lang, ledger.totals)
    table["data"] = fc.sort_rows(table["data"], sort_by)
    return table


def ledger_file(ledger, lang: str) -> pd.DataFrame:
    """The ledger as a file: numbers in their own unit, the indicators under target named."""
    wide, shown = ledger_parts(ledger, lang)
    shown = [fc.Indicator(i.code, i.name, t("collab_unit_yuan", lang) if i.scale != 1 else i.unit)
             for i in shown]  # yuan in yuan
    return fc.ledger_export(wide, shown, lang, ledger.totals)


def indicators_toggle(ledger, lang: str, show, state: dict) -> html.A | None:
    """The link between the agreement's indicators (the default) and every indicator of the ledger."""
    agreement, every = agreement_indicators(ledger), list(ledger.indicators)
    if not agreement or len(agreement) == len(every):
        return None
    if show == SHOW_ALL:
        text, target = t("collab_show_agreement", lang).format(n=len(agreement)), None
    else:
        text, target = t("collab_show_all", lang).format(n=len(every), more=len(every) - len(agreement)), SHOW_ALL
    return html.A(text, id=cids.SHOW_ALL, className="button small secondary",
                  href=shell.href(PATH, **{**state, "show": target}, lang=lang))


def ledger_section(ledger, lang: str, show=None, state: dict | None = None) -> html.Section:
    table = ledger_table(ledger, lang, show=show)
    groups = shown_indicators(ledger, show)
    toggle = indicators_toggle(ledger, lang, show, state or {})
    return section(t("collab_ledger_title", lang), "ledger", [
        html.Div(className="downloads no-print", children=[
            *([toggle] if toggle is not None else []),
            html.Button(t("collab_worst_first", lang), id=cids.WORST_FIRST, className="button small"),
            html.Button(f"{t('download', lang)} CSV", id=cids.LEDGER_CSV, className="button small"),
            html.Button(f"{t('download', lang)} XLSX", id=cids.LEDGER_XLSX, className="button small"),
            dcc.Download(id=cids.LEDGER_DOWNLOAD)]),
        html.P(t("collab_ledger_note", lang).format(marker=t("collab_under_marker", lang),
                                                    key=t("collab_key_marker", lang)), className="note"),
        dash_table.DataTable(
            id=cids.LEDGER, columns=table["columns"], data=table["data"], merge_duplicate_headers=True,
            sort_action="custom", sort_mode="single", sort_by=[], page_action="none",
            virtualization=len(table["data"]) > VIRTUAL_ROWS,
            style_table={"overflowX": "auto", "overflowY": "auto", "maxHeight": "560px"},
            style_cell=CELL_STYLE, style_header=HEADER_STYLE, style_cell_conditional=STICKY,
            style_data_conditional=table["style_data_conditional"],
            css=[{"selector": ".dash-spreadsheet-menu", "rule": "display: none"}]),
        html.P(t("collab_indicators_n", lang).format(n=len(groups)) + (
            "" if len(groups) == len(ledger.indicators) else " " + t("collab_agreement_note", lang).format(
                n=len(groups), all=len(ledger.indicators))), className="note"),
        key_share_table(ledger, lang),
    ])


def key_share_table(ledger, lang: str) -> html.Div:
    rows = fc.key_share_rows(ledger.key_share, ledger_parts(ledger, lang)[1], lang)
    columns = [("indicator", N_("collab_col_indicator")), ("key", N_("collab_col_key_result")), ("total", N_("collab_col_all")),
               ("share", N_("collab_col_key_share")), ("requirement", N_("collab_col_required"))]
    return html.Div([
        html.H4(t("collab_key_share_title", lang)),
        html.P(t(collab.KEY_SHARE_RULE, lang).format(tilt=ledger.tilt), className="note"),
        dash_table.DataTable(
            id=cids.KEY_SHARE, data=[{k: r[k] for k, _ in columns} for r in rows],
            columns=[{"name": t(m, lang), "id": k} for k, m in columns], page_action="none",
            style_table={"overflowX": "auto"}, style_cell=CELL_STYLE, style_header=HEADER_STYLE,
            style_cell_conditional=[{"if": {"column_id": "indicator"}, "textAlign": "left"}],
            style_data_conditional=[{"if": {"filter_query": '{share} contains "▼"', "column_id": "share"},
                                     "backgroundColor": fc.UNDER_FILL, "color": fc.UNDER_INK, "fontWeight": "bold"}]),
    ])


# -- small multiples and the ranking ------------------------------------------------------------------------------
def trends_section(ledger, chosen: str | None, order: str, lang: str) -> html.Section:
    options = [{"label": indicator(code, lang).name, "value": code} for code in ledger.indicators]
    return section(t("collab_trends_title", lang), "trends", [
        html.Div(className="controls no-print", children=[
            html.Label(t("collab_indicator", lang), htmlFor=cids.INDICATOR),
            dcc.Dropdown(id=cids.INDICATOR, value=chosen, clearable=False, options=options, className="metric-choice"),
            html.Label(t("collab_rank_order", lang), htmlFor=cids.RANK_ORDER),
            dcc.RadioItems(id=cids.RANK_ORDER, value=order, inline=True,
                           options=[{"label": t("rank_best_first", lang), "value": "best"},
                                    {"label": t("rank_worst_first", lang), "value": "worst"}])]),
        waiting(cids.TRENDS_BODY, lang)])


def ranking_frame(ledger, chosen: str, lang: str) -> tuple[pd.DataFrame, bool]:
    """Every region of the ledger with its value of one indicator (its completion where it has targets, else
    its result in the shown unit) and the service's under-target flag; and whether it has targets."""
    part = ledger.rows[ledger.rows["indicator"] == chosen]
    has_target = bool(part["target"].notna().any())
    shown = indicator(chosen, lang)
    values = pd.to_numeric(part["completion"] if has_target else part["result"], errors="coerce").astype("float64")
    frame = pd.DataFrame({"west_code": part["west_code"].to_numpy(), "west_name": part["west_name"].to_numpy(),
                          "value": (values if has_target else values / shown.scale).to_numpy(),
                          "under_target": part["under_target"].astype("boolean").fillna(False).to_numpy()})
    return frame, has_target


def trends_body(storage: Storage, access, ledger, chosen: str | None, order: str, lang: str) -> list:
    """Small multiples of one indicator (every region, one shared axis) and the ranking of all regions."""
    if chosen is None or chosen not in ledger.indicators:
        return [html.P(t("no_data_here", lang))]
    east = ledger.east["code"] or ledger.east["east_region"]
    shown = indicator(chosen, lang)
    trends = collab.trends(storage, access, east, chosen)
    frame, has_target = ranking_frame(ledger, chosen, lang)
    title = t("collab_ranking_title" if has_target else "collab_ranking_result_title", lang).format(
        indicator=shown.name, year=ledger.year, n=int(frame["value"].notna().sum()))
    return [
        dcc.Graph(id=cids.MULTIPLES, config=GRAPH_CONFIG, figure=fc.small_multiples_figure(trends, shown, lang)),
        dcc.Graph(id=cids.RANKING, config=GRAPH_CONFIG, figure=fc.ranking_figure(
            frame, title, "%" if has_target else shown.unit, lang, order, line=100 if has_target else None,
            line_text=t("collab_target_line", lang))),
    ]


# -- labour flows ---------------------------------------------------------------------------------------------------
def flow_regions(access, ledger, pairs: pd.DataFrame) -> list[str]:
    """Whose flows are drawn: the caller's own regions (a western leader's, an office's partners), or for a
    whole-country caller the pair's western regions."""
    own = [code for code in access.regions if level_of(code) in ("province", "city", "county")]
    if own and not access.everything:
        return own
    east = ledger.east["code"]
    mine = pairs[(pairs["kind"] == "east_west") & (pairs["east_code"] == east)] if len(pairs) else pairs
    return sorted(set(mine["west_code"])) if len(mine) else sorted(set(ledger.rows["west_code"]))


def flows_data(storage: Storage, access, ledger, pairs: pd.DataFrame) -> tuple[pd.DataFrame, int | None]:
    """The employment flows of the ledger's western counties in the ledger's year (or the latest year with
    employment figures), and that year."""
    frames, year = [], None
    for code in flow_regions(access, ledger, pairs):
        try:
            found = collab.flows(storage, access, code, ledger.year)
        except NotFound:
            try:
                found = collab.flows(storage, access, code, None)
            except (NotFound, OutOfScope):
                continue
        except OutOfScope:
            continue
        year = found.year
        frames.append(found.employment)
    employment = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["west_code", "west_name", "destination", "people"])
    ledger_codes = set(ledger.rows["west_code"])
    if ledger_codes:
        employment = employment[employment["west_code"].isin(ledger_codes)]
    return employment.drop_duplicates(["west_code", "destination"]), year


def flows_body(storage: Storage, access, ledger, pairs: pd.DataFrame, lang: str) -> list:
    """The Sankey of the labour flows, its caption and source."""
    employment, year = flows_data(storage, access, ledger, pairs)
    links = fc.flow_links(employment)
    names = destination_names(ledger, lang)
    title = t("collab_flows_title", lang).format(year=year or "—")
    totals = fc.flows_totals(links)
    whole = sum(totals.values()) or 0
    caption = t("collab_flows_caption", lang).format(
        east=names["east"], share=f"{totals.get('east', 0) / whole * 100:.1f}" if whole else "—",
        people=f"{whole:,.0f}", regions=links["source"].nunique() if len(links) else 0)
    return [dcc.Graph(id=cids.FLOWS, config=GRAPH_CONFIG,
                      figure=fc.flows_figure(links, title, lang, names, t("unit_people", lang))),
            html.P(caption, id=cids.FLOWS_CAPTION, className="caption"),
            html.P(t("collab_flows_note", lang), className="note")]


def destination_names(ledger, lang: str) -> dict[str, str]:
    return {"east": ledger.east["name"], "own_province": t("collab_flow_own_province", lang),
            "elsewhere": t("collab_flow_elsewhere", lang)}


# -- outcomes -------------------------------------------------------------------------------------------------------
def outcome_labels(codes_: tuple[str, ...], lang: str) -> dict[str, str]:
    return {code: fc.paren(figures.label(metrics.get(code), lang), figures.unit(metrics.get(code), lang), lang)
            for code in codes_}


def outcomes_summary(found) -> pd.DataFrame:
    """The service's summary with the number of counties of each group."""
    counts = {"paired": len(found.paired), "peers": len(found.peers)}
    return found.summary.assign(count=found.summary["group"].map(counts))


def outcomes_basis(found, lang: str) -> tuple[tuple[str, str], str, str | None]:
    """What the comparison sets side by side (before/after the start, or the first period with data and the
    latest when the pair is older than the data: no start year is invented), the chart's title and the note
    saying which."""
    start = found.start_year or "—"
    if found.comparison == "before_after":
        return fc.PHASES, t("collab_outcomes_chart", lang).format(start=start), None
    first, latest = found.data_start or "—", found.data_end or "—"
    if found.data_start is not None and found.data_start == found.data_end:  # one period: levels, no change
        return (fc.SINCE_DATA, t("collab_outcomes_chart_since", lang).format(first=first, latest=latest),
                t("collab_outcomes_no_before", lang).format(start=start))
    return (fc.SINCE_DATA, t("collab_outcomes_chart_since", lang).format(first=first, latest=latest),
            t("collab_outcomes_since_data", lang).format(start=start, first=first, latest=latest))


def phase_value(row: dict, phase: str, lang: str) -> str:
    """A cell of the comparison: the value, with its period for the first and latest ones."""
    text = fc.format_number(row[phase])
    period = row.get(f"{phase}_period") if phase in fc.SINCE_DATA else None
    return fc.paren(text, period, lang) if period and text != "—" else text


def outcomes_body(storage: Storage, access, east: str, lang: str) -> list:
    """Paired counties against unpaired peers before and after the pair's start (or, for a pair older than
    the data, from the first period with data to the latest), the difference of the changes, the caveat."""
    found = collab.outcomes(storage, access, east)
    labels = outcome_labels(found.metric_codes, lang)
    table = outcomes_summary(found)
    phases, title, note = outcomes_basis(found, lang)
    rows = [{"metric": labels[r["metric"]], "group": t(fc.GROUP_MSGIDS[r["group"]], lang),
             **{phase: phase_value(r, phase, lang) for phase in phases},
             "change": fc.format_number(r["change"], signed=True),
             "difference": fc.format_number(r["difference"], signed=True) if r["group"] == "paired" else "",
             "count": str(r["count"])}
            for r in table.to_dict("records")]
    columns = [("metric", N_("collab_col_indicator")), ("group", N_("collab_col_group")),
               *[(phase, fc.PHASE_MSGIDS[phase]) for phase in phases],
               ("change", N_("collab_col_after_before") if phases == fc.PHASES else N_("collab_col_latest_first")),
               ("difference", N_("collab_col_difference")), ("count", N_("collab_col_counties"))]
    notes = [html.P(t(found.caveat, lang), id=cids.CAVEAT, className="notice"),
             html.P(t(PEER_RULE_MSGIDS.get(found.peer_rule, PEER_RULE_MSGIDS["none"]), lang).format(paired=len(found.paired),
                                                                       peers=len(found.peers)), className="note")]
    if note:
        notes.append(html.P(note, className="note", id=cids.OUTCOMES_BASIS))
    return [*notes,
            dcc.Graph(id=cids.OUTCOMES, config=GRAPH_CONFIG,
                      figure=fc.outcomes_figure(table, title, lang, labels, phases)),
            dash_table.DataTable(id=cids.OUTCOMES_TABLE, data=rows, page_action="none",
                                 columns=[{"name": t(m, lang), "id": k} for k, m in columns],
                                 style_cell={**CELL_STYLE, "textAlign": "left"}, style_header=HEADER_STYLE)]


# -- targeted assistance ----------------------------------------------------------------------------------------------
def targeted_frame(found, lang: str) -> pd.DataFrame:
    """The central units × counties ledger as a labelled frame: one row per unit and county, per quantity
    this year, last year and the change (money in yuan)."""
    rows = found.rows
    if rows.empty:
        return pd.DataFrame()
    keys = rows.drop_duplicates(["unit", "county_code"])
    index = pd.MultiIndex.from_frame(keys[["unit", "county_code"]])
    indexed = rows.drop_duplicates(["unit", "county_code", "quantity"]).set_index(["unit", "county_code", "quantity"])
    out = {t("collab_col_unit", lang): [fc.paren(u, t("illustrative", lang) if i else None, lang)
                                        for u, i in zip(keys["unit"], keys["illustrative"])],
           t("collab_col_region", lang): [fc.paren(n, c, lang) for n, c in zip(keys["county_name"], keys["county_code"])],
           t("collab_col_national_key", lang): ["√" if k else "" for k in keys["national_key"]]}
    tables = {part: pd.to_numeric(indexed[part], errors="coerce").astype("float64").unstack("quantity").reindex(index)
              for part in ("result", "last_year", "change")}
    for code in found.quantities:
        shown = quantity(code, lang)
        for part in ("result", "last_year", "change"):
            values = tables[part][code] if code in tables[part] else pd.Series(float("nan"), index=index)
            out[f"{shown.name} · {t(fc.PART_MSGIDS[part], lang)}"] = values.to_numpy()
    return pd.DataFrame(out)


def targeted_body(storage: Storage, access, year: int | None, lang: str) -> list:
    """The central units × counties ledger of the year (or the latest with rows)."""
    try:
        found = collab.targeted(storage, access, None, year)
    except NotFound:
        found = collab.targeted(storage, access, None, None)
    frame = targeted_frame(found, lang)
    title = html.P(t("collab_report_targeted_year", lang).format(year=found.year or "—"), className="section-summary")
    if frame.empty:
        return [title, html.P(t("collab_no_targeted", lang), className="note")]
    columns = [{"name": str(c), "id": f"c{i}", **({"type": "numeric", "format": {"specifier": ",.0f"}}
                                                 if pd.api.types.is_numeric_dtype(frame[c]) else {})}
               for i, c in enumerate(frame.columns)]
    data = [{f"c{i}": (None if isinstance(v, float) and v != v else v) for i, v in enumerate(row)}
            for row in frame.itertuples(index=False)]
    return [
        title, html.P(t("collab_targeted_note", lang), className="note"),
        dash_table.DataTable(id=cids.TARGETED, data=data, columns=columns, sort_action="native", page_action="none",
                             style_table={"overflowX": "auto"}, style_cell=CELL_STYLE,
                             style_header=HEADER_STYLE, style_cell_conditional=sticky("c0", "c1")),
    ]
