"""Importing a code list: the townships and villages of known counties, without polygons (the regions table).

Most counties have the official code list (统计用区划代码) and no township or village polygons. This is the one
use case of ``python -m dashboard import regions FILE`` and of the upload page's regions table:

* **Layouts.** The contract's (``code, name, level, parent_code``; the tier flags and ``urban_rural`` optional;
  docs/data-contract.md) or the NBS layout as published (统计用区划代码, 城乡分类代码, 名称 — the middle column only
  on village rows; with or without its header): levels and parents follow from the codes.
* **All or nothing.** Every problem is reported with its row and column and nothing changes: a code of the
  wrong length or not digits, a code whose prefix disagrees with its parent (a village's first 9 digits are its
  township, a township's first 6 its county), a village whose township is neither in the file nor stored, a
  duplicate, a county that does not exist, a level that disagrees with the code, a new unit above township
  level (provinces, prefectures and counties come with the packaged data).
* **New units** get illustrative cells (geo/subdivide.py), marked illustrative on the map and in the API, in
  the part of their parent no stored unit covers: townships in their county, villages in their township. Where
  stored units cover the parent already, the parent's illustrative units are drawn anew together with the new
  ones (a redrawn township's villages too); outlines of a boundary file are never redrawn. A later boundary
  file (geo/importer.py) replaces the cells. Stored units keep their codes, records and outlines; their names,
  flags and urban-rural codes update (an empty optional cell keeps the stored value).
* **Additions or a new edition.** By default a file adds and updates only. With ``replace`` (``--replace``)
  the file is a new edition, authoritative for the children of every parent it lists children of: a county
  whose townships it lists loses the stored townships it omits (with their villages), a township whose villages
  it lists loses the villages it omits. A unit removed while records still point to it (households, projects,
  teams, events …: every column with a foreign key to ``regions.code``) refuses the file, naming the unit and
  its records per table, unless a recode file (``old_code,new_code``) moves them to a unit that stays or comes
  with the file, of the same level — in the same transaction as the region changes. The counties touched are
  marked pending and their figures rebuilt.

The import is written to the import log (status ``accepted`` for names/flags only, which ``rollback`` can
undo; ``applied`` when units are added or removed or records moved, which it cannot: import the previous
edition instead) and to the audit log.
"""
from __future__ import annotations

import csv
import datetime as dt
import getpass
import hashlib
import itertools
import json
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from data.compute.build import build, mark_pending
from data.definitions import codes, contract
from data.definitions.access import Access, check
from data.ingest import importer
from data.ingest.importer import ImportRejected, ImportResult, Problem
from data.ingest.reader import ROW, FileProblem, check_workbook, detect_encoding, header_names, read_chunks, read_header
from data.store import audit
from data.store.schema import import_changes, import_log
from data.store.storage import REGION_UPDATES, Storage, writing
from geo import shapes, subdivide

FLAGS = ("national_key_county", "provincial_key_county", "former_poverty_county")
SUBDIVISIONS = ("township", "village")
FREE_SHARE = 0.01  # a parent's area no stored unit covers, below which new units redraw the illustrative ones
SLIVER = 0.001  # degrees (~100 m): seams between stored outlines are not free area
BARE_CODE = re.compile(r"^\d{12}$")

# The contract layout: the regions table with its flags optional (a code list has none; a new unit: no).
LIST_SPEC = replace(contract.REGIONS, columns=tuple(
    replace(c, required=False) if c.name in FLAGS else c for c in contract.REGIONS.columns))
# The NBS layout: 统计用区划代码 (12 digits), 城乡分类代码, 名称.
NBS_SPEC = contract.TableSpec("regions", "统计用区划代码", ("code",), (
    contract.Column("code", "统计用区划代码", "str", identifier=True),
    contract.REGIONS.column("urban_rural"),
    contract.REGIONS.column("name"),
))
NBS_HEADERS = ("统计用区划代码", "城乡分类代码", "名称")
RECODE_SPEC = contract.TableSpec("recode", "代码对照", ("old_code",), (
    contract.Column("old_code", "原代码", "code"), contract.Column("new_code", "新代码", "code")))


