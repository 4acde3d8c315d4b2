"""Importing a deployment's own township and village boundaries (GeoJSON, Shapefile, GeoPackage).

The file is keyed by code (a ``code``/``区划代码`` property; names from ``name``/``名称``). It is read
whole and checked first; any problem rejects the file with a row/column/value/reason report in
Chinese and English and changes nothing. Accepted units replace the illustrative ones of the counties
they belong to, in one transaction: a unit already stored (e.g. from a code list, geo/codelist.py) keeps its
code, records, flags and urban-rural code and gets the file's outline and name; a stored unit the file omits
is removed, and refuses the file while records point to it. Province, prefecture and county outlines come
from the packaged data and are not replaced here.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

from data.definitions import codes
from data.definitions.access import Access, check
from data.ingest.importer import ImportRejected, Problem
from data.store.storage import Storage
from geo import shapes
from geo.hierarchy import Region

CODE_COLUMNS = ("code", "区划代码", "CODE", "Code")
NAME_COLUMNS = ("name", "名称", "NAME", "Name")
IMPORTED_TOLERANCE = 0.0005  # degrees; imported sub-county outlines are simplified as one coverage
TARGET_CRS = "EPSG:4490"


def _column(frame: gpd.GeoDataFrame, wanted: str | None, candidates: tuple[str, ...], what: str) -> str:
    for name in ([wanted] if wanted else list(candidates)):
        if name in frame.columns:
            return name
    raise ImportRejected([Problem(0, what, "", f"缺少列（可用：{'、'.join(candidates)}）",
                                  f"missing column (one of {', '.join(candidates)})")])


def level_of(code: str) -> str | None:
    """``township`` or ``village`` for a 12-digit code below county level, else None."""
    if code[9:] != "000":
        return "village"
    if code[6:9] != "000":
        return "township"
    return None


def import_boundaries(storage: Storage, access: Access, path: str | Path, code_field: str | None = None,
                      name_field: str | None = None) -> dict:
    """Validate and store the township/village outlines of ``path``; returns counts per level (administrators)."""
    check(access).require("admin")
    path = Path(path)
    try:
        frame = gpd.read_file(path)
    except Exception as error:  # unreadable or not a vector file: say what the reader said
        raise ImportRejected([Problem(0, "file", path.name, f"无法读取文件：{error}", f"cannot read file: {error}")])
    code_column = _column(frame, code_field, CODE_COLUMNS, "code")
    name_column = _column(frame, name_field, NAME_COLUMNS, "name")
    if frame.crs is not None and frame.crs.to_epsg() not in (4490, 4326):
        frame = frame.to_crs(TARGET_CRS)

    problems: list[Problem] = []
    units: dict[str, dict] = {}
    for row, (raw_code, name, geometry) in enumerate(zip(frame[code_column], frame[name_column], frame.geometry), 1):
        text = "" if raw_code is None else str(raw_code).strip()
        try:
            code = codes.normalize(text)
        except codes.InvalidCode:
            problems.append(Problem(row, code_column, text, "区划代码格式错误", "malformed region code"))
            continue
        level = level_of(code)
        if level is None:
            problems.append(Problem(row, code_column, text, "只能导入乡镇和村的边界", "only township and village outlines can be imported"))
            continue
        if code in units:
            problems.append(Problem(row, code_column, text, "区划代码重复", "duplicate code"))
            continue
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(row, name_column, str(name), "名称为空", "empty name"))
        polygon = shapes.repair([geometry])[0] if geometry is not None else None
        if polygon is None or polygon.is_empty:
            problems.append(Problem(row, "geometry", "", "不是有效的面要素", "not a valid polygon"))
            continue
        units[code] = {"code": code, "name": str(name).strip(), "level": level, "geometry": polygon, "row": row}

    counties = {code[:6] + "000000" for code in units}
    known = {c: r for c in counties for r in storage.regions_by_codes(access, [c]) if "county" in r["layers"]}
    for unit in units.values():
        if unit["code"][:6] + "000000" not in known:
            problems.append(Problem(unit["row"], code_column, unit["code"], "所属县不存在", "its county does not exist"))
        elif unit["level"] == "village" and unit["code"][:9] + "000" not in units:
            problems.append(Problem(unit["row"], code_column, unit["code"],
                                    "文件中缺少所属乡镇", "its township is not in the file"))
    if not problems:  # the stored units a file omits go; records pointing to one refuse the file
        stored = storage.subdivisions(access, sorted(counties))
        omitted = [r for r in stored if r["code"] not in units]
        for code, counts in sorted(storage.references(access, [r["code"] for r in omitted]).items()):
            name = next(r["name"] for r in omitted if r["code"] == code)
            problems.append(Problem(0, code_column, code, f"{name}（{code}）不在边界文件中，但仍有记录指向它："
                                    + "、".join(f"{k.split('.')[0]} {v} 条" for k, v in sorted(counts.items()))
                                    + "；请在文件中保留它，或先用新版代码表把记录改码（import regions --replace --recode）",
                                    f"{code} is not in the boundary file but records point to it: "
                                    + ", ".join(f"{k.split('.')[0]} {v}" for k, v in sorted(counts.items()))
                                    + "; keep it in the file, or first move the records with a new edition of the code "
                                      "list (import regions --replace --recode)"))
    if problems:
        raise ImportRejected(problems)

    ordered = sorted(units.values(), key=lambda u: u["code"])
    simplified = shapes.snap(shapes.simplify_coverage(np.array([u["geometry"] for u in ordered], dtype=object),
                                                      IMPORTED_TOLERANCE))
    source = f"import:{path.name}"
    placed: dict[str, Region] = {}
    for unit, geometry in zip(ordered, simplified):  # townships sort before their villages
        county = known[unit["code"][:6] + "000000"]
        parent = placed[unit["code"][:9] + "000"] if unit["level"] == "village" else Region(
            county["code"], county["name"], county["level"], county["parent_code"], county["source"],
            county["ancestors"])
        placed[unit["code"]] = parent.child(unit["code"], unit["name"], unit["level"], source, geometry)
    storage.replace_subdivisions(access, sorted(counties), [r.to_row() for r in placed.values()],
                                 [r.outline_row(r.level) for r in placed.values()])
    return {"township": sum(u["level"] == "township" for u in ordered),
            "village": sum(u["level"] == "village" for u in ordered), "counties": len(counties)}
