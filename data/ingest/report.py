"""The region report as files: a PDF (fpdf2, A4 portrait, the Chinese font embedded) and an XLSX workbook
(one sheet per section, written by data/ingest/spreadsheet.py).

Both are drawn from one :class:`Document` that layouts/report.py assembles from the profile's read
services: a cover (region, period, data version, generation time), then sections of paragraphs, charts
(:class:`Chart`: the data of a profile figure, drawn here with fpdf2's lines and rectangles — no
browser, no network), maps (:class:`MapChart`: the units' stored outlines as vector polygons in their class
colours, with a legend — no tile server) and whole tables (labelled frames, every row, no pager). The PDF numbers its pages
"第 k 页 / 共 n 页" (``Document.page_label``).

The Chinese font is the one the checklist embeds (data/ingest/checklist.py, ``make fonts``); parsing the
TTC takes most of a second, so it is parsed once per process (:func:`_parsed_font`) and each document
gets its own copy of the parsed face with a fresh subset (fpdf2 subsets the face in place when writing).
"""
from __future__ import annotations

import copy
import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from data.ingest import spreadsheet
from data.ingest.checklist import FONT_PATHS, NoFont

FAMILY = "wqy"
A4_WIDTH, MARGIN = 210.0, 14.0
TEXT_WIDTH = A4_WIDTH - 2 * MARGIN
INK, MUTED, GRID, ACCENT = (31, 45, 61), (93, 107, 122), (221, 227, 234), (142, 27, 27)
FLAGGED_FILL, FLAGGED_INK = (253, 236, 234), (166, 27, 27)
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
DATE = re.compile(r"^(\d{4})-(\d{2})(-\d{2})?")


@dataclass
class Series:
    """One trace of a chart: values over ``x`` (categories or periods), as bars or a line."""

    name: str
    x: list[str]
    y: list[float | None]
    kind: str = "bar"  # bar | line
    colour: str = "#8e1b1b"
    dash: bool = False
    right: bool = False  # on a second value axis (a rate beside counts)


@dataclass
class Chart:
    title: str
    series: list[Series]
    horizontal: bool = False  # bars of categories, largest first (a breakdown)
    lines: list[tuple[float, str, str]] = field(default_factory=list)  # value, text, colour (a target)
    no_data: str = ""  # said in place of the chart when it has nothing to draw
    right_axis: str = "right axis"  # the legend's note on a series of the second axis

    def empty(self) -> bool:
        return not any(v is not None and v == v and v != 0 for s in self.series for v in s.y)


@dataclass
class Shape:
    """One unit of a map: its outer rings (lon, lat; a unit drawn inside another covers it, the larger drawn
    first), its class colour and, for the units named on the map, a label."""

    code: str
    name: str
    rings: list[list[tuple[float, float]]]
    colour: str
    label: str = ""


@dataclass
class MapChart:
    """A choropleth: the units' outlines as vector polygons in their class colours, a legend of the classes
    (text, colour) and notes beneath it (the units at the ends of the ranking, the outlines' kind)."""

    title: str
    shapes: list[Shape]
    classes: list[tuple[str, str]]
    legend_title: str = ""
    notes: list[str] = field(default_factory=list)
    no_data: str = ""

    def empty(self) -> bool:
        return not any(ring for shape in self.shapes for ring in shape.rings)


@dataclass
class Table:
    frame: pd.DataFrame  # labelled: its headers are what is printed
    title: str = ""
    flagged: str | None = None  # the column whose non-empty cells mark a row
    no_data: str = ""


@dataclass
class Section:
    key: str
    title: str
    blocks: list  # str (a paragraph), Chart, MapChart or Table


@dataclass
class Document:
    title: str
    region: str  # the region's code
    cover: list[tuple[str, str]]  # label, value
    sections: list[Section]
    page_label: str = "{page} / {pages}"  # the caller's words, e.g. 第 {page} 页 / 共 {pages} 页
    footer: str = ""
    creator: str = ""
    cover_pair: str = "{name}：{value}"  # the cover in one line on each XLSX sheet: its pairs, in the caller's
    cover_separator: str = "；"  # words (in English "{name}: {value}" and "; ")

    def sheet_names(self) -> list[str]:
        """The workbook's sheet of each section, in order (a valid, unique sheet name of its title)."""
        names: list[str] = []
        for section in self.sections:
            base = SHEET_FORBIDDEN.sub(" ", section.title).strip()[:31] or section.key[:31]
            name, n = base, 2
            while name in names:
                name, n = f"{base[:28]}({n})", n + 1
            names.append(name)
        return names


