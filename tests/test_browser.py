"""The served app in Debian's headless Chromium, offline: sign in, draw, drill by clicking, recolour,
deep-link, and what a county leader may and may not open.

Every test records failed requests and console errors and asserts there are none (this catches any
CDN or tile-server dependency). Screenshots land in docs/screenshots/. The app runs in demo mode and
each page signs in through the form; the tests' own API calls use an administrator's token.
"""
from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from pathlib import Path

import pytest

from benchmarks import browsing
from data.definitions import contract
from data.definitions.access import ROLES
from data.store import accounts
from data.store.storage import Storage, make_engine
from tests.conftest import password_of

pytestmark = pytest.mark.browser
# Set UPDATE_SCREENSHOTS=1 to refresh the committed screenshots in docs/screenshots/.
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PATHS = browsing.BASE_PATHS
VALUE_PATHS = browsing.VALUE_PATHS
API_HEADERS: dict[str, str] = {}  # the administrator's token for the tests' own API calls


@pytest.fixture(scope="module")
def base_url(tiny_instance):
    storage = Storage(make_engine(tiny_instance.database_url))
    API_HEADERS["Authorization"] = "Bearer " + accounts.make_token(storage, "demo_admin", "browser tests")
    with browsing.serve(tiny_instance.instance_dir, tiny_instance.database_url, mode="demo") as url:
        yield url
    accounts.revoke_tokens(storage, "demo_admin")


@pytest.fixture(scope="module")
def browser():
    with browsing.chromium() as browser:
        yield browser


def _aborted_icon(request) -> bool:
    """The icon's request cancelled by the next navigation (not a failure of the app)."""
    return request.url.endswith("/_favicon.ico") and "ERR_ABORTED" in (request.failure or "")


