"""Pure figure builders: geometry by URL, colours by Patch within the payload budget, scales, ranking, trend."""
import gzip
import json

import plotly.graph_objects as go
import pytest

from data.definitions import metrics, tiers
from data.read.views import MapData, TrendLine
from layouts import figures

UNITS = [{"code": "520102000000", "name": "南明区"}, {"code": "522725000000", "name": "瓮安县"},
         {"code": "530102000000", "name": "五华区"}]


def _data(values, metric="employment_rate", tier="all", in_tier=None, units=UNITS) -> MapData:
    rows = [{"code": u["code"], "name": u["name"], "value": v, "previous": None if v is None else v - 1,
             "change": None if v is None else 1.0, "in_tier": True if in_tier is None else in_tier[i]}
            for i, (u, v) in enumerate(zip(units, values))]
    ranked = sorted((r for r in rows if r["value"] is not None), key=lambda r: -r["value"])
    for position, row in enumerate(ranked):
        row["rank"] = position + 1
    return MapData(metrics.get(metric), "2026-10", "2026-09", tiers.get(tier), rows, len(ranked))


def _ranking(*args, **kwargs) -> go.Figure:
    """The ranking figure (a plain dict) as plotly validates it."""
    return go.Figure(figures.ranking_figure(*args, **kwargs))


def _size(payload) -> tuple[int, int]:
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return len(text), len(gzip.compress(text))


def test_map_figure_references_geometry_by_url_and_is_valid_plotly():
    figure = figures.map_figure(UNITS, _data([50.0, None, 70.0]), "/geo/county.geojson?parent=52", "zh")
    go.Figure(figure)  # plotly's own validation of every key
    base, members, values = figure["data"]
    assert all(trace["geojson"] == "/geo/county.geojson?parent=52" for trace in figure["data"])
    assert base["locations"] == [u["code"] for u in UNITS] and base["text"] == ["南明区", "瓮安县", "五华区"]
    assert members["locations"] == []  # no tier chosen
    assert values["z"] == [50.0, None, 70.0] and values["customdata"] == [[2, "+1.0"], None, [1, "+1.0"]]
    assert "暂无数据" in base["hovertemplate"] and "排名" in values["hovertemplate"]
    assert "脱贫劳动力务工就业率<br>% · 2026-10" == values["colorbar"]["title"]["text"]
    assert _size(figure)[0] < 5_000


def test_boundary_lines_become_one_line_trace():
    line = json.dumps({"type": "MultiLineString", "coordinates": [[[100, 20], [101, 21]], [[110, 10], [111, 11]]]})
    figure = figures.map_figure(UNITS, _data([1.0, 2.0, 3.0]), "/geo/county.geojson", "en", [line])
    assert figure["data"][3]["type"] == "scattergeo" and figure["data"][3]["lon"] == [100, 101, None, 110, 111, None]


def test_a_tier_paints_others_pale_and_its_members_grey():
    data = _data([5.0, None, None], tier="national_key", in_tier=[True, True, False])
    base, members, _ = figures.map_figure(UNITS, data, "/geo/county.geojson", "zh")["data"]
    assert base["colorscale"][0][1] == figures.OUTSIDE_TIER and "不属于所选范围" in base["hovertemplate"]
    assert members["locations"] == ["520102000000", "522725000000"] and members["text"] == ["南明区", "瓮安县"]


def test_a_metric_change_patches_only_the_values_trace():
    patch = figures.map_patch(_data([1.0, 2.0, None]), "zh").to_plotly_json()
    paths = {tuple(op["location"]) for op in patch["operations"]}
    assert {path[:2] for path in paths} == {("data", figures.DATA_TRACE)}
    assert ("data", 2, "z") in paths and ("data", 2, "customdata") in paths
    assert ("data", 2, "colorbar", "title", "text") in paths
    tier_patch = figures.map_patch(_data([1.0, 2.0, None], tier="national_key", in_tier=[True, False, True]), "zh",
                                   ["a", "b", "c"]).to_plotly_json()
    assert {tuple(op["location"])[:2] for op in tier_patch["operations"]} == {("data", 0), ("data", 1), ("data", 2)}


