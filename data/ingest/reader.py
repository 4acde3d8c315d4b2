"""Reading an interchange file as government spreadsheets come: CSV (UTF-8 or GBK) or XLSX, with a
title row above the header, merged header cells, Chinese or English headers, full-width characters
and stray spaces. Yields chunks of strings with their file row numbers, so memory stays bounded.

A broken or hostile file is refused, with its row, before it costs memory or time. A CSV record must have
as many fields as the header (a truncated or shifted row would overwrite stored values with empty ones), a
quoted field must end, and lines and fields are capped. A workbook is checked before it is opened — its
parts' uncompressed sizes and ratios, its first sheet's declared range, rows and merged areas — and then
read streaming (openpyxl read-only) within row and column caps; every XML parse is defused (openpyxl uses
defusedxml; the structure scan here refuses any DTD). The reader also says which identifier cells of a
workbook were numbers (:data:`NUMERIC`), so that the importer can refuse those Excel has rounded.
"""
from __future__ import annotations

import codecs
import csv
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from xml.parsers import expat

import pandas as pd

from data.definitions.contract import TableSpec

CHUNK_ROWS = 50_000
HEADER_SEARCH_ROWS = 10
SAMPLE_BYTES = 1 << 20
IGNORED_HEADERS = {"序号", "备注", "no", "remark", "remarks"}

# CSV: one physical line and one field (a data row is well under 1 KB)
MAX_LINE_BYTES = 1 << 20
MAX_FIELD_CHARS = 100_000
# XLSX: the first worksheet's extent, and what its parts may inflate to (checked before anything is parsed)
XLSX_MAX_ROWS = 500_000
XLSX_MAX_COLUMNS = 200
XLSX_MAX_MERGES = 200_000
XLSX_MAX_MERGED_CELLS = 2_000_000  # cells covered by merged ranges, all together
XLSX_MAX_SHEET_BYTES = 256 << 20  # one worksheet's XML
XLSX_MAX_STRINGS_BYTES = 64 << 20  # the shared strings (openpyxl holds them all in memory)
XLSX_MAX_PART_BYTES = 8 << 20  # any other part: workbook, styles, theme, properties ...
XLSX_MAX_TOTAL_BYTES = 512 << 20
XLSX_MAX_RATIO = 100  # uncompressed / compressed, for a part larger than XLSX_MAX_PART_BYTES
XLSX_MAX_MEMBERS = 1_000

csv.field_size_limit(MAX_FIELD_CHARS)

ROW = "_row"  # the file row (1-based, as a spreadsheet shows it) of each record
NUMERIC = "_numeric"  # per record: the identifier columns whose workbook cell was a number (a tuple)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_LINE_END = re.compile(rb"\r\n|\r|\n")
_CELL = re.compile(r"^\$?([A-Z]+)\$?(\d+)$")


class FileProblem(ValueError):
    """The file as a whole cannot be read (encoding, format, header, a broken row: ``row`` > 0)."""

    def __init__(self, column: str, value: str, zh: str, en: str, row: int = 0):
        self.column, self.value, self.zh, self.en, self.row = column, value, zh, en, row
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


def detect_encoding(path: Path) -> str:
    sample = _head(path, SAMPLE_BYTES)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=len(sample) < SAMPLE_BYTES)
            return encoding
        except UnicodeDecodeError:
            continue
    raise FileProblem("file", path.name, "文件编码无法识别（应为 UTF-8 或 GBK）",
                      "unrecognised encoding (expected UTF-8 or GBK)")


