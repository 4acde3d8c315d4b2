"""The East–West collaboration report for the leadership (``/collaboration/report.pdf`` and ``.xlsx``,
``?east=&year=``): one eastern partner's ledger, charts and outcome comparison in one year, as one document.

Assembled here, for the caller, from the same read service and the same figure functions as the page
(data/read/collaboration.py, layouts/figures_collaboration.py, layouts/collaboration_page.py): a cover (the
pair, the year, its regions, data version, generation time); the summary (totals per indicator against
the targets, the share to national key counties against the requirement); the ledger by region (the PDF:
one row per region with its mean completion and the indicators under target, flagged, then one table per
agreement indicator; the XLSX: the whole ledger, one column per indicator and measure); each indicator's
yearly totals against the targets; the ranking of the regions by mean completion; the labour flows; the
outcome comparison with its caveat; the targeted-assistance ledger; the definitions of the indicators.
Written as PDF (A4, the CJK font embedded) or XLSX by data/ingest/report.py.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from data.definitions import contract, metrics
from data.definitions.messages import language, localized, t
from data.ingest import report as document_files
from data.ingest.report import Chart, Document, Section, Series, Table
from data.read import collaboration as collab
from data.store.storage import NotFound
from layouts import collaboration_page as page
from layouts import figures_collaboration as fc

FORMATS = {"pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
BARS_PER_CHART = 40  # a horizontal bar chart of more regions is cut into charts of this many (one page each)
PART_MSGIDS = fc.PART_MSGIDS


def _number(value, scale: float = 1.0):
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) \
        else round(float(value) / scale, 2)


def totals_frame(ledger, lang: str) -> pd.DataFrame:
    """Per indicator: target, result, completion, last year, change (in the shown unit) and how many regions
    are under target."""
    wide, shown = page.ledger_parts(ledger, lang)
    totals = page.ledger_totals(ledger)
    rows = []
    for item in shown:
        key = item.code
        rows.append({t("collab_col_indicator", lang): item.name, t("col_unit", lang): item.unit,
                     **{t(PART_MSGIDS[part], lang): _number(totals.get(fc.column_id(key, part)),
                                                            1 if part == "completion" else item.scale)
                        for part in fc.PARTS},
                     t("collab_col_regions_under", lang): int(wide[fc.column_id(key, "under")].sum()) if len(wide) else 0})
    return pd.DataFrame(rows)


def key_share_frame(ledger, lang: str) -> pd.DataFrame:
    rows = fc.key_share_rows(ledger.key_share, page.ledger_parts(ledger, lang)[1], lang)
    return pd.DataFrame({t("collab_col_indicator", lang): [r["indicator"] for r in rows],
                         t("collab_col_key_result", lang): [r["key"] for r in rows],
                         t("collab_col_all", lang): [r["total"] for r in rows],
                         t("collab_col_key_share", lang): [r["share"] for r in rows],
                         t("collab_col_required", lang): [r["requirement"] for r in rows],
                         t("collab_col_flag", lang): [t("collab_under_marker", lang) if r["below"] else "" for r in rows]})


def regions_frame(ledger, lang: str) -> pd.DataFrame:
    """One row per region: code, name, key county, mean completion, how many and which indicators are under
    target (the flagged column), totals last."""
    wide, shown = page.ledger_parts(ledger, lang)
    totals = page.ledger_totals(ledger) if len(wide) else None
    records = wide.to_dict("records") + ([totals] if totals else [])
    rows = []
    for record in records:
        total = record["code"] == fc.TOTAL_CODE
        rows.append({t("collab_col_code", lang): "" if total else record["code"],
                     t("collab_col_region", lang): t("collab_total", lang) if total else record["name"],
                     t("collab_col_national_key", lang): "" if total else ("√" if record["national_key"] else ""),
                     t("collab_col_overall", lang): _number(record.get(fc.OVERALL)),
                     fc.under_column(lang): "、".join(i.name for i in shown if record.get(fc.column_id(i.code, "under")))})
    frame = pd.DataFrame(rows)
    if len(frame) > 1:  # the regions by mean completion, lowest first; totals last
        body = frame.iloc[:-1].sort_values(t("collab_col_overall", lang), kind="stable", na_position="last")
        frame = pd.concat([body, frame.iloc[-1:]], ignore_index=True)
    return frame


def indicator_frame(ledger, item: fc.Indicator, lang: str) -> pd.DataFrame:
    """One indicator's ledger by region (in its shown unit), lowest completion first, totals last."""
    wide, _ = page.ledger_parts(ledger, lang)
    records = getattr(ledger, "_records", None) or wide.to_dict("records")
    ledger._records = records
    records = records + [page.ledger_totals(ledger)]
    rows = []
    for record in records:
        total = record["code"] == fc.TOTAL_CODE
        rows.append({t("collab_col_region", lang): t("collab_total", lang) if total else record["name"],
                     **{fc.paren(t(PART_MSGIDS[part], lang), "%" if part == "completion" else item.unit, lang):
                        _number(record.get(fc.column_id(item.code, part)), 1 if part == "completion" else item.scale)
                        for part in fc.PARTS},
                     t("collab_col_flag", lang): t("collab_under_marker", lang)
                     if record.get(fc.column_id(item.code, "under")) else ""})
    frame = pd.DataFrame(rows)
    completion = fc.paren(t(PART_MSGIDS["completion"], lang), "%", lang)
    body = frame.iloc[:-1].sort_values(completion, kind="stable", na_position="last")
    return pd.concat([body, frame.iloc[-1:]], ignore_index=True)


