"""The data page (``/data``): what the database holds for a region, table by table.

Row counts of every interchange table within the selected region, and the first rows of one table
as stored (personal data masked), with Chinese headers and official terms. ``/data?table=&region=``.
"""
from __future__ import annotations

from dash import dash_table, dcc, html

from data import codes, contract, records
from data.storage import NotFound, Storage
from data.views import region_prefix
from dashboard.i18n import language, t
from layouts import ids, shell

PATH = "/data"
PREVIEW_ROWS = 50


def layout(storage: Storage, table: str | None = None, region: str | None = None, lang: str | None = None,
           **_ignored) -> html.Div:
    lang, table, region = language(shell.text(lang)), shell.text(table), shell.text(region)
    table = table if table in contract.TABLES else contract.LOAD_ORDER[0]
    try:
        lineage = storage.lineage(region) if region else []
        prefix = region_prefix(storage, region or None)
    except (codes.InvalidCode, NotFound):
        return shell.frame(html.Div(className="card", children=[html.H2(f"{t('not_found', lang)}: {region}")]),
                           lang, PATH, [], {"table": table})
    counts = records.count_rows(storage.engine, prefix)
    state = {"region": lineage[-1]["code"] if lineage else None, "table": table}
    cards = [dcc.Link(className="count-card" + (" selected" if name == table else ""),
                      href=shell.href(PATH, **{**state, "table": name, "lang": lang}), children=[
                          html.Div(contract.TABLES[name].zh if lang == "zh" else name, className="count-name"),
                          html.Div(f"{counts[name]:,}", className="count-value")])
             for name in contract.LOAD_ORDER]
    frame = records.preview(storage.engine, table, prefix, PREVIEW_ROWS)
    spec = contract.TABLES[table]
    for column in spec.columns:
        if column.kind in ("enum", "enums") and lang == "zh":
            frame[column.name] = frame[column.name].map(
                lambda v, c=column.name: v if v is None or v != v else "；".join(
                    contract.label_zh(table, c, part) for part in str(v).split(";")))
    content = html.Div(className="data-page", children=[
        html.Div(cards, id=ids.DATA_COUNTS, className="count-cards"),
        html.H2(f"{spec.zh if lang == 'zh' else spec.name}：{t('first_rows', lang)} {min(PREVIEW_ROWS, counts[table])} / "
                f"{counts[table]:,}"),
        html.P(t("masked_note", lang), className="note"),
        dash_table.DataTable(
            id=ids.DATA_PREVIEW, data=frame.astype(object).where(frame.notna(), "").to_dict("records"),
            columns=[{"name": c.zh if lang == "zh" else c.name, "id": c.name} for c in spec.columns],
            sort_action="native", page_size=20, style_table={"overflowX": "auto"},
            style_cell={"fontFamily": "WenQuanYi Micro Hei, sans-serif", "fontSize": 13, "padding": "4px 8px",
                        "textAlign": "left"},
            style_header={"fontWeight": "bold", "backgroundColor": "#eef2f6"}),
    ])
    return shell.frame(content, lang, PATH, lineage, state)
