"""The region profile (县域画像): every figure and table of ``/region/<code>``, read within the caller's scope.

Figures come from the cube (:mod:`data.read.cube`); the project list and the funds by use come from the
region's own records. Each table is a DataFrame keyed by codes (metric codes, contract column names,
enumeration codes); layouts/profile_tables.py attaches the labels, for the page and the downloads alike,
so what is printed, shown and downloaded cannot differ. The outlines of the profile map's units, for the
report's map, are read here too (:func:`map_outlines`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from data.definitions import metrics, tiers
from data.definitions.access import Access, OutOfScope
from data.definitions.codes import NATION, significant
from data.read import cube
from data.read.peers import Peers, own_tier, peers
from data.store import audit, membership, records
from data.store.storage import Storage

RECENT_MONTHS = 12
CATEGORY_METRICS = ("monitored_unstable_former_poor", "monitored_marginal", "monitored_sudden_hardship")
RISK_METRICS = tuple(m.code for m in metrics.CATALOG.values() if m.code.startswith("new_risk_"))
CHANNEL_METRICS = tuple(m.code for m in metrics.CATALOG.values() if m.code.startswith("new_channel_"))
LOCATION_METRICS = ("employed_in_county", "employed_in_province", "employed_out_of_province")
MODE_METRICS = tuple(m.code for m in metrics.CATALOG.values() if m.code.startswith("mode_"))
COLLABORATION_METRICS = tuple(m.code for m in metrics.CATALOG.values() if m.theme == "collaboration")
TEAM_METRICS = ("village_teams", "team_members", "team_days_average", "teams_upper_level")
FLAGGED_STATUSES = ("idle", "failed")


@dataclass
class Comparison:
    """Whom a region's key figures are set against: its parent and its peers (whose median is shown)."""

    parent: dict | None
    peers: Peers


def region(storage: Storage, access: Access, code: str) -> dict:
    """The region with its lineage, tiers and eastern partners (NotFound if outside the scope)."""
    lineage = storage.lineage(access, code)
    found = dict(lineage[-1])
    found["lineage"] = lineage
    found["partners"] = (membership.east_partners(storage, access, found["code"])
                         if found["level"] in ("province", "city", "county") else [])
    found["tiers"] = [t for t in tiers.TIERS[1:] if found["code"] in (membership.counties(storage, access, t.code) or ())]
    return found


def comparison(storage: Storage, access: Access, place: dict) -> Comparison:
    """A county is set against its province and the counties of its province in its tier (the narrowest
    of national key, provincial key, former poverty it belongs to); other regions against their parent
    and their siblings (see :mod:`data.read.peers`). The parent and the peers are read as figures
    (``access.figures``): a county leader sees his province and his peers, not their records."""
    parent_code = place["ancestors"].get("province") if place["level"] == "county" else place["parent_code"]
    try:  # a province is set against the nation
        parent = storage.region(access, parent_code, figures_only=True) if parent_code else \
            cube.region_of(storage, access, None)
    except OutOfScope:  # outside the caller's figures
        parent = None
    tier = own_tier(storage, access, place).code if place["level"] == "county" else None
    return Comparison(parent, peers(storage, access, place, tier))


KEY_FIGURE_COLUMNS = ("metric", "unit", "period", "value", "change", "parent", "peers_median", "rank", "ranked")


def key_figures(storage: Storage, access: Access, place: dict, compare: Comparison,
                at: str | None = None) -> pd.DataFrame:
    """The headline figures: value, change on the previous period, the parent's value, the peers' median
    and the rank among the peers (1 = the best by the metric's direction: the lowest where higher is worse,
    as the map's ranking), in the periods ``at`` names (see ``cube.period_near``; the latest of each if None).
    The comparison travels in ``frame.attrs["comparison"]``."""
    own = cube.key_figures(storage, access, place["code"], at)
    parent_code = compare.parent["code"] if compare.parent else None
    parent = {f["metric"]: f for f in cube.key_figures(storage, access, None if parent_code == NATION else parent_code,
                                                       at)} if compare.parent else {}
    peer_units = compare.peers.units()
    rows = []
    for figure in own:
        found = cube.unit_values(storage, access, figure["metric"], peer_units, figure["period"])["rows"] \
            if figure["period"] else []
        ranked = cube.rank(found, metrics.get(figure["metric"]).direction)  # 1 = the best by its direction
        rank = next((r.get("rank") for r in found if r["code"] == place["code"]), None)
        rows.append({
            "metric": figure["metric"], "unit": figure["unit"], "period": figure["period"], "value": figure["value"],
            "change": figure["change"], "parent": parent.get(figure["metric"], {}).get("value"),
            "peers_median": cube.median_of([r["value"] for r in found], metrics.get(figure["metric"])),
            "rank": rank, "ranked": ranked or None,
        })
    frame = pd.DataFrame(rows, columns=list(KEY_FIGURE_COLUMNS))
    frame.attrs["comparison"] = compare
    return frame


def series_table(storage: Storage, access: Access, code: str, metric_codes: tuple[str, ...]) -> pd.DataFrame:
    """One row per period (column ``period``), one column per metric (its code), for the region."""
    columns = {}
    for metric_code in metric_codes:
        points = cube.series(storage, access, metric_code, code)["series"]
        columns[metric_code] = pd.Series({p["period"]: p["value"] for p in points})
    frame = pd.DataFrame(columns, columns=list(metric_codes))
    frame.index.name = "period"
    return frame.dropna(how="all").reset_index()