@dataclass
class CodeListResult(ImportResult):
    removed: list[str] = field(default_factory=list)  # units the new edition omits
    moved: dict[str, int] = field(default_factory=dict)  # records moved per table.column
    drawn: int = 0  # units given (new) illustrative cells
    status: str = "accepted"


def level_of(code: str) -> str:
    """The level a 12-digit statistical code names by its digits (the last level whose digits are not 0)."""
    for level, start, end in (("village", 9, 12), ("township", 6, 9), ("county", 4, 6), ("city", 2, 4)):
        if code[start:end].strip("0"):
            return level
    return "province"


def _parent_of(code: str, level: str) -> str:
    return code[:6] + "000000" if level == "township" else code[:9] + "000"


# -- reading --------------------------------------------------------------------------------------------
def _first_rows(path: Path) -> list[list[str]]:
    """The first rows of a file as text (to tell its layout)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        check_workbook(path)
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return [["" if v is None else str(v) for v in row]
                    for row in book.worksheets[0].iter_rows(min_row=1, max_row=10, values_only=True)]
        finally:
            book.close()
    with open(path, encoding=detect_encoding(path), newline="") as handle:
        return list(itertools.islice(csv.reader(handle), 10))


def _layout(path: Path) -> str:
    """``contract``, ``nbs`` (with its header) or ``bare`` (the NBS columns without a header)."""
    if not path.exists():
        raise FileProblem("file", str(path), "文件不存在", "no such file")
    names = {**header_names(LIST_SPEC), **header_names(NBS_SPEC)}
    try:
        header = [unicodedata.normalize("NFKC", h) for h in read_header(path, names)]
    except FileProblem as error:
        if error.column != "header":  # a broken or hostile file: as the reader says
            raise
        rows = [r for r in _first_rows(path) if any(c.strip() for c in r)]  # read by the reader's checks already
        if rows and BARE_CODE.match(unicodedata.normalize("NFKC", rows[0][0]).strip()):
            return "bare"
        raise
    return "nbs" if any(h.strip() in NBS_HEADERS[:2] for h in header) else "contract"


def _with_header(path: Path, folder: Path) -> Path:
    """A copy of a headerless NBS list with the published header on top (its rows one lower)."""
    rows = [r for r in _first_rows(path) if any(c.strip() for c in r)]
    header = list(NBS_HEADERS) if len(rows[0]) >= 3 else [NBS_HEADERS[0], NBS_HEADERS[2]]
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        out = openpyxl.Workbook(write_only=True)
        sheet = out.create_sheet()
        sheet.append(header)
        try:
            for row in book.worksheets[0].iter_rows(values_only=True):
                sheet.append(["" if v is None else str(v) if not isinstance(v, float) else f"{v:.0f}" for v in row])
        finally:
            book.close()
        target = folder / "list.xlsx"
        out.save(target)
        return target
    encoding = detect_encoding(path)
    target = folder / "list.csv"
    target.write_bytes(",".join(header).encode(encoding) + b"\r\n" + path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    return target


def read_list(path: str | Path) -> tuple[pd.DataFrame, str, list[Problem]]:
    """The typed rows of a code list (contract columns, file rows in ``_row``), its layout and the problems of
    reading and parsing them."""
    path = Path(path)
    problems: list[Problem] = []
    frames = []
    try:
        layout = _layout(path)
        with tempfile.TemporaryDirectory(prefix="codelist-") as folder:
            source = _with_header(path, Path(folder)) if layout == "bare" else path
            spec = LIST_SPEC if layout == "contract" else NBS_SPEC
            try:
                for chunk in read_chunks(source, spec):
                    if chunk.get("flag_source") is None:  # the file is the source of the flags it gives
                        chunk = chunk.assign(flag_source=f"import:{path.name}")
                    typed, found = importer.parse("regions", chunk, spec)
                    problems += found
                    frames.append(typed)
            except FileProblem as error:
                problems.append(Problem(error.row, error.column, error.value, error.zh, error.en))
    except FileProblem as error:
        return pd.DataFrame(), "", [Problem(error.row, error.column, error.value, error.zh, error.en)]
    columns = [c.name for c in LIST_SPEC.all_columns]
    typed = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*columns, ROW])
    typed = typed.reindex(columns=[*columns, ROW]).astype(object).where(lambda f: f.notna(), None)
    if layout == "bare":
        typed[ROW] = typed[ROW] - 1
        problems = [replace(p, row=p.row - 1) if p.row else p for p in problems]
    if layout != "contract":  # the published codes are 12 digits; levels and parents follow from them
        for index, row in typed.iterrows():
            if row["code"] is None:
                continue
            if not BARE_CODE.match(row["code"]):
                problems.append(Problem(int(row[ROW]), NBS_HEADERS[0], row["code"], "统计用区划代码应为 12 位数字",
                                        "a statistical code has 12 digits"))
                typed.at[index, "code"] = None
                continue
            typed.at[index, "level"] = level_of(row["code"])
    if not problems and typed.empty:
        problems.append(Problem(0, "file", path.name, "文件中没有数据行", "the file has no data rows"))
    return typed, layout, problems


def read_recode(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows of a recode file (old_code, new_code)."""
    frames, problems = [], []
    try:
        for chunk in read_chunks(Path(path), RECODE_SPEC):
            typed, found = importer.parse("recode", chunk, RECODE_SPEC)
            frames.append(typed)
            problems += found
    except FileProblem as error:
        problems.append(Problem(error.row, f"recode:{error.column}", error.value, error.zh, error.en))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["old_code", "new_code", ROW])
    return frame.astype(object).where(lambda f: f.notna(), None), problems


