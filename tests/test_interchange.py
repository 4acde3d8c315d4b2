"""Import and export of every contract table: exact round trips, and bad files that change nothing."""
import csv
import hashlib
import io
import json
import subprocess
import sys

from dataclasses import replace

import pytest
import sqlalchemy as sa

from data.definitions import contract
from data.store import records
from data.ingest.exporter import export_table, write_template
from data.ingest.importer import ImportRejected, import_file, rollback
from data.store.schema import import_log
from data.store.storage import Storage, make_engine
from tests.conftest import ADMIN, copy_database

TESTER = replace(ADMIN, user="test")  # an administrator signed in as "test"


def _export_all(storage, folder):
    for table in contract.LOAD_ORDER:
        export_table(storage.engine, ADMIN, table, folder / f"{table}.csv")


def _fingerprint(storage) -> str:
    digest = hashlib.sha256()
    for table in contract.LOAD_ORDER:
        digest.update(records.read_table(storage.engine, ADMIN, table).to_csv(index=False).encode())
    digest.update(str(storage.counts_by_level(ADMIN)).encode())
    return digest.hexdigest()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_export_then_import_into_an_empty_database_reproduces_every_table(tiny_storage, backend, tiny_copy, tmp_path):
    _export_all(tiny_storage, tmp_path)
    fresh = tiny_copy(backend, with_data=False)  # the regions only
    for table in contract.LOAD_ORDER:
        result = import_file(fresh, TESTER, table, tmp_path / f"{table}.csv")
        assert result.added > 0 and result.updated == 0
    for table in contract.LOAD_ORDER:
        original, copy = records.read_table(tiny_storage.engine, ADMIN, table), records.read_table(fresh.engine, ADMIN, table)
        assert original.equals(copy), table


@pytest.fixture(scope="module")
def loaded(tiny_template, tmp_path_factory):
    """A SQLite database with the tiny demo data (a copy of its own), and its exports, for the malformed-file suite."""
    folder = tmp_path_factory.mktemp("loaded")
    storage = Storage(make_engine(copy_database(tiny_template("sqlite"), folder, "db.sqlite")[0]))
    _export_all(storage, folder)
    return storage, folder


