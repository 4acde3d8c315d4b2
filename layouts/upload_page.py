"""The upload page (``/upload``): import a table from a spreadsheet, with progress and an error report.

Choose the table, download its template if needed, drop the file: the import runs in the background
(progress bar), all or nothing, through the same importer as the command line. A rejected file lists
every problem (row, column, value, reason) and the list can be downloaded. The latest imports are shown
(an administrator's all, a data clerk's own). Only roles that import may open the page; a data clerk's
rows must lie in their own region, and only an administrator imports the regions table.

A file whose headers are not the contract's (or a person-level file, table ``households+members``) is
matched through a column mapping: the page shows the suggested column of each source header, with its
score and the number of distinct values in the column (never a value), the user corrects and confirms,
the import runs and the mapping is saved for the layout; the next file of that layout imports at once.
"""
from __future__ import annotations

from dash import dash_table, dcc, html

from data.definitions import contract, labels
from data.definitions.messages import language, t
from data.ingest import limits
from data.ingest import mapping as column_mapping
from data.ingest.importer import recent_imports
from data.store.storage import Storage
from layouts import ids, shell

PATH = "/upload"
PROBLEM_COLUMNS = ("row", "column", "value", "reason_zh", "reason_en")


def table_label(table: str, lang: str) -> str:
    """A table to import, by its name in ``lang`` and its name in files (农户（households） / Households (households))."""
    name = (t("label_table_person_level", lang) if table == column_mapping.PERSON_LEVEL
            else labels.table_label(table, lang))
    return t("table_label", lang).format(name=name, table=table)


def layout(storage: Storage, access, table: str | None = None, lang: str | None = None, **_ignored) -> html.Div:
    lang, table = language(shell.text(lang)), shell.text(table)
    access.require("import")
    choices = tables_for(access)
    table = table if table in choices else "households"
    content = html.Div(className="upload-page", children=[
        html.Div(className="controls", children=[
            html.Label(t("upload_table", lang), htmlFor=ids.UPLOAD_TABLE),
            dcc.Dropdown(id=ids.UPLOAD_TABLE, value=table, clearable=False,
                         options=[{"label": table_label(n, lang), "value": n} for n in choices]),
            html.A(t("download_template", lang), id=ids.TEMPLATE_LINK, href=f"/api/v1/templates/{table}.xlsx"),
        ]),
        dcc.Upload(id=ids.UPLOAD_FILE, className="upload-drop", multiple=False, max_size=limits.UPLOAD_BYTES,
                   children=html.Div([t("upload_hint", lang), " ",
                                      t("upload_limit", lang).format(limit=limits.UPLOAD_BYTES >> 20)])),
        html.Progress(id=ids.UPLOAD_PROGRESS, value="0", max="100", className="upload-progress"),
        html.Div(id=ids.UPLOAD_RESULT, className="upload-result"),
        html.Button(t("download_problems", lang), id=ids.UPLOAD_DOWNLOAD_BUTTON, style={"display": "none"}),
        dcc.Download(id=ids.UPLOAD_DOWNLOAD),
        dash_table.DataTable(id=ids.UPLOAD_PROBLEMS, data=[], page_size=20, sort_action="native",
                             columns=[{"name": t(f"problem_{c}", lang), "id": c} for c in PROBLEM_COLUMNS],
                             style_cell={"textAlign": "left", "fontSize": 13, "whiteSpace": "normal"}),
        dcc.Store(id=ids.UPLOAD_STATE, data={"lang": lang, "user": access.user}),  # jobs are cached by their
        # arguments: the user keeps two people's uploads of the same file apart
        html.H3(t("recent_imports", lang)),
        import_log_table(storage, lang, access),
    ])
    return shell.frame(access, content, lang, PATH, [], {"table": table})


def tables_for(access) -> tuple[str, ...]:
    """The tables a role may import into (the regions table: administrators only)."""
    return tuple(n for n in contract.INTERCHANGE if n != "regions" or access.role.can_admin) + (
        column_mapping.PERSON_LEVEL,)


def import_log_rows(storage: Storage, lang: str, access) -> list[dict]:
    rows = recent_imports(storage, access)
    for row in rows:
        row["imported_at"] = f"{row['imported_at']:%Y-%m-%d %H:%M}"
        row["table_name"] = table_label(row["table_name"], lang)
    return rows


def import_log_table(storage: Storage, lang: str, access) -> dash_table.DataTable:
    rows = import_log_rows(storage, lang, access)
    columns = ("id", "table_name", "file_name", "imported_by", "imported_at", "rows_added", "rows_updated",
               "rows_unchanged", "rows_rejected", "status")
    return dash_table.DataTable(id=ids.IMPORT_LOG, data=rows, page_size=10,
                                columns=[{"name": t(f"log_{c}", lang), "id": c} for c in columns],
                                style_cell={"textAlign": "left", "fontSize": 13})


IGNORE = "_ignore"  # the mapping table's choice for a source column left out of the import


def mapping_box(lang: str, rows: list[dict], dropdown: dict) -> html.Div:
    """The suggested column mapping of a dropped file, to correct and confirm (shown in the upload result)."""
    return html.Div(id=ids.MAPPING_BOX, className="mapping-box", children=[
        html.H3(t("mapping_title", lang)),
        html.P(t("mapping_hint", lang)),
        dash_table.DataTable(
            id=ids.MAPPING_TABLE, data=rows, dropdown=dropdown, editable=False, page_action="none",
            columns=[{"name": t("mapping_col_header", lang), "id": "header"},
                     {"name": t("mapping_col_column", lang), "id": "column", "presentation": "dropdown",
                      "editable": True},
                     {"name": t("mapping_col_score", lang), "id": "score"},
                     {"name": t("mapping_col_distinct", lang), "id": "distinct"}],
            style_cell={"textAlign": "left", "fontSize": 13}, css=[{"selector": ".Select-menu-outer",
                                                                  "rule": "display: block !important"}]),
        html.Button(t("mapping_confirm", lang), id=ids.MAPPING_CONFIRM, n_clicks=0),
        html.Progress(id=ids.MAPPING_PROGRESS, value="0", max="100", className="upload-progress"),
    ])


def mapping_rows(suggestions, counts: dict[str, int]) -> list[dict]:
    """The mapping table's rows: source header, suggested column (or ignored), score, distinct values (a count)."""
    return [{"header": s.header, "column": s.column or IGNORE, "score": f"{s.score:.2f}",
             "distinct": counts.get(s.header, 0)} for s in suggestions if s.header]


def mapping_dropdown(table: str, lang: str) -> dict:
    """The columns a source header can be mapped to, for the table's dropdown."""
    spec = column_mapping.spec_for(table)
    options = [{"label": t("mapping_ignore", lang), "value": IGNORE}] + [
        {"label": t("label_with_note", lang).format(
            name=labels.field_label(column_mapping.part_of(table, c.name), c.name, lang), note=c.name), "value": c.name}
        for c in spec.columns]
    return {"column": {"options": options, "clearable": False}}