# -- checking -------------------------------------------------------------------------------------------
@dataclass
class _Plan:
    added: dict[str, dict] = field(default_factory=dict)  # code → new region row (without ancestors yet)
    updated: list[dict] = field(default_factory=list)  # full REGION_UPDATES rows of stored units that change
    before: dict[str, dict] = field(default_factory=dict)  # code → the stored row of each updated unit
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    moves: dict[str, str] = field(default_factory=dict)
    counties: set[str] = field(default_factory=set)  # counties whose subdivisions change
    touched: set[str] = field(default_factory=set)  # counties whose figures change
    stored: dict[str, dict] = field(default_factory=dict)  # the stored regions the checks read
    subdivisions: dict[str, dict] = field(default_factory=dict)  # stored townships/villages of the counties


def _problem(row, column, value, zh, en) -> Problem:
    return Problem(int(row), column, "" if value is None else str(value), zh, en)


def _check(storage: Storage, access: Access, typed: pd.DataFrame, layout: str, replace_children: bool,
           recode: pd.DataFrame | None) -> tuple[_Plan, list[Problem]]:
    plan, problems = _Plan(), []
    rows = [r for r in typed.to_dict("records") if r["code"] is not None]
    wanted = {r["code"] for r in rows} | {r["code"][:6] + "000000" for r in rows} | {
        r["code"][:9] + "000" for r in rows}
    stored = {r["code"]: r for r in storage.regions_by_codes(access, sorted(wanted))}
    seen: dict[str, int] = {}
    listed: dict[str, dict] = {}  # code → file row, for every row that passed
    for row in rows:
        code, at = row["code"], row[ROW]
        if code in seen:
            problems.append(_problem(at, "code", code, f"代码重复（与第 {seen[code]} 行相同）",
                                     f"duplicate code (the same as row {seen[code]})"))
            continue
        seen[code] = at
        if code in stored:
            region = stored[code]
            if layout == "contract" and row["level"] is not None and row["level"] != region["level"]:
                problems.append(_problem(at, "level", row["level"], "级别与已有区划不符", "level differs from the stored region"))
            elif layout == "contract" and row["parent_code"] is not None and row["parent_code"] != region["parent_code"]:
                problems.append(_problem(at, "parent_code", row["parent_code"], "上级代码与已有区划不符",
                                         "parent differs from the stored region"))
            else:
                listed[code] = row
            continue
        level = level_of(code)
        if level not in SUBDIVISIONS:
            problems.append(_problem(at, "code", code, "区划不存在：代码表只能新增乡镇和村（省、市、县随软件提供）",
                                     "unknown region: a code list adds townships and villages only (provinces, "
                                     "prefectures and counties come with the packaged data)"))
            continue
        if row["level"] is not None and row["level"] != level:
            problems.append(_problem(at, "level", row["level"], f"级别与代码不符（此代码为{contract.label_zh('regions', 'level', level)}级）",
                                     f"the level disagrees with the code (a {level} code)"))
            continue
        county = stored.get(code[:6] + "000000")
        if county is None or "county" not in county["layers"]:
            problems.append(_problem(at, "code", code, "所属县不存在（代码前 6 位）", "its county does not exist (first 6 digits)"))
            continue
        parent = _parent_of(code, level)
        if row["parent_code"] is not None and row["parent_code"] != parent:
            digits = "9" if level == "village" else "6"
            problems.append(_problem(at, "parent_code", row["parent_code"],
                                     f"代码前 {digits} 位与上级代码不符（应为 {parent}）",
                                     f"the code's first {digits} digits disagree with its parent (expected {parent})"))
            continue
        listed[code] = {**row, "level": level, "parent_code": parent}

    # The villages' townships: in the file or stored (and not removed).
    counties = sorted({c[:6] + "000000" for c, r in listed.items() if (stored.get(c) or r)["level"] in SUBDIVISIONS})
    plan.subdivisions = {r["code"]: r for r in storage.subdivisions(access, counties)} if counties else {}
    if replace_children:
        parents = {_parent_of(c, (stored.get(c) or r)["level"]) for c, r in listed.items()
                   if (stored.get(c) or r)["level"] in SUBDIVISIONS}
        gone = {c for c, r in plan.subdivisions.items() if r["parent_code"] in parents and c not in listed}
        gone |= {c for c, r in plan.subdivisions.items() if r["parent_code"] in gone}
        plan.removed = sorted(gone)
    removed = set(plan.removed)
    for code, row in list(listed.items()):
        if code in stored or row["level"] != "village":
            continue
        township = code[:9] + "000"
        if township not in listed and (township not in stored or township in removed):
            problems.append(_problem(row[ROW], "code", code, "所属乡镇不存在（文件中没有，数据库中也没有）",
                                     "its township is neither in the file nor stored"))
            del listed[code]
    for code, row in listed.items():
        if code in stored and stored[code]["level"] == "village" and code[:9] + "000" in removed:
            problems.append(_problem(row[ROW], "code", code, "该村所属乡镇不在新版代码表中（将被删除）",
                                     "its township is not in the new edition (it would be removed)"))

    # Records of removed units: moved by the recode file, or the file is refused.
    references = storage.references(access, plan.removed) if plan.removed else {}
    if recode is not None:
        targets = storage.regions_by_codes(access, sorted({c for c in recode["new_code"] if c} - set(listed)))
        known_targets = {r["code"]: r["level"] for r in targets if r["code"] not in removed}
        seen_old: set[str] = set()
        for row in recode.to_dict("records"):
            old, new, at = row["old_code"], row["new_code"], row[ROW]
            if old is None or new is None:
                continue
            if old in seen_old:
                problems.append(_problem(at, "old_code", old, "原代码重复", "duplicate old code"))
                continue
            seen_old.add(old)
            if old not in removed:
                problems.append(_problem(at, "old_code", old, "原代码不是本次导入删除的区划（不在新版代码表中的区划才能改码）",
                                         "the old code is not a unit this file removes (only units missing from the new "
                                         "edition are recoded)"))
                continue
            new_level = listed[new]["level"] if new in listed else known_targets.get(new)
            if new_level is None:
                problems.append(_problem(at, "new_code", new, "新代码不存在（数据库和文件中都没有，或本次导入将其删除）",
                                         "the new code does not exist (neither stored nor in the file, or removed by it)"))
            elif new_level != plan.subdivisions[old]["level"]:
                problems.append(_problem(at, "new_code", new, "新旧代码级别不同", "the new code is of another level"))
            else:
                plan.moves[old] = new
        clashes = storage.moved_keys(access, plan.moves)
        for table, keys in clashes.items():
            problems.append(Problem(0, "new_code", "; ".join("/".join(map(str, k)) for k in keys[:5]),
                                    f"改码后 {table} 表有重复的记录（同一新代码、同一关键字段）",
                                    f"after the recode, {table} would hold two rows with one key"))
        moved_projects = {o: n for o, n in plan.moves.items() if o[:6] != n[:6]}
        if moved_projects and any("projects.village_code" in references.get(o, {}) for o in moved_projects):
            problems.append(Problem(0, "new_code", ", ".join(sorted(moved_projects.values())),
                                    "项目的村不能改到另一个县（项目的县代码不变）",
                                    "a project's village cannot move to another county (its county code stays)"))
    for code in plan.removed:
        if code in references and code not in plan.moves:
            unit = plan.subdivisions[code]
            counts_zh = "、".join(f"{k.split('.')[0]} {v} 条" for k, v in sorted(references[code].items()))
            counts_en = ", ".join(f"{k.split('.')[0]} {v}" for k, v in sorted(references[code].items()))
            problems.append(Problem(0, "code", code, f"{unit['name']}（{code}）不在新版代码表中，但仍有记录指向它："
                                    f"{counts_zh}；请用代码对照文件（原代码,新代码）把记录移到现有或新的区划",
                                    f"{code} is not in the new edition but records still point to it: {counts_en}; "
                                    "move them with a recode file (old_code,new_code)"))

    # What changes: new units, and the names, flags and urban-rural codes of stored ones.
    for code, row in listed.items():
        if code in stored:
            region = stored[code]
            values = {"name": row["name"], "urban_rural": row["urban_rural"] or region.get("urban_rural")}
            flags_given = any(row[f] is not None for f in FLAGS)
            for flag in FLAGS:
                values[flag] = region[flag] if row[flag] is None else row[flag]
            values["flag_source"] = row["flag_source"] if flags_given else region["flag_source"]
            if any(values[c] != region.get(c) for c in REGION_UPDATES):
                plan.updated.append({"code": code, **values})
                plan.before[code] = region
            else:
                plan.unchanged += 1
        else:
            flags = {f: bool(row[f]) for f in FLAGS}
            plan.added[code] = {"code": code, "name": row["name"], "level": row["level"], "parent_code": row["parent_code"],
                                **flags, "flag_source": row["flag_source"] if any(row[f] is not None for f in FLAGS)
                                else None,
                                "urban_rural": row["urban_rural"], "source": subdivide.SOURCE}
    plan.stored = stored
    plan.counties = {c[:6] + "000000" for c in [*plan.added, *plan.removed]}
    plan.touched = {c[:6] + "000000" for c in plan.removed} | {n[:6] + "000000" for n in plan.moves.values()}
    return plan, problems


