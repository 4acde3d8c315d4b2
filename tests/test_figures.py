"""Pure figure builders: geometry by URL, colours by Patch, yes/no values."""
import json

from layouts import figures

UNITS = [{"code": "520102000000", "name": "南明区", "national_key_county": False, "former_poverty_county": False},
         {"code": "522725000000", "name": "瓮安县", "national_key_county": True, "former_poverty_county": True}]


def test_map_figure_references_geometry_by_url_and_is_small():
    figure = figures.map_figure(UNITS, [0, 1], "/geo/county.geojson?parent=52", "national_key_county", "zh")
    trace = figure.data[0]
    assert trace.geojson == "/geo/county.geojson?parent=52" and list(trace.locations) == [u["code"] for u in UNITS]
    assert len(figure.to_json()) < 20_000
    assert "瓮安县" in trace.text[1] and "是" in trace.text[1]


def test_boundary_lines_become_one_line_trace():
    line = json.dumps({"type": "MultiLineString", "coordinates": [[[100, 20], [101, 21]], [[110, 10], [111, 11]]]})
    figure = figures.map_figure(UNITS, [0, 1], "/geo/county.geojson", "national_key_county", "en", [line])
    assert figure.data[1].type == "scattergeo" and list(figure.data[1].lon) == [100, 101, None, 110, 111, None]


def test_a_metric_change_patches_only_values_and_labels():
    patch = figures.map_patch(UNITS, [1, 0], "former_poverty_county", "en").to_plotly_json()
    paths = {tuple(op["location"]) for op in patch["operations"]}
    assert paths == {("data", 0, "z"), ("data", 0, "text"), ("data", 0, "colorbar", "title", "text")}
    assert len(json.dumps(patch, ensure_ascii=False)) < 2_000


def test_flag_values():
    assert figures.flag_values(UNITS, "national_key_county", set()) == [0, 1]
    assert figures.flag_values(UNITS, "in_scope", {"522725000000"}) == [0, 1]
    township = [{"code": "522725101000", "name": "x"}]
    assert figures.flag_values(township, "in_scope", {"522725000000"}) == [1]
