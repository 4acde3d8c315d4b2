"""Illustrative townships and villages inside a real county (marked ``illustrative`` wherever shown).

Township and village boundaries are rarely public, so the demo makes plausible ones: seed points
spread over the county (a few Lloyd iterations so cells have even sizes), Voronoi cells clipped to the
county outline for townships, and the same again inside each township for villages. Cells of one
diagram clipped by one outline tile it exactly: no gaps, no overlaps.

Two ways in: :func:`cells_for_units` draws cells for given units (the official codes and names of a code
list, e.g. the NBS slice the demo ships), one cell per unit; :func:`subdivide_county` also invents the units,
for a county with no code list: codes following the statistical pattern, township ``CCCCCC1NN`` (镇) or
``CCCCCC2NN`` (乡), village ``…2NN`` (村民委员会; no 社区), and made-up names. A deployment replaces the
cells by importing its own boundary file keyed by code.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from geo import shapes

SOURCE = "illustrative"
_STEMS = list(
    "安宝北碧昌长成崇大德东峰凤福富高古广贵和河红虹花华怀黄吉佳建江金锦晶景靖九开康兰乐黎莲良林"
    "龙隆鲁禄洛马茂梅美民明南宁平坪青清庆泉仁荣瑞三沙山上尚胜石双水顺思松太泰桃天田铁通同湾万旺"
    "卫文西溪仙祥新兴秀许延沿阳杨瑶野义永友玉元源月云枣泽中周竹"
)
_TOWN_TAILS = ["镇", "镇", "镇", "乡", "乡"]
_VILLAGE_TAILS = ["村"]
_VILLAGE_MIDDLES = ["", "", "坪", "坝", "沟", "湾", "寨", "岭", "塘", "庄"]


@dataclass
class Unit:
    """One township or village with its illustrative cell."""

    code: str
    name: str
    geometry: shapely.Geometry
    urban_rural: str | None = None  # the 城乡分类代码 of a village, where the code list has it


@dataclass(frozen=True)
class Given:
    """A unit of a code list: official code, name and (villages, where known) urban-rural code."""

    code: str
    name: str
    urban_rural: str | None = None


def _random_points(polygon: shapely.Geometry, count: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = polygon.bounds
    shapely.prepare(polygon)
    found: list[np.ndarray] = []
    total = 0
    for _ in range(200):
        batch = rng.uniform((minx, miny), (maxx, maxy), size=(max(count * 4, 64), 2))
        inside = batch[shapely.contains_xy(polygon, batch[:, 0], batch[:, 1])]
        found.append(inside)
        total += len(inside)
        if total >= count:
            break
    points = np.concatenate(found)[:count]
    if len(points) < count:  # a sliver-shaped outline: fall back to points on its surface
        extra = [polygon.representative_point().coords[0]] * (count - len(points))
        points = np.concatenate([points, np.array(extra)])
    return points


def _cells(polygon: shapely.Geometry, count: int, rng: np.random.Generator) -> list[shapely.Geometry]:
    """``count`` non-empty cells tiling ``polygon``."""
    if count <= 1:
        return [polygon]
    points = _random_points(polygon, count, rng)
    envelope = shapely.box(*polygon.buffer(1.0).bounds)
    for _ in range(3):  # Lloyd relaxation: move each seed to its clipped cell's centre
        cells = _voronoi_in_order(points, envelope)
        clipped = [shapes.polygonal(c.intersection(polygon)) for c in cells]
        centres = [shapely.Point(p) if c.is_empty else c.centroid for c, p in zip(clipped, points)]
        points = np.array([[c.x, c.y] for c in centres])
    cells = _voronoi_in_order(points, envelope)
    clipped = [shapes.polygonal(c.intersection(polygon)) for c in cells]
    return [c for c in clipped if not c.is_empty]


def _exact_cells(polygon: shapely.Geometry, count: int, rng: np.random.Generator) -> list[shapely.Geometry]:
    """Exactly ``count`` non-empty cells tiling ``polygon``: where seeds fell into one cell (a narrow outline),
    the largest cell is halved until there are enough."""
    cells = list(shapes.snap(_cells(polygon, count, rng)))
    while len(cells) < count:
        largest = max(range(len(cells)), key=lambda i: cells[i].area)
        parts = _cells(cells[largest], 2, rng)
        if len(parts) < 2:
            break
        cells[largest:largest + 1] = list(shapes.snap(parts))
    if len(cells) < count:
        raise ValueError(f"could not draw {count} cells in an outline of area {polygon.area:.3g}")
    return cells


def _voronoi_in_order(points: np.ndarray, envelope: shapely.Geometry) -> list[shapely.Geometry]:
    jitter = np.arange(len(points))[:, None] * 1e-9  # keep duplicate seeds distinct
    diagram = shapely.voronoi_polygons(shapely.MultiPoint(points + jitter), extend_to=envelope, ordered=True)
    return list(shapely.get_parts(diagram))


def _name(rng: np.random.Generator, tails: list[str], middles: list[str], used: set[str]) -> str:
    for _ in range(100):
        stem = "".join(rng.choice(_STEMS, size=2))
        name = stem + str(rng.choice(middles)) + str(rng.choice(tails))
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("could not draw a unique name")


def subdivide_county(
    county_code: str, outline: shapely.Geometry, rng: np.random.Generator,
    townships: tuple[int, int] = (8, 16), villages: tuple[int, int] = (6, 12),
) -> tuple[list[Unit], dict[str, list[Unit]]]:
    """Illustrative townships of a county and villages of each township (counts drawn in ranges)."""
    prefix = county_code[:6]
    town_cells = _cells(outline, int(rng.integers(townships[0], townships[1], endpoint=True)), rng)
    town_cells = list(shapes.snap(town_cells))
    town_units: list[Unit] = []
    village_units: dict[str, list[Unit]] = {}
    used: set[str] = set()
    town_numbers = {"镇": 100, "乡": 200}
    for cell in town_cells:
        name = _name(rng, _TOWN_TAILS, [""], used)
        tail = name[-1]
        town_numbers[tail] += 1
        town_code = f"{prefix}{town_numbers[tail]:03d}000"
        town_units.append(Unit(town_code, name, cell))
        cells = list(shapes.snap(_cells(cell, int(rng.integers(villages[0], villages[1], endpoint=True)), rng)))
        village_units[town_code] = [
            Unit(f"{town_code[:9]}{200 + i:03d}", _name(rng, _VILLAGE_TAILS, _VILLAGE_MIDDLES, used), c)
            for i, c in enumerate(cells, start=1)
        ]
    return town_units, village_units


def cells_for_units(
    outline: shapely.Geometry, towns: list[Given], villages: dict[str, list[Given]], rng: np.random.Generator,
) -> tuple[list[Unit], dict[str, list[Unit]]]:
    """Illustrative cells for the given townships of a county and the given villages of each township.

    Every unit gets exactly one cell: townships tile ``outline``, a township's villages tile its cell (a
    township with no villages keeps its cell alone). Codes, names and urban-rural codes are kept as given."""
    town_cells = _exact_cells(outline, len(towns), rng) if towns else []
    town_units = [Unit(t.code, t.name, cell, t.urban_rural) for t, cell in zip(towns, town_cells)]
    village_units: dict[str, list[Unit]] = {}
    for town in town_units:
        given = villages.get(town.code, [])
        cells = _exact_cells(town.geometry, len(given), rng) if given else []
        village_units[town.code] = [Unit(v.code, v.name, cell, v.urban_rural) for v, cell in zip(given, cells)]
    return town_units, village_units
