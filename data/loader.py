"""Loads the region hierarchy of a scale: the real country plus illustrative units in the counties in scope."""
from __future__ import annotations

import json

import numpy as np
from tqdm import tqdm

from data.regions import Region, build_real_hierarchy
from data.scales import SCALES, select_counties
from data.schema import LAYERS
from data.storage import Storage
from geo import packaged, shapes, subdivide


def load_regions(storage: Storage, scale: str, seed: int, progress: bool = True) -> dict[str, Region]:
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
            regions[town.code] = _child(county, town, "township")
            for village in villages[town.code]:
                regions[village.code] = _child(regions[town.code], village, "village")
    storage.replace_regions(
        records=[_record(r) for r in regions.values()],
        outlines=[_outline(r, layer) for r in regions.values() for layer in r.outlines],
        lines=[{"name": name, "source": packaged.SOURCE, "geometry": geometry}
               for name, geometry in packaged.load_boundary_lines()],
        facts={"scale": scale, "seed": str(seed), "counties_in_scope": json.dumps(in_scope),
               "boundary_source": packaged.SOURCE, },
    )
    return regions


def _child(parent: Region, unit: subdivide.Unit, level: str) -> Region:
    return Region(unit.code, unit.name, level, parent.code, subdivide.SOURCE,
                  {**parent.ancestors, level: unit.code}, outlines={level: (unit.geometry, None)})


def _record(region: Region) -> dict:
    record = {
        "code": region.code, "name": region.name, "level": region.level, "parent_code": region.parent_code,
        "national_key_county": region.national_key_county, "provincial_key_county": region.provincial_key_county,
        "former_poverty_county": region.former_poverty_county, "source": region.source,
        "flag_source": region.flag_source,
    }
    record.update({f"{layer}_code": region.ancestors.get(layer) for layer in LAYERS})
    return record


def _outline(region: Region, layer: str) -> dict:
    fine, coarse = region.outlines[layer]
    lon, lat = shapes.representative_lonlat(fine)
    return {"code": region.code, "layer": layer, "source": region.source,
            "illustrative": region.source == subdivide.SOURCE,
            "geometry_fine": shapes.to_web(fine),
            "geometry_coarse": None if coarse is None else shapes.to_web(coarse),
            "lon": lon, "lat": lat}