def _bars(title: str, names: list[str], values: list[float], lang: str, colour: str = "#1f5fa8") -> list[Chart]:
    """Horizontal bars (largest first), cut into charts of :data:`BARS_PER_CHART`."""
    pairs = sorted(((n, v) for n, v in zip(names, values) if v is not None), key=lambda p: -p[1])
    charts = []
    for start in range(0, len(pairs), BARS_PER_CHART):
        part = pairs[start:start + BARS_PER_CHART]
        title_part = fc.paren(title, f"{start + 1}–{start + len(part)}", lang) if len(pairs) > BARS_PER_CHART else title
        charts.append(Chart(title=title_part, horizontal=True, no_data=t("no_data_here", lang),
                            series=[Series("", [n for n, _ in part][::-1], [v for _, v in part][::-1], colour=colour)]))
    return charts or [Chart(title=title, series=[], horizontal=True, no_data=t("no_data_here", lang))]


def yearly_totals(storage, access, ledger) -> dict[int, pd.DataFrame]:
    """The pair's totals per indicator of every year of the ledger (the ledger of each year, read again)."""
    east = ledger.east["code"] or ledger.east["east_region"]
    found = {ledger.year: ledger.totals}
    for year in ledger.years:
        if year not in found:
            found[year] = collab.ledger(storage, access, east, year).totals
    return {year: found[year] for year in sorted(found)}


def _yearly(totals: dict[int, pd.DataFrame], item: fc.Indicator, lang: str) -> Chart:
    """An indicator's totals by year: target and result (bars), in its shown unit."""
    series = []
    for part, colour in (("target", "#9ecae1"), ("result", "#8e1b1b")):
        values = []
        for frame in totals.values():
            row = frame[frame["indicator"] == item.code]
            values.append(_number(row[part].iloc[0], item.scale) if len(row) else None)
        series.append(Series(t(PART_MSGIDS[part], lang), [str(y) for y in totals], values, colour=colour))
    return Chart(title=t("collab_report_yearly", lang).format(indicator=item.name, unit=item.unit), series=series,
                 no_data=t("no_data_here", lang))


