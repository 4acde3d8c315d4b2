"""View models: what a page shows for a region, read from storage as plain data.

The map shows the units on the layer below the selected region: the whole country's counties at the
top, a province's or prefecture's counties, a county's townships, a township's villages. A region with
nothing below it (a village, a county without township detail, Macau) is shown among its siblings.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from data.codes import significant
from data.regions import flag_state
from data.schema import LAYERS
from data.storage import EVERYTHING, Scope, Storage

METRICS = ("national_key_county", "former_poverty_county", "in_scope")
DEFAULT_METRIC = METRICS[0]


@dataclass
class MapView:
    region: dict | None  # None: the whole country
    lineage: list[dict]
    layer: str
    parent: str | None  # the region whose units are drawn (None: the national layer)
    units: list[dict]
    data_version: str

    @property
    def geojson_url(self) -> str:
        parent = f"parent={self.parent}&" if self.parent else ""
        return f"/geo/{self.layer}.geojson?{parent}v={self.data_version}"

    @property
    def codes(self) -> list[str]:
        return [u["code"] for u in self.units]


def map_view(storage: Storage, code: str | None, scope: Scope = EVERYTHING) -> MapView:
    """The map view of region ``code`` (None: national). Raises NotFound / InvalidCode."""
    version = storage.data_version()
    if code is None:
        return MapView(None, [], "county", None, storage.regions(level="county", scope=scope), version)
    lineage = storage.lineage(code, scope)
    region = lineage[-1]
    deepest = region["layers"][-1]
    # Provinces and prefectures show their counties, like the national map; below that, the next layer.
    below = "county" if deepest in ("province", "city") else (
        LAYERS[LAYERS.index(deepest) + 1] if deepest != LAYERS[-1] else None)
    units = storage.regions(level=below, parent=region["code"], scope=scope) if below else []
    if units:
        return MapView(region, lineage, below, region["code"], units, version)
    if region["parent_code"]:
        parent = region["parent_code"]
        return MapView(region, lineage, deepest, parent,
                       storage.regions(level=deepest, parent=parent, scope=scope), version)
    return MapView(region, lineage, deepest, region["code"], [region], version)


def map_values(storage: Storage, units: list[dict], metric: str) -> list[float]:
    """The value of ``metric`` for each unit: 1 yes, 0 no, 0.5 unknown (a partial reference list)."""
    facts = storage.facts()
    if metric == "in_scope":
        counties = json.loads(facts.get("counties_in_scope", "[]"))
        covered = storage.with_ancestors(counties) if counties else set()
        return [float(u["code"] in covered or u["code"][:6] + "000000" in covered) for u in units]
    complete = frozenset(json.loads(facts.get("complete_lists", "[]")))
    return [flag_state(u, metric, complete) for u in units]


def boundary_line_geometries(storage: Storage) -> list[str]:
    return [geometry for _, geometry in storage.boundary_lines()]


def region_prefix(storage: Storage, code: str | None) -> str | None:
    """The significant code prefix of a region (None: the whole country), for filtering records."""
    if code is None:
        return None
    region = storage.region(code)
    return significant(region["code"], region["level"])
