"""The assessment workbench in the browser as the demo evaluator (issue 19): choose a class and a year, see
every county ranked with grade and progress rank, move weights and see the ranking change (not saved), open
a county's evidence down to the records, download its evidence pack — with no failed request and no console
error (the watch of tests/test_browser.py)."""
from __future__ import annotations

import subprocess

import pytest

from benchmarks import browsing
from data.definitions.schemes import get_shipped
from tests.conftest import password_of
from tests.test_browser import _api, _watched, base_url, browser, shots  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture()
def evaluator_page(browser, base_url):  # noqa: F811
    problems: list[str] = []
    page = _watched(browser, problems)
    browsing.sign_in(page, base_url, "demo_evaluator", password_of("demo_evaluator"), then="/healthz")
    yield page
    page.close()
    assert problems == []


def _names(page) -> list[str]:
    return page.eval_on_selector_all("#assess-table td[data-dash-column='name']", "cs => cs.map(c => c.innerText)")


def _choose(page, dropdown: str, option: str) -> None:
    """An option of a dropdown, opened again if the first click came while the page was still settling."""
    for attempt in range(3):
        page.click(f"#{dropdown}")
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            return
        except Exception:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")


def _to_zero(page, code: str) -> None:
    """A weight slider moved to 0 from the keyboard (Home), as a user with the keyboard does."""
    handle = page.locator(f"[id*='\"code\":\"{code}\"'] [role=slider]").first
    handle.focus()
    handle.press("Home")
    browsing.wait_until(page, f"document.querySelector(`[id*='\"code\":\"{code}\"'] [role=slider]`)"
                              ".getAttribute('aria-valuenow') === '0'")
    page.wait_for_timeout(500)  # one re-ranking at a time, as a person moves one slider after another


def test_an_evaluator_ranks_reweighs_opens_the_evidence_and_downloads_the_pack(evaluator_page, base_url, shots):  # noqa: F811
    page = evaluator_page
    expected = _api(base_url, "/api/v1/assessment/scores?class=national_key&year=2025")["counties"]
    page.goto(base_url + "/assessment?year=2024&class=all")
    page.wait_for_selector("#assess-table td")
    _choose(page, "assess-class", "国家乡村振兴重点帮扶县")
    page.wait_for_selector("#section-ranking h3 >> text=国家乡村振兴重点帮扶县 · 2024")
    _choose(page, "assess-year", "2025")
    page.wait_for_url("**year=2025**")
    page.wait_for_selector("#section-ranking h3 >> text=国家乡村振兴重点帮扶县 · 2025")
    assert _names(page) == [c["name"] for c in expected]  # every county of the class, in rank order
    grades = page.eval_on_selector_all("#assess-table td[data-dash-column='grade']", "cs => cs.map(c => c.innerText)")
    progress = page.eval_on_selector_all("#assess-table td[data-dash-column='progress_rank']",
                                         "cs => cs.map(c => c.innerText)")
    assert all(g in ("好", "较好", "一般", "差") for g in grades) and all(p.strip().isdigit() for p in progress)
    assert page.eval_on_selector_all("#assess-ranking .point", "ps => ps.length") == len(expected)
    assert "使用方案权重" in page.inner_text("#assess-whatif")
    page.wait_for_selector("#assess-robust .point", state="attached")

    before = _names(page)
    for code in ("responsibility", "policy", "work"):
        _to_zero(page, code)
    page.click("#section-ranking summary")  # the indicator weights, folded
    for code in ("risk_eliminated", "employment"):
        _to_zero(page, code)
    browsing.wait_until(page, "document.querySelector('#assess-whatif').innerText.includes('未保存')")
    browsing.wait_until(page, "document.querySelector(\"#assess-table td[data-dash-column='name']\").innerText"
                              f" !== {before[0]!r}")
    assert _names(page) == before[::-1]  # income growth alone reverses the order of the two
    page.click("#assess-reset")
    browsing.wait_until(page, "document.querySelector('#assess-whatif').innerText.includes('使用方案权重')")
    browsing.wait_until(page, "document.querySelector(\"#assess-table td[data-dash-column='name']\").innerText"
                              f" === {before[0]!r}")

    county = expected[0]
    page.click(f"#assess-table td[data-dash-column='name'] >> text={county['name']}")
    page.wait_for_url(f"**county={county['code']}**")
    page.wait_for_selector("#assess-dimensions .point")
    evidence = page.inner_text("#assess-evidence")
    for dimension in get_shipped("default").dimensions:
        assert dimension.zh in evidence
    page.click("a[id*='assess-indicator'][id*='days_to_assistance']")
    page.wait_for_url("**indicator=days_to_assistance**")
    page.wait_for_selector("#assess-records td")
    detail = page.inner_text("#assess-indicators")
    assert "固定样本" in detail and "识别到帮扶天数" in detail  # an evaluator sees the fixed sample's households
    rows = page.eval_on_selector_all("#assess-records tbody tr", "rs => rs.length")
    assert rows > 1
    page.wait_for_selector("#assess-trend .point")

    with page.expect_download() as download:
        page.click("#assess-pack-pdf")
    data = download.value.path().read_bytes()
    assert data[:5] == b"%PDF-" and download.value.suggested_filename.startswith(county["code"])
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    for dimension in get_shipped("default").dimensions:
        assert dimension.zh in text


