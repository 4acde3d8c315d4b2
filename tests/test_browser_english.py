"""English and a narrow screen in the browser (issue 17 part 7): a county leader follows an English link,
signs in and lands on the English map, which at 768 px takes the full width with its legend below the plot
area and the ranking and trend below the map. Offline: zero failed requests, zero console errors.

The screenshot docs/screenshots/map-768.png is written by this test.
"""
from __future__ import annotations

import pytest

from benchmarks import browsing
from tests.conftest import password_of
from tests.test_browser import SCREENSHOTS, _api, _watched, base_url, browser, page, shots  # noqa: F401

pytestmark = pytest.mark.browser
COUNTY = "522728000000"
NARROW = {"width": 768, "height": 1024}

_BOXES = """() => {
  const graph = document.querySelector('#map .js-plotly-plot'), full = graph._fullLayout, size = full._size;
  const frame = graph.getBoundingClientRect(), domain = full.geo.domain;
  const box = e => { const r = e.getBoundingClientRect(); return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  return {
    viewport: window.innerWidth, map: box(document.querySelector('#map')),
    plot: {left: frame.left + size.l + domain.x[0] * size.w, right: frame.left + size.l + domain.x[1] * size.w,
           top: frame.top + size.t + (1 - domain.y[1]) * size.h, bottom: frame.top + size.t + (1 - domain.y[0]) * size.h},
    units: box(document.querySelector('#map .choroplethlayer')),
    legend: box(document.querySelector('#map .colorbar')),
    side: box(document.querySelector('.map-page .side')),
  };
}"""


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def test_an_english_link_signs_in_in_english_and_the_map_fits_768_px(browser, base_url):
    problems: list[str] = []
    page = _watched(browser, problems)
    page.set_viewport_size(NARROW)
    page.goto(base_url + f"/?region={COUNTY}&lang=en")
    page.wait_for_url("**/login?**lang=en**")
    assert page.get_attribute("html", "lang") == "en" and page.inner_text("#login-submit") == "Sign in"
    page.fill("#name", "demo_county")
    page.fill("#password", password_of("demo_county"))
    with page.expect_navigation():
        page.click("#login-submit")
    page.wait_for_url(f"**/?region={COUNTY}&lang=en")
    towns = _api(base_url, f"/api/v1/regions?parent={COUNTY[:6]}")["count"]
    browsing.wait_for_map(page, towns)
    assert page.inner_text("h1") == "Normalized Precise Assistance Dashboard"
    assert page.title().endswith("Normalized Precise Assistance Dashboard")
    page.wait_for_selector("#map .colorbar")

    boxes = page.evaluate(_BOXES)
    width = boxes["map"]["right"] - boxes["map"]["left"]
    print(f"at {boxes['viewport']} px: map {width:.0f} px wide, legend {boxes['legend']}, plot area {boxes['plot']}")
    assert width >= 0.9 * boxes["viewport"], boxes
    assert not _overlap(boxes["legend"], boxes["plot"]), boxes  # the legend lies below the plot area
    assert not _overlap(boxes["legend"], boxes["units"]), boxes
    assert boxes["legend"]["top"] >= boxes["plot"]["bottom"] - 1 and boxes["legend"]["bottom"] <= boxes["map"]["bottom"] + 1
    assert boxes["side"]["top"] >= boxes["map"]["bottom"], boxes  # ranking and trend below the map
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "map-768.png"), full_page=True,  # the page down to the map's legend
                    clip={"x": 0, "y": 0, "width": NARROW["width"], "height": boxes["map"]["bottom"] + 12})

    page.set_viewport_size({"width": 1400, "height": 900})  # wide again: side by side, the legend still below
    browsing.wait_until(page, "document.querySelector('.map-page .side').getBoundingClientRect().top < "
                              "document.querySelector('#map').getBoundingClientRect().bottom")
    page.wait_for_timeout(300)  # plotly's resize
    boxes = page.evaluate(_BOXES)
    assert not _overlap(boxes["legend"], boxes["plot"]) and not _overlap(boxes["legend"], boxes["units"]), boxes
    page.close()
    assert problems == []


def test_the_english_data_page_in_the_browser_shows_terms_not_codes(page, base_url):
    page.goto(base_url + f"/data?region={COUNTY}&table=monitoring&lang=en")
    page.wait_for_selector("#data-preview td")
    headers = page.inner_text("#data-preview thead") if page.query_selector("#data-preview thead") else \
        page.inner_text("#data-preview")
    assert "Category" in headers and "household_id" not in headers
    text = page.inner_text("#data-preview")
    assert any(term in text for term in ("unstable former-poor household", "marginal household at risk of poverty",
                                         "household in sudden severe hardship"))
    assert "unstable_former_poor" not in text and "sudden_hardship" not in text
    assert "Monitored households" in page.inner_text("#data-counts")
