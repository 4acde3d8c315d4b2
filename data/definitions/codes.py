"""Statistical division codes (统计用区划代码): normalisation, levels and prefixes.

A code is 12 digits: 2 province, 2 prefecture, 2 county, 3 township, 3 village. Routes accept the
full code or its significant prefix (``52``, ``5201``, ``520102``, ``520102101``), which this module
turns into the canonical 12-digit key.
"""
from __future__ import annotations

import re

NATION = "000000000000"  # the whole country, as a pseudo-region of the cube
LEVELS = ("province", "city", "county", "township", "village")  # also the map layers
SIGNIFICANT_DIGITS = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
_CODE_RE = re.compile(r"^[0-9]+$")


class InvalidCode(ValueError):
    """A string that cannot be a statistical division code."""


def normalize(code: str) -> str:
    """Return the 12-digit code for a full code or a significant prefix (2, 4, 6, 9 or 12 digits)."""
    text = str(code).strip()
    if not _CODE_RE.match(text) or len(text) not in (2, 4, 6, 9, 12):
        raise InvalidCode(
            f"区划代码须为 2/4/6/9/12 位数字 / a region code has 2, 4, 6, 9 or 12 digits: {code!r}"
        )
    return text.ljust(12, "0")


def significant(code: str, level: str) -> str:
    """The significant prefix of a 12-digit code at a level (``520102000000``, county → ``520102``)."""
    return code[: SIGNIFICANT_DIGITS[level]]


def from_adcode(adcode: str) -> str:
    """The 12-digit code of a 6-digit administrative code."""
    if not _CODE_RE.match(adcode) or len(adcode) != 6:
        raise InvalidCode(f"not a 6-digit adcode: {adcode!r}")
    return adcode + "000000"


# The NBS coding rule (统计用区划代码编制规则): the last three digits of a village-level code are 001–199 for a
# 居民委员会 (community), 200–399 for a 村民委员会 (village), 400 and above for units like 虚拟社区 of a
# development zone. Where a unit has no 城乡分类代码 (urban-rural code), the rule tells a rural village.
VILLAGE_COMMITTEE = range(200, 400)


def rural_village(code: str, urban_rural: str | None = None) -> bool:
    """A rural village: 城乡分类代码 2xx (乡中心区, 村庄) where known, else a 村民委员会 by its code."""
    if urban_rural:
        return urban_rural.startswith("2")
    return int(code[9:]) in VILLAGE_COMMITTEE