def test_the_national_patch_fits_the_budget_even_when_every_county_has_data():
    """2,891 counties, every one with a value, rank and change: the worst case of a metric change."""
    units = [{"code": f"{520000 + i:06d}000000", "name": f"县{i}"} for i in range(2891)]
    data = _data([1234.5 + i * 7.3 for i in range(2891)], metric="monitored_households", units=units)
    raw, zipped = _size(figures.map_patch(data, "zh").to_plotly_json())
    assert zipped <= 30_000, (raw, zipped)  # what travels (callback answers are compressed)
    assert raw <= 80_000, (raw, zipped)


def test_colour_scales():
    growth = figures.colour_settings(metrics.get("employed_change"), [-30.0, 5.0, 10.0])
    assert growth["zmid"] == 0 and growth["zmin"] == -30 and growth["zmax"] == 30 and not growth["reversescale"]
    worse = figures.colour_settings(metrics.get("risk_not_eliminated_households"), [3.0, 9.0])
    assert worse["colorscale"] is figures.WORSE and (worse["zmin"], worse["zmax"]) == (3.0, 9.0)
    assert figures.colour_settings(metrics.get("employment_rate"), [1.0])["colorscale"] is figures.BETTER
    outlier = figures.colour_settings(metrics.get("monitored_households"), [float(v) for v in range(100)] + [10_000.0])
    assert outlier["zmax"] < 100  # one outlier does not wash the map out
    assert figures.colour_settings(metrics.get("monitored_households"), [None, None])["zmin"] == 0


@pytest.mark.parametrize("value, metric, lang, signed, text", [
    (1234.0, "monitored_households", "zh", False, "1,234 户"),
    (61.234, "employment_rate", "zh", False, "61.2%"),
    (-1.5, "employment_rate", "zh", True, "-1.5个百分点"),
    (3.0, "monitored_households", "en", True, "+3 households"),
    (None, "monitored_households", "zh", False, "—"),
])
def test_format_value(value, metric, lang, signed, text):
    assert figures.format_value(value, metrics.get(metric), lang, signed) == text


def test_ranking_is_best_first_and_carries_codes_for_drilling():
    figure = _ranking(_data([50.0, None, 70.0]), "zh")  # employment rate: higher is better
    bar = figure.data[0]
    assert list(bar.y) == ["1. 五华区", "2. 南明区"] and list(bar.customdata) == ["530102000000", "520102000000"]
    assert "全部 2 个" in figure.layout.title.text
    assert figure.layout.yaxis.automargin and figure.layout.xaxis.automargin  # long names are not clipped
    assert figure.layout.xaxis.range[1] > 70 * 1.2  # room for the value's text beyond the longest bar


def test_the_full_national_ranking_is_a_plain_figure_within_budget():
    """All 2,891 counties: a plain dict (validating them as graph objects took 2 s), ~50 kB compressed."""
    units = [{"code": f"{520000 + i:06d}000000", "name": f"县{i}"} for i in range(2891)]
    data = _data([1234.5 + i * 7.3 for i in range(2891)], metric="monitored_households", units=units)
    figure = figures.ranking_figure(data, "zh", "best", "all")
    assert type(figure) is dict and len(figure["data"][0]["y"]) == 2891
    assert _size(figure)[1] < 80_000
    assert _ranking(_data([None, None, None]), "en").layout.annotations[0].text == "No data"


def _ranked(values, metric, units=UNITS):
    """Map data whose ranks follow the metric's direction, as the read service sets them."""
    from data.read import cube

    data = _data(values, metric=metric, units=units)
    for row in data.rows:
        row.pop("rank", None)
    cube.rank(data.rows, data.metric.direction)
    return data


def test_a_lower_better_metric_ranks_the_smallest_first():
    data = _ranked([12.0, 30.0, 5.0], "median_days_to_assistance")  # days to the first measure: fewer is better
    assert {r["name"]: r["rank"] for r in data.rows} == {"五华区": 1, "南明区": 2, "瓮安县": 3}
    assert list(_ranking(data, "zh").data[0].y) == ["1. 五华区", "2. 南明区", "3. 瓮安县"]
    worst = _ranking(data, "zh", order="worst")
    assert list(worst.data[0].y) == ["3. 瓮安县", "2. 南明区", "1. 五华区"]
    higher = _ranked([12.0, 30.0, 5.0], "employment_rate")
    assert {r["name"]: r["rank"] for r in higher.rows} == {"瓮安县": 1, "南明区": 2, "五华区": 3}
    neither = _ranked([12.0, 30.0, 5.0], "funds_allocated")  # no direction: highest first
    assert {r["name"]: r["rank"] for r in neither.rows} == {"瓮安县": 1, "南明区": 2, "五华区": 3}