def document(storage, access, east: str | None, year: int | None, lang: str | None = None, fmt: str = "pdf",
             now: dt.datetime | None = None) -> Document:
    """The report of partner ``east`` (code or name; None: the caller's largest) in ``year`` (None: its
    latest) for the caller: NotFound / OtherPair (another pair's: 403) as the page."""
    lang = language(lang)
    east = east or collab.largest_partner(storage, access)
    if east is None:
        raise NotFound("没有东西部协作数据 / no East–West partner for this account")
    ledger = collab.ledger(storage, access, east, year)
    east_key = ledger.east["code"] or ledger.east["east_region"]
    pairs = collab.pairs(storage, access)
    wide, shown = page.ledger_parts(ledger, lang)
    agreement = [i for i in shown if wide[fc.column_id(i.code, "target")].notna().any()] if len(wide) else []
    regions = list(wide["name"]) if len(wide) else []

    summary = [page.summary(ledger, lang).children,
               Table(totals_frame(ledger, lang), title=t("collab_report_totals", lang), no_data=t("no_data_here", lang)),
               t(collab.KEY_SHARE_RULE, lang).format(tilt=ledger.tilt),
               Table(key_share_frame(ledger, lang), title=t("collab_key_share_title", lang),
                     flagged=t("collab_col_flag", lang), no_data=t("no_data_here", lang))]
    ledger_blocks: list = [t("collab_report_ledger_note", lang).format(marker=t("collab_under_marker", lang)),
                           Table(regions_frame(ledger, lang), title=t("collab_report_regions", lang),
                                 flagged=fc.under_column(lang), no_data=t("no_data_here", lang))]
    if fmt == "xlsx":  # the whole ledger, as the page's download
        ledger_blocks.append(Table(page.ledger_file(ledger, lang), title=t("collab_ledger_title", lang),
                                   flagged=fc.under_column(lang)))
    else:
        for item in agreement:
            ledger_blocks.append(Table(indicator_frame(ledger, item, lang), flagged=t("collab_col_flag", lang),
                                       title=fc.paren(item.name, item.unit, lang), no_data=t("no_data_here", lang)))
    charts: list = _bars(t("collab_report_ranking", lang).format(year=ledger.year), regions,
                         [_number(v) for v in wide[fc.OVERALL]] if len(wide) else [], lang)
    years = yearly_totals(storage, access, ledger)
    charts += [_yearly(years, item, lang) for item in agreement]
    sections = [Section("summary", t("collab_report_summary", lang), summary),
                Section("ledger", t("collab_ledger_title", lang), ledger_blocks),
                Section("charts", t("collab_trends_title", lang), charts),
                _flows(storage, access, ledger, pairs, lang),
                _outcomes(storage, access, ledger, lang),
                _targeted(storage, access, ledger.year, lang, fmt),
                _definitions(ledger.indicators, lang)]
    now = now or dt.datetime.now().astimezone()
    west = "、".join(dict.fromkeys(pairs.loc[(pairs["kind"] == "east_west") & (pairs["east_code"] == ledger.east["code"]),
                                             "west_name"])) if len(pairs) else ""
    cover = [(t("collab_east", lang), ledger.east["name"]),
             (t("collab_col_west", lang), west or "、".join(regions[:10])),
             (t("collab_year", lang), fc.paren(str(ledger.year), t("collab_report_months", lang).format(
                 months=ledger.months) if ledger.months else None, lang)),
             (t("collab_report_regions_n", lang), str(len(regions))),
             (t("report_data_version", lang), storage.data_version()),
             (t("report_generated", lang), now.strftime("%Y-%m-%d %H:%M %z")),
             (t("report_generated_for", lang), access.user or "—")]
    title = t("collab_report_title", lang).format(east=ledger.east["name"], year=ledger.year)
    return Document(title=title, region=east_key, cover=cover, sections=sections, page_label=t("report_page", lang),
                    creator=t("app_title", lang),
                    footer=f"{title} · {t('report_data_version', lang)} {storage.data_version()}")


def _flows(storage, access, ledger, pairs, lang: str) -> Section:
    employment, year = page.flows_data(storage, access, ledger, pairs)
    links = fc.flow_links(employment)
    names = page.destination_names(ledger, lang)
    totals = fc.flows_totals(links)
    blocks: list = [t("collab_flows_note", lang)]
    blocks += _bars(t("collab_flows_title", lang).format(year=year or "—"), [names[d] for d in totals],
                    [round(v, 1) for v in totals.values()], lang, colour="#1d7a36")
    frame = pd.DataFrame({t("collab_col_region", lang): list(links["source_name"]),
                          t("collab_col_destination", lang): [names[d] for d in links["destination"]],
                          t("collab_col_people", lang): [round(float(v), 1) for v in links["workers"]]})
    blocks.append(Table(frame, no_data=t("no_data_here", lang)))
    return Section("flows", t("collab_flows_section", lang), blocks)


