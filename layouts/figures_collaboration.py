"""Pure figures and tables of the East–West collaboration page (``/collaboration``) and its report: data in
(frames keyed by codes, with the names and labels the layout attaches), components' data out; unit-tested
without a browser (tests/test_collaboration_page.py).

* the **pair ledger** (:func:`ledger_wide`, :func:`ledger_totals`, :func:`ledger_table`, :func:`sort_rows`):
  one row per western region, per indicator target, result, completion %, last year and change; a totals
  row always last; a cell group under target is styled *and* carries a text marker (not colour alone);
  sorting is done here on the numbers (the cells show formatted text), so "worst first" is
  :data:`WORST_FIRST`, the overall completion ascending;
* the share of each quantity that went to the national key counties against the requirement
  (:func:`key_share_rows`);
* **small multiples** of one indicator, every region in a cell of one grid on one shared value axis
  (:func:`small_multiples_figure`), and the full **ranking**, best or worst first (:func:`ranking_figure`);
* the **labour flows** from each western region to the eastern partner, the own province or elsewhere
  (:func:`flows_figure`): a Sankey diagram drawn with layout shapes (filled bands) and markers, as the
  partial plotly bundle (assets/plotly-dashboard.min.js) has no sankey trace;
* **outcomes** of paired counties against unpaired peers, before and after the pair's start
  (:func:`outcomes_figure`); the caveat text is the layout's.

Figures are plain dicts (validated with ``go.Figure`` in the tests), like layouts/figures.py's map and ranking.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from data.definitions.messages import N_, t
from layouts.figures import FONT

PARTS = ("target", "result", "completion", "last_year", "change")
PART_MSGIDS = {"target": N_("collab_col_target"), "result": N_("collab_col_result"),
               "completion": N_("collab_col_completion"), "last_year": N_("collab_col_last_year"),
               "change": N_("collab_col_change")}
TOTAL_CODE = "∑"  # the code cell of the totals row (always the last row)
OVERALL = "overall"  # the row's summary: the mean completion over the indicators with a target
SORT_SUFFIX = "#n"  # a row's numeric value of a column, under the column id + this suffix (never shown)
UNDER_FILL, UNDER_INK, TOTAL_FILL = "#fdecea", "#a61b1b", "#eef2f6"
MARKER = "▼"  # how the under-target marker (msgid collab_under_marker) starts in every language: the style keys on it
DESTINATIONS = ("east", "own_province", "elsewhere")  # where the workers went (labour flows)
DESTINATION_COLOURS = {"east": "#1f5fa8", "own_province": "#1d7a36", "elsewhere": "#7f8c8d"}
GROUP_COLOURS = {"paired": "#8e1b1b", "peers": "#9aa7b4"}


@dataclass(frozen=True)
class Indicator:
    """One quantity of the ledger as the page shows it: its code, its name and unit in the page's language,
    and the divisor of its values on screen (10 000 for yuan shown in 万元)."""

    code: str
    name: str
    unit: str
    scale: float = 1.0


def said(label: str, value, lang: str) -> str:
    """``label：value`` in Chinese, ``label: value`` in English (a hover's line)."""
    return t("collab_label_value", lang).format(label=label, value=value)


def paren(text: str, note, lang: str) -> str:
    """``text（note）`` in Chinese, ``text (note)`` in English; the text alone without a note."""
    return t("collab_paren", lang).format(text=text, note=note) if note not in (None, "") else text


def wrapped(text: str, width: int = 22) -> str:
    """A category label broken into lines of about ``width`` characters at spaces (English; Chinese has none
    and stays whole), for axis labels that would overlap."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "<br>".join(lines + [line])


def column_id(indicator: str, part: str) -> str:
    """A ledger column's id (``fiscal_aid__completion``): quantity codes hold single underscores only."""
    return f"{indicator}__{part}"


def completion(result, target) -> float | None:
    """Result as a percentage of the target (None without a positive target or without a result)."""
    if _missing(result) or _missing(target) or float(target) <= 0:
        return None
    return float(result) / float(target) * 100


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _number(value) -> float | None:
    return None if _missing(value) else float(value)


# -- the ledger -----------------------------------------------------------------------------------------
def ledger_wide(long: pd.DataFrame, indicators: list[str]) -> pd.DataFrame:
    """One row per western region from the long ledger (one row per region × indicator: ``west_code``,
    ``west_name``, ``indicator``, ``target``, ``result``, ``last_year``; optional ``national_key``,
    ``completion``, ``change`` and ``under_target`` — as data/read/collaboration.ledger answers; what is
    missing is computed, under target meaning a completion below 100 %), in the order the regions first
    appear: per indicator its five parts (:data:`PARTS`, floats, NaN when missing) and ``__under`` (bool),
    then ``overall`` (the mean completion of the indicators with a target) and ``under`` (how many
    indicators are under target)."""
    columns = ["code", "name", "national_key",
               *[column_id(i, p) for i in indicators for p in (*PARTS, "under")], OVERALL, "under"]
    if long.empty:
        return pd.DataFrame(columns=columns)
    regions = long.drop_duplicates("west_code")
    codes = list(regions["west_code"])
    frame = long.drop_duplicates(["west_code", "indicator"]).set_index(["west_code", "indicator"])
    numbers = {part: pd.to_numeric(frame[part], errors="coerce").astype("float64")
               for part in ("target", "result", "last_year", "completion", "change") if part in frame}
    if "completion" not in numbers:
        numbers["completion"] = (numbers["result"] / numbers["target"].where(numbers["target"] > 0) * 100)
    else:
        computed = numbers["result"] / numbers["target"].where(numbers["target"] > 0) * 100
        numbers["completion"] = numbers["completion"].fillna(computed)
    if "change" not in numbers:
        numbers["change"] = numbers["result"] - numbers["last_year"]
    if "under_target" in frame:
        flag = frame["under_target"].astype("boolean").fillna(False).astype(bool)
        under = flag & numbers["target"].notna()
    else:
        under = numbers["completion"] < 100
    numbers["under"] = under.astype(bool)
    out = {"code": codes, "name": list(regions["west_name"]),
           "national_key": [bool(v) for v in regions["national_key"]] if "national_key" in regions
           else [False] * len(codes)}
    tables = {part: numbers[part].unstack("indicator").reindex(index=codes) for part in (*PARTS, "under")}
    for indicator in indicators:
        for part in (*PARTS, "under"):
            table = tables[part]
            if part == "under":
                out[column_id(indicator, part)] = (table[indicator].fillna(False).astype(bool).to_numpy()
                                                   if indicator in table else [False] * len(codes))
            else:
                out[column_id(indicator, part)] = (table[indicator].astype("float64").to_numpy()
                                                   if indicator in table else [float("nan")] * len(codes))
    wide = pd.DataFrame(out)
    completions = wide[[column_id(i, "completion") for i in indicators]] if indicators else pd.DataFrame(index=wide.index)
    wide[OVERALL] = completions.mean(axis=1, skipna=True) if indicators else float("nan")
    wide["under"] = wide[[column_id(i, "under") for i in indicators]].sum(axis=1).astype(int) if indicators else 0
    return wide[columns]


def _parts(found, indicator: str) -> dict:
    """The five parts and the under-target flag of one indicator of one row (a Series or None)."""
    def get(name):
        return _number(found[name]) if found is not None and name in found.index else None

    target, result, last = get("target"), get("result"), get("last_year")
    done = get("completion")
    if done is None:
        done = completion(result, target)
    change = get("change")
    if change is None and result is not None and last is not None:
        change = result - last
    if found is not None and "under_target" in found.index and not _missing(found["under_target"]):
        under = bool(found["under_target"]) and target is not None
    else:
        under = done is not None and done < 100
    return {column_id(indicator, "target"): target, column_id(indicator, "result"): result,
            column_id(indicator, "completion"): done, column_id(indicator, "last_year"): last,
            column_id(indicator, "change"): change, column_id(indicator, "under"): under}


def _summarise(row: dict, indicators: list[str]) -> None:
    completions = [row[column_id(i, "completion")] for i in indicators if row[column_id(i, "completion")] is not None]
    row[OVERALL] = sum(completions) / len(completions) if completions else None
    row["under"] = sum(1 for indicator in indicators if _under(row, indicator))


def _under(row: dict, indicator: str) -> bool:
    return bool(row.get(column_id(indicator, "under")))


def ledger_totals(wide: pd.DataFrame, indicators: list[str], totals: pd.DataFrame | None = None) -> dict:
    """The totals row: per indicator the service's totals (``totals``: one row per indicator, as
    data/read/collaboration.ledger answers) or, without them, the sums of target, result and last year with
    the completion and change of the sums."""
    row = {"code": TOTAL_CODE, "name": "", "national_key": False}
    given = totals.drop_duplicates("indicator").set_index("indicator") if totals is not None and len(totals) else None
    for indicator in indicators:
        if given is not None:
            row.update(_parts(given.loc[indicator] if indicator in given.index else None, indicator))
            continue
        sums = {}
        for part in ("target", "result", "last_year"):
            values = wide[column_id(indicator, part)].dropna() if len(wide) else []
            sums[part] = float(values.sum()) if len(values) else None
        row.update(_parts(pd.Series(sums), indicator))
    _summarise(row, indicators)
    return row


def format_number(value, indicator: Indicator | None = None, signed: bool = False) -> str:
    """A quantity as shown: divided by the indicator's scale, thousands separators, whole numbers unless
    the value is small; "—" when missing."""
    if _missing(value):
        return "—"
    number = float(value) / (indicator.scale if indicator else 1)
    decimals = 0 if abs(number) >= 100 or number.is_integer() else 1
    return f"{number:{'+' if signed else ''},.{decimals}f}"


def format_percent(value, signed: bool = False) -> str:
    return "—" if _missing(value) else f"{float(value):{'+' if signed else ''}.1f}%"


def completion_text(value, lang: str, under: bool | None = None) -> str:
    """A completion cell: the percentage, and the text marker when under target (not colour alone); without
    ``under``, under target is a completion below 100 %."""
    text = format_percent(value)
    if under is None:
        under = not _missing(value) and float(value) < 100
    return f"{text} {t('collab_under_marker', lang)}" if under else text


def ledger_columns(indicators: list[Indicator], lang: str) -> list[dict]:
    """The DataTable's columns: region code and name, then one group per indicator (the group's header is
    the indicator with its unit, merged over its five parts), then the overall completion."""
    columns = [{"name": ["", t("collab_col_code", lang)], "id": "code"},
               {"name": ["", t("collab_col_region", lang)], "id": "name"}]
    for indicator in indicators:
        group = paren(indicator.name, indicator.unit, lang)
        columns += [{"name": [group, t(PART_MSGIDS[part], lang)], "id": column_id(indicator.code, part)}
                    for part in PARTS]
    columns.append({"name": ["", t("collab_col_overall", lang)], "id": OVERALL})
    return columns


def ledger_rows(wide: pd.DataFrame, totals: dict | None, indicators: list[Indicator], lang: str) -> list[dict]:
    """The rows as shown (formatted text, markers), each carrying its numbers under ``<column id>#n`` for
    :func:`sort_rows`; the totals row last, named in the page's language."""
    records = wide.to_dict("records") + ([totals] if totals else [])
    rows = []
    for record in records:
        total = record["code"] == TOTAL_CODE
        name = t("collab_total", lang) if total else record["name"]
        if record.get("national_key") and not total:
            name += f" {t('collab_key_marker', lang)}"
        row = {"code": record["code"], "name": name, "code" + SORT_SUFFIX: record["code"],
               "name" + SORT_SUFFIX: record["name"]}
        for indicator in indicators:
            for part in PARTS:
                key = column_id(indicator.code, part)
                value = record.get(key)
                row[key + SORT_SUFFIX] = _number(value)
                if part == "completion":
                    row[key] = completion_text(value, lang, _under(record, indicator.code))
                else:
                    row[key] = format_number(value, indicator, signed=part == "change")
        row[OVERALL] = completion_text(record.get(OVERALL), lang)
        row[OVERALL + SORT_SUFFIX] = _number(record.get(OVERALL))
        rows.append(row)
    return rows


WORST_FIRST = [{"column_id": OVERALL, "direction": "asc"}]


def sort_rows(rows: list[dict], sort_by) -> list[dict]:
    """The rows sorted by the DataTable's ``sort_by`` (a list of {column_id, direction}), on the numbers of
    the cells; missing values last whatever the direction, ties by region code; the totals row stays last.
    Anything malformed in ``sort_by`` (it comes from the browser) is ignored."""
    body = [r for r in rows if r.get("code") != TOTAL_CODE]
    totals = [r for r in rows if r.get("code") == TOTAL_CODE]
    known = {key[:-len(SORT_SUFFIX)] for row in rows[:1] for key in row if key.endswith(SORT_SUFFIX)}
    orders = [(s["column_id"], s.get("direction") == "desc") for s in (sort_by or [])
              if isinstance(s, dict) and s.get("column_id") in known]
    body = sorted(body, key=lambda r: str(r.get("code")))
    for column, descending in reversed(orders):
        present = [r for r in body if r.get(column + SORT_SUFFIX) is not None]
        absent = [r for r in body if r.get(column + SORT_SUFFIX) is None]
        present.sort(key=lambda r: r[column + SORT_SUFFIX], reverse=descending)
        body = present + absent
    return body + totals


def ledger_styles(indicators: list[Indicator]) -> list[dict]:
    """Conditional styles, one per column that can be flagged: the completion cell of an indicator under
    target (it carries the marker, so the style follows the text), the overall completion, and the totals
    row. One style per indicator rather than three keeps a 60-region ledger quick to draw (the browser checks
    every style against every cell)."""
    styles = [{"if": {"filter_query": f'{{code}} = "{TOTAL_CODE}"'}, "fontWeight": "bold", "backgroundColor": TOTAL_FILL}]
    marker = MARKER
    for indicator in indicators:
        key = column_id(indicator.code, "completion")
        styles.append({"if": {"filter_query": f'{{{key}}} contains "{marker}"', "column_id": key},
                       "backgroundColor": UNDER_FILL, "color": UNDER_INK, "fontWeight": "bold"})
    styles.append({"if": {"filter_query": f'{{{OVERALL}}} contains "{marker}"', "column_id": OVERALL},
                   "backgroundColor": UNDER_FILL, "color": UNDER_INK, "fontWeight": "bold"})
    return styles


def ledger_table(wide: pd.DataFrame, indicators: list[Indicator], lang: str, totals: pd.DataFrame | None = None) -> dict:
    """What the DataTable needs: ``columns``, ``data`` (totals last) and ``style_data_conditional``."""
    totals = ledger_totals(wide, [i.code for i in indicators], totals) if len(wide) else None
    return {"columns": ledger_columns(indicators, lang), "data": ledger_rows(wide, totals, indicators, lang),
            "style_data_conditional": ledger_styles(indicators)}


def ledger_export(wide: pd.DataFrame, indicators: list[Indicator], lang: str,
                  totals: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ledger as a file (CSV/XLSX) and in the report: one labelled column per indicator part, numbers in
    the indicator's own unit (yuan, people), completion in %, a column naming the indicators under target
    (the text marker of the file), the totals row last."""
    totals = ledger_totals(wide, [i.code for i in indicators], totals) if len(wide) else None
    records = wide.to_dict("records") + ([totals] if totals else [])
    rows = []
    for record in records:
        total = record["code"] == TOTAL_CODE
        row = {t("collab_col_code", lang): "" if total else record["code"],
               t("collab_col_region", lang): t("collab_total", lang) if total else record["name"],
               t("collab_col_national_key", lang): "" if total else ("√" if record.get("national_key") else "")}
        for indicator in indicators:
            for part in PARTS:
                unit = "%" if part == "completion" else indicator.unit
                header = paren(f"{indicator.name} · {t(PART_MSGIDS[part], lang)}", unit, lang)
                value = record.get(column_id(indicator.code, part))
                row[header] = None if _missing(value) else round(float(value), 1 if part == "completion" else 2)
        row[t("collab_col_overall", lang)] = None if _missing(record.get(OVERALL)) else round(record[OVERALL], 1)
        row[t("collab_col_under", lang)] = "、".join(i.name for i in indicators if _under(record, i.code))
        rows.append(row)
    return pd.DataFrame(rows)


def under_column(lang: str) -> str:
    """The header of the export's column naming the indicators under target (the report flags its rows)."""
    return t("collab_col_under", lang)


def key_share_rows(shares: pd.DataFrame, indicators: list[Indicator], lang: str) -> list[dict]:
    """The share of each quantity that went to national key counties against the requirement: ``shares``
    has per indicator ``indicator``, ``key_result`` (to key counties), ``result`` (all), ``share`` and
    ``required`` (%), and ``below`` (as data/read/collaboration.ledger answers; computed when missing). A
    share below the requirement carries the text marker."""
    by_code = {r["indicator"]: r for r in shares.to_dict("records")} if len(shares) else {}
    rows = []
    for indicator in indicators:
        found = by_code.get(indicator.code)
        if not found:
            continue
        share = _number(found.get("share"))
        if share is None:
            share = completion(found.get("key_result"), found.get("result"))  # key ÷ all × 100
        required = _number(found.get("required"))
        below = found.get("below")
        below = (required is not None and share is not None and share < required) if _missing(below) else bool(below)
        rows.append({"indicator": paren(indicator.name, indicator.unit, lang),
                     "key": format_number(found.get("key_result"), indicator),
                     "total": format_number(found.get("result"), indicator),
                     "share": format_percent(share) + (f" {t('collab_under_marker', lang)}" if below else ""),
                     "requirement": format_percent(required), "below": below})
    return rows


# -- small multiples and the ranking ----------------------------------------------------------------------
def _layout(title: str, height: int) -> dict:
    return {"title": {"text": title, "font": {"size": 14}}, "height": height, "font": FONT,
            "margin": {"l": 8, "r": 8, "t": 40, "b": 8}, "paper_bgcolor": "#fff", "plot_bgcolor": "#fff",
            "dragmode": False, "showlegend": False, "shapes": [], "annotations": []}


def _no_data(layout: dict, lang: str) -> None:
    layout["annotations"].append({"text": t("no_data_here", lang), "showarrow": False, "xref": "paper",
                                  "yref": "paper", "x": 0.5, "y": 0.5, "font": {"size": 14, "color": "#5d6b7a"}})
    layout["xaxis"] = {"visible": False}
    layout["yaxis"] = {"visible": False}


SMALL_COLUMNS = 6


def small_multiples_figure(trends: pd.DataFrame, indicator: Indicator, lang: str, columns: int = SMALL_COLUMNS) -> dict:
    """One indicator's yearly results for every region (``west_code``, ``west_name``, ``year``, ``result``;
    optional ``target``, as data/read/collaboration.trends answers), each region in its own cell of a grid,
    all cells on one shared value axis (0 to the largest result or target of any region): drawn on one pair
    of axes, so that the scale is the same by construction. Each year's target is a hollow marker."""
    title = t("collab_multiples_title", lang).format(indicator=indicator.name, unit=indicator.unit)
    present = trends.dropna(subset=["result"]) if len(trends) else trends
    regions = list(dict.fromkeys(present["west_code"])) if len(present) else []
    if not regions:
        layout = _layout(title, 240)
        _no_data(layout, lang)
        return {"data": [], "layout": layout}
    targets = trends.dropna(subset=["target"]) if "target" in trends else trends.iloc[0:0]
    years = sorted({int(y) for y in present["year"]})
    names = dict(zip(trends["west_code"], trends["west_name"]))
    top = max([float(v) for v in present["result"]] + [float(v) for v in targets["target"]] + [0]) / indicator.scale \
        or 1.0
    width, gap, height, vgap = max(len(years) - 1, 1), 0.6, 1.0, 0.45
    rows = math.ceil(len(regions) / columns)
    layout = _layout(title, 60 + rows * 95)

    def place(i: int, year, value) -> tuple[float, float]:
        column, row = i % columns, i // columns
        left, bottom = column * (width + gap), (rows - 1 - row) * (height + vgap)
        step = years.index(int(year)) if len(years) > 1 else 0.5
        return left + step, bottom + float(value) / indicator.scale / top * height

    x, y, text, tx, ty, ttext = [], [], [], [], [], []
    for i, code in enumerate(regions):
        own = present[present["west_code"] == code].sort_values("year")
        for year, value in zip(own["year"], own["result"]):
            px, py = place(i, year, value)
            x.append(px)
            y.append(py)
            text.append(said(f"{names[code]} {int(year)}", f"{format_number(value, indicator)} {indicator.unit}", lang))
        x.append(None)
        y.append(None)
        text.append("")
        for year, target in targets[targets["west_code"] == code][["year", "target"]].itertuples(index=False):
            if int(year) in years:
                px, py = place(i, year, target)
                tx.append(px)
                ty.append(py)
                ttext.append(said(f"{names[code]} {int(year)} {t('collab_col_target', lang)}",
                                  f"{format_number(target, indicator)} {indicator.unit}", lang))
        left, bottom = place(i, years[0], 0)
        left -= 0 if len(years) > 1 else 0.5
        layout["shapes"].append({"type": "rect", "xref": "x", "yref": "y", "x0": left - 0.15, "x1": left + width + 0.15,
                                 "y0": bottom, "y1": bottom + height, "line": {"color": "#dde3ea", "width": 1},
                                 "fillcolor": "rgba(0,0,0,0)", "layer": "below"})
        layout["annotations"].append({"xref": "x", "yref": "y", "x": left, "y": bottom + height, "showarrow": False,
                                      "xanchor": "left", "yanchor": "bottom", "text": names[code],
                                      "font": {"size": 11}})
    layout["annotations"].append({"xref": "paper", "yref": "paper", "x": 1, "y": 1.0, "showarrow": False,
                                  "xanchor": "right", "yanchor": "bottom", "font": {"size": 11, "color": "#5d6b7a"},
                                  "text": t("collab_multiples_axis", lang).format(
                                      top=format_number(top * indicator.scale, indicator), unit=indicator.unit,
                                      first=years[0], last=years[-1])})
    traces = [{"type": "scatter", "mode": "lines+markers", "x": x, "y": y, "text": text, "hoverinfo": "text",
               "line": {"color": "#8e1b1b", "width": 2}, "marker": {"size": 4}, "connectgaps": False,
               "name": indicator.name}]
    if tx:
        traces.append({"type": "scatter", "mode": "markers", "x": tx, "y": ty, "text": ttext, "hoverinfo": "text",
                       "marker": {"size": 6, "symbol": "circle-open", "color": "#1f5fa8"},
                       "name": t("collab_col_target", lang)})
    layout["xaxis"] = {"visible": False, "fixedrange": True, "range": [-0.4, columns * (width + gap) - gap + 0.4]}
    layout["yaxis"] = {"visible": False, "fixedrange": True, "range": [-0.1, rows * (height + vgap) - vgap + 0.3]}
    layout["hovermode"] = "closest"
    return {"data": traces, "layout": layout}


RANK_ORDERS = ("best", "worst")


def rank_order(value) -> str:
    """An order the ranking offers, or the default (anything else a link or a browser sends)."""
    return value if isinstance(value, str) and value in RANK_ORDERS else RANK_ORDERS[0]


def ranking_rows(frame: pd.DataFrame, order: str = "best") -> list[dict]:
    """Every region of ``frame`` (``west_code``, ``west_name``, ``value``; optional ``rank`` and
    ``under_target``) with a value, best (rank 1) first or worst first. Without ranks, rank 1 is the highest
    value and ties share the lower rank number. Regions without a value are left out (they are named in the
    ledger)."""
    present = frame.dropna(subset=["value"]) if len(frame) else frame
    if not len(present):
        return []
    if "rank" not in present or present["rank"].isna().any():
        present = present.sort_values(["value", "west_code"], ascending=[False, True]).copy()
        ranks, previous, rank = [], None, 0
        for i, value in enumerate(present["value"], start=1):
            if value != previous:
                rank, previous = i, value
            ranks.append(rank)
        present["rank"] = ranks
    present = present.sort_values(["rank", "west_code"])
    rows = [{"code": r["west_code"], "name": r["west_name"], "value": float(r["value"]), "rank": int(r["rank"]),
             "under": bool(r["under_target"]) if "under_target" in r and not _missing(r["under_target"]) else None}
            for r in present.to_dict("records")]
    return rows[::-1] if rank_order(order) == "worst" else rows


def ranking_figure(frame: pd.DataFrame, title: str, unit: str, lang: str, order: str = "best",
                   line: float | None = None, line_text: str = "") -> dict:
    """Horizontal bars of every region with a value (no cut), rank 1 the best, best or worst first; a bar
    under target (``under_target``, else below ``line``) is red and says so in its text; an optional
    vertical line (100 % for a completion)."""
    rows = ranking_rows(frame, order)
    layout = _layout(title, max(220, 60 + 22 * len(rows)))
    if not rows:
        _no_data(layout, lang)
        return {"data": [], "layout": layout}
    values = [r["value"] for r in rows]
    under = [r["under"] if r["under"] is not None else (line is not None and r["value"] < line) for r in rows]
    bar = {"type": "bar", "orientation": "h", "x": values, "y": [f"{r['rank']}. {r['name']}" for r in rows],
           "customdata": [r["code"] for r in rows],
           "text": [f"{v:,.1f}{unit}" + (f" {t('collab_under_marker', lang)}" if u else "") for v, u in zip(values, under)],
           "textposition": "outside", "cliponaxis": False, "outsidetextfont": {"color": "#1f2d3d"},
           "marker": {"color": [UNDER_INK if u else "#1f5fa8" for u in under], "line": {"width": 0}},
           "hovertemplate": "%{y}: %{text}<extra></extra>"}
    longest = max(values + ([line] if line is not None else []))
    layout.update({"yaxis": {"autorange": "reversed", "automargin": True, "fixedrange": True, "type": "category"},
                   "xaxis": {"title": {"text": unit}, "fixedrange": True, "automargin": True,
                             "range": [min(0.0, min(values)) * 1.2, longest * 1.35 if longest > 0 else 1]},
                   "margin": {"l": 8, "r": 24, "t": 40, "b": 24}})
    if line is not None:
        layout["shapes"].append({"type": "line", "xref": "x", "yref": "y domain", "x0": line, "x1": line, "y0": 0,
                                 "y1": 1, "line": {"dash": "dash", "color": "#555"}})
        layout["annotations"].append({"xref": "x", "yref": "y domain", "x": line, "y": 1, "showarrow": False,
                                      "xanchor": "left", "yanchor": "bottom", "text": line_text})
    return {"data": [bar], "layout": layout}


# -- labour flows ---------------------------------------------------------------------------------------------
def _band(x0: float, x1: float, top0: float, bottom0: float, top1: float, bottom1: float) -> str:
    """An SVG path of a Sankey link: a band from the left node's slice to the right node's slice."""
    middle = (x0 + x1) / 2
    return (f"M {x0},{top0} C {middle},{top0} {middle},{top1} {x1},{top1} "
            f"L {x1},{bottom1} C {middle},{bottom1} {middle},{bottom0} {x0},{bottom0} Z")


LABEL_MIN = 0.014  # a western region's node thinner than this share of the height is named in its hover only


def flows_figure(flows: pd.DataFrame, title: str, lang: str, destination_names: dict[str, str] | None = None,
                 unit: str = "") -> dict:
    """Where the western regions' workers went, as a Sankey diagram: on the left each western region
    (``source``, ``source_name``), on the right the destinations (``destination`` one of
    :data:`DESTINATIONS`, named by ``destination_names`` — e.g. the eastern partner's name), bands as wide as
    the workers (``workers``). Drawn with filled layout shapes and one marker per band and node for the
    hover (the page's plotly bundle has no sankey trace)."""
    layout = _layout(title, 300)
    present = flows[flows["workers"].fillna(0) > 0] if len(flows) else flows
    if not len(present):
        _no_data(layout, lang)
        return {"data": [], "layout": layout}
    names = destination_names or {}
    source_names = dict(zip(present["source"], present["source_name"]))
    by_source = present.groupby("source", sort=False)["workers"].sum().to_dict()
    to_east = present[present["destination"] == "east"].groupby("source")["workers"].sum().to_dict()
    # the regions sending the largest share east on top: the bands into the east node cross the fewest others
    sources = sorted(dict.fromkeys(present["source"]), key=lambda k: -to_east.get(k, 0) / (by_source[k] or 1))
    destinations = [d for d in DESTINATIONS if d in set(present["destination"])]
    total = float(present["workers"].sum())
    gap = 0.012 if len(sources) < 40 else 0.004
    height = max(320, min(60 + 16 * len(sources), 2400))
    layout["height"] = height

    def stack(keys, amounts):
        room = 1 - gap * (len(keys) - 1)
        spans, top = {}, 1.0
        for key in keys:
            size = amounts[key] / total * room
            spans[key] = [top, top - size]
            top -= size + gap
        return spans

    by_destination = present.groupby("destination")["workers"].sum().to_dict()
    left, right = stack(sources, by_source), stack(destinations, by_destination)
    cursor_left = {k: v[0] for k, v in left.items()}
    cursor_right = {k: v[0] for k, v in right.items()}
    x0, x1, node = 0.22, 0.78, 0.02
    hover_x, hover_y, hover_text = [], [], []
    ordered = present.assign(_order=present["source"].map(sources.index)).sort_values(
        ["destination", "_order"], key=lambda c: c.map(DESTINATIONS.index) if c.name == "destination" else c)
    for row in ordered.itertuples(index=False):
        size = float(row.workers) / total * (1 - gap * (len(sources) - 1))
        size_right = float(row.workers) / total * (1 - gap * (len(destinations) - 1))
        top0, top1 = cursor_left[row.source], cursor_right[row.destination]
        cursor_left[row.source] -= size
        cursor_right[row.destination] -= size_right
        layout["shapes"].append({"type": "path", "xref": "paper", "yref": "paper", "layer": "below",
                                 "path": _band(x0 + node, x1, top0, top0 - size, top1, top1 - size_right),
                                 "fillcolor": DESTINATION_COLOURS[row.destination], "opacity": 0.35,
                                 "line": {"width": 0}})
        hover_x.append((x0 + x1) / 2)
        hover_y.append((top0 - size / 2 + top1 - size_right / 2) / 2)
        hover_text.append(said(f"{source_names[row.source]} → {names.get(row.destination, row.destination)}",
                               f"{float(row.workers):,.0f} {unit}", lang))
    for key, (top, bottom) in left.items():
        layout["shapes"].append({"type": "rect", "xref": "paper", "yref": "paper", "x0": x0, "x1": x0 + node,
                                 "y0": bottom, "y1": top, "fillcolor": "#8e1b1b", "line": {"width": 0}})
        hover_x.append(x0 + node / 2)
        hover_y.append((top + bottom) / 2)
        hover_text.append(said(source_names[key], f"{by_source[key]:,.0f} {unit}", lang))
        if top - bottom < LABEL_MIN and len(left) > 1:  # too thin to label beside its neighbours: the hover names it
            continue
        layout["annotations"].append({"xref": "paper", "yref": "paper", "x": x0 - 0.005, "y": (top + bottom) / 2,
                                      "xanchor": "right", "showarrow": False, "font": {"size": 11},
                                      "text": f"{source_names[key]} {by_source[key]:,.0f}"})
    for key, (top, bottom) in right.items():
        layout["shapes"].append({"type": "rect", "xref": "paper", "yref": "paper", "x0": x1, "x1": x1 + node,
                                 "y0": bottom, "y1": top, "fillcolor": DESTINATION_COLOURS[key], "line": {"width": 0}})
        share = by_destination[key] / total * 100
        layout["annotations"].append({"xref": "paper", "yref": "paper", "x": x1 + node + 0.005, "y": (top + bottom) / 2,
                                      "xanchor": "left", "showarrow": False, "font": {"size": 12},
                                      "text": paren(f"{names.get(key, key)} {by_destination[key]:,.0f}", f"{share:.1f}%", lang)})
    layout.update({"xaxis": {"visible": False, "range": [0, 1], "fixedrange": True},
                   "yaxis": {"visible": False, "range": [0, 1], "fixedrange": True}, "hovermode": "closest",
                   "margin": {"l": 8, "r": 8, "t": 40, "b": 8}})
    trace = {"type": "scatter", "mode": "markers", "x": hover_x, "y": hover_y, "text": hover_text,
             "hoverinfo": "text", "marker": {"size": 10, "opacity": 0}, "xaxis": "x", "yaxis": "y"}
    return {"data": [trace], "layout": layout}


FLOW_DESTINATIONS = {"paired_east": "east", "in_county": "own_province", "in_province": "own_province",
                     "out_of_province": "elsewhere",  # the employment records' locations
                     "to_east": "east", "elsewhere": "elsewhere"}  # (and the pair's own report)


def flow_links(employment: pd.DataFrame) -> pd.DataFrame:
    """The Sankey's links from the labour flows as data/read/collaboration.flows answers them (``west_code``,
    ``west_name``, ``destination``, ``people``): the employment records' locations folded into the three
    destinations (the paired eastern province; the own province, the own county included; elsewhere)."""
    if not len(employment):
        return pd.DataFrame(columns=["source", "source_name", "destination", "workers"])
    frame = employment.assign(destination=employment["destination"].map(FLOW_DESTINATIONS))
    frame = frame.dropna(subset=["destination"])
    links = frame.groupby(["west_code", "west_name", "destination"], sort=False, as_index=False)["people"].sum()
    return links.rename(columns={"west_code": "source", "west_name": "source_name", "people": "workers"})


def flows_totals(flows: pd.DataFrame) -> dict[str, float]:
    """Workers per destination over all regions (the figure's right-hand nodes, for the caption and tests)."""
    if not len(flows):
        return {}
    sums = flows.groupby("destination")["workers"].sum()
    return {d: float(sums[d]) for d in DESTINATIONS if d in sums.index}


# -- outcomes -------------------------------------------------------------------------------------------------
PHASES = ("before", "after")
GROUPS = ("paired", "peers")
GROUP_MSGIDS = {"paired": N_("collab_group_paired"), "peers": N_("collab_group_unpaired")}
SINCE_DATA = ("first", "latest")  # a pair older than the data: the first period with data and the latest
PHASE_MSGIDS = {"before": N_("collab_phase_before"), "after": N_("collab_phase_after"),
                "first": N_("collab_phase_first"), "latest": N_("collab_phase_latest")}


def outcomes_figure(summary: pd.DataFrame, title: str, lang: str, labels: dict[str, str],
                    phases: tuple[str, str] = PHASES) -> dict:
    """Paired counties against their unpaired peers, before and after the pair's start year: ``summary``
    has per ``metric`` and ``group`` (paired | peers) the ``before`` and ``after`` values (the medians, as
    data/read/collaboration.outcomes answers; optional ``count`` of counties); one cluster of bars per metric
    and phase ("metric / before"), one colour per group, the number of counties in the hover. ``labels``:
    metric code → name with unit. A pair older than the data: ``phases`` :data:`SINCE_DATA` (the columns
    ``first`` and ``latest``: the first period with data against the latest)."""
    layout = _layout(title, 360)
    present = summary[summary[list(phases)].notna().any(axis=1)] if len(summary) else summary
    if not len(present):
        _no_data(layout, lang)
        return {"data": [], "layout": layout}
    shown = list(dict.fromkeys(present["metric"]))
    categories = [f"{wrapped(labels.get(m, m))}<br>{t(PHASE_MSGIDS[p], lang)}" for m in shown for p in phases]
    traces = []
    for group in GROUPS:
        values, counts = [], []
        for metric in shown:
            found = present[(present["metric"] == metric) & (present["group"] == group)]
            for phase in phases:
                values.append(_number(found[phase].iloc[0]) if len(found) else None)
                counts.append(int(found["count"].iloc[0]) if len(found) and "count" in found
                              and not _missing(found["count"].iloc[0]) else None)
        counted = t("collab_counties_n", lang).format(n="%{customdata}")
        traces.append({"type": "bar", "name": t(GROUP_MSGIDS[group], lang), "x": categories, "y": values,
                       "customdata": counts, "marker": {"color": GROUP_COLOURS[group]},
                       "text": [format_number(v) for v in values], "textposition": "outside", "cliponaxis": False,
                       "hovertemplate": f"%{{x}}<br>{said('%{fullData.name}', '%{y:,.1f}', lang)}<br>{counted}"
                                        "<extra></extra>"})
    layout.update({"barmode": "group", "showlegend": True, "legend": {"orientation": "h", "y": -0.3},
                   "xaxis": {"type": "category", "fixedrange": True, "automargin": True, "tickangle": 0},
                   "yaxis": {"fixedrange": True, "automargin": True, "rangemode": "tozero"},
                   "margin": {"l": 8, "r": 8, "t": 40, "b": 60}})
    return {"data": traces, "layout": layout}
