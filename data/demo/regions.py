"""Loads the region hierarchy of a scale: the real country, and in the counties in scope their real townships
and villages (official NBS codes and names, edition 2023: data/reference/nbs, SOURCES.md) with illustrative
cells. A county the code list does not hold gets invented units instead; the facts name those counties."""
from __future__ import annotations

import csv
import functools
import gzip
import json

import numpy as np
from tqdm import tqdm

from data.definitions.access import Access
from data.definitions.codes import rural_village
from data.definitions.reference import REFERENCE_DIR
from data.demo.scales import SCALES, Scale, select_counties
from data.store.storage import Storage
from geo import subdivide
from geo.country import store_country
from geo.hierarchy import Region, build_real_hierarchy

NBS_FILE = REFERENCE_DIR / "nbs" / "units_2023.csv.gz"
NBS_SOURCE = "国家统计局《2023年统计用区划代码和城乡划分代码》(data/reference/nbs/units_2023.csv.gz; SOURCES.md)"

CountyUnits = tuple[list[subdivide.Given], dict[str, list[subdivide.Given]]]


@functools.cache
def code_list() -> dict[str, CountyUnits]:
    """county code → its townships and each township's villages in the NBS slice, in code order."""
    towns: dict[str, list[subdivide.Given]] = {}
    villages: dict[str, list[subdivide.Given]] = {}
    with gzip.open(NBS_FILE, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            unit = subdivide.Given(row["code"], row["name"], row["urban_rural"] or None)
            (towns if row["level"] == "township" else villages).setdefault(row["parent_code"], []).append(unit)
    return {county: (units, {t.code: villages.get(t.code, []) for t in units}) for county, units in towns.items()}


def units_of(county_code: str, settings: Scale) -> CountyUnits | None:
    """The real units of a county at a scale (None: not in the code list). Where the scale caps them, each
    township keeps its first ``real_villages`` rural villages and then its first communities up to
    ``real_units`` units, in code order."""
    found = code_list().get(county_code)
    if found is None or settings.real_units is None:
        return found
    towns, villages = found
    capped = {}
    for town in towns:
        rural = [v for v in villages[town.code] if rural_village(v.code, v.urban_rural)][:settings.real_villages]
        other = [v for v in villages[town.code] if not rural_village(v.code, v.urban_rural)]
        capped[town.code] = sorted(rural + other[:max(0, settings.real_units - len(rural))], key=lambda v: v.code)
    return towns, capped


def add_units(regions: dict[str, Region], county_codes: list[str], scale: str, rng: np.random.Generator,
              progress: bool = False) -> list[str]:
    """Add the townships and villages of ``county_codes`` (with illustrative cells) to ``regions``; returns
    the counties whose units had to be invented because the code list does not hold them."""
    settings = SCALES[scale]
    invented = []
    for county_code in tqdm(county_codes, desc="乡镇/村 illustrative cells", unit="county", disable=not progress):
        county = regions[county_code]
        outline = county.outlines["county"][0]
        given = units_of(county_code, settings)
        if given is None:
            invented.append(county_code)
            towns, villages = subdivide.subdivide_county(county_code, outline, rng, settings.townships,
                                                         settings.villages)
        else:
            towns, villages = subdivide.cells_for_units(outline, *given, rng)
        for town in towns:
            township = regions[town.code] = county.child(town.code, town.name, "township", subdivide.SOURCE,
                                                         town.geometry)
            for village in villages[town.code]:
                regions[village.code] = township.child(village.code, village.name, "village", subdivide.SOURCE,
                                                       village.geometry, village.urban_rural)
    return invented


def load_regions(storage: Storage, access: Access, scale: str, seed: int, progress: bool = True) -> dict[str, Region]:
    """Build and store every region and outline of ``scale``; returns the regions by code."""
    regions = dict(build_real_hierarchy())
    in_scope = select_counties(regions, scale, seed)
    invented = add_units(regions, in_scope, scale, np.random.default_rng(seed), progress)
    settings = SCALES[scale]
    store_country(storage, access, regions, {
        "scale": scale, "seed": str(seed), "counties_in_scope": json.dumps(in_scope), "units_source": NBS_SOURCE,
        "units_invented_counties": json.dumps(invented),
        "units_per_township": "all" if settings.real_units is None else
        f"first {settings.real_villages} 村民委员会, then 社区 up to {settings.real_units}"})
    return regions
