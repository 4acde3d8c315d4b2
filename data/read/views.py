"""View models: what the map page shows for a region, read through the cube and storage as plain data.

The map shows the units on the layer below the selected region: the whole country's counties at the
top, a province's or prefecture's counties, a county's townships, a township's villages. A region with
nothing below it (a village, a county without township detail, Macau) is shown among its siblings.
On a county layer a tier (national key counties, …) keeps the others grey and out of the ranking.
"""
from __future__ import annotations

from dataclasses import dataclass

from data.read import cube
from data.definitions import metrics, tiers
from data.store import records
from data.store.schema import LAYERS
from data.store.storage import EVERYTHING, NotFound, OutOfScope, Scope, Storage
from data.store import membership

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
        return self.layer == "county" or bool(self.region and self.region["level"] == "county")


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


def map_data(storage: Storage, view: MapView, metric: str, period: str | None, tier: str | None) -> MapData:
    """The metric for the view's units in ``period`` (see :func:`periods`); on a county layer, counties outside
    ``tier`` are left out. A metric without data (or newer than the built cube) gives units without values."""
    chosen = tiers.get(tier)
    members = membership.counties(storage, chosen.code) if view.layer == "county" else None
    period = periods(storage, metric, period)[1]
    try:
        if period is None:
            raise NotFound(metric)
        found = cube.unit_values(storage, metric, view.units, period)
    except (NotFound, cube.NotBuilt):
        found = {"metric": metrics.get(metric), "period": period, "previous_period": None,
                 "rows": [{"code": u["code"], "name": u["name"], "level": u["level"], "value": None,
                           "previous": None, "change": None} for u in view.units]}
    rows = found["rows"]
    for row in rows:
        row["in_tier"] = members is None or row["code"] in members
        if not row["in_tier"]:
            row.update(value=None, previous=None, change=None)
    with_data = cube.rank(rows)
    return MapData(found["metric"], found["period"], found["previous_period"], chosen, rows, with_data)


@dataclass
class TrendLine:
    key: str  # region, parent or peers
    label: str
    points: list[dict]  # period, value


def trend_lines(storage: Storage, view: MapView, metric: str, tier: str | None, lang: str,
                scope: Scope = EVERYTHING) -> list[TrendLine]:
    """The selected region's series, its parent's, and the median of its peers (same level, same tier)."""
    region = view.region
    lines = []
    if region or cube.may_read_nation(scope):
        lines.append(TrendLine("region", region["name"] if region else ("全国" if lang == "zh" else "China"),
                               cube.series(storage, metric, view.code, scope)["series"]))
    if region:
        parent = region["parent_code"]
        parent_name = next((r["name"] for r in view.lineage if r["code"] == parent), None)
        try:
            lines.append(TrendLine("parent", parent_name or ("全国" if lang == "zh" else "China"),
                                   cube.series(storage, metric, parent, scope)["series"]))
        except OutOfScope:  # the region is the top of the caller's scope
            pass
    peers, label = peer_group(storage, view, tier, lang, scope)
    if peers:
        lines.append(TrendLine("peers", label, cube.median_series(storage, metric, peers)))
    return lines


def peer_group(storage: Storage, view: MapView, tier: str | None, lang: str,
               scope: Scope = EVERYTHING) -> tuple[list[str], str]:
    """Whom the selected region is compared with: counties of its province in the tier, regions of its level
    in its province (or nationally for provinces), a township's or village's siblings; the nation: the tier."""
    chosen = tiers.get(tier)
    tier_name = chosen.zh if lang == "zh" else chosen.en
    members = membership.counties(storage, chosen.code)
    region = view.region
    if region is None:
        if members is None:
            return [], ""
        codes = [c for c, _, _ in storage.units("county", None, scope) if c in members]
        return codes, (f"{tier_name}中位数（{len(codes)}个）" if lang == "zh" else f"Median of {tier_name} ({len(codes)})")
    level = region["level"]
    province = region["ancestors"].get("province")
    if level == "county":
        codes = [c for c, _, _ in storage.units("county", province, scope) if members is None or c in members]
        label = (f"省内{tier_name}中位数（{len(codes)}个）" if lang == "zh"
                 else f"Median of {tier_name.lower() if members is None else tier_name} in the province ({len(codes)})")
    elif level in ("province", "city"):
        codes = [c for c, _, _ in storage.units(level, province if level == "city" else None, scope)]
        label = (f"{'省内地市' if level == 'city' else '各省'}中位数（{len(codes)}个）" if lang == "zh"
                 else f"Median of {'prefectures in the province' if level == 'city' else 'provinces'} ({len(codes)})")
    else:
        codes = [c for c, _, _ in storage.units(None, region["parent_code"], scope)]
        label = (f"同级{'乡镇' if level == 'township' else '村'}中位数（{len(codes)}个）" if lang == "zh"
                 else f"Median of sibling {level}s ({len(codes)})")
    return codes, label


def region_prefix(storage: Storage, code: str | None) -> str | None:
    """The significant code prefix of a region (None: the whole country), for filtering records."""
    return None if code is None else records.region_prefix(storage.region(code))


def boundary_line_geometries(storage: Storage) -> list[str]:
    return [geometry for _, geometry in storage.boundary_lines()]
