"""The region profile's data: key figures against parent and peers, records-based tables, downloads."""
import io
import json

import pandas as pd
import pytest

from data.read import cube, profile
from data.store import records
from data.store.storage import NotFound
from layouts.profile_tables import labelled, peers_header
from data.definitions.access import OutOfScope
from tests.conftest import ADMIN, access_for


@pytest.fixture(scope="module")
def county(tiny_storage):
    return json.loads(tiny_storage.facts()["counties_in_scope"])[0]


def test_a_county_is_compared_with_its_province_and_its_tier_in_the_province(tiny_storage):
    place = profile.region(tiny_storage, ADMIN, "522728")  # 罗甸县, a national key county
    assert [t.code for t in place["tiers"]] == ["national_key", "former_poverty", "paired_east"]
    assert place["partners"] == ["广东省"]
    compare = profile.comparison(tiny_storage, ADMIN, place)
    assert compare.parent["code"] == "520000000000" and "国家乡村振兴重点帮扶县" in peers_header(compare.peers)
    assert "522728000000" in compare.peers.codes and all(c.startswith("52") for c in compare.peers.codes)
    frame = labelled("key_figures", profile.key_figures(tiny_storage, ADMIN, place, compare))  # as shown
    own = {f["metric"]: f for f in cube.key_figures(tiny_storage, ADMIN, "522728")}
    province = {f["metric"]: f for f in cube.key_figures(tiny_storage, ADMIN, "52")}
    assert list(frame["metric"]) == list(own)
    for row in frame.to_dict("records"):
        assert row["本地区 / value"] == own[row["metric"]]["value"]
        assert row["贵州省 / parent"] == province[row["metric"]]["value"]
    ranks = frame["排名（最好在前）/ rank (best first)"].dropna()
    assert len(ranks) and (ranks <= frame["参与排名 / ranked"][ranks.index]).all()


def test_the_county_leader_sees_her_province_her_peers_and_her_rank(tiny_storage):
    """As the demo county leader (罗甸县 only): the parent's value, the median of her tier's counties in the
    province and her rank among them, as the administrator sees them; the tiny scale has two national key
    counties of 黔南州 with data (罗甸县, 三都水族自治县), so n = 2."""
    leader = access_for(tiny_storage, "county", ["522728000000"])
    place = profile.region(tiny_storage, leader, "522728")
    compare = profile.comparison(tiny_storage, leader, place)
    assert compare.parent["code"] == "520000000000"
    assert {"522728000000", "522732000000"} <= set(compare.peers.codes) and compare.peers.tier.code == "national_key"
    assert "522731000000" not in compare.peers.codes  # 惠水县: not a national key county
    mine = profile.key_figures(tiny_storage, leader, place, compare)
    admin_place = profile.region(tiny_storage, ADMIN, "522728")
    truth = profile.key_figures(tiny_storage, ADMIN, admin_place, profile.comparison(tiny_storage, ADMIN, admin_place))
    pd.testing.assert_frame_equal(mine, truth)
    province = {f["metric"]: f["value"] for f in cube.key_figures(tiny_storage, ADMIN, "52")}
    both = [{"code": c, "name": "", "level": "county"} for c in ("522728000000", "522732000000")]
    compared = 0
    for row in mine.to_dict("records"):
        assert row["parent"] == province[row["metric"]]
        if not row["period"]:
            continue
        values = [r["value"] for r in cube.unit_values(tiny_storage, ADMIN, row["metric"], both, row["period"])["rows"]]
        if None in values:
            continue
        compared += 1
        assert row["ranked"] == 2 and row["rank"] in (1, 2)  # "k of n", n ≥ 2
        better = (lambda v: v < values[0]) if profile.metrics.get(row["metric"]).direction == "higher_worse" else \
            (lambda v: v > values[0])
        assert row["rank"] == 1 + sum(better(v) for v in values[1:])  # 1 = the best by the metric's direction
        assert row["peers_median"] == cube.median_of(values, profile.metrics.get(row["metric"]))
    assert compared >= 10