# -- drawing --------------------------------------------------------------------------------------------
def _shape(text: str | None) -> shapely.Geometry:
    if not text:
        return shapely.Polygon()
    return shapes.polygonal(shapely.make_valid(shapely.from_geojson(text)))


def _free(outline: shapely.Geometry, taken: list[shapely.Geometry]) -> shapely.Geometry:
    """The part of ``outline`` none of ``taken`` covers, without the seams between them."""
    if not taken:
        return outline
    rest = outline.difference(shapely.union_all(taken))
    return shapes.polygonal(rest.buffer(-SLIVER).buffer(SLIVER).intersection(outline))


def _place(outline: shapely.Geometry, kept: list[dict], new: list[subdivide.Given], rng) -> dict[str, shapely.Geometry]:
    """Cells for ``new`` units inside ``outline``, next to the ``kept`` ones (each with ``geometry`` and
    ``illustrative``): in the free part of it, or, where the kept ones cover it, redrawing the illustrative
    kept ones with the new (their codes are in the answer too)."""
    free = _free(outline, [k["geometry"] for k in kept if not k["geometry"].is_empty])
    given = list(new)
    if kept and free.area < FREE_SHARE * outline.area:
        redrawn = {k["code"] for k in kept if k["illustrative"] or k["geometry"].is_empty}
        given = sorted([subdivide.Given(k["code"], k["name"]) for k in kept if k["code"] in redrawn] + given,
                       key=lambda g: g.code)
        fixed = [k["geometry"] for k in kept if k["code"] not in redrawn]
        free = _free(outline, fixed)
        if free.area < FREE_SHARE * outline.area:  # surveyed outlines cover it: drawn over them, marked illustrative
            free = outline
    cells, _ = subdivide.cells_for_units(free, given, {}, rng)
    return {unit.code: unit.geometry for unit in cells}