def recent_total(frame: pd.DataFrame, months: int = RECENT_MONTHS) -> pd.Series:
    """The sum over the last ``months`` periods of each column of a monthly series table."""
    return frame.drop(columns=["period"]).tail(months).sum(min_count=1)


def latest_row(frame: pd.DataFrame) -> tuple[str | None, pd.Series]:
    """The last period of a series table with any value, and its values."""
    if frame.empty:
        return None, pd.Series(dtype=float)
    last = frame.iloc[-1]
    return last["period"], last.drop("period")


def monitoring_monthly(storage: Storage, access: Access, code: str) -> pd.DataFrame:
    """Newly identified and risk eliminated per month (``risk_eliminated_in_month``: the change in the
    eliminated stock), median days."""
    frame = series_table(storage, access, code, ("newly_identified_households", "risk_eliminated_households",
                                         "risk_not_eliminated_households", "median_days_to_assistance",
                                                 "p90_days_to_assistance"))
    frame.insert(2, "risk_eliminated_in_month", frame["risk_eliminated_households"].diff())
    return frame


def projects(storage: Storage, access: Access, code: str) -> pd.DataFrame:
    """The region's industry projects with labels, total funds and a flag for idle and failed ones (below a
    county: the projects placed in its villages)."""
    place = storage.region(access, code)
    frame = records.preview(storage.engine, access, "projects", significant(place["code"], place["level"]),
                            limit=None)
    funds = ["fund_connection", "fund_east_west", "fund_targeted", "fund_social"]
    out = pd.DataFrame({
        "project_id": frame["project_id"], "name": frame["name"], "type": frame["type"], "year": frame["year"],
        "status": frame["status"], "funds_total": frame[funds].astype("Float64").sum(axis=1),
        "fund_connection": frame["fund_connection"], "jobs_created": frame["jobs_created"],
        "households_linked": frame["households_linked"], "output_value": frame["output_value"],
        "flagged": frame["status"].isin(FLAGGED_STATUSES),
    })
    return out.sort_values(["flagged", "funds_total"], ascending=[False, False], kind="stable").reset_index(drop=True)


def funds_by_use(storage: Storage, access: Access, code: str) -> pd.DataFrame:
    """Connection funds allocated and spent by use and year, with the spend rate."""
    place = storage.region(access, code)
    if place["level"] in ("township", "village"):
        return pd.DataFrame()
    frame = records.preview(storage.engine, access, "funds", significant(place["code"], place["level"]), limit=None)
    if frame.empty:
        return pd.DataFrame()
    grouped = (frame.assign(allocated=frame["allocated"].astype("Float64"), spent=frame["spent"].astype("Float64"))
               .groupby(["year", "use"], sort=True)[["allocated", "spent"]].sum().reset_index())
    return pd.DataFrame({
        "year": grouped["year"], "use": grouped["use"], "allocated": grouped["allocated"], "spent": grouped["spent"],
        "spend_rate": (grouped["spent"] / grouped["allocated"] * 100).round(1),
    }).sort_values(["year", "allocated"], ascending=[False, False]).reset_index(drop=True)


def latest_values(storage: Storage, access: Access, code: str, metric_codes: tuple[str, ...]) -> list[dict]:
    """Each metric's value in its theme's latest period, for the region."""
    cube_info = cube.info(storage)
    place = storage.region(access, code)
    unit = [{"code": place["code"], "name": place["name"], "level": place["level"]}]
    out = []
    for metric_code in metric_codes:
        metric = metrics.get(metric_code)
        period = cube_info.latest_of(metric)
        value = cube.unit_values(storage, access, metric_code, unit, period)["rows"][0]["value"] if period else None
        out.append({"metric": metric, "period": period, "value": value})
    return out


def map_outlines(storage: Storage, access: Access, view) -> list[dict]:
    """The outlines of a map view's units (``data.read.views.map_view``) as the map page receives them from
    ``/geo/<layer>.geojson`` (dashboard/geo_routes.py: the same stored, simplified outlines, fine below the
    national layer, only units within the caller's scope), read here for a document drawn without HTTP:
    code, name, ``geometry`` (a GeoJSON Polygon or MultiPolygon, parsed) and ``illustrative``."""
    rows = storage.outlines(access, view.layer, view.parent, fine=view.parent is not None, flagged=True)
    return [{"code": code, "name": name, "geometry": json.loads(geometry), "illustrative": illustrative}
            for code, name, geometry, illustrative in rows if geometry]


def _key_figures_of(storage: Storage, access: Access, code: str) -> pd.DataFrame:
    place = region(storage, access, code)
    return key_figures(storage, access, place, comparison(storage, access, place))


def exported(storage: Storage, access: Access, name: str, code: str, file_name: str) -> pd.DataFrame:
    """Table ``name`` of the region for a download, the export audited."""
    frame = TABLES[name](storage, access, code)
    audit.record_for(storage.engine, access, "export", region=storage.region(access, code)["code"],
                     detail=f"profile {file_name}: {len(frame)} rows")
    return frame


TABLES = {  # what can be downloaded from the profile, by name
    "key_figures": lambda storage, access, code: _key_figures_of(storage, access, code),
    "monitoring": monitoring_monthly,
    "employment": lambda storage, access, code: series_table(
        storage, access, code, ("labourers_tracked", "labourers_employed", "employment_rate", "paired_east_share",
                                "average_monthly_wage")),
    "projects": projects,
    "funds": funds_by_use,
}
