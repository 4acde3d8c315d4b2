"""Pages and callbacks take whatever a link or a crafted request sends: never a 500, never another region.

Every callback of the map and profile pages is posted to ``/_dash-update-component`` with crafted values
(lists, numbers, unknown codes, a theme heading as metric, a missing store); each page layout is built
with repeated and unknown query parameters.
"""
import itertools

import pytest

from dashboard.auth import reading
from layouts import data_page, map_page, region_page, upload_page

CRAFTED = [None, 5, ["a", "b"], {"x": 1}, "", "theme:monitoring", "wage_bill", "9999-99", "2019-01", "../etc"]


def _dependencies(client) -> list[dict]:
    return client.get("/_dash-dependencies").get_json()


def _body(dependency: dict, values: list, changed: int = 0) -> dict:
    def specs(items, offset):
        return [{"id": item["id"], "property": item["property"], "value": values[(offset + i) % len(values)]}
                for i, item in enumerate(items)]
    outputs = dependency["output"].strip(".").split("...")
    inputs = specs(dependency["inputs"], 0)
    return {"output": dependency["output"],
            "outputs": [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]} for o in outputs]
            if dependency["output"].startswith("..") else
            {"id": dependency["output"].rsplit(".", 1)[0], "property": dependency["output"].rsplit(".", 1)[1]},
            "inputs": inputs, "state": specs(dependency["state"], len(inputs)),
            "changedPropIds": [f"{inputs[changed]['id']}.{inputs[changed]['property']}"] if inputs else []}


def test_crafted_callback_values_never_make_a_server_error(client):
    pages = [d for d in _dependencies(client)
             if any(name in d["output"] for name in ("map.figure", "url.href", "period.options", "profile-"))
             and not d.get("clientside_function")]
    assert len(pages) >= 5
    stores = [None, [], {"region": ["52"]}, {"region": "99"}, {"region": 52, "lang": ["en"]},
              {"region": "522728000000", "lang": "en"}, {"region": None}]
    for dependency, store in itertools.product(pages, stores):
        for crafted in CRAFTED:
            values = [crafted] * (len(dependency["inputs"]) + len(dependency["state"]))
            values[-1] = store  # the store is the last state of every page callback
            response = client.post("/_dash-update-component", json=_body(dependency, values))
            assert response.status_code in (200, 204), (dependency["output"], crafted, store, response.data[:300])


@pytest.mark.parametrize("layout, params", [
    (map_page.layout, {"region": ["52", "53"], "metric": ["a", "b"], "tier": ["x", "y"], "period": ["2026-01"]}),
    (map_page.layout, {"region": "99", "metric": "theme:monitoring"}),
    (map_page.layout, {"metric": "income_per_capita_former_poor", "period": "2026-10", "lang": ["en"]}),
    (region_page.layout, {"code": "52", "metric": ["a", "b"]}),
    (region_page.layout, {"code": "999999"}),
    (data_page.layout, {"table": ["households", "x"], "region": ["52"]}),
    (upload_page.layout, {"table": ["teams", "x"], "lang": 5}),
])
def test_page_layouts_take_any_query(app, as_user, layout, params):
    with as_user():
        assert layout(*reading(app.storage), **params) is not None


def test_a_monthly_period_for_a_yearly_metric_shows_that_year_and_says_so(app, as_user):
    with as_user():
        page = str(map_page.layout(*reading(app.storage), metric="income_per_capita_former_poor", period="2024-05"))
    assert "该指标没有 2024-05 的数据，显示 2024" in page
