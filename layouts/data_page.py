"""The data page (``/data``): what the database holds for a region, table by table.

Row counts of every interchange table within the selected region (the caller's own region by default),
and rows of one table as stored (personal data masked), with the contract's headers and official terms in the
page's language (data/definitions/labels.py):
the first rows, or for an evaluator the first rows of the fixed sample's households (the page states its
rate, ``policy.SAMPLE_RATE``), or for an East–West office no household rows at all (data/store/records.py
decides, and audits every view of household rows).
``/data?table=&region=``.
"""
from __future__ import annotations

from dash import dash_table, dcc, html

from data.definitions import codes, contract, labels, policy
from data.definitions.messages import language, t
from data.read.views import region_prefix
from data.store import records
from data.store.storage import NotFound, Storage
from layouts import ids, map_page, shell

PATH = "/data"
PREVIEW_ROWS = 50


def layout(storage: Storage, access, table: str | None = None, region: str | None = None, lang: str | None = None,
           **_ignored) -> html.Div:
    lang, table, region = language(shell.text(lang)), shell.text(table), map_page.home_region(access, shell.text(region))
    table = table if table in contract.TABLES else contract.LOAD_ORDER[0]
    if region is None and not access.everything:  # several regions of one's own: choose one
        return shell.frame(access, own_regions(storage, access, table, lang), lang, PATH, [], {"table": table})
    try:
        lineage = storage.lineage(access, region) if region else []
        prefix = region_prefix(storage, access, region or None)
    except (codes.InvalidCode, NotFound):
        return shell.frame(access, html.Div(className="card", children=[html.H2(f"{t('not_found', lang)}: {region}")]),
                           lang, PATH, [], {"table": table})
    counts = records.count_rows(storage.engine, access, prefix)
    state = {"region": lineage[-1]["code"] if lineage else None, "table": table}
    shown = records.listing(storage, access, table, state["region"], PREVIEW_ROWS)  # audited there
    cards = [dcc.Link(className="count-card" + (" selected" if name == table else ""),
                      href=shell.href(PATH, **{**state, "table": name, "lang": lang}), children=[
                          html.Div(labels.table_label(name, lang), className="count-name"),
                          html.Div(f"{counts[name]:,}", className="count-value")])
             for name in contract.LOAD_ORDER]
    frame = shown.frame
    spec = contract.TABLES[table]
    for column in spec.columns:  # enumerations and yes/no by their terms, in the page's language
        if column.kind in ("enum", "enums", "bool") and column.name in frame:
            frame[column.name] = frame[column.name].map(
                lambda v, c=column.name: labels.cell_label(table, c, v, lang)).astype(object)
    content = html.Div(className="data-page", children=[
        html.Div(cards, id=ids.DATA_COUNTS, className="count-cards"),
        html.H2(t("label_named_text", lang).format(name=labels.table_label(table, lang),
                                                   text=f"{t('first_rows', lang)} {len(frame)} / {counts[table]:,}")),
        html.P(t("masked_note", lang), className="note"),
        html.P(t("households_sample", lang).format(n=len(frame), rate=f"{policy.SAMPLE_RATE:.0%}"), className="notice")
        if shown.mode == "sample" else None,
        html.P(t("households_hidden", lang), className="notice") if shown.mode == "hidden" else None,
        dash_table.DataTable(
            id=ids.DATA_PREVIEW, data=frame.astype(object).where(frame.notna(), "").to_dict("records"),
            columns=[{"name": labels.field_label(table, c.name, lang), "id": c.name} for c in spec.columns],
            sort_action="native", page_size=20, style_table={"overflowX": "auto"},
            style_cell={"fontFamily": "WenQuanYi Micro Hei, sans-serif", "fontSize": 13, "padding": "4px 8px",
                        "textAlign": "left"},
            style_header={"fontWeight": "bold", "backgroundColor": "#eef2f6"}),
    ])
    return shell.frame(access, content, lang, PATH, lineage, state)


def own_regions(storage: Storage, access, table: str, lang: str) -> html.Div:
    """Links to each of the caller's regions (for a user with several)."""
    places = storage.regions_by_codes(access, list(access.regions))
    return html.Div(className="card", id=ids.DATA_COUNTS, children=[
        html.H2(t("demo_region", lang)),
        html.Ul([html.Li(dcc.Link(p["name"], href=shell.href(PATH, region=p["code"], table=table, lang=lang)))
                 for p in places])])