def _draw(storage: Storage, access: Access, plan: _Plan) -> dict[str, shapely.Geometry]:
    """Illustrative cells of the new units (and of the stored illustrative units drawn anew with them)."""
    cells: dict[str, shapely.Geometry] = {}
    removed = set(plan.removed)
    for county in sorted(plan.counties):
        new = {c: r for c, r in plan.added.items() if c[:6] == county[:6]}
        if not new:
            continue
        rng = np.random.default_rng(int(county[:6]))
        outline = _shape(storage.outline_of(access, county, "county"))
        stored = {c: {"code": c, "name": r["name"], "level": r["level"], "parent_code": r["parent_code"],
                      "geometry": _shape(r["outline"]), "illustrative": r["outline_illustrative"]}
                  for c, r in plan.subdivisions.items() if c[:6] == county[:6] and c not in removed}
        towns = [r for r in stored.values() if r["level"] == "township"]
        new_towns = [subdivide.Given(c, r["name"], r["urban_rural"]) for c, r in sorted(new.items()) if r["level"] == "township"]
        if new_towns:
            cells.update(_place(outline, towns, new_towns, rng))
        for town in sorted({c for c, r in new.items() if r["level"] == "township"} | {t["code"] for t in towns}):
            town_cell = cells[town] if town in cells else stored[town]["geometry"]
            if town_cell.is_empty:
                town_cell = outline
            villages = [r for r in stored.values() if r["level"] == "village" and r["parent_code"] == town]
            new_villages = [subdivide.Given(c, r["name"], r["urban_rural"]) for c, r in sorted(new.items())
                            if r["level"] == "village" and r["parent_code"] == town]
            if town in cells:  # a township drawn now: all its villages with it
                everyone = sorted([subdivide.Given(v["code"], v["name"]) for v in villages] + new_villages,
                                  key=lambda g: g.code)
                if everyone:
                    drawn, _ = subdivide.cells_for_units(town_cell, everyone, {}, rng)
                    cells.update({u.code: u.geometry for u in drawn})
            elif new_villages:
                cells.update(_place(town_cell, villages, new_villages, rng))
    return cells


