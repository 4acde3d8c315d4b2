"""The monitoring page in the browser (issue 17 part 6): a load renders each section once, each control updates
only what depends on it, the what-if leaves the scroll position alone, the number inputs are as wide as their
numbers, the URL keeps the shared state; no failed request, no console error (the ``page`` fixture).

The callback requests are counted as they leave the browser (``/_dash-update-component``, by their outputs);
the sections' elements are marked after the load, so that a section rendered again (a new element) is seen.
"""
from __future__ import annotations

import json

import pytest

from benchmarks import browsing
from tests.test_browser import base_url, browser, page, shots  # noqa: F401

pytestmark = pytest.mark.browser
COUNTY = "522728"  # 罗甸县, in the tiny scale
PAGES = ".._pages_content.children..._pages_store.data.."


def _record(page) -> tuple[list[str], set]:
    """The outputs of each callback request the page sends, and the requests under way."""
    sent: list[str] = []
    flying: set = set()

    def on_request(request):
        if "_dash-update-component" in request.url:
            sent.append(json.loads(request.post_data or "{}").get("output", ""))
            flying.add(request)
    page.on("request", on_request)
    page.on("requestfinished", lambda request: flying.discard(request))
    page.on("requestfailed", lambda request: flying.discard(request))
    return sent, flying


def _settled(page, flying: set, quiet_ms: int = 800) -> None:
    """No callback request under way for ``quiet_ms``."""
    calm = 0
    while calm < quiet_ms:
        page.wait_for_timeout(100)
        calm = calm + 100 if not flying else 0


def _outputs(sent: list[str]) -> set[str]:
    """The component ids a list of requests wrote to."""
    return {part.split(".")[0] for output in sent for part in output.strip(".").split("...")}


_MARK = "document.querySelectorAll('.monitoring-page .card').forEach(card => { card.__kept = true; })"
_KEPT = "[...document.querySelectorAll('.monitoring-page .card')].map(card => card.__kept === true)"