def _watched(browser, problems: list[str]):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.on("requestfailed", lambda request: _aborted_icon(request) or problems.append(
        f"failed: {request.url} {request.failure}"))
    page.on("response", lambda response: response.status >= 400 and problems.append(
        f"HTTP {response.status}: {response.url}"))
    page.on("console", lambda message: message.type in ("error", "warning") and problems.append(
        f"console {message.type}: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return page


@pytest.fixture()
def page(browser, base_url):
    """A page signed in as the demo administrator that records every failed request, console error and
    warning; the test fails if any occurred."""
    problems: list[str] = []
    page = _watched(browser, problems)
    browsing.sign_in(page, base_url, "demo_admin", password_of("demo_admin"), then="/healthz")
    yield page
    page.close()
    assert problems == []


def _api(base_url: str, path: str) -> dict:
    with urllib.request.urlopen(urllib.request.Request(base_url + path, headers=API_HEADERS)) as response:
        return json.load(response)


@pytest.fixture()
def shots(tmp_path) -> Path:
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _fills(page) -> str:
    return page.eval_on_selector_all(VALUE_PATHS, "ps => JSON.stringify(ps.map(p => getComputedStyle(p).fill))")


def _choose(page, dropdown: str, option: str) -> None:
    """Pick an option of a dropdown, typing its name first where it can be searched (a long list draws only the
    options in view)."""
    page.click(f"#{dropdown}")
    search = page.locator("input.dash-dropdown-search")
    if search.count():  # a searchable dropdown
        search.fill(option)
    page.get_by_role("option", name=option, exact=True).click()


def test_national_county_map_draws_every_county(page, base_url, shots):
    counties = _api(base_url, "/api/v1/regions?level=county")["count"]
    started = time.perf_counter()
    page.goto(base_url + "/")
    browsing.wait_for_map(page, counties)
    print(f"national county map painted in {time.perf_counter() - started:.2f}s")
    assert page.inner_text("h1") == "常态化精准帮扶监测分析平台"
    latest = _api(base_url, "/api/v1/values?metric=risk_not_eliminated_households")["period"]
    assert "风险未消除户数" in page.text_content(".colorbar") and latest in page.text_content(".colorbar")
    cards = page.inner_text("#kpis")
    for name in ("监测对象户数", "风险未消除户数", "当月新识别监测户数", "脱贫劳动力务工就业人数", "衔接资金支出进度"):
        assert name in cards
    nation = {f["metric"]: f for f in _api(base_url, "/api/v1/regions/52")["key_figures"]}
    assert nation  # the API answers key figures; the cards show the nation's
    with_data = _api(base_url, f"/api/v1/values?metric=risk_not_eliminated_households&level=county&period={latest}")
    drawn = page.eval_on_selector_all(VALUE_PATHS, "ps => ps.filter(p => p.__data__.loc).length")
    assert drawn == with_data["with_data"]  # counties without a value show the grey base beneath
    assert page.eval_on_selector_all("#ranking .point", "ps => ps.length") == min(20, with_data["with_data"])
    assert page.eval_on_selector_all("#trend .scatterlayer .trace", "ts => ts.length") == 1
    loaded = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert any("plotly-dashboard.min.js" in url for url in loaded)  # the partial bundle …
    assert not any("package_data/plotly.min.js" in url for url in loaded)  # … instead of the full one
    page.screenshot(path=str(shots / "map-national.png"))


def test_drill_from_prefecture_to_village_by_clicking(page, base_url, shots):
    in_scope = [r for r in _api(base_url, "/api/v1/regions?parent=5227")["regions"]
                if _api(base_url, f"/api/v1/regions?parent={r['code']}")["count"]]
    county = in_scope[0]["code"]
    page.goto(base_url + "/?region=5227")
    browsing.wait_for_map(page, _api(base_url, "/api/v1/regions?level=county&parent=5227")["count"])

    browsing.click_region(page, county)
    page.wait_for_url(f"**region={county}**")
    towns = _api(base_url, f"/api/v1/regions?parent={county}")["regions"]
    browsing.wait_for_map(page, len(towns))
    page.screenshot(path=str(shots / "map-county-townships.png"))

    # a township with a value (clicking one without, 斛兴街道 of the tiny data, drills into its neighbour: open)
    drawn = page.evaluate("() => { const t = document.querySelector('#map .js-plotly-plot').data[2];"
                          " return t.locations.filter((code, i) => t.z[i] !== null); }")
    towns = [town for town in towns if town["code"] in drawn] + [town for town in towns if town["code"] not in drawn]
    browsing.click_region(page, towns[0]["code"])
    page.wait_for_url(f"**region={towns[0]['code']}**")
    villages = _api(base_url, f"/api/v1/regions?parent={towns[0]['code']}")["regions"]
    browsing.wait_for_map(page, len(villages))

    browsing.click_region(page, villages[0]["code"])
    page.wait_for_url(f"**region={villages[0]['code']}**")
    page.wait_for_selector(f"#breadcrumb >> text={villages[0]['name']}")
    crumbs = page.inner_text("#breadcrumb")
    for name in ("全国", "贵州省", in_scope[0]["name"], towns[0]["name"], villages[0]["name"]):
        assert name in crumbs

    page.click(f"#breadcrumb >> text={in_scope[0]['name']}")
    page.wait_for_url(f"**region={county}**")
    browsing.wait_for_map(page, len(towns))


def test_metric_period_and_tier_changes_recolour_and_are_kept_in_the_url(page, base_url):
    page.goto(base_url + "/?region=52")
    browsing.wait_for_map(page, 88)
    fills = _fills(page)
    _choose(page, "metric", "脱贫劳动力务工就业率")
    page.wait_for_url("**metric=employment_rate**")
    browsing.wait_until(page, f"JSON.stringify([...document.querySelectorAll('{VALUE_PATHS}')].map(p => getComputedStyle(p).fill)) !== {json.dumps(fills)}")
    page.wait_for_selector(".colorbar >> text=脱贫劳动力务工就业率")
    assert "脱贫劳动力务工就业率" in page.text_content("#ranking") and "走势" in page.text_content("#trend")
    assert page.eval_on_selector_all(PATHS, "ps => ps.length") == 88  # nothing redrawn, only recoloured

    periods = _api(base_url, "/api/v1/series?metric=employment_rate&region=52")["series"]
    earlier = periods[-4]["period"]
    _choose(page, "period", earlier)
    page.wait_for_url(f"**period={earlier}**")
    page.wait_for_selector(f".colorbar >> text={earlier}")
    page.wait_for_selector(f"#kpi-labourers_employed >> text={earlier}")

    _choose(page, "metric", "脱贫户人均纯收入")  # a yearly metric brings its years
    page.wait_for_url("**metric=income_per_capita_former_poor**")
    year = _api(base_url, "/api/v1/values?metric=income_per_capita_former_poor")["period"]
    page.wait_for_url(f"**period={year}**")

    pale = page.eval_on_selector_all(PATHS, "ps => ps.map(p => getComputedStyle(p).fill)")
    page.click("#tier")
    page.get_by_role("option", name=re.compile("^国家乡村振兴重点帮扶县")).click()
    page.wait_for_url("**tier=national_key**")
    browsing.wait_until(page, f"JSON.stringify([...document.querySelectorAll('{PATHS}')].map(p => getComputedStyle(p).fill)) !== {json.dumps(json.dumps(pale))}")
    page.wait_for_selector("#map-caption >> text=浅色为不属于所选国家乡村振兴重点帮扶县")
    assert "tier=national_key" in page.get_attribute("#breadcrumb a >> nth=1", "href")


def test_deep_link_opens_the_same_view_in_english(page, base_url):
    page.goto(base_url + "/?region=52&metric=employment_rate&period=2026-06&tier=national_key&lang=en")
    browsing.wait_for_map(page, 88)
    assert page.inner_text("h1") == "Normalized Precise Assistance Dashboard"
    assert "Employment rate" in page.inner_text("#metric") and "2026-06" in page.inner_text("#period")
    assert "National key" in page.inner_text("#tier")
    page.wait_for_selector(".colorbar >> text=2026-06")
    assert "贵州省" in page.inner_text("#breadcrumb")
    page.click("#language-link")
    browsing.wait_until(page, "document.querySelector('h1').innerText === '常态化精准帮扶监测分析平台'")
    for part in ("metric=employment_rate", "region=52", "period=2026-06", "tier=national_key"):
        assert part in page.url


def test_clicking_a_ranking_bar_drills_into_that_region(page, base_url):
    page.goto(base_url + "/?region=52")
    browsing.wait_for_map(page, 88)
    top = next(v for v in _api(base_url, "/api/v1/values?metric=risk_not_eliminated_households&level=county&parent=52")["values"]
               if v.get("rank") == 1)
    box = page.locator("#ranking .point path").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**region={top['code']}**")
    page.wait_for_selector(f"#breadcrumb >> text={top['name']}")


def test_unknown_region_gets_a_page_not_a_crash(page, base_url):
    page.goto(base_url + "/?region=99")
    page.wait_for_selector("text=没有这个区划")
    page.click("text=返回全国")
    page.wait_for_selector(PATHS)


def test_data_page_shows_every_table_for_a_county(page, base_url, shots):
    county = next(r for r in _api(base_url, "/api/v1/regions?parent=5227")["regions"]
                  if _api(base_url, f"/api/v1/regions?parent={r['code']}")["count"])
    page.goto(base_url + f"/data?region={county['code']}&table=monitoring")
    page.wait_for_selector("#data-preview td")
    cards = page.inner_text("#data-counts")
    for name in ("农户", "家庭成员", "监测对象", "帮扶措施", "收入", "刚性支出", "务工就业", "产业项目", "衔接资金",
                 "东西部协作", "驻村工作队", "防止返贫监测标准", "灾害和突发事件"):
        assert name in cards
    values = page.eval_on_selector_all("#data-counts .count-value", "cs => cs.map(c => c.innerText)")
    assert len(values) == len(contract.LOAD_ORDER)  # one card per table
    assert sum(int(v.replace(",", "")) > 0 for v in values) >= 13  # pairings of a province lie in no county
    text = page.inner_text("#data-preview")
    assert "监测对象类别" in text and ("脱贫不稳定户" in text or "边缘易致贫户" in text or "突发严重困难户" in text)
    page.screenshot(path=str(shots / "data-county-monitoring.png"))


def test_upload_page_imports_with_progress_and_reports_problems(page, base_url, tiny_instance, tmp_path, shots):
    from data.ingest.exporter import export_table
    from data.store.storage import make_engine
    from tests.conftest import ADMIN

    engine = make_engine(tiny_instance.database_url)
    good = tmp_path / "teams.csv"
    export_table(engine, ADMIN, "teams", good)
    lines = good.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    broken = lines[1].split(",")
    broken[header.index("team_size")] = "-3"
    bad = tmp_path / "teams-bad.csv"
    bad.write_text("\n".join([lines[0], ",".join(broken)] + lines[2:5]) + "\n", encoding="utf-8")

    page.goto(base_url + "/upload?table=teams")
    page.wait_for_selector("#upload-file input[type=file]", state="attached")
    page.set_input_files("#upload-file input[type=file]", str(bad))
    page.wait_for_selector("#upload-result .error")
    assert "导入被拒绝" in page.inner_text("#upload-result")
    assert "-3" in page.inner_text("#upload-problems") and "不能小于 1" in page.inner_text("#upload-problems")
    assert "teams-bad.csv" in page.inner_text("#import-log") and "rejected" in page.inner_text("#import-log")
    with page.expect_download() as download:
        page.click("#upload-download-button")
    report = download.value.path().read_text(encoding="utf-8-sig")
    assert report.startswith("row,column,value,reason_zh,reason_en") and ",team_size,-3," in report
    page.screenshot(path=str(shots / "upload-rejected.png"), full_page=True)

    page.set_input_files("#upload-file input[type=file]", str(good))
    page.wait_for_selector("#upload-result .ok", timeout=30_000)
    assert "导入成功" in page.inner_text("#upload-result")
    assert page.get_attribute("#upload-progress", "value") == page.get_attribute("#upload-progress", "max")
    response = page.request.get(base_url + "/api/v1/templates/teams.xlsx")
    assert response.status == 200 and response.body()[:2] == b"PK"


def test_county_profile_prints_every_section_and_downloads_its_tables(page, base_url, shots):
    county = next(r for r in _api(base_url, "/api/v1/regions?parent=5227")["regions"]
                  if r["code"] == "522728000000")  # 罗甸县: a national key county with household detail
    page.goto(base_url + "/?region=522728000000")
    page.click("#profile-link")
    page.wait_for_url("**/region/522728000000**")
    towns = _api(base_url, "/api/v1/regions?parent=522728")["count"]
    browsing.wait_until(page,
        f"document.querySelectorAll('#profile-map .choroplethlayer > .trace:first-child .choroplethlocation').length === {towns}")
    assert f"{county['name']}画像" in page.inner_text("h2")
    for badge in ("国家乡村振兴重点帮扶县", "东西部协作结对县"):
        assert badge in page.inner_text(".profile-header")
    for title in ("主要指标", "防止返贫监测", "务工就业", "产业项目", "衔接资金", "东西部协作与驻村帮扶", "辖区地图"):
        assert title in page.inner_text(".profile")
    key_rows = page.eval_on_selector_all("#section-key_figures tbody tr", "rs => rs.length")
    assert key_rows == len(_api(base_url, "/api/v1/regions/522728")["key_figures"]) + 1  # + the header row
    assert "广东省" in page.inner_text("#section-pairing")

    with page.expect_download() as download:
        page.click("#section-projects button >> text=下载 CSV")
    text = download.value.path().read_text(encoding="utf-8")
    assert text.startswith("\ufeff项目编码 / id,") and download.value.suggested_filename == "522728000000-projects.csv"
    with page.expect_download() as download:
        page.click("#section-funds button >> text=下载 XLSX")
    assert download.value.path().read_bytes()[:2] == b"PK"

    first = page.inner_text("#section-projects tbody tr:nth-child(2)")
    page.click("#section-projects th:has-text('资金合计') .column-header--sort")  # sort by funds
    browsing.wait_until(page, f"document.querySelector('#section-projects tbody tr:nth-child(2)').innerText !== {json.dumps(first)}")

    fills = page.eval_on_selector_all("#profile-map .choroplethlayer > .trace:last-child .choroplethlocation",
                                      "ps => JSON.stringify(ps.map(p => getComputedStyle(p).fill))")
    _choose(page, "profile-metric", "脱贫劳动力务工就业率")
    browsing.wait_until(page, "JSON.stringify([...document.querySelectorAll('#profile-map .choroplethlayer > .trace:last-child "
                              f".choroplethlocation')].map(p => getComputedStyle(p).fill)) !== {json.dumps(fills)}")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "county-profile.png"), full_page=True)
    page.emulate_media(media="print")
    assert page.is_hidden(".header nav") and page.is_hidden("#section-projects .downloads")