# -- numbers as printed ---------------------------------------------------------------------------------
def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def cell_text(value, column: str = "") -> str:
    """A table cell as printed: thousands separators, at most two decimals, years and codes as they are."""
    if _missing(value):
        return ""
    if isinstance(value, bool):
        return "√" if value else ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) or hasattr(value, "dtype"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        if "年" in column or "year" in column.lower():
            return f"{number:.0f}"
        if number.is_integer():
            return f"{number:,.0f}"
        return f"{number:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def _nice(top: float) -> float:
    """The round number at or above ``top`` that an axis ends on."""
    if top <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(top))
    return next(step * power for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if step * power >= top)


def _rgb(colour: str | None, default=ACCENT) -> tuple[int, int, int]:
    if isinstance(colour, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return default


def period_label(value) -> str:
    """A point of a time axis as its period: ``2025-08-01`` → ``2025-08``, ``2024-01-01`` of a yearly
    series stays a date (:func:`periods_of` shortens whole series)."""
    text = str(value)
    found = DATE.match(text)
    return f"{found.group(1)}-{found.group(2)}" if found else text


def periods_of(values: list) -> list[str]:
    """The labels of a series' x values: months as ``YYYY-MM``, years (every date 1 January) as ``YYYY``."""
    texts = [str(v) for v in values]
    if texts and all(DATE.match(v) for v in texts):
        if all(v[5:10] in ("01-01", "01") for v in texts) and len({v[:4] for v in texts}) == len(texts) and \
                len(texts) > 1 and all(len(v) == 10 for v in texts):
            return [v[:4] for v in texts]
        return [period_label(v) for v in texts]
    return texts


# -- the font, parsed once ------------------------------------------------------------------------------
def font_path() -> Path:
    found = next((path for path in FONT_PATHS if path.exists()), None)
    if found is None:
        raise NoFont("PDF 需要中文字体 fonts-wqy-microhei（make fonts）/ the PDF needs fonts-wqy-microhei (make fonts)")
    return found


@functools.lru_cache(maxsize=2)
def _parsed_font(path: str):
    """The face parsed by fpdf2 (widths, character map, descriptor), once per process."""
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    return TTFFont(FPDF(), Path(path), FAMILY, "", collection_font_number=0)


def add_font(pdf, family: str = FAMILY) -> None:
    """Register the Chinese face (regular, and the same face as bold) on ``pdf`` from the parsed copy: the
    shared tables are read only; the font file object and the subset are the document's own."""
    from fontTools import ttLib
    from fpdf.enums import TextEmphasis
    from fpdf.fonts import SubsetMap

    path = font_path()
    parsed = _parsed_font(str(path))
    for style in ("", "B"):
        face = copy.copy(parsed)
        face.i = len(pdf.fonts) + 1
        face.fontkey = f"{family}{style}"
        face.emphasis = TextEmphasis.coerce(style)
        face.ttfont = ttLib.TTFont(path, recalcTimestamp=False, fontNumber=0, lazy=True)
        face.cw = copy.copy(parsed.cw)
        face.desc = copy.copy(parsed.desc)  # a PDF object: numbered when written, once per document
        face.missing_glyphs = []
        face.biggest_size_pt = 0
        face._hbfont = None
        face.subset = SubsetMap(face)
        pdf.fonts[face.fontkey] = face


# -- PDF ------------------------------------------------------------------------------------------------
def _pdf_class():
    from fpdf import FPDF

    class ReportPDF(FPDF):
        label = ""
        footer_text = ""

        def footer(self):
            self.set_y(-11)
            self.set_font(FAMILY, size=7.5)
            self.set_text_color(*MUTED)
            self.cell(TEXT_WIDTH / 2, 5, self.footer_text if self.page_no() > 1 else "", align="L")
            self.cell(TEXT_WIDTH / 2, 5, self.label.format(page=self.page_no(), pages="{nb}"), align="R")
            self.set_text_color(*INK)

    return ReportPDF


def to_pdf(document: Document) -> bytes:
    pdf = _pdf_class()(orientation="P", unit="mm", format="A4")
    pdf.label, pdf.footer_text = document.page_label, document.footer
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(document.title)
    pdf.set_creator(document.creator)
    add_font(pdf)
    pdf.set_text_color(*INK)
    _cover(pdf, document)
    for section in document.sections:
        pdf.add_page()
        pdf.start_section(section.title)  # the PDF's outline (bookmarks)
        pdf.set_font(FAMILY, "B", 14)
        pdf.set_draw_color(*ACCENT)
        pdf.set_line_width(1.2)
        top = pdf.get_y()
        pdf.line(MARGIN, top, MARGIN, top + 7)
        pdf.set_x(MARGIN + 3)
        pdf.cell(0, 7, section.title, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        for block in section.blocks:
            if isinstance(block, Chart):
                _chart(pdf, block)
            elif isinstance(block, MapChart):
                _map(pdf, block)
            elif isinstance(block, Table):
                _table(pdf, block)
            else:
                _paragraph(pdf, str(block))
    return bytes(pdf.output())


BULLET = "• "


def _paragraph(pdf, text: str) -> None:
    """A paragraph; one that starts with :data:`BULLET` hangs its lines beside the bullet."""
    pdf.set_font(FAMILY, size=9)
    if text.startswith(BULLET):
        pdf.cell(4, 5, BULLET.strip())
        pdf.multi_cell(TEXT_WIDTH - 4, 5, text[len(BULLET):], new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _cover(pdf, document: Document) -> None:
    pdf.add_page()
    pdf.set_y(70)
    pdf.set_font(FAMILY, "B", 22)
    pdf.multi_cell(0, 11, document.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(MARGIN + 30, pdf.get_y(), A4_WIDTH - MARGIN - 30, pdf.get_y())
    pdf.ln(10)
    for name, value in document.cover:
        pdf.set_x(MARGIN + 30)
        pdf.set_font(FAMILY, size=10.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(40, 8, name)
        pdf.set_text_color(*INK)
        pdf.multi_cell(TEXT_WIDTH - 70, 8, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(FAMILY, size=10)
    for number, section in enumerate(document.sections, start=1):
        pdf.set_x(MARGIN + 30)
        pdf.cell(0, 7, f"{number}. {section.title}", new_x="LMARGIN", new_y="NEXT")


def _widths(pdf, columns: list[str], texts: list[list[str]]) -> list[float]:
    """Column widths: each as wide as its longest cell (and its header's longest word), shared out so that
    the narrow columns never wrap and the widest give way when the page is too narrow."""
    pad = 2.0
    wanted = []
    for i, column in enumerate(columns):
        cells = max([pdf.get_string_width(row[i]) for row in texts] or [0])
        words = max([pdf.get_string_width(word) for word in column.split()] or [0])
        whole = pdf.get_string_width(column) / 2.5  # a header may take three lines
        wanted.append(max(cells, words, whole, 4) + pad)
    widths, left, room = [0.0] * len(columns), list(range(len(columns))), TEXT_WIDTH
    for i in sorted(left, key=lambda i: wanted[i]):  # water-filling: the narrow ones first
        share = room / len(left)
        widths[i] = min(wanted[i], share)
        room -= widths[i]
        left.remove(i)
    spare = TEXT_WIDTH - sum(widths)
    if spare > 0:  # the rest to the columns that wrap, else to all
        cut = [i for i in range(len(columns)) if widths[i] < wanted[i]] or list(range(len(columns)))
        for i in cut:
            widths[i] += spare / len(cut)
    return widths


def _text_units(text: str) -> float:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _table(pdf, block: Table) -> None:
    if block.title:
        pdf.set_font(FAMILY, "B", 9.5)
        pdf.cell(0, 6, block.title, new_x="LMARGIN", new_y="NEXT")
    frame = block.frame
    if frame is None or frame.empty:
        pdf.set_font(FAMILY, size=9)
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 6, block.no_data, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
        pdf.ln(2)
        return
    columns = [str(c) for c in frame.columns]
    texts = [[cell_text(v, columns[i]) for i, v in enumerate(row)] for row in frame.itertuples(index=False)]
    size = 7 if len(columns) <= 6 else 6.3
    pdf.set_font(FAMILY, size=size)
    pdf.set_draw_color(*GRID)
    pdf.set_fill_color(255, 255, 255)  # (a chart's bars leave theirs)
    pdf.set_text_color(*INK)
    pdf.set_line_width(0.2)
    flagged = columns.index(block.flagged) if block.flagged in columns else None
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns]
    _grid(pdf, columns, texts, _widths(pdf, columns, texts), numeric, flagged, size)
    pdf.ln(4)


HEADING_FILL = (238, 242, 246)


def _grid(pdf, columns: list[str], texts: list[list[str]], widths: list[float], numeric: list[bool],
          flagged: int | None, size: float, padding: float = 0.8) -> None:
    """A table drawn row by row: each cell a bordered box and its text in lines (one ``cell`` per line; a text
    wider than its column wraps, measured with ``multi_cell(dry_run)`` only then); a row is as tall as its
    tallest cell, never split across pages; the header row (bold, shaded) repeats at the top of each page; a
    flagged row (its ``flagged`` column not empty) is shaded and inked red. fpdf2's table API laid out every
    cell twice with ``multi_cell``: a 60-region report of ~7,500 cells spent most of its time there."""
    line = size * 0.55
    aligns = ["R" if n else "L" for n in numeric]

    def split(text: str, width: float) -> list[str]:
        room = width - 2 * padding
        if pdf.get_string_width(text) <= room:
            return [text]
        return pdf.multi_cell(room, line, text, dry_run=True, output="LINES") or [text]

    def draw(cells: list[str], bold: bool, fill, ink, cell_aligns) -> None:
        pdf.set_font(FAMILY, "B" if bold else "", size)
        lines = [split(text, width) for text, width in zip(cells, widths)]
        height = max(len(part) for part in lines) * line + 2 * padding
        if not bold and pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            draw(columns, True, HEADING_FILL, INK, ["L"] * len(columns))
            pdf.set_font(FAMILY, size=size)
        x, y = pdf.l_margin, pdf.get_y()
        pdf.set_text_color(*ink)
        if fill is not None:
            pdf.set_fill_color(*fill)
        for part, width, align in zip(lines, widths, cell_aligns):
            pdf.rect(x, y, width, height, style="DF" if fill is not None else "D")
            for k, text in enumerate(part):
                pdf.set_xy(x + padding, y + padding + k * line)
                pdf.cell(width - 2 * padding, line, text, align=align)
            x += width
        pdf.set_xy(pdf.l_margin, y + height)
        pdf.set_text_color(*INK)

    pdf.set_font(FAMILY, "B", size)
    header = max(len(split(c, w)) for c, w in zip(columns, widths)) * line + 2 * padding
    if pdf.get_y() + header + line + 2 * padding > pdf.page_break_trigger:  # the header never alone at a page's foot
        pdf.add_page()
    draw(columns, True, HEADING_FILL, INK, ["L"] * len(columns))
    for row in texts:
        marked = flagged is not None and bool(row[flagged])
        draw(row, False, FLAGGED_FILL if marked else None, FLAGGED_INK if marked else INK, aligns)
    pdf.set_fill_color(255, 255, 255)


def _ensure_room(pdf, height: float) -> None:
    if pdf.get_y() + height > pdf.h - 18:
        pdf.add_page()


def _chart(pdf, chart: Chart) -> None:
    if chart.horizontal:
        categories = chart.series[0].x if chart.series else []
        height = 12 + 5.2 * max(len(categories), 1)
    else:
        height = 72
    _ensure_room(pdf, height + 8)
    pdf.set_font(FAMILY, "B", 9.5)
    pdf.cell(0, 6, chart.title, new_x="LMARGIN", new_y="NEXT")
    if chart.empty():
        pdf.set_font(FAMILY, size=9)
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 6, chart.no_data, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
        pdf.ln(2)
        return
    top = pdf.get_y()
    if chart.horizontal:
        _bars_horizontal(pdf, chart, top)
    else:
        _plot(pdf, chart, top, height - 12)
    pdf.set_y(top + height)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern()


def _bars_horizontal(pdf, chart: Chart, top: float) -> None:
    series = chart.series[0]
    pairs = [(x, y) for x, y in zip(series.x, series.y) if not _missing(y)][::-1]  # largest first
    pdf.set_font(FAMILY, size=7.5)
    label_width = min(max([pdf.get_string_width(x) for x, _ in pairs] + [10]) + 2, 62)
    left = MARGIN + label_width
    width = TEXT_WIDTH - label_width - 22
    top_value = max([y for _, y in pairs] + [0]) or 1
    for i, (name, value) in enumerate(pairs):
        y = top + 1 + i * 5.2
        pdf.set_xy(MARGIN, y)
        pdf.cell(label_width - 2, 4.2, name, align="R")
        pdf.set_fill_color(*_rgb(series.colour))
        pdf.rect(left, y + 0.4, max(width * value / top_value, 0.3), 3.4, style="F")
        pdf.set_xy(left + width * value / top_value + 1, y)
        pdf.cell(20, 4.2, cell_text(value))


def _plot(pdf, chart: Chart, top: float, height: float) -> None:
    """Bars and lines over shared categories (periods), a left value axis and, for rates, a right one."""
    categories: list[str] = []
    for series in chart.series:
        categories += [x for x in series.x if x not in categories]
    left_series = [s for s in chart.series if not s.right]
    right_series = [s for s in chart.series if s.right]
    pdf.set_font(FAMILY, size=6.5)

    def extent(group, extra=()):
        values = [v for s in group for v in s.y if not _missing(v)] + list(extra)
        low = min(values + [0])
        return (low if low < 0 else 0), _nice(max(values + [0]))

    low, high = extent(left_series, [value for value, _, _ in chart.lines])
    r_low, r_high = extent(right_series)
    axis_left, axis_right = MARGIN + 14, A4_WIDTH - MARGIN - (12 if right_series else 2)
    plot_top, plot_bottom = top + 2, top + height - 6
    plot_width = axis_right - axis_left

    def y_of(value, lo, hi):
        return plot_bottom - (value - lo) / ((hi - lo) or 1) * (plot_bottom - plot_top)

    pdf.set_draw_color(*GRID)
    pdf.set_line_width(0.15)
    pdf.set_text_color(*MUTED)
    for step in range(5):
        value = low + (high - low) * step / 4
        y = y_of(value, low, high)
        pdf.line(axis_left, y, axis_right, y)
        pdf.set_xy(MARGIN, y - 2)
        pdf.cell(13, 4, cell_text(round(value, 2)), align="R")
        if right_series:
            r_value = r_low + (r_high - r_low) * step / 4
            pdf.set_xy(axis_right + 1, y - 2)
            pdf.cell(11, 4, cell_text(round(r_value, 2)), align="L")
    slot = plot_width / max(len(categories), 1)
    every = max(1, math.ceil(len(categories) * 14 / plot_width)) if categories else 1
    for i, category in enumerate(categories):
        if i % every == 0:
            pdf.set_xy(axis_left + i * slot + slot / 2 - 10, plot_bottom + 0.5)
            pdf.cell(20, 4, category, align="C")
    bars = [s for s in chart.series if s.kind == "bar"]
    for b, series in enumerate(bars):
        lo, hi = (r_low, r_high) if series.right else (low, high)
        width = slot * 0.8 / max(len(bars), 1)
        pdf.set_fill_color(*_rgb(series.colour))
        for x, value in zip(series.x, series.y):
            if _missing(value):
                continue
            left = axis_left + categories.index(x) * slot + slot * 0.1 + b * width
            y0, y1 = y_of(0, lo, hi), y_of(value, lo, hi)
            pdf.rect(left, min(y0, y1), max(width, 0.2), max(abs(y0 - y1), 0.1), style="F")
    for series in (s for s in chart.series if s.kind == "line"):
        lo, hi = (r_low, r_high) if series.right else (low, high)
        pdf.set_draw_color(*_rgb(series.colour))
        pdf.set_line_width(0.45)
        if series.dash:
            pdf.set_dash_pattern(dash=1, gap=0.8)
        run: list[tuple[float, float]] = []
        for x, value in list(zip(series.x, series.y)) + [(None, None)]:
            if x is None or _missing(value):
                if len(run) > 1:
                    pdf.polyline(run)
                for point in run:
                    pdf.circle(point[0], point[1], 0.45, style="D")
                run = []
                continue
            run.append((axis_left + categories.index(x) * slot + slot / 2, y_of(value, lo, hi)))
        pdf.set_dash_pattern()
    for value, text, colour in chart.lines:
        y = y_of(value, low, high)
        pdf.set_draw_color(*_rgb(colour))
        pdf.set_line_width(0.3)
        pdf.set_dash_pattern(dash=1.5, gap=1)
        pdf.line(axis_left, y, axis_right, y)
        pdf.set_dash_pattern()
        pdf.set_text_color(*_rgb(colour))
        pdf.set_xy(axis_right - 70, y - 4)
        pdf.cell(70, 3.5, text, align="R")
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.25)
    pdf.line(axis_left, y_of(0, low, high), axis_right, y_of(0, low, high))
    x = axis_left
    pdf.set_text_color(*INK)
    for series in chart.series:  # the legend
        pdf.set_fill_color(*_rgb(series.colour))
        if series.kind == "bar":
            pdf.rect(x, plot_bottom + 6.2, 3, 2.4, style="F")
        else:
            pdf.set_draw_color(*_rgb(series.colour))
            pdf.set_line_width(0.5)
            pdf.line(x, plot_bottom + 7.4, x + 3, plot_bottom + 7.4)
        pdf.set_xy(x + 3.5, plot_bottom + 5.4)
        name = f"{series.name} ({chart.right_axis})" if series.right else series.name
        pdf.cell(pdf.get_string_width(name) + 1, 4, name)
        x += pdf.get_string_width(name) + 8


MAP_HEIGHT = 150.0  # mm at most for the map itself (the legend and notes beneath it)
MAP_STEP = 0.25  # mm: a ring's points closer than this to the last one kept are left out (invisible at print)


def _ring_area(ring: list[tuple[float, float]]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]))) / 2


def _ring_centre(ring: list[tuple[float, float]]) -> tuple[float, float]:
    """The centroid of a ring (its vertices' mean if it has no area)."""
    area, cx, cy = 0.0, 0.0, 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        area, cx, cy = area + cross, cx + (x0 + x1) * cross, cy + (y0 + y1) * cross
    if abs(area) < 1e-12:
        return sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring)
    return cx / (3 * area), cy / (3 * area)