def test_the_peers_figures_are_read_not_their_units(tiny_storage):
    leader = access_for(tiny_storage, "county", ["522728000000"])
    peer_township = tiny_storage.units(ADMIN, "township", "522732")[0]
    with pytest.raises(OutOfScope):  # a township of another county: not a comparison figure
        cube.unit_values(tiny_storage, leader, "monitored_households",
                         [{"code": peer_township[0], "name": "", "level": "township"}])
    with pytest.raises(OutOfScope):  # nor its profile (household-based tables)
        profile.region(tiny_storage, leader, "522732")
    elsewhere = {"code": "530102000000", "name": "", "level": "county"}  # 五华区, 云南: no peer of hers
    with pytest.raises(OutOfScope):
        cube.unit_values(tiny_storage, leader, "monitored_households", [elsewhere])


def test_the_township_leader_is_set_against_her_county_and_its_townships(tiny_storage):
    own = tiny_storage.units(ADMIN, "township", "522728")[0][0]
    leader = access_for(tiny_storage, "township", [own])
    place = profile.region(tiny_storage, leader, own)
    compare = profile.comparison(tiny_storage, leader, place)
    assert compare.parent["code"] == "522728000000"
    siblings = [c for c, _, _ in tiny_storage.units(ADMIN, "township", "522728")]
    assert compare.peers.codes == siblings and len(siblings) >= 2
    frame = profile.key_figures(tiny_storage, leader, place, compare)
    assert frame["parent"].notna().any() and (frame["ranked"].dropna() >= 2).any()


def test_projects_flag_the_idle_and_failed(tiny_storage, county):
    frame = labelled("projects", profile.projects(tiny_storage, ADMIN, county))  # as shown
    stored = records.read_table(tiny_storage.engine, ADMIN, "projects")
    stored = stored[stored["county_code"] == county]
    assert len(frame) == len(stored) > 0
    flagged = (frame["需关注 / flagged"] != "").sum()
    assert flagged == stored["status"].isin(["idle", "failed"]).sum()
    assert list(frame["需关注 / flagged"][:flagged]) == ["闲置或失败 / idle or failed"] * flagged  # listed first


def test_funds_by_use_add_up_to_the_cube(tiny_storage, county):
    frame = labelled("funds", profile.funds_by_use(tiny_storage, ADMIN, county))  # as shown
    year = frame["年度 / year"].max()
    allocated = cube.unit_values(tiny_storage, ADMIN, "funds_allocated", [{"code": county, "name": "", "level": "county"}],
                                 str(year))["rows"][0]["value"]
    assert frame[frame["年度 / year"] == year]["下达（元）/ allocated (yuan)"].sum() == allocated


def test_monthly_monitoring_has_the_eliminated_flow(tiny_storage, county):
    frame = labelled("monitoring", profile.monitoring_monthly(tiny_storage, ADMIN, county))  # as shown
    stock = frame["风险已消除户数"]
    assert list(frame["当月风险消除户数（累计数之差）"][1:]) == list((stock - stock.shift())[1:])


def test_downloads_are_rebuilt_on_the_server(app, as_user, county):
    tiny_storage = app.storage
    with as_user() as access:
        _check_downloads(tiny_storage, access, county)


def _check_downloads(tiny_storage, access, county):
    from callbacks.region_callbacks import download

    csv = download(tiny_storage, access, {"region": county}, "projects", "csv")
    text = __import__("base64").b64decode(csv["content"]).decode("utf-8")
    assert csv["filename"] == f"{county}-projects.csv" and text.startswith("\ufeff项目编码 / id,")
    xlsx = download(tiny_storage, access, {"region": county}, "key_figures", "xlsx")
    book = pd.read_excel(io.BytesIO(__import__("base64").b64decode(xlsx["content"])))
    assert "指标 / indicator" in book.columns and len(book) > 10
    for state, name, fmt in (({"region": county}, "households", "csv"), ({"region": county}, "projects", "pdf"),
                             ({"region": "99"}, "projects", "csv"), ({"region": 5}, "projects", "csv"), (None, "funds", "csv")):
        assert download(tiny_storage, access, state, name, fmt) is None


