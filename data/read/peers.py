"""Whom a region is compared with: the one peer-group rule, used by the map's trend and the profile.

A county is compared with the counties of its province in a tier (the map: the tier chosen; the profile:
the narrowest tier the county belongs to), a prefecture with the prefectures of its province, a province
with the provinces, a township or village with its siblings; the nation with the counties of a tier.
Only peers whose figures the caller may read are listed (``access.figures``: the peers of the caller's own
regions are among them, see data/definitions/access.Scope.compares). The answer is codes and a kind; labels are
attached when drawing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

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
    names: dict[str, str] = field(default_factory=dict, compare=False)  # code → name, of the peers listed

    def units(self) -> list[dict]:
        """The peers as the cube reads units (code, name, level), in code order."""
        return [{"code": code, "name": self.names.get(code, ""), "level": self.level} for code in self.codes]


def own_tier(storage: Storage, access: Access, region: dict) -> tiers.Tier:
    """The narrowest tier a county belongs to (all counties if none)."""
    for code in OWN_TIER_ORDER:
        if region["code"] in (membership.compared_counties(storage, access, code) or ()):
            return tiers.get(code)
    return tiers.get(tiers.ALL)


def peers(storage: Storage, access: Access, region: dict | None, tier: str | None) -> Peers:
    """The peers of ``region`` (None: the nation) within ``tier`` (applies to counties), among the regions
    whose figures the caller may read (``access.figures``: a county leader's peers are the counties of
    the province, not only his own). The nation's peers are every county of the tier: only their median
    is read (see Scope.allows_median)."""
    chosen = tiers.get(tier)
    if region is None:
        members = membership.compared_counties(storage, access, chosen.code, everywhere=True)
        return Peers([] if members is None else sorted(members), "tier", None, chosen, members is not None)
    members = membership.compared_counties(storage, access, chosen.code)
    level = region["level"]
    province = region["ancestors"].get("province")
    if level == "county":
        found = [u for u in storage.figure_units(access, "county", province) if members is None or u[0] in members]
        return _peers(found, "province_counties", level, chosen, members is not None)
    if level in ("province", "city"):
        found = storage.figure_units(access, level, province if level == "city" else None)
        return _peers(found, "cities" if level == "city" else "provinces", level, chosen, False)
    return _peers(storage.figure_units(access, None, region["parent_code"]), "siblings", level, chosen, False)


def _peers(found: list[tuple[str, str, str]], kind: str, level: str, tier: tiers.Tier, applies: bool) -> Peers:
    return Peers([code for code, _, _ in found], kind, level, tier, applies, {code: name for code, name, _ in found})
