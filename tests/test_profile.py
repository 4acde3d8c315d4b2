"""The region profile's data: key figures against parent and peers, records-based tables, downloads."""
import io
import json

import pandas as pd
import pytest

from data.read import cube, profile
from data.store import records
from data.store.storage import NotFound
from layouts.profile_tables import labelled, peers_header
from tests.conftest import ADMIN


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
    ranks = frame["排名（由高到低）/ rank (highest first)"].dropna()
    assert len(ranks) and (ranks <= frame["参与排名 / ranked"][ranks.index]).all()


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
