"""Geometry helpers shared by every layer: repair, coverage simplification, web encoding.

Everything that turns a shapely geometry into what the browser receives goes through ``to_web``:
4-decimal coordinates, clockwise outer rings (plotly's geo trace fills the whole frame otherwise).
"""
from __future__ import annotations

import numpy as np
import shapely

GRID = 1e-4  # 4 decimals: ~11 m, far below what a county map can show


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygon parts of a geometry (``make_valid`` and clipping can add lines/points)."""
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)


def repair(geoms) -> np.ndarray:
    """``make_valid`` every geometry and drop non-polygon debris."""
    return np.array([polygonal(g) for g in shapely.make_valid(np.asarray(geoms))], dtype=object)


def simplify_coverage(geoms, tolerance: float) -> np.ndarray:
    """Simplify a polygon coverage as a whole, so that neighbours keep one shared border."""
    return shapely.coverage_simplify(np.asarray(geoms), tolerance)


def snap(geoms) -> np.ndarray:
    """Snap to the 4-decimal grid; a polygon that would vanish keeps its unsnapped form."""
    geoms = np.asarray(geoms)
    snapped = shapely.set_precision(geoms, GRID)
    vanished = shapely.is_empty(snapped)
    snapped[vanished] = geoms[vanished]
    return np.array([polygonal(g) for g in snapped], dtype=object)


def to_web(geom: shapely.Geometry) -> str:
    """GeoJSON geometry text: clockwise outer rings, coordinates as they were snapped."""
    return shapely.to_geojson(shapely.orient_polygons(geom, exterior_cw=True))


def representative_lonlat(geom: shapely.Geometry) -> tuple[float, float]:
    """A point guaranteed inside the region (for labels and map centring)."""
    point = geom.representative_point()
    return round(point.x, 4), round(point.y, 4)
