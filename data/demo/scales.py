"""Demo scales: which real counties carry household-level detail, and how many of their real townships and
villages (official codes and names, data/reference/nbs) get illustrative cells.

* ``tiny``: two national key counties of one prefecture and one ordinary neighbour (unit tests).
* ``demo``: every national key county in the reference list plus up to two ordinary counties of the
  same prefectures, so that key counties can be compared with their neighbours (``make run``).
* ``large``: every county of those prefectures (benchmarks).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scale:
    name: str
    townships: tuple[int, int]  # invented townships per county (inclusive range), for a county not in the code list
    villages: tuple[int, int]  # invented villages per township (inclusive range), likewise
    # Of the real units of a township (data/reference/nbs): at most this many 村民委员会, then 居民委员会 (社区)
    # up to this many units in all; None keeps every unit.
    real_villages: int | None = None
    real_units: int | None = None


SCALES = {
    # tiny (the tests): every real township, but only its first 4 村民委员会 in code order, filled up with its
    # first 社区 to 6 units, so that three counties stay about 30 villages each, as before the real units
    "tiny": Scale("tiny", (5, 6), (5, 6), real_villages=4, real_units=6),
    "demo": Scale("demo", (8, 14), (6, 10)),
    "large": Scale("large", (10, 18), (8, 14)),
}
TINY_PREFECTURE = "522700000000"  # 黔南州, Guizhou: two key counties in the reference list


def select_counties(regions: dict, scale: str, seed: int) -> list[str]:
    """The 12-digit codes of the counties in scope at ``scale``, in code order."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; one of {', '.join(SCALES)}")
    counties = [r for r in regions.values() if r.level == "county"]
    key = [r for r in counties if r.national_key_county]
    rng = np.random.default_rng(seed)
    if scale == "tiny":
        chosen = [r.code for r in key if r.parent_code == TINY_PREFECTURE][:2]
        others = sorted(r.code for r in counties if r.parent_code == TINY_PREFECTURE and not r.national_key_county)
        return sorted(chosen + [others[int(rng.integers(len(others)))]])
    prefectures = sorted({r.parent_code for r in key})
    chosen = {r.code for r in key}
    for prefecture in prefectures:
        others = sorted(r.code for r in counties if r.parent_code == prefecture and not r.national_key_county)
        if scale == "large":
            chosen.update(others)
        elif others:
            chosen.update(rng.choice(others, size=min(2, len(others)), replace=False).tolist())
    return sorted(chosen)
