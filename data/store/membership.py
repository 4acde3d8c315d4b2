"""Which stored counties belong to each tier, and who is paired with whom (East–West collaboration).

The flags come from the regions table (reference lists or an imported regions file). The pairing is
read from ``data/reference/east_west_pairs.csv``: a western province, prefecture or county named there
brings every county it contains. Names are matched to the stored regions at the level the pair names.
"""
from __future__ import annotations

import functools

from data.definitions import tiers
from data.definitions.access import Access, check, system_access
from data.definitions.tiers import ALL, BY_CODE, east_west_pairs, get
from data.store.storage import Storage

_BOOKKEEPING = system_access("membership")  # membership is computed over the whole hierarchy, then filtered


def counties(storage: Storage, access: Access, tier: str) -> frozenset[str] | None:
    """The 12-digit codes of the counties in ``tier`` that the caller may see (None for all counties)."""
    check(access)
    members = _counties(storage.engine, get(tier).code, storage.data_version())
    if members is None or access.everything:
        return None if members is None else frozenset(members)
    return frozenset(code for code, ancestors in members.items() if access.scope.allows(ancestors))


@functools.lru_cache(maxsize=32)
def _counties(engine, tier: str, version: str) -> dict[str, dict] | None:
    if tier == ALL:
        return None
    storage = Storage(engine)
    everything = storage.regions(_BOOKKEEPING, level="county")
    flag = BY_CODE[tier].flag
    if flag:
        return {r["code"]: r["ancestors"] for r in everything if r[flag]}
    names = _names_by_code(engine, version)
    return {r["code"]: r["ancestors"] for r in everything if _partners(r, names)}


def east_partners(storage: Storage, access: Access, code: str) -> list[str]:
    """The eastern partners named for a region, its prefecture or its province (most specific first)."""
    region = storage.region(access, code, figures_only=True)
    return _partners(region, _names_by_code(storage.engine, storage.data_version()))


def _partners(region: dict, names: dict[str, str]) -> list[str]:
    partners: list[str] = []
    for level in ("county", "city", "province"):
        code = region["ancestors"].get(level)
        name = region["name"] if code == region["code"] else names.get(code)
        partners += [p["east_region"] for p in east_west_pairs()
                     if p["west_level"] == level and p["west_region"] == name and p["east_region"] not in partners]
    return partners


@functools.lru_cache(maxsize=4)
def _names_by_code(engine, _version: str) -> dict[str, str]:
    storage = Storage(engine)
    return {r["code"]: r["name"] for level in ("province", "city") for r in storage.regions(_BOOKKEEPING, level=level)}


_PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def _full_names(storage: Storage) -> dict[str, str]:
    """{full name: code} of provinces, prefectures and counties, named as the pairs file names an eastern
    region: the province's name followed by the prefecture's and the county's (广东省深圳市, 北京市大兴区)."""
    return _full_names_of(storage.engine, storage.data_version())


@functools.lru_cache(maxsize=4)
def _full_names_of(engine, _version: str) -> dict[str, str]:
    storage = Storage(engine)
    found = [r for level in ("province", "city", "county") for r in storage.regions(_BOOKKEEPING, level=level)]
    name_of = {r["code"]: r["name"] for r in found}
    full = {}
    for region in found:
        parts = [name_of.get(region["ancestors"].get(layer)) for layer in ("province", "city", "county")]
        full["".join(dict.fromkeys(p for p in parts if p and p not in _PLACEHOLDERS))] = region["code"]
    return full


def east_partner_regions(storage: Storage, access: Access, code: str) -> list[str]:
    """The stored codes of a region's eastern partners (see :func:`east_partners`), most specific first."""
    by_name = _full_names(storage)
    return [by_name[name] for name in east_partners(storage, access, code) if name in by_name]


def west_partners(storage: Storage, access: Access, east_code: str) -> list[str]:
    """The codes of the western regions an eastern region is paired with (none if it is not in the pairs
    file), for account set-up (administrators)."""
    check(access).require("admin")
    by_name = _full_names(storage)
    east_name = next((name for name, code in by_name.items() if code == east_code), None)
    found = []
    for pair in east_west_pairs():
        if pair["east_region"] == east_name:
            found += [r["code"] for r in storage.regions(_BOOKKEEPING, level=pair["west_level"])
                      if r["name"] == pair["west_region"] and r["code"] not in found]
    return found


def list_gap(storage: Storage, access: Access, tier: str) -> tuple[int, int] | None:
    """(counties in the shipped reference list, official size) when ``tier``'s members come from an incomplete
    reference list (see :func:`data.definitions.tiers.list_gap`); None once the stored flags came from an
    imported regions file, which states yes and no for every county."""
    check(access)
    return tiers.list_gap(get(tier).code, imported=_flags_imported(storage.engine, storage.data_version()))


@functools.lru_cache(maxsize=4)
def _flags_imported(engine, _version: str) -> bool:
    storage = Storage(engine)
    return any((r.get("flag_source") or "").startswith("import:") for r in storage.regions(_BOOKKEEPING, level="county"))


# -- comparison (issue 17): the counties of a tier whose figures are compared ----------------------------
def compared_counties(storage: Storage, access: Access, tier: str,
                      everywhere: bool = False) -> frozenset[str] | None:
    """The counties in ``tier`` whose aggregate figures the caller may read (``access.figures``: also the
    peer counties of their province), or with ``everywhere`` every county of the tier (the published
    lists: a group whose median is compared, see Scope.allows_median); None for all counties."""
    check(access)
    members = _counties(storage.engine, get(tier).code, storage.data_version())
    if members is None or access.everything or everywhere:
        return None if members is None else frozenset(members)
    figures = access.figures
    return frozenset(code for code, ancestors in members.items() if figures.allows_figures(code, ancestors))
