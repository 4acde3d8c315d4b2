"""The East–West collaboration page's pure figures and tables (layouts/figures_collaboration.py) on small
hand-made frames, and the page, its callbacks and its report on the tiny database."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from layouts import figures_collaboration as fc
from tests.test_pages import proper_names  # noqa: F401  (the fixture)

AID = fc.Indicator("fiscal_aid", "财政援助资金", "万元", 1e4)
JOBS = fc.Indicator("workers_helped", "帮助农村劳动力就业", "人")


def _long() -> pd.DataFrame:
    """Three western counties, two indicators: A over target on both, B under on aid, C without a target on
    jobs and with no last year on aid."""
    return pd.DataFrame([
        {"west_code": "522728000000", "west_name": "罗甸县", "indicator": "fiscal_aid", "target": 1_000_000,
         "result": 1_200_000, "last_year": 900_000, "national_key": True},
        {"west_code": "522728000000", "west_name": "罗甸县", "indicator": "workers_helped", "target": 500,
         "result": 550, "last_year": 480, "national_key": True},
        {"west_code": "522727000000", "west_name": "平塘县", "indicator": "fiscal_aid", "target": 2_000_000,
         "result": 1_500_000, "last_year": 1_600_000, "national_key": False},
        {"west_code": "522727000000", "west_name": "平塘县", "indicator": "workers_helped", "target": 400,
         "result": 420, "last_year": 400, "national_key": False},
        {"west_code": "522726000000", "west_name": "独山县", "indicator": "fiscal_aid", "target": 800_000,
         "result": 880_000, "last_year": None, "national_key": False},
        {"west_code": "522726000000", "west_name": "独山县", "indicator": "workers_helped", "target": None,
         "result": 300, "last_year": 250, "national_key": False},
    ])


def _wide() -> pd.DataFrame:
    return fc.ledger_wide(_long(), ["fiscal_aid", "workers_helped"])


def test_the_ledger_has_one_row_per_region_with_completion_and_change():
    wide = _wide()
    assert list(wide["code"]) == ["522728000000", "522727000000", "522726000000"]
    row = wide.set_index("code").loc["522727000000"]
    assert row["fiscal_aid__completion"] == pytest.approx(75.0)
    assert row["fiscal_aid__change"] == pytest.approx(-100_000)
    assert row["workers_helped__completion"] == pytest.approx(105.0)
    assert row["overall"] == pytest.approx(90.0) and row["under"] == 1
    dushan = wide.set_index("code").loc["522726000000"]
    assert pd.isna(dushan["workers_helped__completion"]) and pd.isna(dushan["fiscal_aid__change"])
    assert dushan["overall"] == pytest.approx(110.0)  # the indicator without a target does not count
    assert fc.completion(5, 0) is None and fc.completion(None, 5) is None


def test_totals_are_sums_and_the_completion_of_the_sums():
    totals = fc.ledger_totals(_wide(), ["fiscal_aid", "workers_helped"])
    assert totals["code"] == fc.TOTAL_CODE
    assert totals["fiscal_aid__target"] == 3_800_000 and totals["fiscal_aid__result"] == 3_580_000
    assert totals["fiscal_aid__completion"] == pytest.approx(3_580_000 / 3_800_000 * 100)
    assert totals["workers_helped__target"] == 900 and totals["workers_helped__result"] == 1270


def test_cells_under_target_carry_a_text_marker_and_a_style():
    table = fc.ledger_table(_wide(), [AID, JOBS], "zh")
    rows = {r["code"]: r for r in table["data"]}
    assert "▼" in rows["522727000000"]["fiscal_aid__completion"]  # 75 %: under target, in text
    assert "75.0%" in rows["522727000000"]["fiscal_aid__completion"]
    assert "▼" not in rows["522728000000"]["fiscal_aid__completion"]
    assert rows["522726000000"]["workers_helped__completion"] == "—"
    assert rows["522728000000"]["fiscal_aid__result"] == "120"  # 万元
    assert rows["522727000000"]["fiscal_aid__change"] == "-10"
    assert "重点" in rows["522728000000"]["name"]  # a national key county is named so
    flagged = [s for s in table["style_data_conditional"] if s["if"].get("column_id") == "fiscal_aid__completion"]
    assert flagged and "▼" in flagged[0]["if"]["filter_query"] and flagged[0]["backgroundColor"] == fc.UNDER_FILL
    assert table["data"][-1]["code"] == fc.TOTAL_CODE and table["data"][-1]["name"] == "合计"
    groups = {c["name"][0] for c in table["columns"]}
    assert "财政援助资金（万元）" in groups and "帮助农村劳动力就业（人）" in groups
    parts = [c["name"][1] for c in table["columns"] if c["name"][0] == "财政援助资金（万元）"]
    assert parts == ["目标", "完成", "完成率", "上年", "同比增减"]
    english = fc.ledger_table(_wide(), [AID, JOBS], "en")
    assert english["data"][-1]["name"] == "Total" and "below target" in english["data"][1]["fiscal_aid__completion"]


def test_sorting_is_on_the_numbers_keeps_totals_last_and_worst_first_is_one_sort():
    rows = fc.ledger_table(_wide(), [AID, JOBS], "zh")["data"]
    worst = fc.sort_rows(rows, fc.WORST_FIRST)
    assert [r["code"] for r in worst] == ["522727000000", "522726000000", "522728000000", fc.TOTAL_CODE]
    by_result = fc.sort_rows(rows, [{"column_id": "fiscal_aid__result", "direction": "desc"}])
    assert [r["code"] for r in by_result][:3] == ["522727000000", "522728000000", "522726000000"]
    # missing values last in both directions
    jobs = fc.sort_rows(rows, [{"column_id": "workers_helped__completion", "direction": "asc"}])
    assert jobs[2]["code"] == "522726000000" and jobs[3]["code"] == fc.TOTAL_CODE
    jobs = fc.sort_rows(rows, [{"column_id": "workers_helped__completion", "direction": "desc"}])
    assert jobs[2]["code"] == "522726000000"
    by_name = fc.sort_rows(rows, [{"column_id": "name", "direction": "asc"}])
    assert [r["code"] for r in by_name][:3] == sorted([r["code"] for r in rows[:3]], key=lambda c: {
        "522728000000": "罗甸县", "522727000000": "平塘县", "522726000000": "独山县"}[c])
    # anything the browser sends that is not a column is ignored
    assert fc.sort_rows(rows, [{"column_id": "nope"}, "x", None]) == fc.sort_rows(rows, None)


def test_the_export_has_numbers_in_their_unit_and_names_the_indicators_under_target():
    frame = fc.ledger_export(_wide(), [AID, JOBS], "zh")
    assert list(frame["地区名称"]) == ["罗甸县", "平塘县", "独山县", "合计"]
    assert frame.loc[1, "财政援助资金 · 完成（万元）"] == 1_500_000 and frame.loc[1, "财政援助资金 · 完成率（%）"] == 75.0
    assert frame.loc[1, fc.under_column("zh")] == "财政援助资金" and frame.loc[0, fc.under_column("zh")] == ""
    assert frame.loc[0, "国家乡村振兴重点帮扶县"] == "√"


def test_the_service_s_under_target_flag_wins_over_the_completion():
    """In a year under way the service flags against the pro-rated target: 95 % of the year's target by
    October is on track, 70 % is not."""
    long = _long().assign(under_target=[False, False, True, False, False, False])
    long.loc[2, "result"] = 1_900_000  # 95 %, flagged by the service
    wide = fc.ledger_wide(long, ["fiscal_aid", "workers_helped"])
    rows = {r["code"]: r for r in fc.ledger_table(wide, [AID, JOBS], "zh")["data"]}
    assert "▼" in rows["522727000000"]["fiscal_aid__completion"] and "95.0%" in rows["522727000000"]["fiscal_aid__completion"]
    totals = pd.DataFrame([{"indicator": "fiscal_aid", "target": 3_800_000, "result": 3_980_000, "completion": 104.7,
                            "last_year": 2_500_000, "change": 1_480_000, "under_target": False}])
    row = fc.ledger_totals(wide, ["fiscal_aid"], totals)
    assert row["fiscal_aid__completion"] == 104.7 and row["fiscal_aid__under"] is False


def test_key_county_shares_are_marked_below_the_requirement():
    shares = pd.DataFrame([{"indicator": "fiscal_aid", "key_result": 1_200_000, "result": 3_580_000, "share": None,
                            "required": 50.0, "below": None},
                           {"indicator": "workers_helped", "key_result": 900, "result": 1270, "share": 70.9,
                            "required": 50.0, "below": False}])
    rows = fc.key_share_rows(shares, [AID, JOBS], "zh")
    assert rows[0]["share"].startswith("33.5%") and "▼" in rows[0]["share"] and rows[0]["below"]
    assert rows[1]["share"] == "70.9%" and rows[1]["requirement"] == "50.0%" and rows[0]["key"] == "120"


def test_small_multiples_share_one_value_axis():
    trends = pd.DataFrame([{"west_code": c, "west_name": n, "year": y, "result": v, "target": v * 0.9}
                           for c, n, values in (("a", "甲县", (100, 200, 300)), ("b", "乙县", (50, 60, 600)),
                                                ("c", "丙县", (10, 20, 30)))
                           for y, v in zip((2023, 2024, 2025), values)])
    figure = fc.small_multiples_figure(trends, JOBS, "zh", columns=2)
    go.Figure(figure)  # valid
    ys = [v for v in figure["data"][0]["y"] if v is not None]
    cells = [s for s in figure["layout"]["shapes"] if s["type"] == "rect"]
    assert len(cells) == 3 and len({s["y0"] for s in cells}) == 2  # two rows of two columns
    first_row = max(s["y0"] for s in cells)
    # 600 (乙县 2025, the largest of all) reaches its cell's top; 300 (甲县 2025) half a cell: one scale
    assert any(abs(v - (first_row + 1.0)) < 1e-9 for v in ys) and any(abs(v - (first_row + 0.5)) < 1e-9 for v in ys)
    assert len(figure["data"][1]["x"]) == 9 and "目标" in figure["data"][1]["text"][0]  # the targets
    names = [a["text"] for a in figure["layout"]["annotations"]]
    assert {"甲县", "乙县", "丙县"} <= set(names) and any("0–600 人" in n for n in names)
    empty = fc.small_multiples_figure(trends.iloc[0:0], JOBS, "en")
    assert empty["data"] == [] and "No data" in empty["layout"]["annotations"][0]["text"]


def test_the_ranking_shows_every_region_best_or_worst_first():
    frame = pd.DataFrame({"west_code": list("abcde"), "west_name": ["甲", "乙", "丙", "丁", "戊"],
                          "value": [90.0, 130.0, 75.0, None, 90.0]})
    best = fc.ranking_rows(frame, "best")
    assert [r["code"] for r in best] == ["b", "a", "e", "c"] and [r["rank"] for r in best] == [1, 2, 2, 4]
    assert [r["code"] for r in fc.ranking_rows(frame, "worst")] == ["c", "e", "a", "b"]
    assert fc.rank_order("sideways") == "best"
    figure = fc.ranking_figure(frame, "完成率", "%", "zh", order="worst", line=100, line_text="目标")
    go.Figure(figure)
    assert len(figure["data"][0]["x"]) == 4  # all with a value: no top-N cut
    assert figure["data"][0]["y"][0] == "4. 丙" and "▼" in figure["data"][0]["text"][0]
    assert "▼" not in figure["data"][0]["text"][-1]
    ranked = frame.dropna().assign(rank=[2, 1, 4, 2], under_target=[False, False, False, True])
    flagged = fc.ranking_figure(ranked, "完成率", "%", "zh", line=100)
    assert flagged["data"][0]["y"] == ["1. 乙", "2. 甲", "2. 戊", "4. 丙"]
    assert "▼" in flagged["data"][0]["text"][2] and "▼" not in flagged["data"][0]["text"][3]  # the service's flag


def test_labour_flows_draw_one_band_per_flow_and_nodes_as_wide_as_their_workers():
    employment = pd.DataFrame([
        {"west_code": "a", "west_name": "甲县", "destination": "paired_east", "people": 600.0},
        {"west_code": "a", "west_name": "甲县", "destination": "in_county", "people": 100.0},
        {"west_code": "a", "west_name": "甲县", "destination": "in_province", "people": 200.0},
        {"west_code": "b", "west_name": "乙县", "destination": "paired_east", "people": 100.0},
        {"west_code": "b", "west_name": "乙县", "destination": "out_of_province", "people": 0.0},
    ])
    links = fc.flow_links(employment)
    assert links[links["source"] == "a"].set_index("destination")["workers"].to_dict() == {"east": 600, "own_province": 300}
    figure = fc.flows_figure(links, "劳务协作流向", "zh", {"east": "广东省", "own_province": "省内",
                                                        "elsewhere": "其他地区"}, "人")
    go.Figure(figure)
    bands = [s for s in figure["layout"]["shapes"] if s["type"] == "path"]
    assert len(bands) == 3  # a flow of zero workers is not drawn
    nodes = [s for s in figure["layout"]["shapes"] if s["type"] == "rect"]
    assert len(nodes) == 4  # two counties, two destinations
    texts = " ".join(a["text"] for a in figure["layout"]["annotations"])
    assert "广东省 700（70.0%）" in texts and "甲县 900" in texts
    assert fc.flows_totals(links) == {"east": 700, "own_province": 300, "elsewhere": 0}
    assert "甲县 → 广东省：600 人" in figure["data"][0]["text"]
    left = [s["y1"] - s["y0"] for s in nodes if s["x0"] < 0.5]
    assert max(left) / min(left) == pytest.approx(9.0, rel=0.05)  # 900 against 100 workers
    assert fc.flows_figure(links.iloc[0:0], "x", "en")["data"] == []


def test_outcomes_compare_paired_and_unpaired_before_and_after():
    summary = pd.DataFrame([
        {"metric": "income_growth_former_poor", "group": "paired", "before": 7.1, "after": 8.4, "count": 12},
        {"metric": "income_growth_former_poor", "group": "peers", "before": 6.9, "after": 7.2, "count": 30},
        {"metric": "employment_rate", "group": "paired", "before": None, "after": 91.0, "count": 12},
        {"metric": "employment_rate", "group": "peers", "before": None, "after": 90.0, "count": 30}])
    figure = fc.outcomes_figure(summary, "结对与未结对", "zh", {"income_growth_former_poor": "收入增长",
                                                            "employment_rate": "务工就业率"})
    go.Figure(figure)
    assert [tr["name"] for tr in figure["data"]] == ["结对县", "未结对同类县"]
    assert figure["data"][0]["y"] == [7.1, 8.4, None, 91.0] and figure["data"][1]["customdata"] == [30, 30, 30, 30]
    assert figure["data"][0]["x"][:2] == ["收入增长<br>结对前", "收入增长<br>结对后"]
    assert fc.outcomes_figure(summary.iloc[0:0], "x", "en", {})["data"] == []


# -- the page, its callbacks and its report on the tiny database (广东省 → 贵州省: 罗甸县, 惠水县, 三都县) ----
def _texts(component) -> str:
    """Every string a component tree holds (children, table cells, figure texts), joined."""
    import json

    return json.dumps(component.to_plotly_json(), ensure_ascii=False,
                      default=lambda o: o.to_plotly_json() if hasattr(o, "to_plotly_json") else str(o))


def _find(component, element_id):
    if getattr(component, "id", None) == element_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if hasattr(child, "to_plotly_json"):
            found = _find(child, element_id)
            if found is not None:
                return found
    return None


def test_the_office_sees_every_paired_region_and_the_county_leader_her_own(app, as_user):
    from layouts import collaboration_ids as cids
    from layouts import collaboration_page

    with as_user("demo_collaboration") as access:
        page = collaboration_page.layout(app.storage.snapshot(), access)
        ledger = _find(page, cids.LEDGER)
        codes = [row["code"] for row in ledger.data]
        assert codes == ["522728000000", "522731000000", "522732000000", fc.TOTAL_CODE]
        assert any("▼" in str(v) for row in ledger.data for v in row.values())  # some cell under target
        groups = {c["name"][0] for c in ledger.columns}
        assert "财政援助资金（万元）" in groups and "采购农产品（万元）" in groups
        text = _texts(page)
        assert "广东省" in text and "人力资源和社会保障部" in text  # the pairs, both kinds
        store = _find(page, cids.STATE)
        assert store.data["east"] == "440000000000" and store.data["year"] == 2026
    with as_user("demo_county") as access:
        page = collaboration_page.layout(app.storage.snapshot(), access, east="440000000000", year="2025", lang="en")
        ledger = _find(page, cids.LEDGER)
        assert [row["code"] for row in ledger.data] == ["522728000000", fc.TOTAL_CODE]
        text = _texts(page)
        assert "Pair ledger" in text and "农业农村部" in text and "人力资源和社会保障部" not in text
        assert _find(page, cids.STATE).data["year"] == 2025


def test_the_sort_callback_rereads_the_ledger_and_puts_the_worst_first(app, as_user):
    from callbacks import collaboration_callbacks as callbacks
    from data.read import collaboration as collab

    with as_user("demo_collaboration") as access:
        reading = lambda: (app.storage.snapshot(), access)  # noqa: E731
        state = {"east": "440000000000", "year": 2025, "lang": "zh"}
        rows = callbacks.sorted_rows(reading, state, fc.WORST_FIRST)
        ledger = collab.ledger(app.storage.snapshot(), access, "440000000000", 2025)
        means = fc.ledger_wide(ledger.rows, ledger.indicators).set_index("code")["overall"]
        assert [r["code"] for r in rows[:-1]] == list(means.sort_values().index) and rows[-1]["code"] == fc.TOTAL_CODE
        assert callbacks.sorted_rows(reading, {"east": "440000000000", "year": "2025; drop"}, []) is None
        assert callbacks.sorted_rows(reading, {"east": None}, []) is None
        sent = callbacks.ledger_download(reading, state, "csv")
        import base64

        body = base64.b64decode(sent["content"]).decode("utf-8-sig") if sent.get("base64") else sent["content"]
        assert body.startswith("地区代码,地区名称,国家乡村振兴重点帮扶县,财政援助资金 · 目标（元）")
        assert sent["filename"] == "440000000000-2025-ledger.csv"
        assert callbacks.ledger_download(reading, state, "exe") is None


def test_the_report_holds_the_pair_its_regions_and_every_indicator(app, as_user, tmp_path):
    import subprocess

    from openpyxl import load_workbook

    from data.definitions import contract
    from layouts import collaboration_report

    with as_user("demo_collaboration") as access:
        made, pdf = collaboration_report.render(app.storage.snapshot(), access, None, 2025, "pdf")
        _, xlsx = collaboration_report.render(app.storage.snapshot(), access, "440000000000", 2025, "xlsx", "en")
    assert made.title == "广东省东西部协作报告（2025 年）" and made.region == "440000000000"
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    for name in ("广东省", "罗甸县", "惠水县", "三都水族自治县", "不是因果"):
        assert name in text.replace("\n", ""), name
    for code in contract.COLLABORATION_QUANTITIES:
        assert contract.label_zh("collaboration_targets", "indicator", code) in text.replace("\n", ""), code
    (tmp_path / "r.xlsx").write_bytes(xlsx)
    book = load_workbook(tmp_path / "r.xlsx")
    assert "Pair ledger targets and results" in book.sheetnames[1] or "Pair ledger" in book.sheetnames[1]
    cells = [c.value for row in book[book.sheetnames[1]].iter_rows() for c in row if c.value is not None]
    assert "Fiscal aid · Result (yuan)" in cells and "罗甸县" in cells and not any("（" in str(c) for c in cells if "Fiscal" in str(c))
    assert collaboration_report.file_name(made, "pdf") == "440000000000-广东省东西部协作报告（2025 年）.pdf"


def test_the_report_route_answers_403_404_and_400_and_audits_the_export(client, app):
    from data.store import audit
    from tests.conftest import ADMIN

    assert client.get("/collaboration/report.pdf?east=440000000000&year=2025").status_code == 200
    assert client.get("/collaboration/report.doc?east=440000000000").status_code == 404
    assert client.get("/collaboration/report.pdf?east=999999999999").status_code == 404
    assert client.get("/collaboration/report.pdf?east=440000000000&year=1999").status_code == 404
    assert client.get("/collaboration/report.xlsx?year=20x5").status_code == 400
    exported = audit.entries(app.storage.engine, ADMIN, user="demo_admin", action="export")
    assert any("collaboration report" in (e["detail"] or "") for e in exported)


def test_the_under_target_marker_starts_alike_in_every_language():
    """The cells' style keys on the marker's first character (layouts/figures_collaboration.MARKER)."""
    from data.definitions.messages import LANGUAGES, t

    assert all(t("collab_under_marker", lang).startswith(fc.MARKER) for lang in LANGUAGES)
    assert all(fc.paren("a", "b", lang) != "a" and fc.paren("a", None, lang) == "a" for lang in LANGUAGES)
    assert fc.paren("Fiscal aid", "yuan", "en") == "Fiscal aid (yuan)" and fc.wrapped("a b c", 3) == "a b<br>c"


@pytest.mark.parametrize("role", ["collaboration", "county"])
def test_the_page_and_its_sections_in_english_have_no_chinese_but_proper_names(app, proper_names, role, as_user):
    """The page as the browser receives it, and each section its callbacks fill, in English (the scan of
    tests/test_pages.py: region names and stored free text are proper names)."""
    from callbacks import collaboration_callbacks  # noqa: F401  (the bodies are the layout's functions)
    from layouts import collaboration_page
    from tests.conftest import sign_in
    from tests.test_pages import _page, chinese_left

    client = sign_in(app.server.test_client(), f"demo_{role}")
    tree = _page(client, "/collaboration?lang=en")
    with as_user(f"demo_{role}") as access:
        storage = app.storage.snapshot()
        from data.read import collaboration as collab

        ledger = collab.ledger(storage, access, "440000000000", None)
        bodies = [collaboration_page.trends_body(storage, access, ledger, "fiscal_aid", "best", "en"),
                  collaboration_page.flows_body(storage, access, ledger, collab.pairs(storage, access), "en"),
                  collaboration_page.outcomes_body(storage, access, "440000000000", "en"),
                  collaboration_page.targeted_body(storage, access, ledger.year, "en")]
    import json

    plain = json.loads(json.dumps(bodies, default=lambda o: o.to_plotly_json() if hasattr(o, "to_plotly_json") else str(o)))
    found = chinese_left(tree, proper_names) + chinese_left(plain, proper_names)
    assert not found, found[:10]


def test_the_ledger_shows_the_agreement_indicators_and_every_indicator_on_request(app, as_user):
    """A 60-region ledger stays light: by default the indicators the agreement sets targets for, one link adds
    the others (``show=all``, in the URL and the page's store, so sorting keeps them)."""
    from callbacks import collaboration_callbacks as callbacks
    from data.read import collaboration as collab
    from layouts import collaboration_ids as cids
    from layouts import collaboration_page

    def indicators_of(table) -> set[str]:
        return {c["id"].split("__")[0] for c in table.columns if "__" in c["id"]}

    with as_user("demo_collaboration") as access:
        storage = app.storage.snapshot()
        ledger = collab.ledger(storage, access, "440000000000", 2025)
        agreement = set(ledger.rows.loc[ledger.rows["target"].notna(), "indicator"])
        assert 0 < len(agreement) < len(ledger.indicators)
        page = collaboration_page.layout(storage, access, east="440000000000", year="2025")
        assert indicators_of(_find(page, cids.LEDGER)) == agreement
        toggle = _find(page, cids.SHOW_ALL)
        assert "show=all" in toggle.href and str(len(ledger.indicators)) in toggle.children
        page = collaboration_page.layout(storage, access, east="440000000000", year="2025", show="all")
        assert indicators_of(_find(page, cids.LEDGER)) == set(ledger.indicators)
        assert "show=all" not in _find(page, cids.SHOW_ALL).href
        state = _find(page, cids.STATE).data
        assert state["show"] == "all"
        reading = lambda: (app.storage.snapshot(), access)  # noqa: E731
        rows = callbacks.sorted_rows(reading, state, fc.WORST_FIRST)
        extra = sorted(set(ledger.indicators) - agreement)[0]
        assert f"{extra}__result" in rows[0]
        assert f"{extra}__result" not in callbacks.sorted_rows(reading, {**state, "show": None}, [])[0]
        styles = collaboration_page.ledger_table(ledger, "zh")["style_data_conditional"]
        assert len(styles) == len(agreement) + 2  # one per completion column, the overall one and the totals row


def test_outcomes_of_a_pair_older_than_the_data_say_so_and_compare_the_change_since_the_data_began(app, as_user):
    from layouts import collaboration_ids as cids
    from layouts import collaboration_page

    with as_user("demo_collaboration") as access:
        body = collaboration_page.outcomes_body(app.storage.snapshot(), access, "440000000000", "zh")
    text = _texts(html_div(body))
    assert "结对早于数据起始年份" in text and "2021" in text and "不是因果" in text
    table = next(c for c in body if getattr(c, "id", None) == cids.OUTCOMES_TABLE)
    headers = [c["name"] for c in table.columns]
    assert "首期" in headers and "最新一期" in headers and "结对前" not in headers and "变化之差（结对 − 未结对）" in headers
    figure = next(c for c in body if getattr(c, "id", None) == cids.OUTCOMES).figure
    assert figure["data"] and "首期" in figure["data"][0]["x"][0]


def html_div(children):
    from dash import html

    return html.Div(children)