def _outcomes(storage, access, ledger, lang: str) -> Section:
    east = ledger.east["code"] or ledger.east["east_region"]
    found = collab.outcomes(storage, access, east)
    labels = page.outcome_labels(found.metric_codes, lang)
    table = page.outcomes_summary(found)
    blocks: list = [t(found.caveat, lang),
                    t(page.PEER_RULE_MSGIDS.get(found.peer_rule, page.PEER_RULE_MSGIDS["none"]), lang).format(
                        paired=len(found.paired), peers=len(found.peers))]
    phases, title, note = page.outcomes_basis(found, lang)
    if note:
        blocks.append(note)
    categories = [f"{labels[m]} · {t(fc.PHASE_MSGIDS[p], lang)}" for m in dict.fromkeys(table["metric"])
                  for p in phases]
    series = []
    for group in fc.GROUPS:
        values = []
        for metric in dict.fromkeys(table["metric"]):
            row = table[(table["metric"] == metric) & (table["group"] == group)]
            values += [_number(row[p].iloc[0]) if len(row) else None for p in phases]
        series.append(Series(t(fc.GROUP_MSGIDS[group], lang), categories, values, colour=fc.GROUP_COLOURS[group]))
    blocks.append(Chart(title=title, series=series, no_data=t("no_data_here", lang)))
    columns = {t(fc.PHASE_MSGIDS[p], lang): [_number(v) for v in table[p]] for p in phases}
    if phases == fc.SINCE_DATA:
        columns = {t("collab_col_period", lang).format(phase=t(fc.PHASE_MSGIDS["first"], lang)): list(table["first_period"]),
                   **columns}
        columns[t("collab_col_period", lang).format(phase=t(fc.PHASE_MSGIDS["latest"], lang))] = list(table["latest_period"])
    frame = pd.DataFrame({t("collab_col_indicator", lang): [labels[m] for m in table["metric"]],
                          t("collab_col_group", lang): [t(fc.GROUP_MSGIDS[g], lang) for g in table["group"]],
                          **columns,
                          t("collab_col_after_before" if phases == fc.PHASES else "collab_col_latest_first", lang):
                              [_number(v) for v in table["change"]],
                          t("collab_col_difference", lang): [_number(v) for v in table["difference"]],
                          t("collab_col_counties", lang): list(table["count"])})
    blocks.append(Table(frame, no_data=t("no_data_here", lang)))
    return Section("outcomes", t("collab_outcomes_title", lang), blocks)


def _targeted(storage, access, year, lang: str, fmt: str) -> Section:
    try:
        found = collab.targeted(storage, access, None, year)
    except NotFound:
        found = collab.targeted(storage, access, None, None)
    frame = page.targeted_frame(found, lang)
    title = t("collab_targeted_title", lang).format(year=found.year or "—")
    blocks: list = [t("collab_targeted_note", lang)]
    if frame.empty:
        blocks.append(t("collab_no_targeted", lang))
    elif fmt == "xlsx":  # every quantity with last year and the change
        blocks.append(Table(frame))
    else:  # the year's quantities (money in yuan), one column each
        result = t(PART_MSGIDS["result"], lang)
        keep = [c for c in frame.columns[:2]] + [c for c in frame.columns if c.endswith(f" · {result}")]
        blocks.append(Table(frame[keep].rename(columns=lambda c: c.split(" · ", 1)[0]),
                            title=t("collab_report_targeted_year", lang).format(year=found.year or "—")))
    return Section("targeted", title, blocks)


def _definitions(indicators: list[str], lang: str) -> Section:
    rows = [metrics.get(f"ew_{code}") for code in indicators]
    frame = pd.DataFrame({
        t("report_col_code", lang): list(indicators),
        t("collab_col_indicator", lang): [localized((contract.label_zh("collaboration_targets", "indicator", c), m.en),
                                                    lang) for c, m in zip(indicators, rows)],
        t("col_unit", lang): [page.indicator(c, lang).unit for c in indicators],
        t("report_col_definition", lang): [localized(m, lang, zh="definition_zh", en="definition_en") for m in rows],
    })
    return Section("definitions", t("report_definitions", lang), [
        t("collab_report_completion_rule", lang), Table(frame, no_data=t("no_data_here", lang))])


def render(storage, access, east: str | None, year: int | None, fmt: str, lang: str | None = None) -> tuple[Document, bytes]:
    """The report as ``pdf`` or ``xlsx`` bytes, with the document it was written from."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    made = document(storage, access, east, year, lang, fmt)
    return made, (document_files.to_pdf(made) if fmt == "pdf" else document_files.to_xlsx(made))


def file_name(made: Document, fmt: str) -> str:
    return f"{made.region}-{made.title}.{fmt}"