def _head(path: Path, size: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


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


def read_chunks(path: str | Path, spec: TableSpec, names: dict[str, str | None] | None = None) -> Iterator[pd.DataFrame]:
    """Chunks with canonical column names, string values (None when empty), the file row in ``_row`` and,
    for a workbook, the identifier columns that were number cells in ``_numeric``. ``names`` (normalised
    header → column, None: ignored) replaces the contract's headers: a confirmed column mapping
    (data/ingest/mapping.py)."""
    path = Path(path)
    if not path.exists():
        raise FileProblem("file", str(path), "文件不存在", "no such file")
    names = header_names(spec) if names is None else names
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _xlsx_chunks(path, spec, names)
    elif path.suffix.lower() in (".csv", ".txt"):
        yield from _csv_chunks(path, spec, names)
    else:
        raise FileProblem("file", path.name, "只接受 CSV 或 XLSX 文件", "only CSV or XLSX files are accepted")


def _chunk(columns: dict[str, list], rows: list[int], numeric: list | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(columns, dtype=object)
    frame[ROW] = rows
    if numeric is not None:
        frame[NUMERIC] = pd.Series(numeric, dtype=object)
    return frame


# -- CSV ---------------------------------------------------------------------------------------------
def _csv_chunks(path: Path, spec: TableSpec, names: dict[str, str]) -> Iterator[pd.DataFrame]:
    head = _head(path, 8)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("file", path.name, "这是 Excel（或压缩）文件，不是 CSV：请使用 .xlsx 扩展名或另存为 CSV",
                          "this is an Excel (or zip) file, not a CSV: name it .xlsx or save it as CSV")
    records = _records(path, detect_encoding(path))
    top = list(itertools.islice(records, HEADER_SEARCH_ROWS))
    header_at = _find_header([fields for _, fields in top], names)
    header = top[header_at][1]
    mapped = _map_columns(header, top[header_at - 1][1] if header_at else None, names, spec)
    kept = [(index, name) for index, name in enumerate(mapped) if name]
    width = len(header)
    columns: dict[str, list] = {name: [] for _, name in kept}
    rows: list[int] = []
    for row, fields in itertools.chain(top[header_at + 1:], records):
        if not any(field.strip() for field in fields):
            continue  # blank lines are skipped, not errors
        if len(fields) < width or any(field.strip() for field in fields[width:]):
            raise FileProblem("file", f"{len(fields)}/{width}", f"第 {row} 行有 {len(fields)} 个字段，表头有 {width} 个"
                              "（行被截断或错位）", f"row {row} has {len(fields)} fields, the header {width} "
                              "(a truncated or shifted row)", row=row)
        for index, name in kept:
            columns[name].append(fields[index].strip() or None)
        rows.append(row)
        if len(rows) == CHUNK_ROWS:
            yield _selected(_chunk(columns, rows))
            columns, rows = {name: [] for _, name in kept}, []
    if rows:
        yield _selected(_chunk(columns, rows))


def _selected(frame: pd.DataFrame) -> pd.DataFrame:
    """Without the records whose every column of the contract is empty (a row of only 序号 or 备注)."""
    data = frame.drop(columns=[c for c in (ROW, NUMERIC) if c in frame])
    return frame[data.notna().any(axis=1)] if not data.empty else frame


class _Lines:
    """The decoded physical lines of a CSV for the csv module, each checked (length, NUL, encoding); ``row``
    is the record being read, for the messages."""

    def __init__(self, handle, encoding: str, name: str):
        self.handle, self.encoding, self.name, self.row = handle, encoding, name, 1
        self.decoder = codecs.getincrementaldecoder(encoding)()

    def __iter__(self):
        for raw in _physical_lines(self.handle):
            if len(raw) > MAX_LINE_BYTES:
                raise self.problem(f"第 {self.row} 行超过 {MAX_LINE_BYTES >> 20} MB（行过长）",
                                   f"row {self.row}: line longer than {MAX_LINE_BYTES >> 20} MB (line too long)")
            if b"\x00" in raw:
                raise self.problem(f"第 {self.row} 行含有 NUL 字节（不是文本文件？）",
                                   f"row {self.row} contains NUL bytes (not a text file?)")
            try:
                text = self.decoder.decode(raw, final=not raw)
            except UnicodeDecodeError as error:
                encoding = "UTF-8" if self.encoding.startswith("utf") else "GBK"
                raise self.problem(f"第 {self.row} 行编码错误（不是 {encoding}）：{error.reason}",
                                   f"encoding error at row {self.row} (not {encoding}): {error.reason}")
            if not raw:
                return
            yield text

    def problem(self, zh: str, en: str) -> FileProblem:
        return FileProblem("file", self.name, zh, en, row=self.row)


def _physical_lines(handle) -> Iterator[bytes]:
    """The lines of a binary file with their ends (\\n, \\r\\n or a lone \\r, as universal newlines), then b"";
    a line is cut after MAX_LINE_BYTES + 1 bytes (too long). UTF-8 and GB18030 never have these bytes inside
    a character, so the bytes can be split before they are decoded (and an error is found on its own line)."""
    rest = b""
    while True:
        block = handle.read(1 << 16)
        rest += block
        start = 0
        for end in _LINE_END.finditer(rest):
            if end.end() == len(rest) and block and rest.endswith(b"\r"):
                break  # a \r\n may be split between two blocks
            yield rest[start:end.end()]
            start = end.end()
        rest = rest[start:]
        if len(rest) > MAX_LINE_BYTES:
            yield rest[:MAX_LINE_BYTES + 1]
            return
        if not block:
            if rest:
                yield rest
            yield b""
            return


def _records(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """(row, fields) of each CSV record; rows count records as a spreadsheet shows them, blank ones included."""
    with open(path, "rb") as handle:
        lines = _Lines(handle, encoding, path.name)
        reader = csv.reader(lines, strict=True)
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise _csv_problem(path.name, lines.row, str(error)) from None
            yield lines.row, fields
            lines.row += 1


def _csv_problem(name: str, row: int, error: str) -> FileProblem:
    if "field limit" in error:
        zh = f"第 {row} 行的字段超过 {MAX_FIELD_CHARS} 个字符（字段过长，或缺少右引号）"
        en = f"row {row}: a field longer than {MAX_FIELD_CHARS} characters (field too long, or a missing closing quote)"
    elif "unexpected end of data" in error:
        zh = f"第 {row} 行起的引号字段没有结束（文件被截断或缺少右引号）"
        en = f"the quoted field from row {row} never ends (a truncated file or a missing closing quote)"
    else:
        zh, en = f"第 {row} 行格式错误：{error}", f"row {row}: malformed CSV: {error}"
    return FileProblem("file", name, zh, en, row=row)


# -- XLSX --------------------------------------------------------------------------------------------
def _xlsx_chunks(path: Path, spec: TableSpec, names: dict[str, str]) -> Iterator[pd.DataFrame]:
    import openpyxl

    title, merges, last_row = check_workbook(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception as error:  # not a workbook, or a damaged one
        raise FileProblem("file", path.name, f"无法读取 Excel 文件：{error}", f"cannot read the workbook: {error}")
    try:
        if not book.worksheets or book.worksheets[0].title != title:
            raise FileProblem("file", path.name, "工作簿结构无法识别", "unrecognised workbook structure")
        yield from _sheet_chunks(book.worksheets[0], spec, names, merges, last_row)
    except (FileProblem, MemoryError):
        raise
    except Exception as error:  # damaged XML or zip data found while streaming
        raise FileProblem("file", path.name, f"无法读取 Excel 文件：{error}", f"cannot read the workbook: {error}")
    finally:
        book.close()


def _sheet_chunks(sheet, spec: TableSpec, names: dict[str, str], merges: list, last_row: int) -> Iterator[pd.DataFrame]:
    top = list(_filled(sheet.iter_rows(min_row=1, max_row=min(HEADER_SEARCH_ROWS, last_row),
                                       max_col=XLSX_MAX_COLUMNS, values_only=True), merges, XLSX_MAX_COLUMNS))
    header_at = _find_header(top, names)
    width = max([i + 1 for row in top[max(0, header_at - 1):header_at + 1] for i, v in enumerate(row)
                 if v is not None] or [1])
    mapped = _map_columns(top[header_at][:width], top[header_at - 1][:width] if header_at else None, names, spec)
    kept = [(index, name) for index, name in enumerate(mapped) if name]
    identifiers = [(index, name) for index, name in kept if spec.column(name).identifier]
    columns: dict[str, list] = {name: [] for _, name in kept}
    rows: list[int] = []
    numeric: list[tuple] = []
    body = _filled(sheet.iter_rows(min_row=1, max_row=last_row, max_col=width, values_only=True), merges, width)
    for row, values in enumerate(body, start=1):
        if row <= header_at + 1:
            continue
        for index, name in kept:
            columns[name].append(_excel_text(values[index]))
        rows.append(row)
        numeric.append(tuple(name for index, name in identifiers if _is_number(values[index])))
        if len(rows) == CHUNK_ROWS:
            yield _selected(_chunk(columns, rows, numeric))
            columns, rows, numeric = {name: [] for _, name in kept}, [], []
    if rows:
        yield _selected(_chunk(columns, rows, numeric))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _filled(rows, merges: list[tuple[int, int, int, int]], width: int) -> Iterator[list]:
    """Rows (lists of ``width`` values, from row 1) with every cell of a merged range holding the range's
    top-left value; ``merges`` are (min_row, min_col, max_row, max_col), sorted."""
    upcoming = iter(merges)
    following = next(upcoming, None)
    active: list[tuple[int, int, int, object]] = []  # (max_row, min_col, max_col, value)
    for number, values in enumerate(rows, start=1):
        values = list(values)
        while following is not None and following[0] <= number:
            min_row, min_col, max_row, max_col = following
            if min_row == number and min_col <= width:
                active.append((max_row, min_col, min(max_col, width), values[min_col - 1]))
            following = next(upcoming, None)
        if active:
            active = [merge for merge in active if merge[0] >= number]
            for _, min_col, max_col, value in active:
                values[min_col - 1:max_col] = [value] * (max_col - min_col + 1)
        yield values


def _excel_text(value):
    """Excel cells as the strings a CSV would hold (whole numbers without '.0', dates as ISO); None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and hasattr(value, "hour"):
        return value.date().isoformat()
    return str(value).strip() or None


def check_workbook(path: Path) -> tuple[str, list[tuple[int, int, int, int]], int]:
    """Check a workbook before it is opened; the first worksheet's name, its merged ranges (sorted) and its
    last row. Refuses (:class:`FileProblem`) what is not a workbook, parts that would inflate beyond the caps,
    a declared range, rows or merged areas beyond them, and any DTD."""
    if _head(path, 8).startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("file", path.name, "这是旧版 Excel（.xls）文件：请另存为 .xlsx",
                          "this is an old Excel (.xls) file: save it as .xlsx")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise FileProblem("file", path.name, f"不是有效的 Excel（.xlsx）文件：{error}",
                          f"not a valid Excel (.xlsx) file: {error}")
    with archive:
        _check_parts(path.name, archive)
        title, member, others = _first_worksheet(path.name, archive)
        for other in others:  # opening a workbook, openpyxl reads each sheet's declared range
            _scan_sheet(path.name, archive, other, main=False)
        return (title, *_scan_sheet(path.name, archive, member))


def _too_large(name: str, zh: str, en: str) -> FileProblem:
    return FileProblem("file", name, f"{zh}（文件过大或为压缩炸弹）", f"{en} (too large, or a zip bomb)")


def _check_parts(name: str, archive: zipfile.ZipFile) -> None:
    """Every part's declared size (zipfile stops a part at its declared size) and ratio, before inflating."""
    parts = archive.infolist()
    if len(parts) > XLSX_MAX_MEMBERS:
        raise _too_large(name, f"工作簿有 {len(parts)} 个部件，上限 {XLSX_MAX_MEMBERS}",
                         f"the workbook has {len(parts)} parts, at most {XLSX_MAX_MEMBERS}")
    total = 0
    for part in parts:
        if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or part.flag_bits & 0x1:
            raise FileProblem("file", name, f"工作簿部件 {part.filename} 加密或压缩方式不受支持",
                              f"workbook part {part.filename} is encrypted or compressed in an unsupported way")
        if part.filename.startswith("xl/worksheets/"):
            cap = XLSX_MAX_SHEET_BYTES
        elif part.filename == "xl/sharedStrings.xml":
            cap = XLSX_MAX_STRINGS_BYTES
        else:
            cap = XLSX_MAX_PART_BYTES
        size, ratio = part.file_size, part.file_size / max(part.compress_size, 1)
        if size > cap:
            raise _too_large(name, f"{part.filename} 解压后 {_mb(size)}，上限 {_mb(cap)}",
                             f"{part.filename} inflates to {_mb(size)}, at most {_mb(cap)}")
        if size > XLSX_MAX_PART_BYTES and ratio > XLSX_MAX_RATIO:
            raise _too_large(name, f"{part.filename} 的压缩比 {ratio:.0f}:1，上限 {XLSX_MAX_RATIO}:1",
                             f"{part.filename} has a compression ratio of {ratio:.0f}:1, at most {XLSX_MAX_RATIO}:1")
        total += size
    if total > XLSX_MAX_TOTAL_BYTES:
        raise _too_large(name, f"工作簿解压后 {_mb(total)}，上限 {_mb(XLSX_MAX_TOTAL_BYTES)}",
                         f"the workbook inflates to {_mb(total)}, at most {_mb(XLSX_MAX_TOTAL_BYTES)}")


def _mb(size: int) -> str:
    return f"{size / (1 << 20):.0f} MB" if size >= 1 << 20 else f"{size / 1024:.0f} KB"


def _first_worksheet(name: str, archive: zipfile.ZipFile) -> tuple[str, str, list[str]]:
    """The first worksheet's name and part (chartsheets are skipped), and the other worksheets' parts — as
    openpyxl finds them: the package's officeDocument, its sheets in order, their relationships."""
    from defusedxml.ElementTree import fromstring

    def read(member: str):
        try:
            return fromstring(archive.read(member))
        except KeyError:
            raise FileProblem("file", name, f"工作簿缺少部件 {member}", f"the workbook has no part {member}") from None
        except Exception as error:
            raise FileProblem("file", name, f"工作簿部件 {member} 无法读取：{error}",
                              f"workbook part {member} cannot be read: {error}") from None

    package = read("_rels/.rels")
    workbook = next((r.get("Target", "") for r in package.iter(f"{{{_PACKAGE}}}Relationship")
                     if r.get("Type", "").endswith("/officeDocument")), "xl/workbook.xml").lstrip("/")
    folder = PurePosixPath(workbook).parent
    relations = read(str(folder / "_rels" / f"{PurePosixPath(workbook).name}.rels"))
    targets = {r.get("Id"): (r.get("Type", ""), r.get("Target", ""))
               for r in relations.iter(f"{{{_PACKAGE}}}Relationship")}
    sheets = []
    for sheet in read(workbook).iter(f"{{{_MAIN}}}sheet"):
        kind, target = targets.get(sheet.get(f"{{{_RELATIONS}}}id"), ("", ""))
        if kind.endswith("/worksheet"):
            sheets.append((sheet.get("name", ""), target.lstrip("/") if target.startswith("/") else _join(folder, target)))
    if not sheets:
        raise FileProblem("file", name, "工作簿中没有工作表（只有图表？）", "the workbook has no worksheet (only charts?)")
    return sheets[0][0], sheets[0][1], [member for _, member in sheets[1:]]


def _join(folder: PurePosixPath, target: str) -> str:
    parts: list[str] = []
    for piece in (folder / target).parts:
        if piece == "..":
            parts = parts[:-1]
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


class _Enough(Exception):
    """Stops a scan that has seen what it needed."""


def _scan_sheet(name: str, archive: zipfile.ZipFile, member: str, main: bool = True):
    """One streaming pass over a worksheet's XML (pyexpat; a DTD is refused, so no entity is ever expanded):
    its declared range, rows and merged ranges against the caps; (sorted merges, last row). For a sheet that
    is not read (``main=False``) it stops at the declared range, which is all openpyxl reads of it."""
    rows, merges, merged = 0, [], 0
    prefix = f"{_MAIN} "

    def refuse(zh, en):
        raise FileProblem("file", name, zh, en)

    def start(tag, attributes):
        nonlocal rows, merged
        if not tag.startswith(prefix):
            return
        tag = tag[len(prefix):]
        if tag == "row":
            number = attributes.get("r")
            rows = _row_number(number) if number is not None else rows + 1
            if rows > XLSX_MAX_ROWS:
                refuse(f"工作表超过 {XLSX_MAX_ROWS} 行（第 {rows} 行）；更大的文件请用 CSV",
                       f"the sheet goes beyond {XLSX_MAX_ROWS} rows (row {rows}); use CSV for larger files")
        elif tag == "dimension":
            if not main:
                raise _Enough
            ref = attributes.get("ref", "")
            _, _, max_col, max_row = _bounds(name, ref)
            if max_row > XLSX_MAX_ROWS or max_col > XLSX_MAX_COLUMNS:
                refuse(f"工作表声明的范围 {ref} 超出上限（{XLSX_MAX_ROWS} 行、{XLSX_MAX_COLUMNS} 列）：请删除表格"
                       f"以外的行和列", f"the sheet declares the range {ref}, beyond the limits ({XLSX_MAX_ROWS} rows, "
                       f"{XLSX_MAX_COLUMNS} columns): delete the rows and columns outside the table")
        elif tag == "mergeCell":
            ref = attributes.get("ref", "")
            min_col, min_row, max_col, max_row = _bounds(name, ref)
            merged += (max_row - min_row + 1) * (max_col - min_col + 1)
            if max_row > XLSX_MAX_ROWS or max_col > XLSX_MAX_COLUMNS or merged > XLSX_MAX_MERGED_CELLS \
                    or len(merges) >= XLSX_MAX_MERGES:
                refuse(f"合并单元格 {ref} 超出上限（{XLSX_MAX_ROWS} 行、{XLSX_MAX_COLUMNS} 列，合并区域共 "
                       f"{XLSX_MAX_MERGED_CELLS} 格）", f"the merged range {ref} goes beyond the limits "
                       f"({XLSX_MAX_ROWS} rows, {XLSX_MAX_COLUMNS} columns, {XLSX_MAX_MERGED_CELLS} merged cells in all)")
            merges.append((min_row, min_col, max_row, max_col))

    def forbid(*_args):
        refuse("工作簿含有 DTD 或实体声明（不允许）", "the workbook contains a DTD or entity declarations (not allowed)")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = parser.ExternalEntityRefHandler = forbid
    try:
        with archive.open(member) as source:
            parser.ParseFile(source)
    except _Enough:
        pass
    except FileProblem:
        raise
    except KeyError:
        raise FileProblem("file", name, f"工作簿缺少部件 {member}", f"the workbook has no part {member}") from None
    except (expat.ExpatError, zipfile.BadZipFile, ValueError, EOFError) as error:
        raise FileProblem("file", name, f"工作表无法读取：{error}", f"the sheet cannot be read: {error}") from None
    return sorted(merges), max(rows, 1)


def _row_number(text: str) -> int:
    number = float(text)
    if not number.is_integer() or not 1 <= number:
        raise ValueError(f"{text!r} is not a row number")
    return int(number)


def _bounds(name: str, ref: str) -> tuple[int, int, int, int]:
    """(min_col, min_row, max_col, max_row) of a range such as ``A1:H20`` (a single cell: itself), however
    many letters its columns have (a hostile range may go beyond Excel's XFD)."""
    corners = [_CELL.match(corner) for corner in ref.upper().split(":")]
    if not 1 <= len(corners) <= 2 or not all(corners):
        raise FileProblem("file", name, f"工作表中的范围 {ref[:40]!r} 无效", f"the sheet names an invalid range {ref[:40]!r}")
    columns = [_column(m.group(1)) for m in corners]
    numbers = [int(m.group(2)) for m in corners]
    return min(columns), min(numbers), max(columns), max(numbers)


def _column(letters: str) -> int:
    number = 0
    for letter in letters[:8]:
        number = number * 26 + ord(letter) - 64
    return number if len(letters) <= 8 else 26 ** 8


# -- the header alone (column mapping, data/ingest/mapping.py) ----------------------------------------
def read_header(path: str | Path, names: dict[str, str | None]) -> list[str]:
    """The header row of a file as its cells say (a cell left empty: ""), found as :func:`read_chunks` finds
    it — the row of the first ten with most cells in ``names`` (normalised header → anything) — after the
    same checks of the file; the row above fills a header cell only where read_chunks would use it."""
    path = Path(path)
    if not path.exists():
        raise FileProblem("file", str(path), "文件不存在", "no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        title, merges, last_row = check_workbook(path)
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except MemoryError:
            raise
        except Exception as error:
            raise FileProblem("file", path.name, f"无法读取 Excel 文件：{error}", f"cannot read the workbook: {error}")
        try:
            sheet = book.worksheets[0]
            top = list(_filled(sheet.iter_rows(min_row=1, max_row=min(HEADER_SEARCH_ROWS, last_row),
                                               max_col=XLSX_MAX_COLUMNS, values_only=True), merges, XLSX_MAX_COLUMNS))
        except (FileProblem, MemoryError):
            raise
        except Exception as error:
            raise FileProblem("file", path.name, f"无法读取 Excel 文件：{error}", f"cannot read the workbook: {error}")
        finally:
            book.close()
        at = _find_header(top, names)
        width = max([i + 1 for row in top[max(0, at - 1):at + 1] for i, v in enumerate(row) if v is not None] or [1])
        header, above = top[at][:width], (top[at - 1][:width] if at else None)
    elif path.suffix.lower() in (".csv", ".txt"):
        head = _head(path, 8)
        if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
            raise FileProblem("file", path.name, "这是 Excel（或压缩）文件，不是 CSV：请使用 .xlsx 扩展名或另存为 CSV",
                              "this is an Excel (or zip) file, not a CSV: name it .xlsx or save it as CSV")
        top = list(itertools.islice(_records(path, detect_encoding(path)), HEADER_SEARCH_ROWS))
        at = _find_header([fields for _, fields in top], names)
        header, above = top[at][1], (top[at - 1][1] if at else None)
    else:
        raise FileProblem("file", path.name, "只接受 CSV 或 XLSX 文件", "only CSV or XLSX files are accepted")
    cells = []
    for index, cell in enumerate(header):
        key = normalise_header(cell)
        if key not in names and above is not None and index < len(above) and normalise_header(above[index]) in names:
            cell = above[index]
        cells.append("" if cell is None else str(cell).strip())
    return cells
