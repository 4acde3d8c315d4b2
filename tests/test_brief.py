"""The month in sentences (data/read/brief.py, /api/v1/brief, the top of the region profile) on the tiny database.

Every number a sentence carries is checked against the API's own answer for that metric, region and period
(/api/v1/values, /api/v1/series, /api/v1/metrics, /api/v1/monitoring/board) and against the sentence's text;
the month's largest change is computed here from the series, independently of the brief.
"""
from __future__ import annotations

import re
import statistics
from urllib.parse import parse_qs, urlsplit

import pytest
from dash import dcc

from data.definitions import metrics
from data.read import brief, cube, profile
from layouts import region_page
from tests.conftest import ADMIN, sign_in

COUNTY = "522728000000"  # 罗甸县, the demo county leader's county
TOWNSHIP = "522728107000"  # a township of it: its siblings have figures (peer sentences)
PROVINCE = "520000000000"
MONTHLY = [code for code in cube.KEY_FIGURES if metrics.get(code).grain == "month"]
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")


class Api:
    """The API's answers, each asked once a test."""

    def __init__(self, client, storage):
        self.client, self.storage, self.seen, self.peers = client, storage, {}, {}

    def get(self, url: str) -> dict:
        if url not in self.seen:
            response = self.client.get(url)
            assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
            self.seen[url] = response.get_json()
        return self.seen[url]

    def parent(self, code: str) -> str:
        return self.get(f"/api/v1/regions/{code}")["parent_code"]

    def values(self, metric: str, code: str, period: str) -> dict:
        """The metric over the region and its siblings (the provinces for a province)."""
        parent = self.parent(code)
        return self.get(f"/api/v1/values?metric={metric}&period={period}" + (f"&parent={parent}" if parent else ""))

    def value_row(self, metric: str, code: str, period: str) -> dict:
        return next(row for row in self.values(metric, code, period)["values"] if row["code"] == code)

    def series(self, metric: str, code: str) -> dict[str, float | None]:
        answer = self.get(f"/api/v1/series?metric={metric}&region={code}")
        return {p["period"]: p["value"] for p in answer["series"]}

    def peers_rows(self, metric: str, code: str, period: str) -> list[dict]:
        """The rows a region's peers come from: the counties of its province for a county, else its siblings."""
        if code[6:] == "000000" and code[4:6] != "00":
            url = f"/api/v1/values?metric={metric}&level=county&parent={code[:2]}&period={period}"
        else:
            return self.values(metric, code, period)["values"]
        return self.get(url)["values"]

    def peer_codes(self, code: str) -> set[str]:
        """The region's peers by the one peer rule (data/read/peers.py, as the profile applies it)."""
        if code not in self.peers:
            place = profile.region(self.storage, ADMIN, code)
            self.peers[code] = set(profile.comparison(self.storage, ADMIN, place).peers.codes)
        return self.peers[code]


def _digits(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text.replace(",", "")))


