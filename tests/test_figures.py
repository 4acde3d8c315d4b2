"""Pure figure builders: geometry by URL, colours by Patch, three-valued flags."""
import json

from layouts import figures

UNITS = [{"code": "520102000000", "name": "南明区"}, {"code": "522725000000", "name": "瓮安县"},
         {"code": "530102000000", "name": "五华区"}]


def test_map_figure_references_geometry_by_url_and_is_small():
    figure = figures.map_figure(UNITS, [0.0, 1.0, 0.5], "/geo/county.geojson?parent=52", "national_key_county", "zh")
    trace = figure.data[0]
    assert trace.geojson == "/geo/county.geojson?parent=52" and list(trace.locations) == [u["code"] for u in UNITS]
    assert len(figure.to_json()) < 20_000
    assert list(trace.customdata) == ["南明区", "瓮安县", "五华区"]
    assert list(trace.text) == ["否", "是", "未知（名单不全）"]


def test_boundary_lines_become_one_line_trace():
    line = json.dumps({"type": "MultiLineString", "coordinates": [[[100, 20], [101, 21]], [[110, 10], [111, 11]]]})
    figure = figures.map_figure(UNITS, [0.0, 1.0, 0.0], "/geo/county.geojson", "national_key_county", "en", [line])
    assert figure.data[1].type == "scattergeo" and list(figure.data[1].lon) == [100, 101, None, 110, 111, None]


def test_a_metric_change_patches_values_and_labels_but_never_names_or_geometry():
    values = [1.0, 0.0, 0.5] * 1000  # the size of the national county layer
    patch = figures.map_patch(values, "former_poverty_county", "en").to_plotly_json()
    paths = {tuple(op["location"]) for op in patch["operations"]}
    assert paths == {("data", 0, "z"), ("data", 0, "text"), ("data", 0, "hovertemplate"),
                     ("data", 0, "colorbar", "title", "text")}
    size = len(json.dumps(patch, ensure_ascii=False).encode())
    assert size < 60_000, size  # 3,000 values and labels; names and outlines stay in the browser


def test_clicks_and_states_from_the_browser_are_not_trusted():
    from callbacks.map_callbacks import _clicked_code, _valid_state

    assert _clicked_code({"points": [{"location": "522725000000"}]}) == "522725000000"
    for crafted in (None, {}, {"points": "x"}, {"points": []}, {"points": [3]}, [1]):
        assert _clicked_code(crafted) is None
    assert not _valid_state(None) and not _valid_state({"codes": "x"}) and _valid_state({"codes": []})