def _projected(chart: MapChart, width: float, height: float) -> tuple[list, float]:
    """Each shape's rings in mm from the map's top left (an equirectangular projection at the map's middle
    latitude, fitted into width × height), the larger shapes first; and the map's height."""
    points = [pt for shape in chart.shapes for ring in shape.rings for pt in ring]
    west, east = min(x for x, _ in points), max(x for x, _ in points)
    south, north = min(y for _, y in points), max(y for _, y in points)
    squeeze = math.cos(math.radians((south + north) / 2))
    span_x, span_y = max((east - west) * squeeze, 1e-9), max(north - south, 1e-9)
    scale = min(width / span_x, height / span_y)
    left = (width - span_x * scale) / 2
    drawn = []
    for shape in chart.shapes:
        rings = []
        for ring in shape.rings:
            kept: list[tuple[float, float]] = []
            for lon, lat in ring:
                point = (left + (lon - west) * squeeze * scale, (north - lat) * scale)
                if not kept or abs(point[0] - kept[-1][0]) + abs(point[1] - kept[-1][1]) >= MAP_STEP:
                    kept.append(point)
            if len(kept) >= 3:
                rings.append(kept)
        drawn.append((shape, rings))
    drawn.sort(key=lambda item: -sum(_ring_area(r) for r in item[1]))
    return drawn, span_y * scale


