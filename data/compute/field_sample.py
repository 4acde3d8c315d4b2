"""The field sample's design: a seeded draw of monitored households for verification visits, for any size
from one household up (pure functions of a frame; data/read/monitoring.py reads the frame and serves it).

Strata are township × monitoring category, ordered by township code, then category.

* **Stratified** (size n ≥ number of strata H): every stratum gets one household, the rest are
  allocated in proportion to the strata's sizes N_h (largest remainders); simple random sampling without
  replacement inside each stratum. A household of stratum h is drawn with probability n_h / N_h and
  weighs N_h / n_h.
* **Strata with probability proportional to size** (n < H, where one household a stratum is impossible):
  n strata are drawn by systematic PPS over the ordered strata (Madow's method: a random start on the
  cumulated sizes, then steps of N / n), and inside each drawn stratum as many households as it was hit
  (one, unless N_h > N / n) by simple random sampling. Stratum h is drawn with probability
  min(1, n·N_h / N); every household with probability n / N exactly (weight N / n): the sample is
  self-weighting and the Horvitz–Thompson estimator is the sample mean. The ordering by township makes
  the draw spread over the townships (implicit stratification), without choosing which strata to merge.

Either way the inclusion probabilities of all households sum to n, and the same seed draws the same
households (the stratified draw uses the generator exactly as the earlier version did, so its samples are
unchanged). A size above the population is capped to the population (:func:`notice` says so).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from data.definitions.messages import LANGUAGES, t

STRATA = ("township_code", "category")
DEFAULT = 30  # households without a size, or one a stratum where there are more strata
MAXIMUM = 2000  # households at most in one sample (the API's bound)
STRATIFIED, PPS = "stratified", "pps"


def default_size(strata: int, population: int) -> int:
    """The size without one: :data:`DEFAULT`, or one household a stratum where there are more strata,
    at most :data:`MAXIMUM` and the population."""
    return min(max(DEFAULT, strata), MAXIMUM, population)


def allocate(population: np.ndarray, size: int) -> np.ndarray:
    """Households to draw from each stratum: one each, the rest of ``size`` (≥ the number of strata, ≤ the
    population) in proportion to the remaining sizes, by largest remainders (ties: the first stratum)."""
    take = np.minimum(population, 1)
    extra = size - take.sum()
    if extra > 0:
        share = (population - take) / max((population - take).sum(), 1) * extra
        take = take + np.floor(share).astype(int)
        order = np.argsort(-(share - np.floor(share)), kind="stable")
        for i in order[:int(size - take.sum())]:
            take[i] += 1
        take = np.minimum(take, population)
    return take


def systematic_hits(population: np.ndarray, size: int, start: float) -> np.ndarray:
    """How often systematic PPS hits each stratum: ``size`` points ``start``·N/n + j·N/n (start in [0, 1))
    on the strata's cumulated sizes. Computed on the scale multiplied by n, where the points are
    start·N + j·N and the bounds n·C_h are integers, so that no rounding moves a point."""
    total = int(population.sum())
    bounds = np.cumsum(population) * size
    points = start * total + np.arange(size) * total
    return np.bincount(np.searchsorted(bounds, points, side="right"), minlength=len(population))


def draw(frame: pd.DataFrame, size: int | None, seed: int, by: tuple[str, ...] = STRATA) -> dict:
    """The seeded sample of ``frame``'s rows (one a household): its design (``method``), the size asked and
    drawn, the index labels drawn (``chosen``, sorted) and each stratum (``key``, ``population``,
    ``sampled``, ``stratum_probability``: that it is drawn at all, ``probability`` and ``weight`` of each of
    its households). ``size`` None: :func:`default_size`; above the population: capped (``capped``)."""
    if size is not None and size < 1:
        raise ValueError("size must be at least 1")
    strata = frame.groupby(list(by)).groups if len(frame) else {}
    keys = sorted(strata)
    population = np.array([len(strata[k]) for k in keys], dtype=int)
    total = int(population.sum())
    asked = default_size(len(keys), total) if size is None else int(size)
    size = min(asked, total)
    rng = np.random.default_rng(seed)
    if size >= len(keys):
        method, take = STRATIFIED, allocate(population, size)
        stratum_probability = np.where(take > 0, 1.0, 0.0)
        probability = take / np.maximum(population, 1)
    else:
        method = PPS
        take = systematic_hits(population, size, rng.random())
        stratum_probability = np.minimum(1.0, size * population / total)
        probability = np.full(len(keys), size / total)
    chosen = []
    for key, count in zip(keys, take):
        if count:
            members = np.sort(np.asarray(strata[key]))
            chosen.extend(rng.choice(members, size=int(count), replace=False).tolist())
    return {"method": method, "asked": asked, "size": int(take.sum()), "capped": asked > total, "population": total,
            "chosen": sorted(chosen),
            "strata": [{"key": key, "population": int(n), "sampled": int(k), "stratum_probability": float(q),
                        "probability": float(p), "weight": float(1 / p) if p else None}
                       for key, n, k, q, p in zip(keys, population, take, stratum_probability, probability)]}


def design_values(drawn: dict) -> dict:
    """The numbers the design's text states."""
    probability = drawn["size"] / drawn["population"] if drawn["population"] else 0
    return {"strata": len(drawn["strata"]), "size": drawn["size"], "population": drawn["population"],
            "probability": f"{probability:.4f}", "weight": f"{1 / probability:.2f}" if probability else "—"}


def describe(drawn: dict, lang: str) -> str:
    """The design in words, in ``lang``: which method, the inclusion probabilities and weights."""
    key = "mon_sample_design_pps" if drawn["method"] == PPS else "mon_sample_design_stratified"
    return t(key, lang).format(**design_values(drawn))


def notice(drawn: dict, lang: str) -> str | None:
    """What was changed in the size asked: capped to the population (None: nothing)."""
    if not drawn["capped"]:
        return None
    return t("mon_sample_over_population", lang).format(asked=drawn["asked"], population=drawn["population"])


def design(drawn: dict) -> dict:
    """The design as the API answers it: method, size asked, the stated numbers and the texts in both
    languages (notice: the cap, or None)."""
    return {"method": drawn["method"], "asked": drawn["asked"], "capped": drawn["capped"],
            "values": design_values(drawn),
            "text": {lang: describe(drawn, lang) for lang in LANGUAGES},
            "notice": {lang: notice(drawn, lang) for lang in LANGUAGES} if drawn["capped"] else None}