def _rows(folder, table):
    with open(folder / f"{table}.csv", encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _write(path, rows, encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _edit(rows, column, value, row=1):
    rows = [list(r) for r in rows]
    rows[row][rows[0].index(column)] = value
    return rows


def _malformed(folder, tmp_path):
    households, income, employment = (_rows(folder, t) for t in ("households", "income", "employment"))
    wage = income[0].index("wage")
    moved = _edit(households, "village_code", households[-1][1])  # first household, last one's village
    cases = {
        "wrong columns": ("households", _write(tmp_path / "a.csv", [["foo"] + households[0][1:]] + households[1:3]),
                          "unknown columns"),
        "bad code": ("households", _write(tmp_path / "b.csv", _edit(households[:3], "village_code", "999999999999")),
                     "unknown region code"),
        "duplicate": ("income", _write(tmp_path / "c.csv", income[:3] + [income[2]]), "duplicate key"),
        "negative": ("households", _write(tmp_path / "d.csv", _edit(households[:3], "size", "-2")), "must be ≥ 1"),
        "wrong encoding": ("households", tmp_path / "e.csv", "unrecognised encoding"),
        "month 13": ("employment", _write(tmp_path / "f.csv", _edit(employment[:3], "period", "2024-13")),
                     "malformed month"),
        "sources not summing": ("income", _write(tmp_path / "g.csv", _edit(income[:3], "wage",
                                                                          str(int(income[1][wage]) + 5000))),
                                "do not add up"),
        "household moved": ("households", _write(tmp_path / "h.csv", moved[:2]), "registered in another village"),
        "truncated": ("households", tmp_path / "i.csv", "a truncated or shifted row"),
        "invalid ID": ("households", _write(tmp_path / "j.csv", _edit(households[:2], "head_id_number",
                                                                     "52272519900101123X")), "invalid ID number"),
        "employed without a place": ("employment", _write(tmp_path / "k.csv", _edit(
            employment[:2], "location", "", 1) if employment[1][3] == "true" else _edit(
            _edit(employment[:2], "employed", "true"), "location", "")), "needs location and mode"),
    }
    (tmp_path / "e.csv").write_bytes("household_id,村代码\n".encode("utf-16") + b"\xff\xfe\x00\xd8")
    text = (folder / "households.csv").read_text(encoding="utf-8-sig")
    (tmp_path / "i.csv").write_text(text[: text.index("\n", 400) + 25], encoding="utf-8")
    return cases


def test_each_malformed_file_is_rejected_with_a_clear_report_and_changes_nothing(loaded, tmp_path):
    storage, folder = loaded
    before = _fingerprint(storage)
    for name, (table, path, reason) in _malformed(folder, tmp_path).items():
        with pytest.raises(ImportRejected) as rejected:
            import_file(storage, TESTER, table, path)
        problems = rejected.value.problems
        assert any(reason in p.en for p in problems), (name, [str(p) for p in problems[:3]])
        assert all(p.zh and p.en for p in problems), name
        assert _fingerprint(storage) == before, name
        with storage.engine.connect() as connection:
            log = connection.execute(sa.select(import_log).where(import_log.c.id == rejected.value.import_id)).mappings().one()
        assert log["status"] == "rejected" and json.loads(log["problems"]), name


def test_a_rejection_reports_row_column_and_value(loaded, tmp_path):
    storage, folder = loaded
    rows = _edit(_rows(folder, "households")[:4], "size", "-2", row=3)
    with pytest.raises(ImportRejected) as rejected:
        import_file(storage, ADMIN, "households", _write(tmp_path / "x.csv", rows))
    problem = next(p for p in rejected.value.problems if p.column == "size")
    assert (problem.row, problem.value) == (4, "-2")  # the header is row 1


def test_government_spreadsheet_variants_are_accepted(loaded, tmp_path):
    storage, folder = loaded
    before = _fingerprint(storage)
    spec = contract.TABLES["funds"]
    rows = _rows(folder, "funds")
    chinese = [[f" {spec.column(c).zh} " for c in rows[0]]] + [
        [contract.label_zh("funds", "use", v) if i == 2 else v for i, v in enumerate(r)] for r in rows[1:]]
    gbk = _write(tmp_path / "funds-gbk.csv", [["2024 年衔接资金使用情况表"], []] + chinese, encoding="gbk")
    assert import_file(storage, ADMIN, "funds", gbk).unchanged == len(rows) - 1

    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.append(["县域衔接资金台账（示例）"])
    sheet.merge_cells("A1:E1")
    sheet.append(["县代码", "年度", "资金用途", "金额（元）", None])
    sheet.merge_cells("D2:E2")
    sheet.append([None, None, None, "下达金额", "支出金额"])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:B3")
    sheet.merge_cells("C2:C3")
    for row in rows[1:]:
        sheet.append([row[0], int(row[1]), row[2], int(row[3]), int(row[4])])
    book.save(tmp_path / "funds.xlsx")
    assert import_file(storage, ADMIN, "funds", tmp_path / "funds.xlsx").unchanged == len(rows) - 1
    assert _fingerprint(storage) == before


def test_importing_twice_changes_nothing_and_rollback_restores(loaded, tmp_path):
    storage, folder = loaded
    before = _fingerprint(storage)
    again = import_file(storage, ADMIN, "teams", folder / "teams.csv")
    assert (again.added, again.updated) == (0, 0)
    rows = _rows(folder, "teams")
    changed = _edit(rows, "team_size", "9")
    result = import_file(storage, ADMIN, "teams", _write(tmp_path / "teams.csv", changed))
    assert result.updated == 1 and _fingerprint(storage) != before
    rollback(storage, ADMIN, result.import_id)
    assert _fingerprint(storage) == before
    with pytest.raises(ValueError):
        rollback(storage, ADMIN, result.import_id)  # already rolled back


def test_template_has_headers_comments_and_allowed_values(tmp_path):
    from openpyxl import load_workbook

    write_template("monitoring", tmp_path / "t.xlsx")
    book = load_workbook(tmp_path / "t.xlsx")
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers == [c.zh for c in contract.TABLES["monitoring"].columns]
    assert "identified_on" in sheet["C1"].comment.text
    allowed = [tuple(r) for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert ("监测对象类别 (category)", "marginal", "边缘易致贫户") in allowed


def test_cli_exit_code_is_non_zero_on_rejection(loaded, tmp_path):
    storage, folder = loaded
    bad = _write(tmp_path / "bad.csv", _edit(_rows(folder, "households")[:2], "size", "-1"))
    result = subprocess.run([sys.executable, "-m", "dashboard", "import", "households", str(bad)],
                            env={"DATABASE_URL": str(storage.engine.url), "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, cwd=str(__import__("pathlib").Path(__file__).parent.parent))
    assert result.returncode == 1 and "must be ≥ 1" in result.stderr and "row 2" in result.stderr


def test_regions_round_trip_and_imported_flags_are_authoritative(loaded, tmp_path):
    from geo.hierarchy import flag_state

    storage, folder = loaded
    export_table(storage.engine, ADMIN, "regions", tmp_path / "regions.csv")
    before = records.read_table(storage.engine, ADMIN, "regions")
    unchanged = import_file(storage, ADMIN, "regions", tmp_path / "regions.csv")
    assert (unchanged.added, unchanged.updated) == (0, 0)
    assert records.read_table(storage.engine, ADMIN, "regions").equals(before)

    rows = _rows(tmp_path, "regions")
    header = rows[0]
    yunnan = [r for r in rows[1:] if r[0].startswith("53") and r[2] == "county"]
    listed = {r[0] for r in yunnan[:3]}
    # No flag_source column: the file itself becomes the flags' source.
    edited = [header[:7]] + [r[:4] + ["true" if r[0] in listed else "false"] + r[5:7] for r in yunnan]
    result = import_file(storage, ADMIN, "regions", _write(tmp_path / "yunnan.csv", edited))
    assert result.updated == len(yunnan)
    states = {r["code"]: flag_state(r, "national_key_county") for r in storage.regions(ADMIN, level="county", parent="53")}
    assert set(states.values()) == {0.0, 1.0} and {c for c, v in states.items() if v == 1.0} == listed
    rollback(storage, ADMIN, result.import_id)
    assert records.read_table(storage.engine, ADMIN, "regions").equals(before)


def test_regions_import_refuses_unknown_codes_and_other_parents(loaded, tmp_path):
    storage, _ = loaded
    header = [c.name for c in contract.REGIONS.columns][:7]  # without the optional urban_rural
    bad = _write(tmp_path / "r.csv", [header, ["990000000000", "某省", "province", "", "false", "false", "false"],
                                      ["522725000000", "瓮安县", "county", "520100000000", "false", "false", "true"]])
    with pytest.raises(ImportRejected) as rejected:
        import_file(storage, ADMIN, "regions", bad)
    reasons = {p.en for p in rejected.value.problems}
    assert any("unknown region" in r for r in reasons) and any("parent differs" in r for r in reasons)