COUNTIES = [{"code": f"5227{i + 1:02d}000000", "name": f"县{i + 1:02d}"} for i in range(22)]


def test_top_and_bottom_ten_of_twenty_two():
    # days to the first measure: 县01 has 0 days, the best; 县22 the most, the worst
    data = _ranked([float(i) for i in range(22)], "median_days_to_assistance", COUNTIES)
    every = figures.ranking_rows(data, "best", "all")
    assert [r["rank"] for r in every] == list(range(1, 23))
    top = figures.ranking_rows(data, "best", "top10")
    assert [r["name"] for r in top] == [f"县{i:02d}" for i in range(1, 11)]
    bottom = figures.ranking_rows(data, "best", "bottom10")
    assert [r["rank"] for r in bottom] == list(range(13, 23)) and bottom[-1]["name"] == "县22"
    assert [r["rank"] for r in figures.ranking_rows(data, "worst", "bottom10")] == list(range(22, 12, -1))
    figure = _ranking(data, "zh", order="worst", show="bottom10")
    assert list(figure.data[0].y)[0] == "22. 县22" and len(figure.data[0].y) == 10
    assert "后 10 / 共 22 个" in figure.layout.title.text
    assert "bottom 10 of 22" in _ranking(data, "en", show="bottom10").layout.title.text
    assert len(_ranking(data, "zh").data[0].y) == 22  # all
    for crafted in (None, 5, "x", ["top10"]):  # anything else: best first, all
        assert figures.ranking_rows(data, crafted, crafted) == every


def test_order_labels_follow_the_metric_direction():
    assert [o["value"] for o in figures.rank_order_options(metrics.get("employment_rate"), "zh")] == ["best", "worst"]
    best, worst = (o["label"] for o in figures.rank_order_options(metrics.get("median_days_to_assistance"), "zh"))
    assert (best, worst) == ("最好在前", "最差在前")
    plain = [o["label"] for o in figures.rank_order_options(metrics.get("funds_allocated"), "en")]
    assert plain == ["Highest first", "Lowest first"]


def _positions(trace) -> list:
    return sorted(set(trace.x))


def test_a_yearly_trend_has_one_x_position_per_year_on_a_time_axis():
    years = ["2023", "2024", "2025", "2026"]
    lines = [TrendLine("region", "罗甸县", [{"period": y, "value": 50.0 + i} for i, y in enumerate(years)]),
             TrendLine("parent", "黔南州", [{"period": y, "value": 55.0} for y in years])]
    figure = figures.trend_figure(lines, metrics.get("funds_industry_share"), "2026", "zh")
    assert figure.layout.xaxis.type == "date" and figure.layout.xaxis.tickformat == "%Y"
    for trace in figure.data:
        assert len(_positions(trace)) == len(years) == len(trace.x)
        assert list(trace.customdata) == years  # the hover names the period as written
    marker = next(s for s in figure.layout.shapes if s.yref == "y domain")  # the chosen period
    assert marker.x0 == figures.period_date("2026") and figure.layout.xaxis.dtick == "M12"
    # A bare year on a category axis is read as a category index by plotly.js (all points at "2023"): never.
    assert all(not str(x).isdigit() for trace in figure.data for x in trace.x)


