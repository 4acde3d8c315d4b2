"""The real region hierarchy (province → prefecture → county) built from the packaged boundaries.

Codes are keys, names are labels. The packaged layers do not nest by code prefix everywhere, so the
parent rules live here, in one place:

* Municipalities, Hong Kong and Taiwan carry their province code on the prefecture layer. As in the
  statistical codes, a municipality's prefecture-level units are ``PP0100`` 市辖区 and, for Chongqing,
  ``500200`` 县 (outlined by the union of their counties); Hong Kong's and Taiwan's is ``PP0100``.
* Counties administered directly by a province (``PP90CC``: 济源, 仙桃, Hainan's and Xinjiang's) sit under
  the statistical grouping ``PP9000`` 省直辖县级行政区划, whose outline is the union of its members.
* A region with no children on a lower layer fills that layer itself (东莞, 中山, 儋州, 嘉峪关 and Macau
  appear on the county map as themselves): each region stores its ancestor on every layer, itself
  included where it fills it, and the ``boundaries`` table holds one outline per (code, layer).

Tier flags come from the reference lists read by :mod:`data.definitions.reference`: the key counties
(``data/reference/key_counties.csv``, partial, see its SOURCES.md) and, once shipped, the 832 former poverty
counties; a deployment imports the full lists through the regions table.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import shapely

from data.definitions import codes, reference
from data.definitions.codes import LEVELS as LAYERS
from geo import packaged, shapes

PROVINCE_GROUP_NAME = "省直辖县级行政区划"
MUNICIPALITIES = ("11", "12", "31", "50")
# Where a "no" is known without the full lists. The 160 key counties lie in 10 western provinces [K4]; the
# reference list is complete for some of them (data/reference/key_counties_coverage.csv). The 832 former
# poverty counties lay in the 22 central and western provinces [T2]; elsewhere no county was one.
KEY_COUNTY_PROVINCES = {c.province_code for c in reference.key_county_coverage()}
KEY_LIST_COMPLETE_PROVINCES = {c.province_code for c in reference.key_county_coverage() if c.complete}
POVERTY_COUNTY_PROVINCES = {"13", "14", "15", "22", "23", "34", "36", "41", "42", "43", "45", "46", "50", "51",
                            "52", "53", "54", "61", "62", "63", "64", "65"}


def flag_state(region: dict, flag: str, complete_lists: frozenset[str] = frozenset()) -> float:
    """1 yes, 0 no, 0.5 unknown: a county not on a partial list, in a province that has such counties."""
    if region.get(flag):
        return 1.0
    if flag in complete_lists or (region.get("flag_source") or "").startswith("import:"):
        return 0.0  # an imported regions file states yes and no
    province = region["code"][:2]
    unknown_in = {"national_key_county": KEY_COUNTY_PROVINCES - KEY_LIST_COMPLETE_PROVINCES,
                  "former_poverty_county": POVERTY_COUNTY_PROVINCES}.get(flag, set())
    return 0.5 if province in unknown_in else 0.0


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
    urban_rural: str | None = None  # 城乡分类代码 of a village (111 … 220), where the code list gives it

    def to_row(self) -> dict:
        """The stored ``regions`` row."""
        row = {"code": self.code, "name": self.name, "level": self.level, "parent_code": self.parent_code,
               "national_key_county": self.national_key_county, "provincial_key_county": self.provincial_key_county,
               "former_poverty_county": self.former_poverty_county, "source": self.source,
               "flag_source": self.flag_source}
        row.update({f"{layer}_code": self.ancestors.get(layer) for layer in LAYERS})
        if self.urban_rural is not None:  # only where known: the column is optional for older schemas
            row["urban_rural"] = self.urban_rural
        return row

    def child(self, code: str, name: str, level: str, source: str, outline: shapely.Geometry,
              urban_rural: str | None = None) -> "Region":
        """A township or village inside this region, with its ancestors."""
        return Region(code, name, level, self.code, source, {**self.ancestors, level: code},
                      outlines={level: (outline, None)}, urban_rural=urban_rural)

    def outline_row(self, layer: str) -> dict:
        """The stored ``boundaries`` row of one layer."""
        fine, coarse = self.outlines[layer]
        lon, lat = shapes.representative_lonlat(fine)
        return {"code": self.code, "layer": layer, "source": self.source, "illustrative": self.source == "illustrative",
                "geometry_fine": shapes.to_web(fine),
                "geometry_coarse": None if coarse is None else shapes.to_web(coarse), "lon": lon, "lat": lat}


def read_key_counties() -> dict[str, str]:
    """adcode → provenance note for the confirmed national key assistance counties in the reference list."""
    return {row.adcode: row.provenance(reference.KEY_COUNTIES_FILE) for row in reference.key_counties()
            if row.confirmed}


def read_poverty_counties() -> dict[str, str]:
    """adcode → provenance note for the confirmed former poverty counties of the 832 list (none while the
    list is not shipped)."""
    return {row.adcode: row.provenance(reference.POVERTY_COUNTIES_FILE) for row in reference.poverty_counties() or ()
            if row.confirmed}


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
    groups: dict[str, list[int]] = {}
    for index, (adcode, name, fine, coarse) in enumerate(
            zip(city_layer.adcodes, city_layer.names, city_layer.fine, city_layer.coarse)):
        province = codes.from_adcode(adcode[:2] + "0000")
        if adcode[2:4] == "90":  # a province-administered county: grouped under PP9000
            groups.setdefault(adcode[:4] + "00", []).append(index)
            continue
        if adcode.endswith("0000"):
            prefixes = sorted({c[:4] for c in county_adcodes if c[:2] == adcode[:2] and c != adcode})
            if not prefixes:  # Macau: the province fills the prefecture layer itself
                regions[province].ancestors["city"] = province
                regions[province].outlines["city"] = (fine, coarse)
            elif len(prefixes) == 1:
                _add_city(regions, adcode[:2] + "0100", _municipal_name(prefixes[0], name), province, fine, coarse)
            else:  # Chongqing: 市辖区 (5001) and 县 (5002), outlined by their counties
                for prefix in prefixes:
                    members = [i for i, c in enumerate(county_layer.adcodes) if c[:4] == prefix]
                    _add_city(regions, prefix + "00", _municipal_name(prefix, name), province,
                              *_union_outlines(county_layer, members))
            continue
        _add_city(regions, adcode, name, province, fine, coarse)
    for group_adcode, members in groups.items():
        _add_city(regions, group_adcode, PROVINCE_GROUP_NAME, codes.from_adcode(group_adcode[:2] + "0000"),
                  *_union_outlines(city_layer, members))

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


def _municipal_name(prefix: str, province_name: str) -> str:
    """市辖区 / 县 for the four municipalities (as in the statistical codes), else the province's name."""
    if prefix[:2] in MUNICIPALITIES:
        return {"01": "市辖区", "02": "县"}.get(prefix[2:4], province_name)
    return province_name