def _outline_row(code: str, level: str, geometry: shapely.Geometry) -> dict:
    geometry = shapes.snap([geometry])[0]
    lon, lat = shapes.representative_lonlat(geometry)
    return {"code": code, "layer": level, "source": subdivide.SOURCE, "illustrative": True,
            "geometry_fine": shapes.to_web(geometry), "geometry_coarse": None, "lon": lon, "lat": lat}


def _with_ancestors(plan: _Plan) -> list[dict]:
    """The new region rows with their ancestor on every layer."""
    rows = []
    for code, row in sorted(plan.added.items()):
        county = plan.stored[code[:6] + "000000"]
        ancestors = dict(county["ancestors"])
        if row["level"] == "village":
            ancestors["township"] = code[:9] + "000"
        ancestors[row["level"]] = code
        rows.append({**row, **{f"{layer}_code": ancestors.get(layer) for layer in codes.LEVELS}})
    return rows


# -- the use case ---------------------------------------------------------------------------------------
def import_code_list(storage: Storage, access: Access, path: str | Path, replace_children: bool = False,
                     recode: str | Path | None = None, progress=None) -> CodeListResult:
    """Validate and store the code list ``path`` (see the module's rules); raises :class:`ImportRejected`
    (nothing changed; the rejection in the import log) on any problem. Regions are the whole country's:
    importers who see everything only."""
    check(access).require("import")
    path = Path(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
    user = access.user or f"cli:{getpass.getuser()}"

    def refuse(problems: list[Problem]):
        raise ImportRejected(problems[:importer.MAX_PROBLEMS],
                             importer._log_rejection(storage, "regions", path, digest, user, problems,
                                                     len({p.row for p in problems if p.row})))

    if not access.scope.everything:
        refuse([Problem(0, "file", "regions", "只有系统管理员可以导入区划表", "only an administrator imports the regions table")])
    for _ in range(importer.STAGE_ATTEMPTS):
        with storage.engine.connect() as connection:
            version = importer._versions(connection)  # read first: a write after it changes it
        typed, layout, problems = read_list(path)
        recoded, recode_problems = read_recode(recode) if recode is not None else (None, [])
        problems += recode_problems
        if progress:
            progress(len(typed))
        if problems:
            refuse(problems)
        plan, problems = _check(storage, access, typed, layout, replace_children, recoded)
        if problems:
            refuse(problems)
        cells = _draw(storage, access, plan)
        result = _apply(storage, access, plan, cells, path, digest, user, version)
        if result is not None:
            return result
    refuse([Problem(0, "file", path.name, f"导入期间其他导入或回滚不断修改数据（已重读 {importer.STAGE_ATTEMPTS} 次），请稍后重新导入",
                    f"other imports or rollbacks kept changing the records while this file was checked "
                    f"(read {importer.STAGE_ATTEMPTS} times); import it again later")])


def _apply(storage: Storage, access: Access, plan: _Plan, cells: dict, path: Path, digest: str, user: str,
           version: tuple) -> CodeListResult | None:
    """Write the plan in one transaction, if nothing changed since it was read (else None: read again)."""
    levels = {**{c: r["level"] for c, r in plan.added.items()}, **{c: r["level"] for c, r in plan.subdivisions.items()}}
    outlines = [_outline_row(code, levels[code], geometry) for code, geometry in sorted(cells.items())]
    structural = bool(plan.added or plan.removed or plan.moves)
    status = "applied" if structural else "accepted"
    with writing(storage.engine) as connection:
        if not importer._claim(connection, version):
            return None
        moved = storage.change_subdivisions(access, connection, _with_ancestors(plan), plan.updated, outlines,
                                            plan.removed, plan.moves)
        import_id = connection.execute(import_log.insert().values(
            table_name="regions", file_name=path.name, file_sha256=digest, imported_by=user,
            imported_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), rows_added=len(plan.added),
            rows_updated=len(plan.updated), rows_unchanged=plan.unchanged, rows_rejected=0, status=status,
        )).inserted_primary_key[0]
        if not structural and plan.updated:  # what rollback restores
            spec = contract.REGIONS
            rows = [{c.name: plan.before[u["code"]].get(c.name) for c in spec.all_columns} for u in plan.updated]
            connection.execute(import_changes.insert(), [
                {"import_id": import_id, "row_key": importer._key_json(spec, row),
                 "previous": json.dumps(row, ensure_ascii=False)} for row in rows])
        mark_pending(connection, plan.touched)
    return CodeListResult(import_id, "regions", len(plan.added), len(plan.updated), plan.unchanged,
                          counties=sorted(plan.touched), removed=plan.removed, moved=moved, drawn=len(cells),
                          status=status)


def import_and_rebuild(storage: Storage, access: Access, path: str | Path, replace_children: bool = False,
                       recode: str | Path | None = None, progress=None) -> tuple[CodeListResult, dict | None]:
    """The code list's use case for the CLI and the upload page: import (all or nothing), audit the outcome,
    rebuild the figures of the counties whose units were removed or received records."""
    path = Path(path)
    try:
        result = import_code_list(storage, access, path, replace_children, recode, progress)
    except ImportRejected as rejected:
        audit.record_for(storage.engine, access, "import", "failed",
                         detail=f"regions {path.name}: rejected, {len(rejected.problems)} problems "
                                f"(import log {rejected.import_id})")
        raise
    moved = sum(result.moved.values())
    audit.record_for(storage.engine, access, "import", "ok",
                     detail=f"regions {path.name}: import {result.import_id}, {result.added} added, {result.updated} "
                            f"updated, {len(result.removed)} removed, {moved} records moved, {result.drawn} cells drawn")
    return result, (build(storage, access, result.counties) if result.counties else None)
