"""Demo scales: which real counties carry household-level detail and illustrative sub-county units.

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
    townships: tuple[int, int]  # illustrative townships per county (inclusive range)
    villages: tuple[int, int]  # illustrative villages per township (inclusive range)


SCALES = {
    "tiny": Scale("tiny", (5, 6), (5, 6)),
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
