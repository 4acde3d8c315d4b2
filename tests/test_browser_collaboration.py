"""The East–West collaboration page (``/collaboration``, issue 18) in headless Chromium, offline: as the demo
East–West office (the ledger of every paired region, sorting, worst first, a region under target flagged,
the report PDF and XLSX) and as a western county leader (her eastern partner and central unit, her own
ledger; another pair's refused with 403 and audited).

The app serves its own copy of the tiny database with one more East–West pair (浙江省 → a Sichuan county),
so that "another pair" exists; every page records failed requests and console errors and the test fails
on any (the refusal excepted, by name). Screenshots: docs/screenshots/collaboration-*.png with
UPDATE_SCREENSHOTS=1 (tests/test_browser.py's ``shots``).
"""
from __future__ import annotations

import json
import subprocess
import urllib.request

import pytest
import sqlalchemy as sa

from benchmarks import browsing
from data.store import accounts
from data.store.schema import data_tables
from data.store.storage import Storage, make_engine
from tests.conftest import ADMIN, copy_database, password_of
from tests.test_browser import _watched, browser, shots  # noqa: F401

pytestmark = pytest.mark.browser
OTHER_EAST, OTHER_WEST = "浙江省", "511621000000"  # 岳池县 (四川省广安市): another pair, not the demo county's
API: dict[str, str] = {}


@pytest.fixture(scope="module")
def collaboration_instance(tiny_template, tmp_path_factory):
    """An instance on a copy of the tiny database with another pair (浙江省 → 岳池县, 2021, rows 2025–2026)."""
    from dashboard.config import Config

    folder = tmp_path_factory.mktemp("collaboration")
    url, drop = copy_database(tiny_template("sqlite"), folder, "dashboard.db")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.insert(data_tables["pairings"]).values(
            east_region=OTHER_EAST, west_code=OTHER_WEST, kind="east_west", unit="", start_year=2021, end_year=None,
            note="tests: another pair"))
        for year in (2025, 2026):
            connection.execute(sa.insert(data_tables["collaboration"]).values(
                east_region=OTHER_EAST, west_code=OTHER_WEST, year=year, fiscal_aid=5_000_000, cadres_sent=3,
                talent_sent=10, enterprises_landed=2, investment=20_000_000, labour_transferred=300,
                consumption_sales=4_000_000))
    engine.dispose()
    yield Config(instance_dir=folder, database_url=url, mode="demo", login_rate_limit="1000 per minute")
    drop()


@pytest.fixture(scope="module")
def base_url(collaboration_instance):
    storage = Storage(make_engine(collaboration_instance.database_url))
    API["Authorization"] = "Bearer " + accounts.make_token(storage, "demo_admin", "collaboration browser tests")
    with browsing.serve(collaboration_instance.instance_dir, collaboration_instance.database_url, mode="demo") as url:
        yield url
    accounts.revoke_tokens(storage, "demo_admin")


def _api(base_url: str, path: str) -> dict:
    with urllib.request.urlopen(urllib.request.Request(base_url + path, headers=API)) as response:
        return json.load(response)


def _signed_in(browser, base_url, name: str, then: str, problems: list[str]):
    page = _watched(browser, problems)
    browsing.sign_in(page, base_url, name, password_of(name), then=then)
    return page


def _ledger_codes(page) -> list[str]:
    return page.eval_on_selector_all("#collab-ledger td[data-dash-column='code']", "cs => cs.map(c => c.innerText.trim())")


def _cell(page, code: str, column: str) -> tuple[str, str]:
    """The text and background of a ledger cell: the row of region ``code``, column ``column``."""
    return page.evaluate("""([code, column]) => {
        const row = [...document.querySelectorAll('#collab-ledger tr')].find(r => {
            const c = r.querySelector("td[data-dash-column='code']"); return c && c.innerText.trim() === code; });
        const cell = row.querySelector(`td[data-dash-column='${column}']`);
        return [cell.innerText, getComputedStyle(cell).backgroundColor];
    }""", [code, column])


