"""The real region hierarchy (province → prefecture → county) built from the packaged boundaries.

Codes are keys, names are labels. The packaged layers do not nest by code prefix everywhere, so the
parent rules live here, in one place:

* Municipalities, Hong Kong and Taiwan carry their province code on the prefecture layer; their
  prefecture-level unit becomes ``PP0100`` (as in the statistical codes: 市辖区), holding all counties.
* Counties administered directly by a province (``PP90CC``: 济源, 仙桃, Hainan's and Xinjiang's) sit under
  the statistical grouping ``PP9000`` 省直辖县级行政区划, whose outline is the union of its members.
* A region with no children on a lower layer fills that layer itself (东莞, 中山, 儋州, 嘉峪关 and Macau
  appear on the county map as themselves): each region stores its ancestor on every layer, itself
  included where it fills it, and the ``boundaries`` table holds one outline per (code, layer).

Key-county flags come from ``data/reference/key_counties.csv`` (partial: 94 of the 160, see its
SOURCES.md); a deployment imports the full list through the regions table.
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from pathlib import Path

import shapely

from data import codes
from data.schema import LAYERS
from geo import packaged, shapes

REFERENCE_DIR = Path(__file__).parent / "reference"
PROVINCE_GROUP_NAME = "省直辖县级行政区划"


@dataclass
class Region:
    """A region record and its outlines per layer, as stored."""

    code: str
    name: str
    level: str
    parent_code: str | None
    source: str
    ancestors: dict[str, str] = field(default_factory=dict)  # layer → 12-digit code, itself included
    national_key_county: bool = False
    provincial_key_county: bool = False
    former_poverty_county: bool = False
    flag_source: str | None = None
    outlines: dict[str, tuple[shapely.Geometry, shapely.Geometry | None]] = field(default_factory=dict)


def read_key_counties() -> dict[str, str]:
    """adcode → provenance note for the national key assistance counties in the reference list."""
    path = REFERENCE_DIR / "key_counties.csv"
    with open(path, encoding="utf-8") as handle:
        return {
            row["adcode"]: f"data/reference/key_counties.csv ({row['province']} {row['county']}; SOURCES.md)"
            for row in csv.DictReader(handle)
        }


@functools.cache
def build_real_hierarchy() -> dict[str, Region]:
    """Provinces, prefectures and counties of the whole country, keyed by 12-digit code.

    Cached: the result is shared, so callers copy the mapping before adding to it.
    """
    province_layer = packaged.load_layer("province")
    city_layer = packaged.load_layer("city")
    county_layer = packaged.load_layer("county")
    regions: dict[str, Region] = {}
    source = packaged.SOURCE

    for adcode, name, fine, coarse in zip(
        province_layer.adcodes, province_layer.names, province_layer.fine, province_layer.coarse
    ):
        code = codes.from_adcode(adcode)
        regions[code] = Region(code, name, "province", None, source, {"province": code},
                               outlines={"province": (fine, coarse)})

    county_adcodes = set(county_layer.adcodes)
    groups: dict[str, list[tuple]] = {}
    for adcode, name, fine, coarse in zip(city_layer.adcodes, city_layer.names, city_layer.fine, city_layer.coarse):
        province = codes.from_adcode(adcode[:2] + "0000")
        if adcode[2:4] == "90":  # a province-administered county: grouped under PP9000
            groups.setdefault(adcode[:4] + "00", []).append((fine, coarse))
            continue
        if adcode.endswith("0000"):
            has_counties = any(c[:2] == adcode[:2] and c != adcode for c in county_adcodes)
            if not has_counties:  # Macau: the province fills the prefecture layer itself
                regions[province].ancestors["city"] = province
                regions[province].outlines["city"] = (fine, coarse)
                continue
            adcode = adcode[:2] + "0100"
        code = codes.from_adcode(adcode)
        regions[code] = Region(code, name, "city", province, source,
                               {"province": province, "city": code}, outlines={"city": (fine, coarse)})
    for group_adcode, parts in groups.items():
        code = codes.from_adcode(group_adcode)
        province = codes.from_adcode(group_adcode[:2] + "0000")
        fine = shapes.snap([shapely.union_all([p[0] for p in parts])])[0]
        coarse = shapes.snap([shapely.union_all([p[1] for p in parts])])[0]
        regions[code] = Region(code, PROVINCE_GROUP_NAME, "city", province, source,
                               {"province": province, "city": code}, outlines={"city": (fine, coarse)})

    for adcode, name, fine, coarse in zip(
        county_layer.adcodes, county_layer.names, county_layer.fine, county_layer.coarse
    ):
        own = codes.from_adcode(adcode)
        if own in regions:  # a prefecture (or Macau) with no counties fills the county layer
            regions[own].ancestors["county"] = own
            regions[own].outlines["county"] = (fine, coarse)
            continue
        parent = _county_parent(adcode, regions)
        ancestors = dict(regions[parent].ancestors)
        ancestors["county"] = own
        regions[own] = Region(own, name, "county", parent, source, ancestors,
                              outlines={"county": (fine, coarse)})

    _apply_key_county_flags(regions)
    return regions


def _county_parent(adcode: str, regions: dict[str, Region]) -> str:
    for candidate in (adcode[:4] + "00", adcode[:2] + "0100"):
        code = codes.from_adcode(candidate)
        if code in regions and regions[code].level == "city":
            return code
    raise ValueError(f"county {adcode} has no prefecture-level parent in the packaged data")


def _apply_key_county_flags(regions: dict[str, Region]) -> None:
    for adcode, provenance in read_key_counties().items():
        region = regions.get(codes.from_adcode(adcode))
        if region is None:
            raise ValueError(f"key county {adcode} is not in the packaged county layer")
        region.national_key_county = True
        # Every national key assistance county was one of the 832 former poverty counties (K4).
        region.former_poverty_county = True
        region.flag_source = provenance
