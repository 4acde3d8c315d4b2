"""Writing tables as CSV and XLSX that no spreadsheet can run, and reading such a cell back.

Every file the system hands out goes through here (exports, templates, profile downloads, the API's CSV,
the field-sample checklist, the import problem report). A text that a spreadsheet would take for a formula
or a command — one starting with ``= + - @`` (also full-width), a tab or a line break, possibly after
spaces — leaves with a leading ``'`` (OWASP, CSV injection); a text that is only a number (``-5``) is not
touched. In XLSX every text is a text cell (never a formula or an error value, formatted ``@`` so that
editing it keeps it text) and numbers stay numbers. :func:`restore` is the inverse the importer applies to
every text: one leading ``'`` comes off a text that would be neutralised without it, so that an exported
file imports back exactly, and a ``'`` typed before a formula in a CSV means what it means in Excel.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font

QUOTE = "'"
TRIGGERS = frozenset("=+-@\t\r\n＝＋－＠")
_LEADING_SPACE = " \u3000"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")
TEXT_FORMAT = "@"


def _runnable(text: str) -> bool:
    """Would a spreadsheet run ``text`` once its leading quotes are taken off?"""
    rest = text.lstrip(QUOTE).lstrip(_LEADING_SPACE)
    return rest[:1] in TRIGGERS and not _NUMBER.fullmatch(rest)


def neutralise(value):
    """``value`` as a cell may hold it: a text that could run gets a leading ``'``; anything else passes."""
    if isinstance(value, str) and value and _runnable(value):
        return QUOTE + value
    return value


def restore(text: str) -> str:
    """The text an exported cell stood for (the inverse of :func:`neutralise`)."""
    if text.startswith(QUOTE) and _runnable(text):
        return text[1:]
    return text


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


# -- CSV (UTF-8 with a BOM: Excel reads UTF-8 only with one) --------------------------------------------
def csv_bytes(frame: pd.DataFrame, line_end: str = "\n") -> bytes:
    """A frame as CSV, its headers and text cells neutralised, numbers formatted as pandas does."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or isinstance(safe[column].dtype, pd.StringDtype):
            safe[column] = safe[column].astype(object).map(lambda v: None if _missing(v) else neutralise(v))
    return safe.to_csv(index=False, header=[neutralise(str(c)) for c in frame.columns],
                       lineterminator=line_end).encode("utf-8-sig")


def rows_csv_bytes(rows: Iterable[Mapping], columns: Sequence[str], line_end: str = "\r\n") -> bytes:
    """Rows of plain values (dicts; keys outside ``columns`` are left out) as CSV, text cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow([neutralise(c) for c in columns])
    writer.writerows([["" if _missing(row.get(c)) else neutralise(row.get(c)) for c in columns] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


# -- XLSX ----------------------------------------------------------------------------------------------
def cell(sheet, value) -> Cell:
    """A cell for ``sheet`` holding ``value``: numbers, booleans and dates as such, anything else as text."""
    if _missing(value):
        return Cell(sheet)
    if isinstance(value, (bool, np.bool_, numbers.Real)):
        return Cell(sheet, value=value.item() if hasattr(value, "item") else value)
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return Cell(sheet, value=value)
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", neutralise(str(value)))[:32767]  # what a workbook cannot hold
    made = Cell(sheet)
    made._value, made.data_type, made.number_format = text, "s", TEXT_FORMAT  # never a formula or an error
    return made


def append(sheet, values: Iterable) -> list[Cell]:
    """``sheet.append`` with safe cells (see :func:`cell`); the row's cells, for styling."""
    cells = [cell(sheet, value) for value in values]
    sheet.append(cells)
    return cells


def write_frame(sheet, frame: pd.DataFrame) -> None:
    """A frame on ``sheet``: its headers in bold, then one row per record."""
    for header in append(sheet, [str(c) for c in frame.columns]):
        header.font = Font(bold=True)
    for row in frame.itertuples(index=False, name=None):
        append(sheet, row)


def xlsx_bytes(frames: Mapping[str, pd.DataFrame]) -> bytes:
    """A workbook with one sheet per frame (sheet name → frame)."""
    book = Workbook()
    book.remove(book.active)
    for name, frame in frames.items():
        write_frame(book.create_sheet(name[:31]), frame)
    return save(book)


def table_bytes(frame: pd.DataFrame, fmt: str, sheet: str = "data") -> bytes:
    """One table as a ``csv`` or an ``xlsx`` file (a download)."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown spreadsheet format {fmt!r}")
    return csv_bytes(frame) if fmt == "csv" else xlsx_bytes({sheet: frame})


def save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