def test_a_load_is_one_request_and_keeps_the_indicator_it_was_opened_with(evaluator_page, base_url):  # noqa: F811
    """A county's evidence opened by its address, down to an indicator's records: the page is rendered once
    (one callback request: no control fires on load, so nothing rewrites the address without the indicator
    and replaces the records), then a weight moved is one request and the records stay."""
    from tests.test_browser_monitoring import PAGES, _outputs, _record, _settled

    page = evaluator_page
    sent, flying = _record(page)
    county = _api(base_url, "/api/v1/assessment/scores?class=all")["counties"][0]["code"]
    page.goto(base_url + f"/assessment?county={county}&indicator=days_to_assistance&class=all")
    page.wait_for_selector("#assess-records td")
    _settled(page, flying)
    assert sent == [PAGES], sent
    assert "indicator=days_to_assistance" in page.url and page.query_selector("#assess-records td")

    del sent[:]
    _to_zero(page, "policy")
    browsing.wait_until(page, "document.querySelector('#assess-whatif').innerText.includes('未保存')")
    _settled(page, flying)
    assert len(sent) == 1 and _outputs(sent) == {"assess-ranking", "assess-table", "assess-whatif", "assess-robust",
                                                 "assess-grades", "assess-robust-note"}, sent
    assert page.query_selector("#assess-records td") and "indicator=days_to_assistance" in page.url


def test_a_region_chosen_is_in_the_address_and_ranks_its_counties(evaluator_page, base_url):  # noqa: F811
    page = evaluator_page
    every = _api(base_url, "/api/v1/assessment/scores?class=all")["counties"]
    province = sorted({c["code"][:2] for c in every})[0] + "0" * 10  # the first in the list (by code)
    inside = _api(base_url, f"/api/v1/assessment/scores?class=all&region={province}")["counties"]
    from tests.test_browser_monitoring import _record, _settled

    sent, flying = _record(page)
    page.goto(base_url + "/assessment?class=all")
    page.wait_for_selector("#assess-table td")
    _settled(page, flying)
    del sent[:]
    page.click("#assess-region")
    page.get_by_role("option").first.click()
    page.wait_for_url(f"**region={province}**")
    browsing.wait_until(page, "document.querySelectorAll(\"#assess-table td[data-dash-column='name']\").length"
                              f" === {len(inside)}")
    assert _names(page) == [c["name"] for c in inside]
    _settled(page, flying)
    assert len(sent) == 2, sent  # the new address, then the page rendered from it
    page.reload()  # the address alone opens the same view
    page.wait_for_selector("#assess-table td")
    assert _names(page) == [c["name"] for c in inside]
