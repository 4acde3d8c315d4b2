"""Reading an interchange file as government spreadsheets come: CSV (UTF-8 or GBK) or XLSX, with a
title row above the header, merged header cells, Chinese or English headers, full-width characters
and stray spaces. Yields chunks of strings with their file row numbers, so memory stays bounded.
"""
from __future__ import annotations

import codecs
import csv
import itertools
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from data.definitions.contract import TableSpec

CHUNK_ROWS = 50_000
HEADER_SEARCH_ROWS = 10
SAMPLE_BYTES = 1 << 20
IGNORED_HEADERS = {"序号", "备注", "no", "remark", "remarks"}


class FileProblem(ValueError):
    """The file as a whole cannot be read (encoding, format, header)."""

    def __init__(self, column: str, value: str, zh: str, en: str):
        self.column, self.value, self.zh, self.en = column, value, zh, en
        super().__init__(f"{zh} / {en}")


def normalise_header(text) -> str:
    """NFKC (full-width → half-width), no spaces, lower case, a trailing （…） remark removed."""
    text = unicodedata.normalize("NFKC", "" if text is None else str(text))
    text = re.sub(r"\s+", "", text).lower().replace("*", "")
    text = re.sub(r"\((?:[^()]*)\)$", "", text)
    return text


def header_names(spec: TableSpec) -> dict[str, str]:
    """Every accepted header (normalised) → canonical column name, incl. ``code [区划代码]``."""
    names = {}
    for column in spec.all_columns:
        for variant in (column.name, column.zh, f"{column.name}[{column.zh}]", f"{column.zh}[{column.name}]",
                        f"{column.zh}({column.name})", f"{column.name}({column.zh})"):
            names[normalise_header(variant)] = column.name
    return names


ROW = "_row"  # the file row (1-based, as a spreadsheet shows it) of each record


def detect_encoding(path: Path) -> str:
    sample = path.read_bytes()[:SAMPLE_BYTES] if path.stat().st_size <= SAMPLE_BYTES else _head(path)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=len(sample) < SAMPLE_BYTES)
            return encoding
        except UnicodeDecodeError:
            continue
    raise FileProblem("file", path.name, "文件编码无法识别（应为 UTF-8 或 GBK）",
                      "unrecognised encoding (expected UTF-8 or GBK)")


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(SAMPLE_BYTES)


def _find_header(rows: list[list], names: dict[str, str]) -> int:
    scores = [sum(normalise_header(cell) in names for cell in row) for row in rows]
    best = max(range(len(scores)), key=lambda i: scores[i]) if scores else 0
    if not scores or scores[best] == 0:
        raise FileProblem("header", "", "找不到表头行（前 10 行中没有可识别的列名）",
                          "no header row found (no known column name in the first 10 rows)")
    return best