def test_a_monthly_trend_is_drawn_in_time_order():
    months = ["2025-11", "2026-01", "2025-12", "2026-02", "2025-10"]
    line = TrendLine("region", "罗甸县", [{"period": m, "value": float(i)} for i, m in enumerate(months)])
    figure = figures.trend_figure([line], metrics.get("employment_rate"), "2026-01", "en")
    trace = figure.data[0]
    assert list(trace.customdata) == sorted(months)
    assert list(trace.x) == [figures.period_date(m) for m in sorted(months)] == sorted(trace.x)
    assert list(trace.y) == [4.0, 0.0, 2.0, 1.0, 3.0]  # each value stays with its month
    assert figure.layout.xaxis.type == "date" and figure.layout.xaxis.tickformat == "%Y-%m"
    assert figures.period_date("2026-01") == "2026-01-01" and figures.period_date("2026") == "2026-01-01"
    assert figures.time_axis(["2026-01", "2026-02"])["dtick"] == "M1"
    assert figures.time_axis([f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)])["dtick"] == "M6"


def test_trend_has_a_line_per_series_and_the_policy_line():
    lines = [TrendLine("region", "罗甸县", [{"period": "2025", "value": 58.0}]),
             TrendLine("parent", "黔南州", [{"period": "2025", "value": 61.0}]),
             TrendLine("peers", "省内全部县中位数", [{"period": "2025", "value": None}])]
    figure = figures.trend_figure(lines, metrics.get("funds_industry_share"), "2025", "zh")
    assert [trace.name for trace in figure.data] == ["罗甸县", "黔南州", "省内全部县中位数"]
    assert any(shape.y0 == 60 for shape in figure.layout.shapes)  # the 60 % policy line


def test_clicks_from_the_browser_are_not_trusted():
    from layouts.shell import clicked_code as _clicked_code

    assert _clicked_code({"points": [{"location": "522725000000"}]}) == "522725000000"
    assert _clicked_code({"points": [{"customdata": "522725000000", "y": "1. 瓮安县"}]}) == "522725000000"
    for crafted in (None, {}, {"points": "x"}, {"points": []}, {"points": [3]}, [1], {"points": [{"location": 5}]}):
        assert _clicked_code(crafted) is None


def test_the_partial_plotly_bundle_matches_plotly_and_holds_every_trace_drawn():
    from pathlib import Path

    from plotly.offline import get_plotlyjs_version

    bundle = Path(__file__).resolve().parent.parent / "assets" / "plotly-dashboard.min.js"
    header = bundle.read_text(encoding="utf-8")[:300]
    assert f"plotly.js v{get_plotlyjs_version()} " in header  # rebuild with tools/plotly-bundle/build.sh
    drawn = {"choropleth", "scattergeo", "bar", "scatter"}
    lines = [TrendLine("region", "x", [{"period": "2025", "value": 1.0}])]
    figures_made = [figures.map_figure(UNITS, _data([1.0, 2.0, 3.0]), "/geo/x", "zh", ['{"type": "LineString", '
                                                                                   '"coordinates": [[1, 2], [3, 4]]}']),
                    figures.ranking_figure(_data([1.0, 2.0, 3.0]), "zh"),
                    figures.trend_figure(lines, metrics.get("employment_rate"), "2025", "zh").to_dict()]
    assert {trace["type"] for figure in figures_made for trace in figure["data"]} <= drawn


def test_nothing_the_browser_loads_points_outside_the_app():
    """Every file in assets/ is served to the browser: no URL but XML namespace identifiers (never fetched).
    plotly's remote defaults are rewritten by tools/plotly-bundle/offline.js."""
    import re
    from pathlib import Path

    namespaces = re.compile(r"^https?://www\.w3\.org/(2000/svg|2000/xmlns/|1999/xlink|1999/xhtml|XML/1998/namespace)$")
    assets = Path(__file__).resolve().parent.parent / "assets"
    remote = [(path.name, url) for path in assets.rglob("*") if path.is_file()
              for url in re.findall(r"https?://[^\s\"'`)\\]+", path.read_text(encoding="utf-8", errors="replace"))
              if not namespaces.match(url)]
    assert remote == []
    hosts = re.compile(r"cdn\.plot\.ly|cloud\.plotly\.com|api\.mapbox\.com|unpkg\.com|cdn\.jsdelivr\.net|googleapis\.com")
    assert [path.name for path in assets.rglob("*") if path.is_file()
            and hosts.search(path.read_text(encoding="utf-8", errors="replace"))] == []
    assert '"/assets/topojson/"' in (assets / "plotly-dashboard.min.js").read_text(encoding="utf-8")