def _add_city(regions: dict[str, Region], adcode: str, name: str, province: str, fine, coarse) -> None:
    code = codes.from_adcode(adcode)
    regions[code] = Region(code, name, "city", province, packaged.SOURCE,
                           {"province": province, "city": code}, outlines={"city": (fine, coarse)})


def _union_outlines(layer: packaged.PackagedLayer, members: list[int]) -> tuple:
    return tuple(shapes.snap([shapely.union_all([outlines[i] for i in members])])[0]
                 for outlines in (layer.fine, layer.coarse))


def _county_parent(adcode: str, regions: dict[str, Region]) -> str:
    for candidate in (adcode[:4] + "00", adcode[:2] + "0100"):
        code = codes.from_adcode(candidate)
        if code in regions and regions[code].level == "city":
            return code
    raise ValueError(f"county {adcode} has no prefecture-level parent in the packaged data")


def _apply_key_county_flags(regions: dict[str, Region]) -> None:
    for adcode, provenance in read_poverty_counties().items():
        region = _listed_county(regions, adcode, "former poverty county")
        region.former_poverty_county = True
        region.flag_source = provenance
    for adcode, provenance in read_key_counties().items():
        region = _listed_county(regions, adcode, "key county")
        region.national_key_county = True
        # The key counties were chosen among the former poverty counties (by 脱贫摘帽时序, K4; SOURCES.md).
        region.former_poverty_county = True
        region.flag_source = provenance


def _listed_county(regions: dict[str, Region], adcode: str, what: str) -> Region:
    region = regions.get(codes.from_adcode(adcode))
    if region is None or region.level != "county":
        raise ValueError(f"{what} {adcode} is not in the packaged county layer")
    return region
