"""The region report (issue 17 part 3): ``/region/<code>/report.pdf|xlsx`` and ``python -m dashboard report``.

Read as a person would: pdftotext and pdffonts (poppler-utils, installed by ``make browser``) on the PDF of a
tiny-scale county fetched by the demo county leader; the XLSX with openpyxl. Section titles and texts come
from the message catalogs, never from this file.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import zlib

import openpyxl
import pytest
from click.testing import CliRunner

from data.definitions import metrics, policy
from data.definitions.access import system_access
from data.definitions.messages import t
from data.ingest import report as files
from layouts import figures, report
from tests.conftest import ADMIN, sign_in

COUNTY = "522728000000"  # 罗甸县, the demo county leader's county
NEIGHBOUR = "522727000000"  # 平塘县, outside her scope
SECTION_KEYS = ("profile_key_figures", "profile_monitoring", "profile_employment", "profile_projects",
                "profile_funds", "profile_pairing", "profile_map", "report_definitions")
PAGER = re.compile(r"(?<![\d-])\d+\s*/\s*\d+(?![\d-])")  # what a web table's pager prints: "1 / 3"


def _poppler(tool: str) -> str:
    found = shutil.which(tool)
    assert found, f"{tool} is missing: `make browser` installs poppler-utils"
    return found


def _pdf_text(data: bytes, tmp_path, name: str = "report.pdf", page: int | None = None) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run([_poppler("pdftotext"), "-layout", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _filled_paths(data: bytes) -> int:
    """Closed, filled paths drawn in the PDF's content streams (``… h B`` or ``… h f``: fpdf2's polygons)."""
    count = 0
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        if b" Tf" in content or b" re " in content or b" l\n" in content or b" m\n" in content:  # a page's content
            count += len(re.findall(rb"\bh\s+[Bf]\*?\s", content))
    return count


@pytest.fixture()
def county_client(app):
    return sign_in(app.server.test_client(), "demo_county")


@pytest.fixture(scope="module")
def county_pdf(app):
    client = sign_in(app.server.test_client(), "demo_county")
    response = client.get(f"/region/{COUNTY}/report.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def test_the_county_leaders_pdf_names_the_county_every_section_and_no_pager(county_pdf, tmp_path):
    assert county_pdf.mimetype == "application/pdf" and county_pdf.data[:5] == b"%PDF-"
    assert "attachment" in county_pdf.headers["Content-Disposition"]
    text = _pdf_text(county_pdf.data, tmp_path)
    assert "罗甸县" in text
    flat = re.sub(r"\s+", "", text)  # a long title may wrap
    for key in SECTION_KEYS:
        assert re.sub(r"\s+", "", t(key, "zh")) in flat, key
    assert not PAGER.findall(text), PAGER.findall(text)[:5]
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        [_poppler("pdfinfo"), "-"], input=county_pdf.data, capture_output=True, check=True).stdout.decode()).group(1))
    numbers = re.findall(r"第 (\d+) 页 / 共 (\d+) 页", text)
    assert [int(k) for k, _ in numbers] == list(range(1, pages + 1)) and {int(n) for _, n in numbers} == {pages}


def test_the_pdf_is_a4_portrait_with_its_chinese_font_embedded(county_pdf, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(county_pdf.data)
    info = subprocess.run([_poppler("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    assert "595.28 x 841.89 pts (A4)" in info
    fonts = subprocess.run([_poppler("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts  # the "emb" column
    assert any("WenQuanYi" in row for row in rows)


def test_the_key_figures_carry_the_parent_the_peers_and_the_rank(county_pdf, tmp_path, as_user, app):
    with as_user("demo_county") as access:
        made = report.document(app.storage.snapshot(), access, COUNTY, "zh")
    key = next(s for s in made.sections if s.key == "key_figures").blocks[0].frame
    parent = [c for c in key.columns if c.endswith("/ parent")]
    assert parent == ["贵州省 / parent"]
    assert key[parent[0]].notna().any() and key[key.columns[-1]].max() >= 2  # ranked among ≥ 2 peers
    text = _pdf_text(county_pdf.data, tmp_path)
    assert "贵州省" in text and "中位数" in text


def test_every_metric_of_the_report_is_defined_in_it(as_user, app):
    with as_user("demo_county") as access:
        made = report.document(app.storage.snapshot(), access, COUNTY, "zh")
    definitions = made.sections[-1].blocks[0].frame
    defined = set(definitions[t("report_col_code", "zh")])
    named = {code for code in metrics.CATALOG
             for section in made.sections[:-1] for block in section.blocks if isinstance(block, files.Table)
             for header in block.frame.columns if metrics.get(code).zh in str(header)}
    assert named and named <= defined
    key = next(s for s in made.sections if s.key == "key_figures").blocks[0].frame
    assert {c for c in metrics.CATALOG if any(metrics.get(c).en in v for v in key.iloc[:, 0])} <= defined
    row = definitions[definitions[t("report_col_code", "zh")] == "median_days_to_assistance"].iloc[0]
    assert row[t("report_col_definition", "zh")] == metrics.get("median_days_to_assistance").definition_zh


def test_series_tables_are_whole_with_the_latest_period_first(as_user, app):
    from data.read import profile

    with as_user("demo_county") as access:
        storage = app.storage.snapshot()
        made = report.document(storage, access, COUNTY, "zh")
        monthly = profile.monitoring_monthly(storage, access, COUNTY)
    monitoring = next(s for s in made.sections if s.key == "monitoring")
    table = next(b for b in monitoring.blocks if isinstance(b, files.Table)).frame
    periods = list(table.iloc[:, 0])
    assert len(periods) == len(monthly) > 15  # more rows than a page of the web table
    assert periods == sorted(monthly["period"], reverse=True)


def test_the_xlsx_has_one_sheet_per_section(county_client):
    response = county_client.get(f"/region/{COUNTY}/report.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    period = county_client.get(f"/api/v1/brief?region={COUNTY}").get_json()["period"]
    assert book.sheetnames == [t("brief_title", "zh").format(period=period)] + [t(key, "zh")[:31] for key in SECTION_KEYS]
    for sheet in book.worksheets:
        assert "罗甸县" in sheet["A1"].value and sheet.max_row > 3
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # no formula anywhere
    projects = book[t("profile_projects", "zh")]
    assert any("闲置或失败" in str(c.value) for row in projects.iter_rows() for c in row)


def test_english_through_the_catalogs(county_client, tmp_path):
    response = county_client.get(f"/region/{COUNTY}/report.pdf?lang=en")
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", _pdf_text(response.data, tmp_path))
    for key in SECTION_KEYS:
        assert t(key, "en") in text, key
    assert re.search(r"Page 1 of \d+", text)
    book = openpyxl.load_workbook(io.BytesIO(county_client.get(f"/region/{COUNTY}/report.xlsx?lang=en").data))
    period = county_client.get(f"/api/v1/brief?region={COUNTY}&lang=en").get_json()["period"]
    assert book.sheetnames[:2] == [t("brief_title", "en").format(period=period), t("profile_key_figures", "en")[:31]]


def test_a_county_outside_the_scope_is_refused_and_audited(county_client, app):
    from data.store import audit

    for fmt in ("pdf", "xlsx"):
        response = county_client.get(f"/region/{NEIGHBOUR}/report.{fmt}")
        assert response.status_code == 403
        assert b"%PDF" not in response.data
    refused = audit.entries(app.storage.engine, system_access("test"), outcome="refused", limit=5)
    assert any(f"/region/{NEIGHBOUR}/report.xlsx" in (e["detail"] or "") for e in refused)
    assert county_client.get("/region/529999000000/report.pdf").status_code == 404
    assert county_client.get(f"/region/{COUNTY}/report.docx").status_code == 404


def test_the_report_is_audited_as_an_export(county_client, app):
    from data.store import audit

    assert county_client.get(f"/region/{COUNTY}/report.xlsx").status_code == 200
    latest = audit.entries(app.storage.engine, system_access("test"), action="export", limit=1)[0]
    assert (latest["action"], latest["user_name"], latest["region_code"]) == ("export", "demo_county", COUNTY)
    assert "report" in latest["detail"]


def test_the_profile_page_links_both_reports(as_user, app):
    from layouts import region_page

    with as_user("demo_county") as access:
        page = str(region_page.layout(app.storage.snapshot(), access, COUNTY, lang="en"))
    assert f"/region/{COUNTY}/report.pdf?lang=en" in page and f"/region/{COUNTY}/report.xlsx?lang=en" in page


def test_the_font_is_parsed_once_and_each_document_subsets_its_own_copy(tmp_path):
    files._parsed_font.cache_clear()
    texts = []
    for word in ("罗甸县防止返贫", "平塘县务工就业"):
        made = files.Document(title=word, region=COUNTY, cover=[("地区", word)],
                              sections=[files.Section("s", word, [word])], page_label="第 {page} 页 / 共 {pages} 页")
        texts.append(_pdf_text(files.to_pdf(made), tmp_path, f"{word}.pdf"))
    assert files._parsed_font.cache_info().misses == 1
    texts = [re.sub(r"\s+", "", text) for text in texts]
    assert "罗甸县防止返贫" in texts[0] and "平塘县务工就业" in texts[1] and "第2页/共2页" in texts[1]
    assert "平塘" not in texts[0] and "罗甸" not in texts[1]


def test_a_profile_chart_keeps_its_data_and_its_target_line():
    import pandas as pd

    monthly = pd.DataFrame({"period": ["2026-08", "2026-09", "2026-10"], "median_days_to_assistance": [12.0, None, 20.0],
                            "p90_days_to_assistance": [25.0, 30.0, 41.0]})
    made = report.chart(figures.days_figure(monthly, "zh"), "zh")
    assert [s.x for s in made.series] == [["2026-08", "2026-09", "2026-10"]] * 2
    assert made.series[0].y == [12.0, None, 20.0] and made.series[1].dash and not made.series[0].dash
    assert [line[0] for line in made.lines] == [policy.MEASURE_TARGET_DAYS]
    bars = report.chart(figures.breakdown_figure(pd.Series({"new_risk_illness": 3.0, "new_risk_disaster": 9.0}),
                                                 "t", "户", "zh"), "zh")
    assert bars.horizontal and bars.series[0].y == [3.0, 9.0]
    frame = files.chart_frame(bars)
    assert list(frame.iloc[:, 1]) == [9.0, 3.0]  # largest first, as drawn
    assert files.periods_of(["2024-01-01", "2025-01-01"]) == ["2024", "2025"]


def test_the_batch_writes_one_file_per_county_of_a_region(tiny_copy, tmp_path, monkeypatch):
    from dashboard import cli

    storage = tiny_copy("sqlite")
    monkeypatch.setenv("DATABASE_URL", storage.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DASHBOARD_INSTANCE", str(tmp_path / "instance"))
    counties = storage.regions(system_access("test"), level="county", parent="5202")  # 六盘水市
    result = CliRunner().invoke(cli.main, ["report", "--region", "5202", "--format", "xlsx", "--out",
                                           str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(counties) >= 3 and written == sorted(f"{c['code']}-{c['name']}画像.xlsx" for c in counties)
    assert "report" in result.output and f"{len(counties)} xlsx reports" in result.output


def test_the_brief_is_the_first_page_after_the_cover(county_pdf, county_client, tmp_path):
    """Page 2 is the month's brief (issue 17 parts 3 and 8): its title with the month, every sentence of
    /api/v1/brief for the same region and period, each with its numbers, and no number the API does not state."""
    answer = county_client.get(f"/api/v1/brief?region={COUNTY}").get_json()
    assert answer["has_data"] and len(answer["sentences"]) >= 5
    page = _flat(_pdf_text(county_pdf.data, tmp_path, page=2))
    assert _flat(t("brief_title", "zh").format(period=answer["period"])) in page
    stated = set()
    for sentence in answer["sentences"]:
        assert _flat(sentence["text"]) in page, sentence["text"]
        for number in sentence["numbers"]:
            assert _flat(number["text"]) in _flat(sentence["text"]), number
        stated |= set(re.findall(r"\d[\d,.]*", sentence["text"]))
    stated |= set(re.findall(r"\d[\d,.]*", answer["rules"]["unusual"] + answer["period"]))
    body = page.split(_flat(t("brief_title", "zh").format(period=answer["period"])), 1)[1]
    body = body.split(_flat(t("profile_title", "zh")), 1)[0]  # (the footer: the title, the data version, the page)
    printed = set(re.findall(r"\d[\d,.]*", body))
    assert printed and printed <= stated, printed - stated
    cover = _flat(_pdf_text(county_pdf.data, tmp_path, page=1))
    assert _flat(t("report_period_value", "zh").format(month=answer["period"], year="")) in cover  # the same month


def test_the_brief_sheet_comes_first_in_the_xlsx(county_client):
    answer = county_client.get(f"/api/v1/brief?region={COUNTY}&lang=en").get_json()
    book = openpyxl.load_workbook(io.BytesIO(county_client.get(f"/region/{COUNTY}/report.xlsx?lang=en").data))
    first = book.worksheets[0]
    cells = [str(c.value) for row in first.iter_rows() for c in row if c.value is not None]
    for sentence in answer["sentences"]:
        assert any(sentence["text"] in cell for cell in cells), sentence["text"]


@pytest.mark.parametrize("code, layer", [(COUNTY, "township"), ("520000000000", "county")])
def test_the_map_is_a_choropleth_of_the_units_outlines(app, tmp_path, code, layer):
    """The map section draws the units' stored outlines as filled vector polygons in the classes of their
    values (issue 17 part 3), with the legend and the units at the ends of the ranking named: for a county its
    townships, for a province its counties."""
    storage = app.storage.snapshot()
    made, data = report.render(storage, ADMIN, code, "pdf", "zh")
    section = next(s for s in made.sections if s.key == "map")
    drawn = next(b for b in section.blocks if isinstance(b, files.MapChart))
    outlined = {c for c, *_ in storage.outlines(ADMIN, layer, code)}
    units = {u["code"] for u in storage.regions(ADMIN, level=layer, parent=code)}
    assert len(outlined) >= 3 and outlined <= units
    assert {s.code for s in drawn.shapes} == outlined and all(s.rings for s in drawn.shapes)
    values = {r["code"]: r for r in __import__("data.read.views", fromlist=["x"]).map_data(
        storage, ADMIN, __import__("data.read.views", fromlist=["x"]).map_view(storage, ADMIN, code),
        report.MAP_METRIC, None, None).rows}
    classes = report.map_classes(metrics.get(report.MAP_METRIC), [r["value"] for r in values.values()])
    assert len(classes) == report.MAP_CLASSES and len({c for _, _, c in classes}) == report.MAP_CLASSES
    for shape in drawn.shapes:  # each unit in the colour of its value's class
        value = values[shape.code]["value"]
        low, high, colour = next(c for c in classes if value is None or value <= c[1]) if value is not None \
            else (None, None, figures.NO_DATA)
        assert shape.colour == colour and (value is None or low <= value <= high or low == classes[0][0])
    best = min((r for r in values.values() if r.get("rank")), key=lambda r: r["rank"])
    assert metrics.get(report.MAP_METRIC).direction == "higher_worse"  # rank 1: the fewest households
    assert best["value"] == min(r["value"] for r in values.values() if r["value"] is not None)
    assert [s.label for s in drawn.shapes if s.code == best["code"]] == [best["name"]]
    assert _filled_paths(data) >= sum(len(s.rings) for s in drawn.shapes)
    text = _flat(_pdf_text(data, tmp_path))
    for words in (drawn.title, drawn.legend_title, *[label for label, _ in drawn.classes], *drawn.notes):
        assert _flat(words) in text, words
    assert _flat(best["name"]) in text


def test_a_report_without_a_map_section_draws_no_polygon(tmp_path):
    made = files.Document(title="罗甸县", region=COUNTY, cover=[("地区", "罗甸县")],
                          sections=[files.Section("s", "罗甸县", ["罗甸县"])])
    assert _filled_paths(files.to_pdf(made)) == 0


def test_every_target_the_profile_and_the_report_state_is_the_policys(as_user, app, county_pdf, tmp_path):
    """Issue 17 part 4: the days target of the profile's chart, the brief's time limits, the funds' policy line
    and the definitions' targets are the constants of data/definitions/policy.py that the overdue board and
    the computation use (the profile once said 15 days where the board counted 30)."""
    from data.read import brief, monitoring

    with as_user("demo_county") as access:
        storage = app.storage.snapshot()
        made = report.document(storage, access, COUNTY, "zh")
        board = monitoring.overdue(storage, access, COUNTY)
        sentences = brief.brief(storage, access, COUNTY, None, "zh")["sentences"]
    assert board["targets"] == {"identification_days": policy.IDENTIFICATION_TARGET_DAYS,
                                "measure_days": policy.MEASURE_TARGET_DAYS}
    days_chart = next(b for s in made.sections for b in s.blocks
                      if isinstance(b, files.Chart) and b.lines and "90" in "".join(x.name for x in b.series))
    assert [(value, text) for value, text, _ in days_chart.lines] == [
        (policy.MEASURE_TARGET_DAYS, t("days_target", "zh").format(days=policy.MEASURE_TARGET_DAYS))]
    numbers = {n["name"]: n["value"] for s in sentences for n in s["numbers"] if s["kind"] in ("days_target", "overdue")}
    assert numbers["measure_days"] == policy.MEASURE_TARGET_DAYS
    assert numbers["identification_days"] == policy.IDENTIFICATION_TARGET_DAYS
    assert numbers.get("target", policy.MEASURE_TARGET_DAYS) == policy.MEASURE_TARGET_DAYS
    funds = next(s for s in made.sections if s.key == "funds")
    line = next(b for b in funds.blocks if isinstance(b, str) and t("policy_line", "zh") in b)
    assert f"{policy.INDUSTRY_SHARE_LINE}%" in line
    definitions = next(s for s in made.sections if s.key == "definitions").blocks[0].frame
    targets = dict(zip(definitions[t("report_col_code", "zh")], definitions[t("report_col_target", "zh")]))
    assert f"{policy.MEASURE_TARGET_DAYS}天" in targets["median_days_to_assistance"]
    for code, text in targets.items():  # no other number of days than the policy's
        for days in re.findall(r"(\d+)\s*天", text):
            assert int(days) in (policy.IDENTIFICATION_TARGET_DAYS, policy.MEASURE_TARGET_DAYS), (code, text)
    printed = _flat(_pdf_text(county_pdf.data, tmp_path))
    assert _flat(t("days_target", "zh").format(days=policy.MEASURE_TARGET_DAYS)) in printed


def test_the_maps_notes_say_one_household():
    households = metrics.get("monitored_households")
    assert report.value_text(1, households, "en") == "1 household"
    assert report.value_text(2, households, "en") == "2 households" and report.value_text(1, households, "zh") == "1 户"


# -- English complete (issue 17 part 7): the English report carries no Chinese but proper names -------------
from tests.test_pages import CJK, proper_names  # noqa: E402,F401  (region names and stored free text)

CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+")


def chinese_left_in(text: str, names: list[str]) -> list[str]:
    """The runs of Chinese in ``text`` that are no proper name: every name is taken out (spaces and line
    breaks removed first, as a long name wraps in a table cell), and what is left must be a piece of one (a
    name cut by a cell's edge)."""
    flat = re.sub(r"\s+", "", text)
    for name in names:
        flat = flat.replace(re.sub(r"\s+", "", name), " ")
    return sorted({run for run in CJK_RUN.findall(flat) if not any(run in name for name in names)})


def test_the_english_report_has_no_chinese_but_region_names(county_client, proper_names, tmp_path):
    pdf = county_client.get(f"/region/{COUNTY}/report.pdf?lang=en")
    assert pdf.status_code == 200
    text = _pdf_text(pdf.data, tmp_path, "report-en.pdf")
    assert "罗甸县" in text and not chinese_left_in(text, proper_names), chinese_left_in(text, proper_names)[:40]
    book = openpyxl.load_workbook(io.BytesIO(county_client.get(f"/region/{COUNTY}/report.xlsx?lang=en").data))
    cells = "\n".join([*book.sheetnames, *(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row
                                           if c.value is not None)])
    assert not chinese_left_in(cells, proper_names), chinese_left_in(cells, proper_names)[:40]