def test_each_control_updates_only_what_depends_on_it(page, base_url):
    sent, flying = _record(page)
    page.goto(base_url + f"/monitoring?region={COUNTY}&period=2025-08")
    page.wait_for_selector("#mon-sample td")
    page.wait_for_selector("#mon-whatif-map .choroplethlocation")
    _settled(page, flying)
    assert sent == [PAGES]  # one render of the page, each section in it once; no control fired on load
    cards = page.eval_on_selector_all(".monitoring-page .card", "cards => cards.length")
    assert cards == 6  # warnings, backtest, board, checks, what-if, sample
    page.evaluate(_MARK)

    # The number inputs are as wide as their numbers, not the width of their section.
    for control in ("#mon-min-score", "#mon-threshold", "#mon-size", "#mon-seed"):
        widths = page.evaluate("""selector => {
            const input = document.querySelector(selector), box = input.closest('.dash-input-container') || input;
            return [box.getBoundingClientRect().width, input.closest('.card, .controls').getBoundingClientRect().width];
        }""", control)
        assert widths[0] < 220 and widths[0] < widths[1] / 3, (control, widths)

    # The warning cut: one request, to the list and the score note only; the rest of the page stays.
    del sent[:]
    why, whatif = page.inner_text("#mon-why"), page.inner_text("#mon-whatif-summary")
    page.fill("#mon-min-score", "40")
    page.press("#mon-min-score", "Enter")
    browsing.wait_until(page, "document.querySelector('#mon-summary').innerText.includes('≥40')")
    _settled(page, flying)
    assert len(sent) == 1 and _outputs(sent) == {"mon-summary", "mon-drivers", "mon-warnings", "mon-score-note"}, sent
    assert page.evaluate(_KEPT) == [True] * cards
    assert (page.inner_text("#mon-why"), page.inner_text("#mon-whatif-summary")) == (why, whatif)
    assert "min_score=40" in page.url and "所选预警线40分" in page.inner_text("#mon-score-note")
    assert "min_score=40" in page.get_attribute("#language-link", "href")

    # The month: the map (patched), the trend's marker, the note on why, and the list; nothing below.
    del sent[:]
    page.click("#mon-period")
    page.get_by_role("option", name="2025-07", exact=True).click()
    browsing.wait_until(page, "document.querySelector('#mon-summary').innerText.startsWith('2025-07')")
    _settled(page, flying)
    assert _outputs(sent) == {"mon-map", "mon-trend", "mon-why", "mon-summary", "mon-drivers", "mon-warnings",
                              "mon-score-note"} and len(sent) == 2, sent
    assert page.evaluate(_KEPT) == [True] * cards and "period=2025-07" in page.url
    assert page.inner_text("#mon-whatif-summary") == whatif

    # The what-if: its result alone, and the page does not scroll.
    del sent[:]
    page.locator("#mon-threshold").scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    before = page.evaluate("[window.scrollY, document.querySelector('#mon-threshold').getBoundingClientRect().top]")
    threshold = int(float(page.input_value("#mon-threshold"))) + 1500
    page.fill("#mon-threshold", str(threshold))
    page.press("#mon-threshold", "Enter")
    browsing.wait_until(page, f"document.querySelector('#mon-whatif-summary').innerText !== {json.dumps(whatif)}")
    _settled(page, flying)
    after = page.evaluate("[window.scrollY, document.querySelector('#mon-threshold').getBoundingClientRect().top]")
    assert abs(after[0] - before[0]) <= 50 and abs(after[1] - before[1]) <= 50, (before, after)
    assert len(sent) == 1 and _outputs(sent) == {"mon-whatif-summary", "mon-whatif-map", "mon-whatif"}, sent
    assert page.evaluate(_KEPT) == [True] * cards
    assert f"{threshold:,}" in page.inner_text("#mon-whatif-summary") and f"threshold={threshold}" in page.url

    # The sample's size: the sample alone; the link downloads the same sample.
    del sent[:]
    page.fill("#mon-size", "12")
    page.press("#mon-size", "Enter")
    browsing.wait_until(page, "document.querySelector('#mon-sample-pdf').href.includes('size=12')")
    _settled(page, flying)
    assert len(sent) == 1 and _outputs(sent) == {"mon-sample-body"}, sent
    assert page.eval_on_selector_all("#mon-sample tbody tr:has(td)", "rows => rows.length") == 12
    assert page.evaluate(_KEPT) == [True] * cards and "size=12" in page.url

    # The link, as copied, opens the same view.
    shared = page.url
    del sent[:]
    page.goto(shared)
    page.wait_for_selector("#mon-sample td")
    _settled(page, flying)
    assert sent == [PAGES]
    assert page.input_value("#mon-min-score") == "40" and page.input_value("#mon-threshold") == str(threshold)
    assert page.input_value("#mon-size") == "12" and page.inner_text("#mon-summary").startswith("2025-07")


def test_a_provinces_sample_is_drawn_when_asked(page, base_url):
    """Above a county the load leaves the sample undrawn (one request, the page's); the button draws it with
    one request to the sample alone; a size in the link opens it drawn."""
    sent, flying = _record(page)
    page.goto(base_url + "/monitoring?region=52&period=2025-08")
    page.wait_for_selector("#mon-sample-draw")
    page.wait_for_selector("#mon-warnings td")
    _settled(page, flying)
    assert sent == [PAGES] and page.locator("#mon-sample td").count() == 0
    del sent[:]
    page.click("#mon-sample-draw")
    page.wait_for_selector("#mon-sample td")
    _settled(page, flying)
    assert len(sent) == 1 and _outputs(sent) == {"mon-sample-body"}, sent
    del sent[:]
    page.goto(base_url + "/monitoring?region=52&period=2025-08&size=7&seed=2")
    page.wait_for_selector("#mon-sample td")
    _settled(page, flying)
    assert sent == [PAGES]
    assert page.eval_on_selector_all("#mon-sample tbody tr:has(td)", "rows => rows.length") == 7
