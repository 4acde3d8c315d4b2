"""View models: what the map page shows for a region, read through the cube and storage as plain data.

The map shows the units on the layer below the selected region: the whole country's counties at the
top, a province's or prefecture's counties, a county's townships, a township's villages. A region with
nothing below it (a village, a county without township detail, Macau) is shown among its siblings.
On a county layer a tier (national key counties, …) keeps the others grey and out of the ranking.
"""
from __future__ import annotations

from dataclasses import dataclass

from data.definitions import codes, metrics, tiers
from data.definitions.access import Access, OutOfScope
from data.read import cube
from data.read.peers import Peers, peers
from data.store import membership, records
from data.store.schema import LAYERS
from data.store.storage import NotFound, Storage

DEFAULT_METRIC = "risk_not_eliminated_households"
SHOWN = [m for m in metrics.CATALOG.values() if m.shown]


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

    @property
    def code(self) -> str | None:
        return self.region["code"] if self.region else None

    @property
    def tiered(self) -> bool:
        """Whether the tier applies: counties are drawn, or the selected region is a county (its peers)."""
        return self.layer in ("county", "village") or bool(self.region and self.region["level"] == "county")


def map_view(storage: Storage, access: Access, code: str | None) -> MapView:
    """The map view of region ``code`` (None: national). Raises NotFound / InvalidCode / OutOfScope."""
    version = storage.data_version()
    if code is None:
        return MapView(None, [], "county", None, storage.regions(access, level="county"), version)
    lineage = storage.lineage(access, code)
    region = lineage[-1]
    deepest = region["layers"][-1]
    # Provinces and prefectures show their counties, like the national map; below that, the next layer.
    below = "county" if deepest in ("province", "city") else (
        LAYERS[LAYERS.index(deepest) + 1] if deepest != LAYERS[-1] else None)
    units = storage.regions(access, level=below, parent=region["code"]) if below else []
    if units:
        return MapView(region, lineage, below, region["code"], units, version)
    if region["parent_code"]:
        parent = region["parent_code"]
        return MapView(region, lineage, deepest, parent,
                       storage.regions(access, level=deepest, parent=parent), version)
    return MapView(region, lineage, deepest, region["code"], [region], version)


@dataclass
class MapData:
    """The selected metric over a view's units, aligned with ``view.units``."""

    metric: metrics.Metric
    period: str | None  # None: the metric has no data at all
    previous_period: str | None
    tier: tiers.Tier
    rows: list[dict]  # code, name, value (None: no data or outside the tier), change, rank, in_tier
    with_data: int

    @property
    def values(self) -> list[float | None]:
        return [r["value"] for r in self.rows]


def periods(storage: Storage, metric: str, wanted: str | None) -> tuple[list[str], str | None]:
    """The periods offered for ``metric`` (up to its theme's latest) and the one to show: ``wanted`` or its
    nearest (a month's year, a year's last month), else the latest; None if the metric has no data."""
    cube_info = cube.info(storage)
    chosen = metrics.get(metric)
    known = cube.available(cube_info, chosen)
    near = cube.period_near(cube_info, chosen, wanted) if wanted else None
    return known, near or (known[-1] if known else None)


def map_data(storage: Storage, access: Access, view: MapView, metric: str, period: str | None,
             tier: str | None) -> MapData:
    """The metric for the view's units in ``period`` (see :func:`periods`); on a county layer, counties outside
    ``tier`` are left out. A metric without data (or newer than the built cube) gives units without values."""
    chosen = tiers.get(tier)
    if view.layer == "village":  # the one filter of villages: rural ones only (codes.rural_village)
        members = frozenset(u["code"] for u in view.units if codes.rural_village(u["code"], u.get("urban_rural"))) \
            if tier == tiers.RURAL else None
    else:
        members = membership.counties(storage, access, chosen.code) if view.layer == "county" else None
    period = periods(storage, metric, period)[1]
    try:
        if period is None:
            raise NotFound(metric)
        found = cube.unit_values(storage, access, metric, view.units, period)
    except (NotFound, cube.NotBuilt):
        found = {"metric": metrics.get(metric), "period": period, "previous_period": None,
                 "rows": [{"code": u["code"], "name": u["name"], "level": u["level"], "value": None,
                           "previous": None, "change": None} for u in view.units]}
    rows = found["rows"]
    for row in rows:
        row["in_tier"] = members is None or row["code"] in members
        if not row["in_tier"]:
            row.update(value=None, previous=None, change=None)
    with_data = cube.rank(rows, found["metric"].direction)
    return MapData(found["metric"], found["period"], found["previous_period"], chosen, rows, with_data)


@dataclass
class TrendLine:
    key: str  # region, parent or peers
    name: str | None  # the region's name (None: the nation); for peers, see ``peers``
    points: list[dict]  # period, value
    peers: Peers | None = None


def trend_lines(storage: Storage, access: Access, view: MapView, metric: str, tier: str | None) -> list[TrendLine]:
    """The selected region's series, its parent's, and the median of its peers (same level, same tier)."""
    region = view.region
    lines = []
    if region or access.may_read_nation:
        lines.append(TrendLine("region", region["name"] if region else None,
                               cube.series(storage, access, metric, view.code)["series"]))
    if region:
        parent = region["parent_code"]
        parent_name = next((r["name"] for r in view.lineage if r["code"] == parent), None)
        try:
            lines.append(TrendLine("parent", parent_name, cube.series(storage, access, metric, parent)["series"]))
        except OutOfScope:  # the region is the top of the caller's scope
            pass
    group = peers(storage, access, region, tier)
    if group.codes:
        lines.append(TrendLine("peers", None, cube.median_series(storage, access, metric, group.codes), group))
    return lines


def region_prefix(storage: Storage, access: Access, code: str | None) -> str | None:
    """The significant code prefix of a region's records (None: the whole country)."""
    return None if code is None else records.region_prefix(storage.region(access, code))


def boundary_line_geometries(storage: Storage) -> list[str]:
    return [geometry for _, geometry in storage.boundary_lines()]