def _mean_completion(region: dict) -> float | None:
    values = [m["completion"] for m in region["indicators"].values() if m["completion"] is not None]
    return sum(values) / len(values) if values else None


def test_the_office_ledger_sorts_finds_the_worst_flags_and_downloads_its_report(browser, base_url, shots, tmp_path):
    problems: list[str] = []
    page = _signed_in(browser, base_url, "demo_collaboration", "/collaboration", problems)
    page.wait_for_selector("#collab-ledger td[data-dash-column='code']")
    ledger = _api(base_url, "/api/v1/collaboration/ledger?east=440000000000")
    regions = {r["west_code"]: r for r in ledger["regions"]}
    assert len(regions) == 3 and ledger["east"]["name"] == "广东省"
    codes_shown = _ledger_codes(page)
    assert sorted(codes_shown[:-1]) == sorted(regions) and codes_shown[-1] == "∑"  # every region, totals last
    text = page.inner_text("#collab-ledger")
    for region in regions.values():
        assert region["west_name"] in text
    headers = " ".join(page.eval_on_selector_all("#collab-ledger th", "hs => hs.map(h => h.innerText)"))
    for name in ("财政援助资金", "帮助农村劳动力就业", "采购农产品", "目标", "完成", "完成率", "上年", "同比增减"):
        assert name in headers
    indicators = [i["code"] for i in ledger["indicators"]]
    agreement = [c for c in indicators if any(r["indicators"][c]["target"] is not None for r in regions.values())]
    assert 0 < len(agreement) < len(indicators)

    def columns_of(code: str, part: str) -> int:
        return page.eval_on_selector_all(f"#collab-ledger td[data-dash-column='{code}__{part}']", "cs => cs.length")

    for code in agreement:  # target, result and completion of every agreement indicator, for every region
        for part in ("target", "result", "completion"):
            assert columns_of(code, part) == len(regions) + 1
    others = sorted(set(indicators) - set(agreement))
    assert columns_of(others[0], "result") == 0  # the others one click away
    page.click("#collab-show-all")
    page.wait_for_url("**show=all**")
    page.wait_for_selector(f"#collab-ledger td[data-dash-column='{others[0]}__result']")
    for code in indicators:  # every indicator, with its result, for every region
        for part in ("target", "result", "completion"):
            assert columns_of(code, part) == len(regions) + 1
    page.click("#collab-show-all")  # back to the agreement's indicators
    browsing.wait_until(page, "!location.search.includes('show=all')")
    page.wait_for_selector("#collab-ledger td[data-dash-column='code']")
    browsing.wait_until(page, f"document.querySelectorAll(\"#collab-ledger td[data-dash-column='{others[0]}__result']\").length === 0")

    # sort by a column (the result of fiscal aid, descending after two clicks)
    expected = sorted(regions, key=lambda c: -regions[c]["indicators"]["fiscal_aid"]["result"])
    header = "#collab-ledger th[data-dash-column='fiscal_aid__result'] .column-header--sort"
    page.click(header)  # ascending
    ascending = json.dumps(json.dumps(expected[::-1], separators=(",", ":")))
    browsing.wait_until(page, f"JSON.stringify([...document.querySelectorAll(\"#collab-ledger td[data-dash-column='code']\")]"
                              f".map(c => c.innerText.trim()).slice(0, 3)) === {ascending}")
    page.click(header)  # descending
    descending = json.dumps(json.dumps(expected, separators=(",", ":")))
    browsing.wait_until(page, f"JSON.stringify([...document.querySelectorAll(\"#collab-ledger td[data-dash-column='code']\")]"
                              f".map(c => c.innerText.trim()).slice(0, 3)) === {descending}")
    assert _ledger_codes(page)[-1] == "∑"

    # the worst region in one click: the lowest mean completion first
    worst = min(regions, key=lambda c: (_mean_completion(regions[c]), c))
    page.click("#collab-worst-first")
    browsing.wait_until(page, f"document.querySelector(\"#collab-ledger td[data-dash-column='code']\").innerText.trim()"
                              f" === {json.dumps(worst)}")

    # a region under target: its completion cell says so in text and stands out
    flagged = next((c, i) for c, r in regions.items() for i, m in r["indicators"].items() if m["under_target"])
    text, fill = _cell(page, flagged[0], f"{flagged[1]}__completion")
    assert "▼未达标" in text and fill == "rgb(253, 236, 234)"
    unflagged = next((c, i) for c, r in regions.items() for i, m in r["indicators"].items()
                     if m["completion"] is not None and not m["under_target"])
    text, fill = _cell(page, unflagged[0], f"{unflagged[1]}__completion")
    assert "▼" not in text and fill != "rgb(253, 236, 234)"
    page.locator("#collab-section-ledger").screenshot(path=str(shots / "collaboration-ledger.png"))

    # the sections the office reads beside the ledger
    page.wait_for_selector("#collab-multiples .scatterlayer .trace")
    assert page.eval_on_selector_all("#collab-ranking .point", "ps => ps.length") == len(regions)
    page.wait_for_selector("#collab-flows .shapelayer path")
    assert "广东省" in page.inner_text("#collab-section-flows")
    page.locator("#collab-section-flows").screenshot(path=str(shots / "collaboration-flows.png"))
    assert "不是因果" in page.inner_text("#collab-caveat") or "因果" in page.inner_text("#collab-caveat")
    page.wait_for_selector("#collab-outcomes .barlayer .trace")
    page.locator("#collab-section-outcomes").screenshot(path=str(shots / "collaboration-outcomes.png"))

    # the ledger as a file, and the report for the leadership
    with page.expect_download() as download:
        page.click("#collab-ledger-csv")
    assert download.value.path().read_text(encoding="utf-8-sig").startswith("地区代码,地区名称")
    with page.expect_download() as download:
        page.click("#collab-report-pdf")
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for name in ["广东省", *[r["west_name"] for r in regions.values()], "贵州省"]:
        assert name in text
    from data.definitions import contract

    for code in indicators:
        assert contract.label_zh("collaboration_targets", "indicator", code) in text, code
    with page.expect_download() as download:
        page.click("#collab-report-xlsx")
    from openpyxl import load_workbook

    download.value.save_as(tmp_path / "report.xlsx")
    book = load_workbook(tmp_path / "report.xlsx")
    assert len(book.sheetnames) >= 5 and any("协作台账" in name for name in book.sheetnames)
    cells = " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None)
    assert all(r["west_name"] in cells for r in regions.values())
    page.close()
    assert problems == []


