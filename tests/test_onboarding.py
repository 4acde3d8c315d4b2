"""Onboarding a real county, as README's guide says, step by step through the command line, on SQLite and
PostgreSQL: the country without demo data → the province's threshold → the county's official code list (NBS
layout, no polygons) → households, members, monitoring and assistance keyed by real village codes → build →
the county's map shows its real townships and villages, named, marked illustrative, with figures."""
import csv
import gzip

import pytest
from click.testing import CliRunner

from dashboard.cli import main
from data.definitions import personal
from data.demo.regions import NBS_FILE
from data.read import cube
from data.store.storage import Storage, make_engine
from tests.conftest import ADMIN

COUNTY = "522728"  # 罗甸县
VILLAGES = ("522728107200", "522728107201", "522728108200")  # 马草村, 老城村 (龙坪镇), the first 村 of 边阳镇


def _write(path, header, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def _official_list() -> list[list[str]]:
    """罗甸县's units of the 2023 code list, as the NBS publishes them: code, urban-rural code, name."""
    with gzip.open(NBS_FILE, "rt", encoding="utf-8") as handle:
        return [[r["code"], r["urban_rural"], r["name"]] for r in csv.DictReader(handle) if r["code"].startswith(COUNTY)]


def _id_number(serial: int) -> str:
    first = f"{COUNTY}19700101{serial:03d}"
    return first + personal.check_digit(first)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_real_county_is_onboarded_from_its_code_list(backend, empty_database, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database(backend))
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    assert "county 2883, township 0" in run("init", "--no-demo", "--quiet")
    storage = Storage(make_engine(__import__("os").environ["DATABASE_URL"]))
    assert storage.regions(ADMIN, parent=COUNTY) == []  # nothing below counties yet

    run("import", "thresholds", _write(tmp_path / "thresholds.csv", ["province_code", "year", "threshold", "source"],
                                       [["52", year, 7000 + 100 * (year - 2023), "贵州省监测范围（示例）"]
                                        for year in (2023, 2024, 2025, 2026)]))
    official = _official_list()
    assert len(official) > 100
    output = run("import", "regions", _write(tmp_path / "罗甸县.csv", ["统计用区划代码", "城乡分类代码", "名称"], official,
                                             encoding="gbk"))
    assert f"{len(official)} added" in output, output

    households = [[f"LD{i:04d}", village, 4, 2, "是" if i % 2 else "否", "王小明", _id_number(i)]
                  for i, village in enumerate(VILLAGES * 2, 1)]
    run("import", "households", _write(tmp_path / "households.csv", ["户编码", "村代码", "家庭人口", "劳动力人数",
                                                                     "是否脱贫户", "户主姓名", "户主身份证号"], households))
    members = [[f"{h[0]}{p:02d}", h[0], 30 + p, "男" if p % 2 else "女", "full", "healthy", "not_in_school"]
               for h in households for p in range(1, 5)]
    run("import", "members", _write(tmp_path / "members.csv", ["person_id", "household_id", "age", "sex",
                                                               "labour_capacity", "health", "schooling"], members))
    run("import", "monitoring", _write(tmp_path / "monitoring.csv", [
        "household_id", "category", "identified_on", "channel", "risk_types", "risk_status", "eliminated_on"],
        [[h[0], "marginal", "2025-03-10", "cadre_visit", "illness", "not_eliminated", ""] for h in households[:4]]))
    run("import", "assistance", _write(tmp_path / "assistance.csv", ["household_id", "measure", "started_on",
                                                                     "amount_yuan"],
                                       [[households[0][0], "health", "2025-03-20", 1200]]))
    run("build", "--counties", COUNTY, "--quiet")

    towns = storage.regions(ADMIN, parent=COUNTY)
    names = {t["code"][:9]: t["name"] for t in towns}
    assert names["522728001"] == "斛兴街道" and names["522728107"] == "龙坪镇" and names["522728219"] == "凤亭乡"
    assert len(towns) == 10 and all(t["illustrative"] for t in towns)
    villages = storage.regions(ADMIN, parent="522728107")
    assert {v["code"] for v in villages} >= set(VILLAGES[:2])
    assert next(v for v in villages if v["code"] == VILLAGES[0])["name"] == "马草村村民委员会"
    assert len(storage.outlines(ADMIN, "township", COUNTY)) == 10
    answer = cube.values(storage, ADMIN, "monitored_households", parent=COUNTY)
    figures = {row["code"]: row["value"] for row in answer["values"]}
    assert answer["level"] == "township" and figures["522728107000"] == 3 and figures["522728108000"] == 1
    assert sum(v or 0 for v in figures.values()) == 4, figures