def _check_numbers(api: Api, answer: dict) -> int:
    """Assert every number of every sentence against the API; returns how many were checked."""
    checked = 0
    region = answer["region"]["code"]
    for sentence in answer["sentences"]:
        for number in sentence["numbers"]:
            name, value, metric, period = number["name"], number["value"], number["metric"], number["period"]
            assert number["text"] in sentence["text"], (number, sentence["text"])
            if name != "relative":
                assert _digits(number["text"]) == pytest.approx(abs(value)), number
            if name in ("value", "previous", "change") and number["region"] == region:
                row = api.value_row(metric, region, answer["period"])
                expected = {"value": row["value"], "previous": row["previous"], "change": row["change"]}[name]
                if name == "previous":
                    assert period == api.values(metric, region, answer["period"])["previous_period"]
                assert value == expected, (name, metric, value, expected)
                if name != "change":
                    assert api.series(metric, region)[period] == value
            elif name in ("last_year", "change_year"):
                series = api.series(metric, region)
                last_year = f"{int(answer['period'][:4]) - 1}{answer['period'][4:]}"  # the same month last year
                assert answer["same_month_last_year"] == last_year
                assert period == (last_year if name == "last_year" else answer["period"])
                before = series[last_year]
                assert value == (before if name == "last_year" else round(series[answer["period"]] - before, 2))
            elif name == "relative":
                series = api.series(metric, region)
                now, before = series[answer["period"]], series[answer["previous_period"]]
                assert value == round(100 * (now - before) / abs(before), 1)
                assert number["text"] == f"{value:+.1f}%"
            elif name == "peers_median":
                rows = [r for r in api.peers_rows(metric, region, period) if r["code"] in sentence["peers"]]
                present = [r["value"] for r in rows if r["value"] is not None]
                assert len(present) == len(sentence["peers"]) and set(sentence["peers"]) <= api.peer_codes(region)
                assert value == round(statistics.median(present), metrics.get(metric).decimals)
            elif name == "peers_with_data":
                if metric is not None:
                    assert value == len(sentence["peers"])
                else:  # "too few" / "none at the ends": the most peers with figures in any of the month's metrics
                    assert value == max(sum(r["value"] is not None for r in api.peers_rows(m, region, period)
                                            if r["code"] in api.peer_codes(region)) for m in MONTHLY)
            elif name == "target":
                catalog = api.get("/api/v1/metrics")["metrics"]
                target = next(m for m in catalog if m["code"] == metric)["target"]
                assert target is not None and value == target
            elif name in ("overdue", "cases"):
                board = api.get(f"/api/v1/monitoring/board?region={region}")
                assert (value, period) == (board[name], board["as_of"])
            elif name in ("identification_days", "measure_days"):
                assert value == api.get(f"/api/v1/monitoring/board?region={region}")["targets"][name]
            else:
                raise AssertionError(f"a number the test does not check: {number}")
            checked += 1
    return checked


def _expected_largest(api: Api, region: str, period: str) -> str | None:
    """The month's largest change, from the series: the largest |now − before| / |before| (before ≠ 0)."""
    best, size = None, -1.0
    for metric in MONTHLY:
        series = api.series(metric, region)
        periods = list(series)
        before = series[periods[periods.index(period) - 1]] if periods.index(period) > 0 else None
        now = series[period]
        if now is None or not before:
            continue
        if abs(now - before) / abs(before) > size:
            best, size = metric, abs(now - before) / abs(before)
    return best


@pytest.fixture()
def api(client, app):
    return Api(client, app.storage)


@pytest.mark.parametrize("region, period", [(COUNTY, None), (COUNTY, "2026-03"), (TOWNSHIP, None),
                                            (PROVINCE, "2025-12")])
def test_every_number_of_the_brief_is_the_apis(api, region, period):
    answer = api.get(f"/api/v1/brief?region={region}" + (f"&period={period}" if period else ""))
    assert answer["has_data"] and answer["period"] == (period or "2026-10")
    kinds = [s["kind"] for s in answer["sentences"]]
    assert kinds[0] == "largest" and "overdue" in kinds and kinds.count("change") == len(MONTHLY) - 1
    assert _check_numbers(api, answer) >= 25
    if region == TOWNSHIP:  # the township is an end of its siblings in some figure of the tiny data
        assert any(k.startswith("peer_") for k in kinds)


def test_the_brief_names_the_months_largest_change(api):
    for region in (COUNTY, TOWNSHIP, PROVINCE):
        for period in ("2025-11", "2026-02", "2026-06", "2026-10"):
            answer = api.get(f"/api/v1/brief?region={region}&period={period}")
            expected = _expected_largest(api, region, period)
            first = answer["sentences"][0]
            assert expected is not None and (first["kind"], first["metric"]) == ("largest", expected), (region, period)
            assert metrics.get(expected).zh in first["text"]
            assert [s["metric"] for s in answer["sentences"] if s["kind"] == "change"] == \
                [m for m in MONTHLY if m != expected]


