"""The JSON API, the geometry routes and /healthz, through the Flask test client."""
import gzip
import json

import pytest
import shapely
from hypothesis import HealthCheck, given, settings, strategies as st

NATIONAL_COUNTY_LAYER_LIMIT = 700 * 1024


def _geojson(response):
    body = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return json.loads(body)


def test_healthz(client):
    answer = client.get("/healthz").get_json()
    assert answer["status"] == "ok" and answer["data_version"]


def test_provinces_are_all_listed(client):
    answer = client.get("/api/v1/regions?level=province").get_json()
    assert answer["count"] == 34
    first = answer["regions"][0]
    assert {"code", "name", "level", "parent_code", "national_key_county", "provincial_key_county",
            "former_poverty_county", "source"} <= set(first)


def test_children_and_one_region(client):
    children = client.get("/api/v1/regions?parent=5227").get_json()["regions"]
    assert {c["level"] for c in children} == {"county"} and len(children) == 12
    region = client.get("/api/v1/regions/522725").get_json()
    assert region["name"] == "瓮安县" and [r["level"] for r in region["lineage"]] == ["province", "city", "county"]


@pytest.mark.parametrize("query, status", [
    ("level=galaxy", 400), ("parent=99", 404), ("parent=abc", 400), ("parent=5", 400), ("", 400),
    ("level=county&parent=999999", 404), ("level=province&parent=5227", 400), ("parent=５２", 400),
])
def test_bad_region_queries_get_a_clear_json_error(client, query, status):
    response = client.get(f"/api/v1/regions?{query}")
    assert response.status_code == status and response.get_json()["error"]["message"]


REAL_CODES = ["52", "5227", "522725", "520102", "500200", "441900", "820000", "110100", "429004", "99", "5"]
LAYERS = ["province", "city", "county", "township", "village", "galaxy", ""]


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(level=st.one_of(st.none(), st.sampled_from(LAYERS), st.text(max_size=12)),
       parent=st.one_of(st.none(), st.sampled_from(REAL_CODES), st.text(max_size=14)),
       layer=st.one_of(st.sampled_from(LAYERS[:-1]), st.text(min_size=1, max_size=10).filter(
           lambda s: not set(s) & set("/?#%"))))
def test_no_parameter_makes_a_server_error(client, level, parent, layer):
    params = {k: v for k, v in {"level": level, "parent": parent}.items() if v is not None}
    for response in (client.get("/api/v1/regions", query_string=params),
                     client.get(f"/geo/{layer}.geojson", query_string={"parent": parent or ""}),
                     client.get(f"/api/v1/regions/{parent or 'x'}")):
        assert response.status_code < 500
        if response.status_code >= 400:
            assert response.get_json()["error"]["message"]


def test_guizhou_county_layer_is_exactly_guizhous_counties(client):
    response = client.get("/geo/county.geojson?parent=52", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    features = _geojson(response)["features"]
    api = client.get("/api/v1/regions?level=county&parent=52").get_json()["regions"]
    assert sorted(f["id"] for f in features) == sorted(r["code"] for r in api)
    assert len(features) == 88


def test_national_county_layer_size_and_shape(client):
    response = client.get("/geo/county.geojson", headers={"Accept-Encoding": "gzip"})
    assert len(response.data) <= NATIONAL_COUNTY_LAYER_LIMIT
    features = _geojson(response)["features"]
    ids = [f["id"] for f in features]
    assert len(ids) == len(set(ids)) == 2891
    for feature in features[::97]:
        geometry = shapely.from_geojson(json.dumps(feature["geometry"]))
        assert geometry.is_valid
        for polygon in shapely.get_parts(geometry):
            assert not polygon.exterior.is_ccw  # clockwise outer rings for plotly's geo trace
            assert all(round(x, 4) == x and round(y, 4) == y for x, y in polygon.exterior.coords)


def test_township_and_village_layers(client, app):
    county = json.loads(app.storage.facts()["counties_in_scope"])[0]
    towns = _geojson(client.get(f"/geo/township.geojson?parent={county[:6]}"))["features"]
    assert len(towns) >= 5 and all(f["id"].startswith(county[:6]) for f in towns)
    villages = _geojson(client.get(f"/geo/village.geojson?parent={towns[0]['id'][:9]}"))["features"]
    assert len(villages) >= 5
    assert client.get("/geo/village.geojson").status_code == 400


def test_geometry_is_cached_by_the_browser(client):
    version = client.get("/healthz").get_json()["data_version"]
    first = client.get(f"/geo/province.geojson?v={version}")
    assert "immutable" in first.headers["Cache-Control"] and first.headers["ETag"]
    again = client.get(f"/geo/province.geojson?v={version}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_boundary_lines_are_served(client):
    lines = _geojson(client.get("/geo/lines.geojson"))["features"]
    assert lines and all(f["geometry"]["type"] in ("LineString", "MultiLineString") for f in lines)


@pytest.mark.parametrize("path, status", [
    ("/geo/galaxy.geojson", 400), ("/geo/county.geojson?parent=99", 404), ("/geo/county.geojson?parent=x", 400),
    ("/geo/province.geojson?parent=5227", 400), ("/geo/county.json", 404), ("/geo/", 404),
    ("/api/v1/nothing", 404), ("/api/v1", 404), ("/api/v1/", 404)])
def test_bad_geometry_requests(client, path, status):
    response = client.get(path, follow_redirects=True)
    assert response.status_code == status and response.get_json()["error"]["message"]


def test_prefectures_without_counties_and_macau_fill_the_county_layer(client):
    dongguan = _geojson(client.get("/geo/county.geojson?parent=441900"))["features"]
    macau = _geojson(client.get("/geo/county.geojson?parent=82"))["features"]
    assert [f["id"] for f in dongguan] == ["441900000000"] and [f["id"] for f in macau] == ["820000000000"]
