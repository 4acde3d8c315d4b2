"""Hand-made hostile interchange files (tests/test_hostile_files.py): tiny on disk, written with zipfile and
raw XML (or a raw deflate stream for the bombs), so that each is exactly the file it claims to be."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def cell(ref: str, value) -> str:
    """A cell: a number (``<v>``) for int/float, an inline string otherwise."""
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def rows_xml(rows: list[list], first: int = 1) -> str:
    """``<row>`` elements for ``rows`` (None: no cell), from sheet row ``first``."""
    from openpyxl.utils import get_column_letter

    out = []
    for number, row in enumerate(rows, start=first):
        cells = "".join(cell(f"{get_column_letter(i)}{number}", v) for i, v in enumerate(row, 1) if v is not None)
        out.append(f'<row r="{number}">{cells}</row>')
    return "".join(out)


def sheet_xml(body: str, dimension: str | None = None, merges=(), tail: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    merged = (f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
              + "</mergeCells>") if merges else ""
    return f'<worksheet xmlns="{MAIN}">{dim}<sheetData>{body}</sheetData>{merged}{tail}</worksheet>'


def _package(sheets: list[tuple[str, str]], shared: bool) -> dict[str, str]:
    """The parts of a workbook around its sheets: (kind 'worksheet'|'chartsheet', member path) each."""
    overrides = "".join(f'<Override PartName="/{path}" ContentType="{TYPE}.{kind}+xml"/>' for kind, path in sheets)
    if shared:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{TYPE}.sharedStrings+xml"/>'
    relations = "".join(f'<Relationship Id="rId{i}" Type="{REL}/{kind}" Target="{path[3:]}"/>'
                        for i, (kind, path) in enumerate(sheets, 1))
    if shared:
        relations += f'<Relationship Id="rId99" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    names = "".join(f'<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, len(sheets) + 1))
    return {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                               '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                               'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                               f'<Override PartName="/xl/workbook.xml" ContentType="{TYPE}.sheet.main+xml"/>'
                               f'{overrides}</Types>',
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
                       'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{names}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}">{relations}</Relationships>',
    }


def workbook(path: Path, sheet: str, shared: str | None = None, chartsheet_first: bool = False) -> Path:
    """An XLSX with one worksheet (``sheet``: its XML), optionally a sharedStrings part, optionally after a
    chartsheet (``sheet=""``: the chartsheet alone)."""
    import zipfile

    sheets = ([("chartsheet", "xl/chartsheets/sheet1.xml")] if chartsheet_first else []) + (
        [("worksheet", "xl/worksheets/sheet1.xml")] if sheet else [])
    parts = _package(sheets, shared is not None)
    if chartsheet_first:
        parts["xl/chartsheets/sheet1.xml"] = f'<chartsheet xmlns="{MAIN}"><sheetViews><sheetView workbookViewId="0"/>' \
                                             '</sheetViews></chartsheet>'
        parts["xl/chartsheets/_rels/sheet1.xml.rels"] = f'<Relationships xmlns="{PKG}"/>'  # (no chart drawn)
    if sheet:
        parts["xl/worksheets/sheet1.xml"] = sheet
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def bomb(path: Path, member: str, head: str, piece: str, times: int, tail: str, sheet: str | None = None,
         shared: bool = False) -> Path:
    """A workbook whose ``member`` is ``head + piece * times + tail`` (GBs), written as a raw deflate stream
    that repeats one compressed block (a full flush resets the compressor, so the block is the same each
    time): a few MB on disk, with the true sizes and CRC in its headers, so it inflates exactly."""
    parts = _package([("worksheet", "xl/worksheets/sheet1.xml")], shared)
    if sheet is not None:
        parts["xl/worksheets/sheet1.xml"] = sheet
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head.encode()) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(piece.encode()) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(tail.encode()) + compressor.flush()
    crc = zlib.crc32(head.encode())
    repeated = piece.encode()
    for _ in range(times):
        crc = zlib.crc32(repeated, crc)
    crc = zlib.crc32(tail.encode(), crc)
    size = len(head.encode()) + len(repeated) * times + len(tail.encode())
    assert size < 1 << 32, "no zip64 here"
    entries = [(name, zlib.compress(text.encode())[2:-4], zlib.crc32(text.encode()), len(text.encode()), None)
               for name, text in parts.items()]
    entries.append((member, None, crc, size, (first, block, times, last)))
    central, offset = [], 0
    with open(path, "wb") as out:
        for name, data, checksum, length, stream in entries:
            compressed = len(data) if data is not None else len(stream[0]) + len(stream[1]) * stream[2] + len(stream[3])
            header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, checksum, compressed, length,
                                 len(name.encode()), 0) + name.encode()
            out.write(header)
            if data is not None:
                out.write(data)
            else:
                out.write(stream[0])
                for _ in range(stream[2]):
                    out.write(stream[1])
                out.write(stream[3])
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, checksum, compressed,
                                       length, len(name.encode()), 0, 0, 0, 0, 0, offset) + name.encode())
            offset += len(header) + compressed
        directory = b"".join(central)
        out.write(directory)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0))
    return path
