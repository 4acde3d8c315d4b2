"""View models: what a page shows for a region, read from storage as plain data.

The map shows the children of the selected region on the layer below it: the whole country's
counties at the top, a province's or prefecture's counties, a county's townships, a township's
villages (a village shows its siblings).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from data.storage import EVERYTHING, Scope, Storage

METRICS = ("national_key_county", "former_poverty_county", "in_scope")


@dataclass
class MapView:
    region: dict | None  # None: the whole country
    lineage: list[dict]
    layer: str
    parent: str | None  # the parent whose units are drawn (None: national layer)
    units: list[dict]
    in_scope: set[str]
    data_version: str

    @property
    def geojson_url(self) -> str:
        parent = f"parent={self.parent}&" if self.parent else ""
        return f"/geo/{self.layer}.geojson?{parent}v={self.data_version}"


def map_view(storage: Storage, code: str | None, scope: Scope = EVERYTHING) -> MapView:
    """The map view of region ``code`` (None: national). Raises NotFound / InvalidCode."""
    facts = storage.facts()
    in_scope = set(json.loads(facts.get("counties_in_scope", "[]")))
    for county in list(in_scope):
        in_scope.update(r["code"] for r in storage.lineage(county))
    if code is None:
        return MapView(None, [], "county", None, storage.regions(level="county", scope=scope),
                       in_scope, facts.get("data_version", "empty"))
    lineage = storage.lineage(code, scope)
    region = lineage[-1]
    deepest = region["layers"][-1] if region["layers"] else region["level"]
    layer, parent = {"province": ("county", region["code"]), "city": ("county", region["code"]),
                     "county": ("township", region["code"]), "township": ("village", region["code"]),
                     "village": ("village", region["parent_code"])}[deepest]
    units = storage.regions(level=layer, parent=parent, scope=scope)
    if not units and deepest == "county":  # a county without township detail: show it among its siblings
        layer, parent = "county", region["parent_code"]
        units = storage.regions(level=layer, parent=parent, scope=scope)
    return MapView(region, lineage, layer, parent, units, in_scope, facts.get("data_version", "empty"))


def boundary_line_geometries(storage: Storage) -> list[str]:
    return [geometry for _, geometry in storage.boundary_lines()]