def test_sign_in_lists_the_demo_accounts_and_refuses_a_wrong_password(browser, base_url, shots):
    problems: list[str] = []
    page = _watched(browser, problems)
    page.goto(base_url + "/?region=522728")
    page.wait_for_url("**/login?next=**")
    table = page.inner_text("#demo-accounts")
    for role in ROLES:
        assert f"demo_{role}" in table and password_of(f"demo_{role}") in table
    page.screenshot(path=str(shots / "sign-in-demo.png"))
    page.fill("#name", "demo_county")
    page.fill("#password", "not the password")
    page.click("#login-submit")
    page.wait_for_selector("#login-message >> text=用户名或密码错误")
    page.fill("#name", "demo_county")
    page.fill("#password", password_of("demo_county"))
    with page.expect_navigation():
        page.click("#login-submit")
    page.wait_for_url("**/?region=522728")  # back where the user was going
    browsing.wait_for_map(page, _api(base_url, "/api/v1/regions?parent=522728")["count"])
    page.close()
    assert problems == []


def test_a_county_leader_sees_her_county_only_and_signs_out(browser, base_url, shots):
    problems: list[str] = []
    page = _watched(browser, problems)
    browsing.sign_in(page, base_url, "demo_county", password_of("demo_county"))
    towns = _api(base_url, "/api/v1/regions?parent=522728")["count"]
    browsing.wait_for_map(page, towns)  # her county's townships, without asking
    assert "罗甸县" in page.inner_text("#breadcrumb")
    assert page.eval_on_selector_all("#breadcrumb a", "links => links.map(a => a.innerText)") == ["罗甸县"]
    assert "数据导入" not in page.inner_text("nav") and "demo_county" in page.inner_text("#user-box")

    page.goto(base_url + "/region/522727000000")  # a neighbouring county
    page.wait_for_selector("#refused >> text=无权查看该区划")
    page.goto(base_url + "/?region=522728")
    browsing.wait_for_map(page, towns)
    with page.expect_navigation():
        page.click("#logout")
    page.wait_for_url("**/login")
    page.goto(base_url + "/")
    page.wait_for_url("**/login?next=**")
    page.close()
    assert problems == [f"HTTP 403: {base_url}/region/522727000000",
                        "console error: Failed to load resource: the server responded with a status of 403 (FORBIDDEN)"]


