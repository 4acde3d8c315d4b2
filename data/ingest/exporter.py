"""Exporting the interchange tables, and empty templates for filling in.

Exports use the canonical English headers (what the importer reads back: the round trip reproduces the
data exactly). CSV is UTF-8 with a BOM so that Excel opens it; XLSX by the file name; both written by
data/ingest/spreadsheet.py, so that no cell is a formula. Personal values leave as stored: masked (and
hashed), never whole.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from data.definitions import contract
from data.definitions.access import Access
from data.ingest import spreadsheet
from data.store import records

KIND_NOTES = {"str": "文本 text", "code": "12 位区划代码（或有效前缀） 12-digit region code", "int": "整数 whole number",
              "money": "金额（元，整数） yuan", "bool": "是/否 true/false", "date": "日期 YYYY-MM-DD",
              "period": "月份 YYYY-MM", "enum": "取值见“允许值”表 see the allowed-values sheet",
              "enums": "一个或多个，用 ; 分隔 one or more, separated by ;", "year": "年度 YYYY"}


def export_frame(engine, access: Access, table: str) -> pd.DataFrame:
    """A whole table as exported (the whole country: only for a caller who sees everything)."""
    frame = records.read_table(engine, access, table)
    for column in contract.spec_of(table).all_columns:
        if column.kind == "bool":
            frame[column.name] = frame[column.name].map({True: "true", False: "false"}).astype("string")
    return frame


def export_table(engine, access: Access, table: str, path: str | Path) -> int:
    path = Path(path)
    frame = export_frame(engine, access, table)
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(spreadsheet.xlsx_bytes({table: frame}))
    else:
        path.write_bytes(spreadsheet.csv_bytes(frame))
    return len(frame)


def write_template(table: str, path: str | Path) -> None:
    """An empty workbook: Chinese headers with a comment per column, and a sheet of allowed values."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    spec = contract.spec_of(table)
    book = Workbook()
    sheet = book.active
    sheet.title = spec.zh
    for column, cell in zip(spec.columns, spreadsheet.append(sheet, [c.zh for c in spec.columns])):
        cell.font = Font(bold=True)
        note = [f"{column.name}", KIND_NOTES[column.kind], "必填 required" if column.required else "可空 optional"]
        if column.minimum is not None and column.kind in ("int", "money", "year"):
            note.append(f"≥ {column.minimum:g}")
        if column.note:
            note.append(column.note)
        cell.comment = Comment("\n".join(note), "dashboard")
        sheet.column_dimensions[cell.column_letter].width = max(12, len(column.zh) * 2 + 4)
    allowed = book.create_sheet("允许值 allowed values")
    spreadsheet.append(allowed, ["列 column", "代码 code", "中文 term"])
    for column in spec.columns:
        for value in column.values:
            spreadsheet.append(allowed, [f"{column.zh} ({column.name})", value,
                                         contract.label_zh(table, column.name, value)])
    book.save(path)