def _map(pdf, chart: MapChart) -> None:
    """The choropleth as filled vector polygons (white borders), the extremes' names on their units, the
    legend of the classes and the notes beneath."""
    per_row = max(min(len(chart.classes), 6), 1)
    legend_rows = math.ceil(len(chart.classes) / per_row) if chart.classes else 0
    _ensure_room(pdf, 60)
    pdf.set_font(FAMILY, "B", 9.5)
    pdf.multi_cell(0, 6, chart.title, new_x="LMARGIN", new_y="NEXT")
    if chart.empty():
        pdf.set_font(FAMILY, size=9)
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 6, chart.no_data, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
        return
    room = pdf.h - 18 - pdf.get_y() - 8 - 6 * legend_rows - 5 * len(chart.notes)
    if room < 80:  # too little left on this page for a readable map
        pdf.add_page()
        room = pdf.h - 18 - pdf.get_y() - 8 - 6 * legend_rows - 5 * len(chart.notes)
    drawn, height = _projected(chart, TEXT_WIDTH, min(MAP_HEIGHT, room))
    top = pdf.get_y() + 2
    pdf.set_draw_color(255, 255, 255)
    pdf.set_line_width(0.15)
    for shape, rings in drawn:
        pdf.set_fill_color(*_rgb(shape.colour))
        for ring in rings:
            pdf.polygon([(MARGIN + x, top + y) for x, y in ring], style="DF")
    pdf.set_font(FAMILY, size=6)
    pdf.set_text_color(*INK)
    for shape, rings in drawn:
        if shape.label and rings:
            x, y = _ring_centre(max(rings, key=_ring_area))
            width = pdf.get_string_width(shape.label) + 1.2
            pdf.set_fill_color(255, 255, 255)
            pdf.set_xy(MARGIN + x - width / 2, top + y - 1.6)
            pdf.cell(width, 3.2, shape.label, align="C", fill=True)
    pdf.set_y(top + height + 3)
    pdf.set_font(FAMILY, "B", 8)
    if chart.legend_title:
        pdf.cell(0, 5, chart.legend_title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=7.5)
    column = TEXT_WIDTH / per_row
    for i, (text, colour) in enumerate(chart.classes):
        x, y = MARGIN + (i % per_row) * column, pdf.get_y() + (i // per_row) * 6
        pdf.set_fill_color(*_rgb(colour))
        pdf.set_draw_color(*GRID)
        pdf.rect(x, y + 1, 5, 3.4, style="DF")
        pdf.set_xy(x + 6, y)
        pdf.cell(column - 7, 5.4, text)
    pdf.set_xy(MARGIN, pdf.get_y() + 6 * legend_rows + 1)
    pdf.set_font(FAMILY, size=8)
    for note in chart.notes:
        pdf.multi_cell(0, 4.6, note, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


# -- XLSX -----------------------------------------------------------------------------------------------
def chart_frame(chart: Chart) -> pd.DataFrame:
    """A chart's numbers as a table: one row per category or period, one column per series."""
    categories: list[str] = []
    for series in chart.series:
        categories += [x for x in series.x if x not in categories]
    frame = pd.DataFrame({"": categories})
    for series in chart.series:
        values = dict(zip(series.x, series.y))
        frame[series.name or chart.title] = [None if _missing(values.get(c)) else values.get(c) for c in categories]
    if chart.horizontal:
        frame = frame.iloc[::-1].reset_index(drop=True)
    return frame


def to_xlsx(document: Document) -> bytes:
    """One sheet per section: its title, the region and data version, then each block — a paragraph in a
    cell, a chart as its numbers, a table whole."""
    book = Workbook()
    book.remove(book.active)
    about = document.cover_separator.join(document.cover_pair.format(name=name, value=value)
                                          for name, value in document.cover)
    for section, name in zip(document.sections, document.sheet_names()):
        sheet = book.create_sheet(name)
        spreadsheet.append(sheet, [f"{document.title} — {section.title}"])[0].font = Font(bold=True, size=13)
        spreadsheet.append(sheet, [about])
        for block in section.blocks:
            spreadsheet.append(sheet, [])
            if isinstance(block, Chart):
                spreadsheet.append(sheet, [block.title])[0].font = Font(bold=True)
                if block.empty():
                    spreadsheet.append(sheet, [block.no_data])
                else:
                    spreadsheet.write_frame(sheet, chart_frame(block))
            elif isinstance(block, MapChart):  # its legend and notes (the units' values are the table beside it)
                spreadsheet.append(sheet, [block.title])[0].font = Font(bold=True)
                if block.legend_title:
                    spreadsheet.append(sheet, [block.legend_title])
                for text, colour in block.classes:
                    spreadsheet.append(sheet, [text, colour])
                for note in block.notes:
                    spreadsheet.append(sheet, [note])
            elif isinstance(block, Table):
                if block.title:
                    spreadsheet.append(sheet, [block.title])[0].font = Font(bold=True)
                if block.frame is None or block.frame.empty:
                    spreadsheet.append(sheet, [block.no_data])
                else:
                    spreadsheet.write_frame(sheet, block.frame)
            else:
                spreadsheet.append(sheet, [str(block)])
        for column in sheet.columns:
            letter = column[0].column_letter
            longest = max((_text_units(str(c.value)) for c in column[3:] if c.value is not None), default=8)
            sheet.column_dimensions[letter].width = min(max(longest + 2, 8), 60)
            for cell in column[3:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    return spreadsheet.save(book)
