"""Which stored counties belong to each tier, and who is paired with whom (East–West collaboration and
central units' targeted assistance).

The flags come from the regions table (reference lists or an imported regions file). The pairings come
from the stored ``pairings`` table (issue 18; the demo loads the reference file's pairs into it) when it has
rows, else from ``data/reference/east_west_pairs.csv`` as before: a western province, prefecture or county
named there brings every county it contains, names matched to the stored regions at the level the pair
names. :func:`covering_pairings` is the one rule of which pairing a collaboration row or target belongs to:
the pairing of the same eastern region (the same string) with the row's region or one of its ancestors.
"""
from __future__ import annotations

import functools
import unicodedata

import sqlalchemy as sa

from data.definitions import tiers
from data.definitions.access import Access, OutOfScope, check, system_access
from data.definitions.codes import NATION
from data.definitions.tiers import ALL, BY_CODE, east_west_pairs, get
from data.store.schema import pairings as pairings_table
from data.store.storage import Storage

_BOOKKEEPING = system_access("membership")  # membership is computed over the whole hierarchy, then filtered


def counties(storage: Storage, access: Access, tier: str) -> frozenset[str] | None:
    """The 12-digit codes of the counties in ``tier`` that the caller may see (None for all counties)."""
    check(access)
    members = _counties(storage.engine, get(tier).code, _version(storage))
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
    stored = _stored(engine, version)
    return {r["code"]: r["ancestors"] for r in everything if _partners(r, names, stored)}


def _version(storage: Storage) -> str:
    """What membership depends on: the hierarchy and the records (a pairings import changes the latter)."""
    facts = storage.facts()
    return f"{facts.get('data_version', 'empty')}:{facts.get('records_version', '')}"


def east_partners(storage: Storage, access: Access, code: str) -> list[str]:
    """The eastern partners named for a region, its prefecture or its province (most specific first)."""
    region = storage.region(access, code, figures_only=True)
    version = _version(storage)
    return _partners(region, _names_by_code(storage.engine, version), _stored(storage.engine, version))


def _partners(region: dict, names: dict[str, str], stored: tuple[dict, ...] = ()) -> list[str]:
    partners: list[str] = []
    if stored:
        for level in ("county", "city", "province"):
            code = region["ancestors"].get(level)
            partners += [p["east_region"] for p in stored if p["kind"] == "east_west" and code
                         and p["west_code"] == code and p["east_region"] not in partners]
        return partners
    for level in ("county", "city", "province"):
        code = region["ancestors"].get(level)
        name = region["name"] if code == region["code"] else names.get(code)
        partners += [p["east_region"] for p in east_west_pairs()
                     if p["west_level"] == level and p["west_region"] == name and p["east_region"] not in partners]
    return partners


PAIRING_COLUMNS = ("east_region", "west_code", "kind", "unit", "start_year", "end_year", "note")


@functools.lru_cache(maxsize=4)
def _stored(engine, _version: str) -> tuple[dict, ...]:
    """The stored pairings (empty: none stored, the reference file applies), in key order."""
    columns = [pairings_table.c[c] for c in PAIRING_COLUMNS]
    with engine.connect() as connection:
        rows = connection.execute(sa.select(*columns).order_by(*[pairings_table.c[c] for c in (
            "east_region", "west_code", "kind", "unit")])).all()
    return tuple(dict(zip(PAIRING_COLUMNS, row)) for row in rows)


def same_region_name(a: str | None, b: str | None) -> bool:
    """Whether two eastern-region strings name the same region: equal after NFKC and stripping."""
    def norm(text):
        return unicodedata.normalize("NFKC", text or "").strip()
    return bool(a) and norm(a) == norm(b)


def covering_pairings(pairings, east_region: str, ancestors) -> list[dict]:
    """Of ``pairings`` (dicts with east_region, west_code, kind, start_year, end_year), the East–West ones of
    ``east_region`` whose western region is one of ``ancestors`` (the codes of a row's region and of its
    prefecture and province): the pairings a collaboration row or an agreement's target belongs to."""
    codes = {c for c in ancestors if c}
    return [dict(p) for p in pairings if p["kind"] == "east_west" and p["west_code"] in codes
            and same_region_name(p["east_region"], east_region)]


def pairings(storage: Storage, access: Access) -> list[dict]:
    """Every pairing (the whole country: bookkeeping and administrators; pages read
    :func:`data.store.collaboration.frame`): the stored ones, or when none are stored the reference file's pairs
    resolved to stored codes (kind east_west, no start year), as dicts of :data:`PAIRING_COLUMNS`."""
    check(access)
    if not access.everything:
        raise OutOfScope(NATION)
    version = _version(storage)
    stored = _stored(storage.engine, version)
    if stored:
        return [dict(p) for p in stored]
    found = []
    for pair in east_west_pairs():
        for region in storage.regions(_BOOKKEEPING, level=pair["west_level"]):
            if region["name"] == pair["west_region"]:
                found.append({"east_region": pair["east_region"], "west_code": region["code"], "kind": "east_west",
                              "unit": "", "start_year": None, "end_year": None, "note": pair["notes"]})
    return found


def start_year(storage: Storage, access: Access, east_region: str, west_code: str) -> int | None:
    """The start year of the pairing a row of (east_region, west_code) belongs to (its region's own pairing
    first, then its prefecture's, its province's); None when no stored pairing covers it."""
    region = storage.region(access, west_code, figures_only=True)
    stored = _stored(storage.engine, _version(storage))
    for level in ("county", "city", "province"):
        covering = covering_pairings(stored, east_region, [region["ancestors"].get(level)])
        if covering:
            return min(p["start_year"] for p in covering)
    return None


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
    """The stored codes of a region's eastern partners (see :func:`east_partners`), most specific first (a
    partner written as a code is that code)."""
    by_name = _full_names(storage)
    known = set(by_name.values())
    found = []
    for name in east_partners(storage, access, code):
        text = unicodedata.normalize("NFKC", name).strip()
        resolved = by_name.get(text) or (text.ljust(12, "0") if text.isdigit() and text.ljust(12, "0") in known else None)
        if resolved and resolved not in found:
            found.append(resolved)
    return found


def west_partners(storage: Storage, access: Access, east_code: str) -> list[str]:
    """The codes of the western regions an eastern region is paired with (none if it is not paired), for
    account set-up (administrators): the stored East–West pairings naming it (by its full name or its code),
    else the pairs file's."""
    check(access).require("admin")
    by_name = _full_names(storage)
    east_name = next((name for name, code in by_name.items() if code == east_code), None)
    stored = _stored(storage.engine, _version(storage))
    if stored:
        names = {n for n in (east_name, east_code, east_code.rstrip("0")) if n}
        return list(dict.fromkeys(p["west_code"] for p in stored if p["kind"] == "east_west"
                                  and any(same_region_name(p["east_region"], n) for n in names)))
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
    members = _counties(storage.engine, get(tier).code, _version(storage))
    if members is None or access.everything or everywhere:
        return None if members is None else frozenset(members)
    figures = access.figures
    return frozenset(code for code, ancestors in members.items() if figures.allows_figures(code, ancestors))
