"""The field-sample checklist in English (issue 17 part 7): the XLSX and the PDF of a tiny county's sample,
asked with ``lang=en``, carry no Chinese but the names of regions and people (masked, like 张*); asked in
Chinese (the default), they are as they were."""
from __future__ import annotations

import io
import re
import subprocess

from openpyxl import load_workbook

from data.definitions.labels import value_label
from tests.conftest import sign_in

COUNTY = "522728"  # 罗甸县 on the tiny demo
URL = f"/api/v1/monitoring/sample?region={COUNTY}&size=12&seed=3"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+")
ZH_HEADER = ["乡镇", "村", "户编码", "户主", "监测类别", "风险类型", "风险状态", "识别日期", "已落实帮扶措施",
             "吃穿不愁", "义务教育", "基本医疗", "住房安全", "饮水安全", "收入核实", "核查人签字"]


def _names(sample: dict) -> set[str]:
    """The names a checklist may print in Chinese in any language: the region's, townships', villages' and
    the (masked) heads of household."""
    names = {sample["region"]["name"]} | {s["township"] for s in sample["strata"]}
    for row in sample["households"]:
        names |= {row[k] for k in ("township", "village", "head_name") if row.get(k)}
    return names


def _stray(text: str, names: set[str]) -> list[str]:
    """The Chinese runs of ``text`` that are no name, once the names are taken out (a PDF cell may wrap a
    name across lines: a run that is a piece of a name is a name)."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return [run for run in CJK.findall(text) if not any(run in name for name in names)]


def _cells(data: bytes) -> dict[str, list[list]]:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


def _pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_the_english_checklists_carry_no_chinese_but_names(app):
    client = sign_in(app.server.test_client(), "demo_province")
    sample = client.get(URL).get_json()
    names = _names(sample)
    assert sample["households"] and any(re.fullmatch(r".\*+", n) for n in names)  # masked heads
    answer = client.get(URL + "&format=xlsx&lang=en")
    assert answer.status_code == 200
    sheets = _cells(answer.data)
    text = "\n".join(str(v) for rows in sheets.values() for row in rows for v in row if v is not None)
    assert _stray(text + "\n".join(sheets), names) == []
    assert sample["design"]["text"]["en"] in text
    header = next(row for row in next(iter(sheets.values())) if row[2] and "Household" in str(row[2]))
    assert "Measures received" in header and "Checked by (signature)" in header
    rows = next(iter(sheets.values()))
    first = sample["households"][0]
    row = next(row for row in rows if first["household_id"] in row)
    assert row[4] == value_label("monitoring", "category", first["category"], "en") != first["category_zh"]
    pdf = client.get(URL + "&format=pdf&lang=en")
    assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"
    words = _pdf_text(pdf.data)
    assert _stray(words, names) == []
    assert "Household" in words and "seed 3" in words


def test_the_chinese_checklists_are_as_they_were(app):
    client = sign_in(app.server.test_client(), "demo_province")
    sample = client.get(URL).get_json()
    default, chinese = client.get(URL + "&format=xlsx").data, client.get(URL + "&format=xlsx&lang=zh").data
    assert _cells(default) == _cells(chinese)
    sheets = _cells(default)
    assert list(sheets) == ["核查清单", "分层"]
    rows = sheets["核查清单"]
    assert rows[0][0] == f"{sample['region']['name']} 监测对象入户核查抽样清单（12 户，随机种子 3）"
    header = next(i for i, row in enumerate(rows) if row[:3] == ZH_HEADER[:3])
    assert rows[header] == ZH_HEADER
    first = sample["households"][0]
    assert rows[header + 1][:9] == [first["township"], first["village"], first["household_id"], first["head_name"],
                                    first["category_zh"], first["risk_types_zh"], first["risk_status_zh"],
                                    first["identified_on"], first["measures_zh"]]
    assert sheets["分层"][0][:4] == ["乡镇", "监测类别", "总体户数", "抽取户数"]
    words = _pdf_text(client.get(URL + "&format=pdf&lang=zh").data)
    assert "核查项：吃穿不愁、义务教育" in words and "监测类别" in words
