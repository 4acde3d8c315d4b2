"""The field-sample checklist for verification visits, as XLSX (openpyxl) and PDF (fpdf2), in Chinese or English.

One row per sampled household with what the visit confirms (两不愁三保障 and safe drinking water,
income, measures received) left blank to be filled in on site; the seed, the population and the design
(data/compute/field_sample.py: the method, the inclusion probabilities and weights, from the message
catalog) head both documents (:func:`heading`) so that anyone can draw the same sample again and weigh
it; the XLSX lists each stratum with its probabilities and weight. The cells are written by data/ingest/spreadsheet.py
(a village named like a formula stays text). Every writer takes ``lang`` (default ``"zh"``): headers and
checks from the message catalog (``checklist_…``), values in Chinese from the read service's ``*_zh`` fields,
in another language worded from their codes by data/definitions/labels.py (:func:`household_cells`, as the
monitoring page's tables word them); names of regions and people stay as they are.
"""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from data.definitions.labels import unit_text, value_label
from data.definitions.messages import N_, language, t
from data.ingest import spreadsheet

FONT_PATHS = (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),)
COLUMNS = (("township", "乡镇"), ("village", "村"), ("household_id", "户编码"), ("head_name", "户主"),
           ("category_zh", "监测类别"), ("risk_types_zh", "风险类型"), ("risk_status_zh", "风险状态"),
           ("identified_on", "识别日期"), ("measures_zh", "已落实帮扶措施"))
CHECKS = ("吃穿不愁", "义务教育", "基本医疗", "住房安全", "饮水安全", "收入核实", "核查人签字")
# the catalog's headers of COLUMNS and CHECKS, in their order (their Chinese is the text above)
COLUMN_TEXTS = (N_("checklist_col_township"), N_("checklist_col_village"), N_("checklist_col_household"),
                N_("checklist_col_head"), N_("checklist_col_category"), N_("checklist_col_risk_types"),
                N_("checklist_col_risk_status"), N_("checklist_col_identified_on"), N_("checklist_col_measures"))
CHECK_TEXTS = (N_("checklist_check_food_clothing"), N_("checklist_check_education"), N_("checklist_check_medical"),
               N_("checklist_check_housing"), N_("checklist_check_water"), N_("checklist_check_income"),
               N_("checklist_check_signature"))
# the worded fields of the read service's rows: (the Chinese field, the code field, table, column)
WORDED = (("category_zh", "category", "monitoring", "category"), ("risk_types_zh", "risk_types", "monitoring", "risk_types"),
          ("risk_status_zh", "risk_status", "monitoring", "risk_status"), ("measures_zh", "measures", "assistance", "measure"))


class NoFont(RuntimeError):
    """The PDF needs the Chinese font of the set-up (fonts-wqy-microhei)."""


def title(sample: dict, lang: str = "zh") -> str:
    return t("checklist_title", lang).format(region=sample["region"]["name"], size=sample["size"], seed=sample["seed"],
                                             unit=unit_text("户", sample["size"], lang))


def heading(sample: dict, lang: str = "zh") -> list[str]:
    """The lines under the title of both documents: the design in words (in ``lang``), and what was changed
    in the size asked, if anything."""
    lang = language(lang)
    notice = (sample["design"].get("notice") or {}).get(lang)
    return [sample["design"]["text"][lang]] + ([notice] if notice else [])


def household_cells(row: dict, lang: str = "zh") -> dict:
    """A row of the read service (a household, or a stratum) with its worded fields (``category_zh`` …) in
    ``lang``: in Chinese as the service words them, in another language from their codes (``category``,
    ``risk_types``, …) by the contract's labels, lists joined as the monitoring page joins them."""
    if language(lang) == "zh":
        return row
    cells = dict(row)
    for field, code, table, column in WORDED:
        value = row.get(code)
        if isinstance(value, list):
            cells[field] = t("list_separator", lang).join(value_label(table, column, v, lang) for v in value)
        elif value is not None:
            cells[field] = value_label(table, column, value, lang)
    return cells


def headers(lang: str = "zh") -> tuple[list[str], list[str]]:
    """The headers of COLUMNS and the checks of CHECKS in ``lang``."""
    return [t(msgid, lang) for msgid in COLUMN_TEXTS], [t(msgid, lang) for msgid in CHECK_TEXTS]


def to_xlsx(sample: dict, lang: str = "zh") -> bytes:
    columns, checks = headers(lang)
    book = Workbook()
    sheet = book.active
    sheet.title = t("checklist_sheet_list", lang)
    spreadsheet.append(sheet, [title(sample, lang)])
    sheet["A1"].font = Font(bold=True, size=13)
    lines = heading(sample, lang)
    for line in lines:
        spreadsheet.append(sheet, [line])
    for cell in spreadsheet.append(sheet, columns + checks):
        cell.font = Font(bold=True)
    for row in sample["households"]:
        cells = household_cells(row, lang)
        spreadsheet.append(sheet, [cells.get(key) for key, _ in COLUMNS] + [""] * len(checks))
    for column, width in zip("ABCDEFGHIJKLMNOP", (10, 12, 19, 7, 13, 16, 10, 11, 30) + (9,) * len(checks)):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3 + len(lines)):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    strata = book.create_sheet(t("checklist_sheet_strata", lang))
    spreadsheet.append(strata, [t("checklist_col_township", lang), t("checklist_col_category", lang),
                                t("checklist_col_population", lang), t("checklist_col_sampled", lang),
                                t("mon_sample_col_stratum_probability", lang), t("mon_sample_col_probability", lang),
                                t("mon_sample_col_weight", lang)])
    for stratum in sample["strata"]:
        cells = household_cells(stratum, lang)
        spreadsheet.append(strata, [cells["township"], cells["category_zh"], cells["population"], cells["sampled"],
                                    cells["stratum_probability"], cells["probability"], cells["weight"]])
    return spreadsheet.save(book)


# Column widths (mm) of the PDF's list and of each check column, per language: English words are longer.
PDF_WIDTHS = {"zh": ((18, 20, 30, 12, 20, 30, 18), 14), "en": ((18, 20, 28, 16, 22, 28, 18), 17)}


def to_pdf(sample: dict, lang: str = "zh") -> bytes:
    from fpdf import FPDF
    font = next((path for path in FONT_PATHS if path.exists()), None)
    if font is None:
        raise NoFont("PDF 需要中文字体 fonts-wqy-microhei（make fonts）/ the PDF needs fonts-wqy-microhei (make fonts)")
    columns, checks = headers(lang)
    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("wqy", fname=str(font), collection_font_number=0)
    pdf.add_font("wqy", style="B", fname=str(font), collection_font_number=0)  # headings: the same face
    pdf.set_font("wqy", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 7, title(sample, lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(8)
    for line in heading(sample, lang):
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, t("checklist_checks_line", lang).format(checks=t("list_separator", lang).join(checks)),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    shown = [i for i in range(len(COLUMNS)) if i not in (6, 8)]  # not the status nor the measures
    columns_mm, check_mm = PDF_WIDTHS[language(lang)]
    widths = columns_mm + (check_mm,) * len(checks)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=5) as table:
        header = table.row()
        for i in shown:
            header.cell(columns[i])
        for check in checks:
            header.cell(check)
        for household in sample["households"]:
            cells = household_cells(household, lang)
            row = table.row()
            for i in shown:
                row.cell(str(cells.get(COLUMNS[i][0]) or ""))
            for _ in checks:
                row.cell("")
    return bytes(pdf.output())