def test_the_largest_change_rule():
    rows = [{"metric": "a", "value": 5, "previous": 0}, {"metric": "b", "value": 110, "previous": 100},
            {"metric": "c", "value": 44, "previous": 50}, {"metric": "d", "value": 1, "previous": None},
            {"metric": "e", "value": 90, "previous": 100}]
    assert brief.largest_change(rows)["metric"] == "c"  # −12 % beats +10 %; from 0 and from nothing take no part
    assert brief.largest_change(rows[:1] + rows[3:4]) is None
    assert brief.largest_change([rows[1], rows[4]])["metric"] == "b"  # a tie: the earlier figure
    assert brief.relative_change(45, 50) == -10.0 and brief.relative_change(1, 0) is None


def test_the_peer_rule():
    rows = [{"code": c, "value": v} for c, v in (("a", 10), ("b", 20), ("c", 30), ("d", None))]
    assert brief.standing(rows, "a", "higher_better") == "worst" and brief.standing(rows, "c", "higher_better") == "best"
    assert brief.standing(rows, "a", "higher_worse") == "best" and brief.standing(rows, "b", "higher_worse") is None
    assert brief.standing(rows, "a", None) is None and brief.standing(rows, "d", "higher_better") is None
    assert brief.standing(rows[:2], "a", "higher_better") is None  # fewer than MIN_PEERS with figures
    tied = [{"code": c, "value": v} for c, v in (("a", 0), ("b", 0), ("c", 0), ("d", 4))]
    assert brief.standing(tied, "a", "higher_worse") is None  # the end half the group shares is the median


def test_english_and_chinese_both_render(api):
    chinese = api.get(f"/api/v1/brief?region={TOWNSHIP}")
    english = api.get(f"/api/v1/brief?region={TOWNSHIP}&lang=en")
    assert (chinese["lang"], english["lang"]) == ("zh", "en")
    assert [s["kind"] for s in chinese["sentences"]] == [s["kind"] for s in english["sentences"]]
    for zh, en in zip(chinese["sentences"], english["sentences"]):
        assert [(n["name"], n["value"]) for n in zh["numbers"]] == [(n["name"], n["value"]) for n in en["numbers"]]
        assert CJK.search(zh["text"]) and not CJK.search(en["text"]), en["text"]
        if zh["metric"]:
            assert metrics.get(zh["metric"]).zh in zh["text"] and metrics.get(en["metric"]).en in en["text"]
        assert all(link["url"].endswith("lang=en") for link in en["links"])
    assert not CJK.search(english["rules"]["largest"] + english["rules"]["unusual"])
    assert "户" in chinese["sentences"][1]["text"] and "households" in english["sentences"][1]["text"]


def test_each_sentence_links_to_the_chart_or_list_behind_it(api):
    answer = api.get(f"/api/v1/brief?region={COUNTY}")
    for sentence in answer["sentences"]:
        for link in sentence["links"]:
            url = urlsplit(link["url"])
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            assert query["region"] == COUNTY and query["period"] == answer["period"]
            if link["kind"] == "map":
                assert url.path == "/" and query["metric"] == sentence["metric"]
            else:
                assert (link["kind"], url.path, sentence["kind"]) == ("monitoring", "/monitoring", "overdue")
    assert all(s["links"] for s in answer["sentences"] if s["kind"] not in ("peers_few", "peers_none"))


def test_a_region_outside_the_scope_is_refused(app):
    county = sign_in(app.server.test_client(), "demo_county")
    assert county.get(f"/api/v1/brief?region={COUNTY}").status_code == 200
    other = next(r["code"] for r in app.storage.regions(ADMIN, level="county", parent="53"))
    for code in (other, "522731000000", PROVINCE):  # another province; a peer county; his province (figures only)
        response = county.get(f"/api/v1/brief?region={code}")
        assert response.status_code == 403, (code, response.get_data(as_text=True)[:200])


