"""Loads the region hierarchy of a scale: the real country plus illustrative units in the counties in scope."""
from __future__ import annotations

import json

import numpy as np
from tqdm import tqdm

from data.definitions.access import Access
from data.demo.scales import SCALES, select_counties
from data.store.storage import Storage
from geo import packaged, subdivide
from geo.hierarchy import Region, build_real_hierarchy


def load_regions(storage: Storage, access: Access, scale: str, seed: int, progress: bool = True) -> dict[str, Region]:
    """Build and store every region and outline of ``scale``; returns the regions by code."""
    regions = dict(build_real_hierarchy())
    in_scope = select_counties(regions, scale, seed)
    settings = SCALES[scale]
    rng = np.random.default_rng(seed)
    for county_code in tqdm(in_scope, desc="乡镇/村 illustrative units", unit="county", disable=not progress):
        county = regions[county_code]
        towns, villages = subdivide.subdivide_county(
            county_code, county.outlines["county"][0], rng, settings.townships, settings.villages)
        for town in towns:
            township = regions[town.code] = county.child(town.code, town.name, "township", subdivide.SOURCE,
                                                         town.geometry)
            for village in villages[town.code]:
                regions[village.code] = township.child(village.code, village.name, "village", subdivide.SOURCE,
                                                       village.geometry)
    storage.replace_regions(
        access,
        records=[r.to_row() for r in regions.values()],
        outlines=[r.outline_row(layer) for r in regions.values() for layer in r.outlines],
        lines=[{"name": name, "source": packaged.SOURCE, "geometry": geometry}
               for name, geometry in packaged.load_boundary_lines()],
        facts={"scale": scale, "seed": str(seed), "counties_in_scope": json.dumps(in_scope),
               "boundary_source": packaged.SOURCE, },
    )
    return regions