def test_an_unknown_region_is_not_found(tiny_storage):
    with pytest.raises(NotFound):
        profile.region(tiny_storage, ADMIN, "529999")


def test_ranks_follow_the_metrics_direction(tiny_storage):
    """Rank 1 is the best by the metric's direction (issue 17 part 3): for days from identification to the first
    measure ("higher is worse") the fastest region, for the employment rate the highest; every rank of the key
    figures is recomputed here from the peers' values, for a county (its tier's counties of the province) and
    a township (its siblings), in the latest month and in every month where the county's peers differ in days."""
    county = profile.region(tiny_storage, ADMIN, "522728000000")
    compare = profile.comparison(tiny_storage, ADMIN, county)
    months = [p["period"] for p in cube.series(tiny_storage, ADMIN, "median_days_to_assistance", county["code"])["series"]]
    differing = [m for m in months if len({r["value"] for r in cube.unit_values(
        tiny_storage, ADMIN, "median_days_to_assistance", compare.peers.units(), m)["rows"] if r["value"] is not None}) > 1]
    assert differing  # the tiny data has months in which the two national key counties differ
    checked, days_ranked = set(), 0
    for code, at in [("522728000000", None), ("522728107000", None)] + [("522728000000", m) for m in differing[-3:]]:
        place = profile.region(tiny_storage, ADMIN, code)
        compare = profile.comparison(tiny_storage, ADMIN, place)
        frame = profile.key_figures(tiny_storage, ADMIN, place, compare, at)
        units = compare.peers.units()
        for row in frame.to_dict("records"):
            if row["rank"] is None or row["rank"] != row["rank"]:
                continue
            metric = profile.metrics.get(row["metric"])
            rows = cube.unit_values(tiny_storage, ADMIN, row["metric"], units, row["period"])["rows"]
            values = [r["value"] for r in rows if r["value"] is not None]
            better = [v for v in values if (v < row["value"] if metric.direction == "higher_worse" else v > row["value"])]
            assert row["rank"] == 1 + len(better), (code, at, row)
            if len(set(values)) > 1:
                checked.add(metric.direction)
            if row["metric"] == "median_days_to_assistance" and len(set(values)) > 1:
                assert (row["rank"] == 1) == (row["value"] == min(values))  # rank 1: the fastest
                days_ranked += 1
    assert checked == {"higher_worse", "higher_better"} and days_ranked >= 1


# -- English complete (issue 17 part 7): the tables and their downloads in English ------------------------
CJK = __import__("re").compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


@pytest.mark.parametrize("name", ["key_figures", "monitoring", "employment", "projects", "funds"])
def test_the_english_tables_and_downloads_have_english_headers_and_terms(app, as_user, name):
    """In English: English headers (metric names, units by number), English enumerations; only the parent's
    name (a region) and the projects' stored names stay as written."""
    import base64

    from callbacks.region_callbacks import download
    from data.definitions import contract, labels

    county = "522728000000"  # 罗甸县
    with as_user() as access:
        answer = download(app.storage, access, {"region": county, "lang": "en"}, name, "csv")
        place = profile.region(app.storage, access, county)
        names = [r["name"] for r in place["lineage"]]
        stored = records.read_table(app.storage.engine, ADMIN, "projects")
    text = base64.b64decode(answer["content"]).decode("utf-8-sig")
    for proper in sorted([*names, *stored["name"].dropna()], key=len, reverse=True):
        text = text.replace(proper, "")
    assert not CJK.search(text), CJK.findall(text)[:20]
    frame = pd.read_csv(io.StringIO(base64.b64decode(answer["content"]).decode("utf-8-sig")))
    if name == "projects":
        assert set(frame["type"]) <= {labels.value_label("projects", "type", v, "en")
                                      for v in contract.TABLES["projects"].column("type").values}
        assert (frame["flagged"].fillna("") != "").sum() == stored[stored["county_code"] == county]["status"].isin(
            ["idle", "failed"]).sum()
    if name == "key_figures":
        units = dict(zip(frame["indicator"], frame["unit"]))
        assert units["Monitored households"] in ("household", "households"), units