def test_a_county_leader_sees_her_partner_and_unit_and_her_ledger_and_not_another_pair(browser, base_url,
                                                                                         collaboration_instance):
    problems: list[str] = []
    page = _signed_in(browser, base_url, "demo_county", "/collaboration", problems)
    page.wait_for_selector("#collab-ledger td[data-dash-column='code']")
    both = page.inner_text("#collab-section-partners")
    assert "广东省" in both and "农业农村部" in both and "罗甸县" in both  # her eastern partner and central unit
    assert _ledger_codes(page) == ["522728000000", "∑"]  # her own county's row only
    assert "罗甸县" in page.inner_text("#collab-ledger")
    page.wait_for_selector("#collab-targeted td")
    assert "农业农村部" in page.inner_text("#collab-targeted") and "三都" not in page.inner_text("#collab-targeted")
    assert "东西部协作" in page.inner_text("nav")

    response = page.goto(base_url + "/collaboration?east=" + OTHER_EAST)
    assert response.status == 403
    page.wait_for_selector("#refused")
    storage = Storage(make_engine(collaboration_instance.database_url))
    from data.store import audit

    refused = audit.entries(storage.engine, ADMIN, user="demo_county", action="refused")
    assert refused and "/collaboration" in refused[0]["detail"] and "east=" in refused[0]["detail"]
    page.close()
    assert problems == [f"HTTP 403: {base_url}/collaboration?east=%E6%B5%99%E6%B1%9F%E7%9C%81",
                        "console error: Failed to load resource: the server responded with a status of 403 (FORBIDDEN)"]