def test_monitoring_page_explains_the_flood_and_its_controls_rewrite_the_url(page, base_url, shots):
    page.goto(base_url + "/monitoring?region=522728&period=2025-08")
    page.wait_for_selector("#mon-warnings td")
    assert "洪涝" in page.inner_text("#mon-why")
    page.wait_for_selector("#mon-map .choroplethlocation")
    page.screenshot(path=str(shots / "monitoring-flood-county.png"), full_page=True)
    page.fill("#mon-min-score", "40")
    page.press("#mon-min-score", "Enter")
    page.wait_for_url("**min_score=40**")
    page.wait_for_selector("#mon-warnings td")
    assert "format=pdf" in page.get_attribute("#mon-sample-pdf", "href")  # the download itself: tests/test_monitoring.py


# -- the county leader prints her profile and takes the report (issue 17 part 3; tests/test_report.py) --
_BLOCKING_PRINT = """window.__prints = []; window.print = function () {
  window.__prints.push([...document.querySelectorAll('.profile .js-plotly-plot')].map(g => g._fullLayout.width));
  var until = Date.now() + 600; while (Date.now() < until) {}  /* the dialog is modal */
};"""


def test_a_county_leader_prints_her_profile_once_fitted_and_downloads_its_report(browser, base_url, shots):
    problems: list[str] = []
    page = _watched(browser, problems)
    page.add_init_script(_BLOCKING_PRINT)
    browsing.sign_in(page, base_url, "demo_county", password_of("demo_county"), then="/region/522728000000")
    page.wait_for_selector("#profile-map .choroplethlocation")
    wide = page.eval_on_selector_all(".profile .js-plotly-plot", "gs => gs.map(g => g._fullLayout.width)")
    assert max(wide) > 700  # the map and the wide charts are wider than an A4 page on this screen
    page.click("#profile-print")
    page.click("#profile-print")  # pressed again as the dialog closes: not a second dialog
    page.wait_for_timeout(300)
    prints = page.evaluate("window.__prints")
    assert len(prints) == 1 and max(prints[0]) <= 700 and len(prints[0]) == len(wide)
    browsing.wait_until(page, "Math.max(...[...document.querySelectorAll('.profile .js-plotly-plot')]"
                              f".map(g => g._fullLayout.width)) === {max(wide)}")  # back to the screen's width
    page.wait_for_timeout(900)
    page.click("#profile-print")
    assert len(page.evaluate("window.__prints")) == 2

    rows = page.eval_on_selector_all("#section-monitoring tbody tr td:first-child", "cs => cs.map(c => c.innerText)")
    assert len(rows) > 15 and rows == sorted(rows, reverse=True)  # every month, the latest first
    page.emulate_media(media="print")
    assert page.is_hidden("#profile-print") and page.is_hidden("#section-projects .downloads")
    assert page.eval_on_selector_all(".previous-next-container", "ps => ps.length") == 0  # no pager
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.click("#profile-report-pdf")
    assert download.value.path().read_bytes()[:5] == b"%PDF-"
    assert download.value.suggested_filename == "522728000000-罗甸县画像.pdf"
    page.close()
    assert problems == []