def test_a_month_without_figures_is_said_so(api, client):
    for period, lang, words in (("1999-01", "zh", "暂无数据"), ("2030-06", "en", "No data")):
        answer = api.get(f"/api/v1/brief?region={COUNTY}&period={period}&lang={lang}")
        assert not answer["has_data"] and [s["kind"] for s in answer["sentences"]] == ["no_data"]
        assert period in answer["sentences"][0]["text"] and words in answer["sentences"][0]["text"]
    empty = api.get("/api/v1/brief?region=110000000000")  # Beijing: no households in the tiny data
    assert [s["kind"] for s in empty["sentences"]] == ["no_data"] and "本地区暂无数据" in empty["sentences"][0]["text"]
    assert client.get(f"/api/v1/brief?region={COUNTY}&period=2026-13").status_code == 400
    assert client.get("/api/v1/brief?period=2026-10").status_code == 400  # the region is required


def test_the_profile_opens_with_the_brief(app, as_user):
    with as_user("demo_county") as access:  # the demo county leader, on his county's profile
        page = region_page.layout(app.storage, access, code=COUNTY, lang="en")
    found = _find(page, "section-brief")
    assert found is not None
    texts = _texts(found)
    sentences = brief.brief(app.storage, access, COUNTY, lang="en")["sentences"]
    assert all(any(s["text"] in text for text in texts) for s in sentences)
    hrefs = [c.href for c in _walk(found) if isinstance(c, dcc.Link)]
    assert hrefs == [link["url"] for s in sentences for link in s["links"]]
    assert not any(CJK.search(text) for text in texts), texts  # the English page, title and links included
    profile_sections = [c.id for c in _walk(page) if getattr(c, "id", None) and str(c.id).startswith("section-")]
    assert profile_sections[0] == "section-brief"


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            yield from _walk(child)


def _find(component, wanted: str):
    return next((c for c in _walk(component) if getattr(c, "id", None) == wanted), None)


def _texts(component) -> list[str]:
    """The text of each element (its string children joined)."""
    found = []
    for c in _walk(component):
        children = getattr(c, "children", None)
        parts = children if isinstance(children, list) else [children]
        found.append("".join(p for p in parts if isinstance(p, str)))
    return found


def test_the_route_is_described_with_the_catalogs_closed_sets(client):
    from data.definitions.messages import LANGUAGES

    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/brief"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert [name for name, p in parameters.items() if p["required"]] == ["region"]
    assert parameters["lang"]["schema"]["enum"] == list(LANGUAGES) and parameters["lang"]["schema"]["default"] == "zh"
    assert "pattern" in parameters["period"]["schema"] and "403" in operation["responses"]


def test_one_is_singular_in_english():
    """"1 household", "1 person", "1 day" (issue 17 part 5): the English unit of a count of one is the catalog's
    singular; other counts, decimals, changes and Chinese keep the unit as it is."""
    households, people, days = (metrics.get(c) for c in ("monitored_households", "labourers_employed",
                                                         "median_days_to_assistance"))
    assert brief.number_text(1, households, "en") == "1 household"
    assert brief.number_text(-1, households, "en", change=True) == "1 household"
    assert brief.number_text(1, people, "en") == "1 person" and brief.number_text(1, days, "en") == "1 day"
    assert brief.number_text(2, households, "en") == "2 households" and brief.number_text(0, days, "en") == "0 days"
    assert brief.number_text(1, households, "zh") == "1 户"
    assert brief.number_text(1.5, days, "en") == f"{1.5:.{days.decimals}f} days"


def test_no_english_brief_says_one_of_a_plural(api):
    plural = re.compile(r"(?<![\d.,])1 (households|people|days|projects|teams|enterprises)\b")
    for region in (COUNTY, TOWNSHIP):
        for period in ("2025-11", "2026-02", "2026-06", "2026-10"):
            for sentence in api.get(f"/api/v1/brief?region={region}&period={period}&lang=en")["sentences"]:
                assert not plural.search(sentence["text"]), sentence["text"]
