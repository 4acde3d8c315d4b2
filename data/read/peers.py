"""Whom a region is compared with: the one peer-group rule, used by the map's trend and the profile.

A county is compared with the counties of its province in a tier (the map: the tier chosen; the profile:
the narrowest tier the county belongs to), a prefecture with the prefectures of its province, a province
with the provinces, a township or village with its siblings; the nation with the counties of a tier.
Only peers whose figures the caller may read are listed. The answer is codes and a kind; labels are
attached when drawing.
"""
from __future__ import annotations

from dataclasses import dataclass

from data.definitions import tiers
from data.definitions.access import Access
from data.store import membership
from data.store.storage import Storage

OWN_TIER_ORDER = ("national_key", "provincial_key", "former_poverty")  # the narrowest first


@dataclass(frozen=True)
class Peers:
    codes: list[str]
    kind: str  # tier (the nation), province_counties, cities, provinces, siblings
    level: str | None  # the level of the region compared
    tier: tiers.Tier
    tier_applies: bool  # the tier narrows the group (a tier other than all counties)


def own_tier(storage: Storage, access: Access, region: dict) -> tiers.Tier:
    """The narrowest tier a county belongs to (all counties if none)."""
    for code in OWN_TIER_ORDER:
        if region["code"] in (membership.counties(storage, access, code) or ()):
            return tiers.get(code)
    return tiers.get(tiers.ALL)


def peers(storage: Storage, access: Access, region: dict | None, tier: str | None) -> Peers:
    """The peers of ``region`` (None: the nation) within ``tier`` (applies to counties)."""
    chosen = tiers.get(tier)
    members = membership.counties(storage, access, chosen.code)
    if region is None:
        codes = [] if members is None else [c for c, _, _ in storage.units(access, "county", None) if c in members]
        return Peers(codes, "tier", None, chosen, members is not None)
    level = region["level"]
    province = region["ancestors"].get("province")
    if level == "county":
        codes = [c for c, _, _ in storage.units(access, "county", province) if members is None or c in members]
        return Peers(codes, "province_counties", level, chosen, members is not None)
    if level in ("province", "city"):
        codes = [c for c, _, _ in storage.units(access, level, province if level == "city" else None)]
        return Peers(codes, "cities" if level == "city" else "provinces", level, chosen, False)
    codes = [c for c, _, _ in storage.units(access, None, region["parent_code"])]
    return Peers(codes, "siblings", level, chosen, False)
