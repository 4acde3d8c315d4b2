"""County tiers (national key assistance counties, provincial key counties, former poverty counties,
counties paired through East–West collaboration) and the East–West pairs file, as definitions.

Which stored counties belong to a tier is answered by :mod:`data.store.membership`.
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass

from data.definitions import reference
from data.definitions.reference import REFERENCE_DIR

ALL = "all"
# Not a county tier: on a map of villages, only the rural ones (村民委员会; communities grey, out of the ranking).
RURAL = "rural"


@dataclass(frozen=True)
class Tier:
    code: str
    zh: str
    en: str
    flag: str | None  # the regions column, or None for a tier computed here


TIERS = (
    Tier(ALL, "全部县", "All counties", None),
    Tier("national_key", "国家乡村振兴重点帮扶县", "National key assistance counties", "national_key_county"),
    Tier("provincial_key", "省级乡村振兴重点帮扶县", "Provincial key assistance counties", "provincial_key_county"),
    Tier("former_poverty", "脱贫县", "Former poverty counties", "former_poverty_county"),
    Tier("paired_east", "东西部协作结对县", "Paired with an eastern region", None),
)
BY_CODE = {tier.code: tier for tier in TIERS}


def list_gap(code, imported: bool = False) -> tuple[int, int] | None:
    """(counties in the shipped reference list, official size) for a tier whose list is incomplete; None for a
    complete list, a tier without one, or flags that came from an imported regions file (it states yes and
    no for every county). Shown where tiers are offered, so that no "key county" figure passes for complete.
    """
    if imported:
        return None
    if code == "national_key":
        listed, total = len(reference.confirmed_key_adcodes()), reference.KEY_COUNTY_TOTAL
    elif code == "former_poverty":
        listed, total = len(reference.confirmed_poverty_adcodes()), reference.POVERTY_COUNTY_TOTAL
    else:
        return None
    return (listed, total) if listed < total else None


def get(code) -> Tier:
    """The tier of ``code`` (``all`` if None or unknown: a link never breaks on an old tier name)."""
    return BY_CODE.get(code, BY_CODE[ALL]) if isinstance(code, str) else BY_CODE[ALL]


@functools.lru_cache(maxsize=1)
def east_west_pairs() -> tuple[dict, ...]:
    with open(REFERENCE_DIR / "east_west_pairs.csv", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))
