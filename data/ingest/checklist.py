"""The field-sample checklist for verification visits, as XLSX (openpyxl) and PDF (fpdf2), in Chinese.

One row per sampled household with what the visit confirms (两不愁三保障 and safe drinking water,
income, measures received) left blank to be filled in on site; the seed, the population and the design
(data/compute/field_sample.py: the method, the inclusion probabilities and weights, from the message
catalog) head both documents (:func:`heading`) so that anyone can draw the same sample again and weigh
it; the XLSX lists each stratum with its probabilities and weight. The cells are written by data/ingest/spreadsheet.py
(a village named like a formula stays text).
"""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from data.definitions.messages import t
from data.ingest import spreadsheet

FONT_PATHS = (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),)
COLUMNS = (("township", "乡镇"), ("village", "村"), ("household_id", "户编码"), ("head_name", "户主"),
           ("category_zh", "监测类别"), ("risk_types_zh", "风险类型"), ("risk_status_zh", "风险状态"),
           ("identified_on", "识别日期"), ("measures_zh", "已落实帮扶措施"))
CHECKS = ("吃穿不愁", "义务教育", "基本医疗", "住房安全", "饮水安全", "收入核实", "核查人签字")


class NoFont(RuntimeError):
    """The PDF needs the Chinese font of the set-up (fonts-wqy-microhei)."""


def title(sample: dict) -> str:
    return f"{sample['region']['name']} 监测对象入户核查抽样清单（{sample['size']} 户，随机种子 {sample['seed']}）"


def heading(sample: dict) -> list[str]:
    """The lines under the title of both documents: the design in words (in Chinese), and what was changed
    in the size asked, if anything."""
    notice = (sample["design"].get("notice") or {}).get("zh")
    return [sample["design"]["text"]["zh"]] + ([notice] if notice else [])


def to_xlsx(sample: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "核查清单"
    spreadsheet.append(sheet, [title(sample)])
    sheet["A1"].font = Font(bold=True, size=13)
    lines = heading(sample)
    for line in lines:
        spreadsheet.append(sheet, [line])
    for cell in spreadsheet.append(sheet, [zh for _, zh in COLUMNS] + list(CHECKS)):
        cell.font = Font(bold=True)
    for row in sample["households"]:
        spreadsheet.append(sheet, [row.get(key) for key, _ in COLUMNS] + [""] * len(CHECKS))
    for column, width in zip("ABCDEFGHIJKLMNOP", (10, 12, 19, 7, 13, 16, 10, 11, 30) + (9,) * len(CHECKS)):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3 + len(lines)):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    strata = book.create_sheet("分层")
    spreadsheet.append(strata, ["乡镇", "监测类别", "总体户数", "抽取户数", t("mon_sample_col_stratum_probability", "zh"),
                                t("mon_sample_col_probability", "zh"), t("mon_sample_col_weight", "zh")])
    for stratum in sample["strata"]:
        spreadsheet.append(strata, [stratum["township"], stratum["category_zh"], stratum["population"],
                                    stratum["sampled"], stratum["stratum_probability"], stratum["probability"],
                                    stratum["weight"]])
    return spreadsheet.save(book)


def to_pdf(sample: dict) -> bytes:
    from fpdf import FPDF
    font = next((path for path in FONT_PATHS if path.exists()), None)
    if font is None:
        raise NoFont("PDF 需要中文字体 fonts-wqy-microhei（make fonts）/ the PDF needs fonts-wqy-microhei (make fonts)")
    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("wqy", fname=str(font), collection_font_number=0)
    pdf.add_font("wqy", style="B", fname=str(font), collection_font_number=0)  # headings: the same face
    pdf.set_font("wqy", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 7, title(sample), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(8)
    for line in heading(sample):
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, f"核查项：{'、'.join(CHECKS)}（√/×）", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    shown = COLUMNS[:6] + COLUMNS[7:8]
    widths = (18, 20, 30, 12, 20, 30, 18) + (14,) * len(CHECKS)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=5) as table:
        header = table.row()
        for _, zh in shown:
            header.cell(zh)
        for check in CHECKS:
            header.cell(check)
        for household in sample["households"]:
            row = table.row()
            for key, _ in shown:
                row.cell(str(household.get(key) or ""))
            for _ in CHECKS:
                row.cell("")
    return bytes(pdf.output())