def _map_columns(header: list, above: list | None, names: dict[str, str], spec: TableSpec) -> list[str | None]:
    """Canonical name per file column (None: an ignorable column); unknown or missing columns are errors."""
    mapped, unknown = [], []
    for index, cell in enumerate(header):
        key = normalise_header(cell)
        if key not in names and above is not None and index < len(above):
            key = normalise_header(above[index]) if normalise_header(above[index]) in names else key
        if key in names:
            mapped.append(names[key])
        elif key in IGNORED_HEADERS or key == "" or key.startswith("unnamed:"):
            mapped.append(None)
        else:
            mapped.append(None)
            unknown.append(str(cell))
    duplicated = sorted({m for m in mapped if m and mapped.count(m) > 1})
    missing = [c.name for c in spec.all_columns if c.required and c.name not in mapped]
    if unknown or missing or duplicated:
        parts_zh, parts_en = [], []
        if missing:
            parts_zh.append("缺少列：" + "、".join(f"{spec.column(m).zh}（{m}）" for m in missing))
            parts_en.append("missing columns: " + ", ".join(missing))
        if unknown:
            parts_zh.append("无法识别的列：" + "、".join(unknown))
            parts_en.append("unknown columns: " + ", ".join(unknown))
        if duplicated:
            parts_zh.append("重复的列：" + "、".join(duplicated))
            parts_en.append("duplicated columns: " + ", ".join(duplicated))
        raise FileProblem("header", ", ".join(str(h) for h in header), "；".join(parts_zh), "; ".join(parts_en))
    return mapped


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Stripped strings, None when empty. Free text keeps its characters (full-width brackets stay)."""
    return frame.map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip() or None)


def read_chunks(path: str | Path, spec: TableSpec) -> Iterator[pd.DataFrame]:
    """Chunks with canonical column names, string values (None when empty) and the file row in ``_row``."""
    path = Path(path)
    if not path.exists():
        raise FileProblem("file", str(path), "文件不存在", "no such file")
    names = header_names(spec)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _xlsx_chunks(path, spec, names)
    elif path.suffix.lower() in (".csv", ".txt"):
        yield from _csv_chunks(path, spec, names)
    else:
        raise FileProblem("file", path.name, "只接受 CSV 或 XLSX 文件", "only CSV or XLSX files are accepted")


def _csv_chunks(path: Path, spec: TableSpec, names: dict[str, str]) -> Iterator[pd.DataFrame]:
    encoding = detect_encoding(path)
    try:  # the csv module, not pandas: a one-cell title row must not fix the number of columns
        with open(path, encoding=encoding, newline="") as handle:
            rows = list(itertools.islice(csv.reader(handle), HEADER_SEARCH_ROWS))
    except (UnicodeDecodeError, csv.Error) as error:
        raise FileProblem("file", path.name, f"文件无法解析：{error}", f"cannot parse the file: {error}")
    header_at = _find_header(rows, names)
    mapped = _map_columns(rows[header_at], rows[header_at - 1] if header_at else None, names, spec)
    first_row = header_at + 2
    try:
        reader = pd.read_csv(path, header=None, skiprows=header_at + 1, dtype=str, encoding=encoding,
                             keep_default_na=False, chunksize=CHUNK_ROWS, names=range(len(mapped)),
                             on_bad_lines="error", engine="c", skip_blank_lines=False)
        for raw in reader:
            yield _select(raw, mapped, first_row)
            first_row += len(raw)
    except UnicodeDecodeError as error:
        raise FileProblem("file", path.name, f"第 {first_row} 行之后编码错误：{error.reason}",
                          f"encoding error after row {first_row}: {error.reason}")
    except pd.errors.ParserError as error:
        raise FileProblem("file", path.name, f"文件格式错误（列数不一致或文件被截断）：{error}",
                          f"malformed file (ragged or truncated rows): {error}")


def _select(raw: pd.DataFrame, mapped: list[str | None], first_row: int) -> pd.DataFrame:
    kept = {name: raw.iloc[:, index] for index, name in enumerate(mapped) if name and index < raw.shape[1]}
    frame = _clean(pd.DataFrame(kept).reset_index(drop=True))
    frame[ROW] = range(first_row, first_row + len(frame))
    return frame[frame.drop(columns=ROW).notna().any(axis=1)]  # blank lines are skipped, not errors


def _xlsx_chunks(path: Path, spec: TableSpec, names: dict[str, str]) -> Iterator[pd.DataFrame]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as error:  # not a workbook, or a damaged one
        raise FileProblem("file", path.name, f"无法读取 Excel 文件：{error}", f"cannot read the workbook: {error}")
    sheet = book.worksheets[0]
    for merged in list(sheet.merged_cells.ranges):  # every cell of a merged range takes its top-left value
        value = sheet.cell(merged.min_row, merged.min_col).value
        sheet.unmerge_cells(str(merged))
        for row in range(merged.min_row, merged.max_row + 1):
            for column in range(merged.min_col, merged.max_col + 1):
                sheet.cell(row, column).value = value
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = _find_header(rows[:HEADER_SEARCH_ROWS], names)
    mapped = _map_columns(rows[header_at], rows[header_at - 1] if header_at else None, names, spec)
    body = rows[header_at + 1:]
    for start in range(0, len(body), CHUNK_ROWS):
        part = pd.DataFrame(body[start:start + CHUNK_ROWS], dtype=object)
        part = part.reindex(columns=range(len(mapped)))
        part = part.map(_excel_text)
        yield _select(part, mapped, header_at + 2 + start)


def _excel_text(value):
    """Excel cells as the strings a CSV would hold (whole numbers without '.0', dates as ISO)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and hasattr(value, "hour"):
        return value.date().isoformat()
    return str(value)
