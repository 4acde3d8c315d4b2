"""Field verification (实地核查): the two-stage sample design of a county's field check, and the
design-weighted estimates of the wrongful-exit rate (错退率), the missed-household rate (漏评率) and public
approval (群众认可度) with 95 % confidence intervals, set against the policy thresholds. Pure functions of
frames; the read service reads the frames and the visit results (the contract's ``field_verification``).

**Design** (:func:`draw_two_stage`), after the published provincial practice of about ten villages and 300
households a county (policy.FIELD_VILLAGES, policy.FIELD_HOUSEHOLDS):

1. Villages are stratified by type (:func:`village_strata`: disaster-hit, many monitored households, many
   former-poor households, other — the contract carries no village flags such as 脱贫村 or relocation
   site, so these are read from the records; a deployment may pass its own ``village_stratum``). The
   villages are allocated to the strata as field_sample.allocate does (one each where there are enough,
   the rest in proportion to the strata's village counts) and drawn by simple random sampling without
   replacement: village v of stratum h is drawn with probability π_v = a_h / A_h.
2. In each village drawn, households are spread over the villages in proportion to their sizes; inside a
   village half (rounded up) are drawn **inside the monitoring register** (strata: the three monitored
   categories) and the rest **outside** it (strata: a member with chronic or serious illness or a
   disability; others), each part allocated over its strata as above, by SRS without replacement
   (a part without enough households gives its remainder to the other). Household i of household stratum
   g in village v is drawn with probability π_i = π_v · m_vg / M_vg and weighs w_i = 1 / π_i.

**Estimates** (:func:`estimate`): each rate is a ratio R = Y / X with y_i = 1 where the answer is true
and x_i = 1 where it is known (true or false; an unknown or empty answer — the question does not apply, or
was not answered — leaves the household out of that rate). The Horvitz–Thompson ratio estimator is
R̂ = Σ wᵢyᵢ / Σ wᵢxᵢ. Its variance is linearised (Taylor): zᵢ = wᵢ(yᵢ − R̂xᵢ) / X̂ with X̂ = Σ wᵢxᵢ, summed per
primary sampling unit (PSU) j of variance stratum h, z_hj; then

    v(R̂) = Σ_h (1 − f_h) · n_h / (n_h − 1) · Σ_j (z_hj − z̄_h)²

with n_h the PSUs of stratum h and f_h their sampling fraction (the design's ``fraction``). With villages
as PSUs (the two-stage design) f_h = 0: the with-replacement ultimate-cluster estimator, which carries the
second stage's variance too (slightly conservative). For stratified simple random sampling of
households (each household its own PSU, f_h = n_h / N_h) it is exactly Cochran's
v(p̂_st) = Σ_h W_h² (1 − f_h) s_h² / n_h. A stratum with a single PSU contributes z_h1² (centred on the
overall mean of the PSU totals, which is 0). The standard error is √v(R̂). The 95 % interval is Wilson's
score interval on Kish's effective sample size n* = R̂(1 − R̂) / v(R̂) (n* = the households answering when
R̂ is 0 or 1, where the variance vanishes):

    (R̂ + z²/2n* ± z·√(R̂(1 − R̂)/n* + z²/4n*²)) / (1 + z²/n*),   z = policy.FIELD_CONFIDENCE_Z

— close to R̂ ± z·√v(R̂) away from 0 and 100 %, and, unlike it, not collapsing to a point when no wrongful
exit was found (12 households without one do not show a rate below 2 %).

Against a threshold a rate **meets** it when the whole interval lies on the right side, **fails** when the
whole interval lies on the wrong side, and is **undecided** otherwise.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from data.compute.field_sample import allocate
from data.definitions import policy

VILLAGE_STRATA = ("disaster", "monitored_many", "former_poor_many", "other")
REGISTER_STRATA = ("unstable_former_poor", "marginal", "sudden_hardship")
OUTSIDE_STRATA = ("outside_illness", "outside_other")
ANSWERS = ("true", "false", "unknown")
# The rates: the result column, the threshold and its side (the rate must stay below / above it).
RATES = {
    "wrongly_exited": ("wrongly_exited", policy.FIELD_WRONG_EXIT_MAX, "below"),
    "missed": ("should_be_monitored", policy.FIELD_MISSED_MAX, "below"),
    "approval": ("satisfied", policy.FIELD_APPROVAL_MIN, "above"),
    "identified": ("correctly_identified", None, None),
}
MONITORED_MANY = 0.75  # a village at or above this quantile of its county's monitored share is "monitored_many"
FORMER_POOR_MANY = 0.5  # … at or above this quantile of the former-poor share is "former_poor_many"


# -- strata ----------------------------------------------------------------------------------------------
def household_strata(households: pd.DataFrame, monitoring: pd.DataFrame, members: pd.DataFrame) -> pd.Series:
    """The household stratum of each household (indexed by household_id): its latest monitoring category
    if it is in the register, else ``outside_illness`` (a member chronically or seriously ill or disabled)
    or ``outside_other``."""
    latest = (monitoring.sort_values("identified_on").groupby("household_id")["category"].last()
              if len(monitoring) else pd.Series(dtype=object))
    ill = set(members.loc[members["health"].isin(("chronic", "serious", "disabled")), "household_id"])
    ids = households["household_id"]
    return pd.Series([latest.get(h) if h in latest.index else ("outside_illness" if h in ill else "outside_other")
                      for h in ids], index=ids.to_numpy(), name="household_stratum")


def village_strata(households: pd.DataFrame, monitoring: pd.DataFrame) -> pd.Series:
    """The stratum of each village (indexed by village_code): ``disaster`` where a household was identified
    with risk type disaster, else ``monitored_many`` where the share of monitored households is at or above
    the county's MONITORED_MANY quantile, else ``former_poor_many`` where the share of former-poor
    households is at or above its FORMER_POOR_MANY quantile, else ``other`` (first match)."""
    frame = households[["household_id", "village_code", "former_poor"]].copy()
    monitored = set(monitoring["household_id"])
    disaster = set(monitoring.loc[monitoring["risk_types"].fillna("").str.contains("disaster"), "household_id"])
    frame["monitored"] = frame["household_id"].isin(monitored)
    frame["disaster"] = frame["household_id"].isin(disaster)
    frame["former_poor"] = frame["former_poor"].astype(bool)
    by = frame.groupby("village_code").agg(monitored=("monitored", "mean"), former_poor=("former_poor", "mean"),
                                           disaster=("disaster", "any"))
    by["county"] = by.index.str[:6]
    cut_m = by.groupby("county")["monitored"].transform(lambda s: s.quantile(MONITORED_MANY))
    cut_f = by.groupby("county")["former_poor"].transform(lambda s: s.quantile(FORMER_POOR_MANY))
    stratum = np.where(by["disaster"], "disaster", np.where(by["monitored"] >= cut_m, "monitored_many",
                       np.where(by["former_poor"] >= cut_f, "former_poor_many", "other")))
    return pd.Series(stratum, index=by.index, name="village_stratum")


# -- the two-stage draw ---------------------------------------------------------------------------------------
def draw_two_stage(households: pd.DataFrame, seed: int, villages: int = policy.FIELD_VILLAGES,
                   households_total: int = policy.FIELD_HOUSEHOLDS) -> dict:
    """The seeded two-stage sample of one county's ``households`` (columns household_id, village_code,
    village_stratum, household_stratum): see the module. Returns the design (``villages``: each village
    stratum's population, villages drawn and probability; ``chosen``: one row per household drawn with
    its strata, ``probability``, ``weight``, and the variance design ``stratum`` (the village stratum),
    ``psu`` (the village) and ``fraction`` (0: with replacement, see the module))."""
    rng = np.random.default_rng(seed)
    frame = households.sort_values("household_id", ignore_index=True)
    village_of = frame.groupby("village_code")["village_stratum"].first()
    strata = [s for s in VILLAGE_STRATA if (village_of == s).any()] + sorted(
        set(village_of) - set(VILLAGE_STRATA))
    population = np.array([(village_of == s).sum() for s in strata])
    size = min(villages, int(population.sum()))
    take = allocate(population, size) if size >= len(strata) else _few(population, size)
    chosen_villages, village_rows = [], []
    for stratum, count, total in zip(strata, take, population):
        members = np.sort(village_of.index[village_of == stratum].to_numpy())
        picked = rng.choice(members, size=int(count), replace=False) if count else []
        probability = count / total
        village_rows.append({"stratum": stratum, "population": int(total), "sampled": int(count),
                             "probability": float(probability)})
        chosen_villages += [(v, stratum, probability) for v in sorted(picked)]
    sizes = np.array([(frame["village_code"] == v).sum() for v, _, _ in chosen_villages])
    per_village = allocate(sizes, min(households_total, int(sizes.sum()))) if len(sizes) else sizes
    rows = []
    for (village, stratum, p_village), m in zip(chosen_villages, per_village):
        inside = frame[frame["village_code"] == village]
        register = inside[inside["household_stratum"].isin(REGISTER_STRATA)]
        outside = inside[~inside["household_stratum"].isin(REGISTER_STRATA)]
        want_register = min(len(register), int(np.ceil(m / 2)))
        want_outside = min(len(outside), m - want_register)
        want_register = min(len(register), m - want_outside)
        for part, want in ((register, want_register), (outside, want_outside)):
            groups = sorted(part["household_stratum"].unique(), key=_stratum_order)
            counts = np.array([(part["household_stratum"] == g).sum() for g in groups])
            if not want or not len(groups):
                continue
            given = allocate(counts, want) if want >= len(groups) else _few(counts, want)
            for group, n_g, total_g in zip(groups, given, counts):
                ids = np.sort(part.loc[part["household_stratum"] == group, "household_id"].to_numpy())
                for household in sorted(rng.choice(ids, size=int(n_g), replace=False)) if n_g else []:
                    probability = p_village * n_g / total_g
                    rows.append({"household_id": household, "village_code": village, "village_stratum": stratum,
                                 "household_stratum": group, "probability": float(probability),
                                 "weight": float(1 / probability), "stratum": stratum, "psu": village,
                                 "fraction": 0.0})
    chosen = pd.DataFrame(rows, columns=["household_id", "village_code", "village_stratum", "household_stratum",
                                         "probability", "weight", "stratum", "psu", "fraction"])
    return {"method": "two_stage", "seed": seed, "villages_asked": villages, "households_asked": households_total,
            "villages": village_rows, "villages_drawn": len(chosen_villages), "size": len(chosen),
            "population": len(frame), "chosen": chosen}


def sample_seed(seed: int, county: str) -> list[int]:
    """The seed of a county's draw in an assessment round named by ``seed`` (policy.SAMPLE_SEED by default
    for the round): the same county and round draw the same sample, another county another one."""
    return [int(seed), int(str(county)[:6])]


def sample_frame(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The households of ``frames`` (households, monitoring, members: contract columns) with their village
    and household strata: the frame :func:`draw_two_stage` draws from (one county at a time)."""
    households, monitoring, members = frames["households"], frames["monitoring"], frames["members"]
    stratum = household_strata(households, monitoring, members)
    villages = village_strata(households, monitoring)
    return households[["household_id", "village_code"]].assign(
        household_stratum=lambda f: f["household_id"].map(stratum),
        village_stratum=lambda f: f["village_code"].map(villages)).reset_index(drop=True)


def county_sample(frames: dict[str, pd.DataFrame], county: str, seed: int = policy.SAMPLE_SEED) -> dict:
    """The two-stage sample of one county (its 6-digit prefix or 12-digit code) in the round ``seed``."""
    frame = sample_frame(frames)
    return draw_two_stage(frame[frame["village_code"].str[:6] == str(county)[:6]], sample_seed(seed, county))


def _stratum_order(stratum: str) -> int:
    order = REGISTER_STRATA + OUTSIDE_STRATA
    return order.index(stratum) if stratum in order else len(order)


def _few(population: np.ndarray, size: int) -> np.ndarray:
    """Fewer units than strata: one each for the ``size`` largest strata (ties: the first)."""
    take = np.zeros(len(population), dtype=int)
    take[np.argsort(-population, kind="stable")[:size]] = 1
    return np.minimum(take, population)


def one_stage_design(frame: pd.DataFrame, drawn: dict, by: tuple[str, ...] = ("township_code", "category")) -> pd.DataFrame:
    """The variance design of a field_sample.draw result (households drawn from ``frame``): each household
    its own PSU, its stratum's key, weight and sampling fraction n_h / N_h (stratified SRS); for the
    self-weighting PPS-of-strata draw one stratum with fraction n / N."""
    chosen = frame.loc[drawn["chosen"]]
    if drawn["method"] == "pps":
        fraction = drawn["size"] / drawn["population"]
        return pd.DataFrame({"household_id": chosen["household_id"].to_numpy(), "stratum": "all",
                             "psu": chosen["household_id"].to_numpy(), "weight": 1 / fraction, "fraction": fraction})
    by_key = {tuple(s["key"]) if isinstance(s["key"], tuple) else (s["key"],): s for s in drawn["strata"]}
    keys = [tuple(row) for row in chosen[list(by)].itertuples(index=False, name=None)]
    return pd.DataFrame({"household_id": chosen["household_id"].to_numpy(), "stratum": ["|".join(map(str, k)) for k in keys],
                         "psu": chosen["household_id"].to_numpy(),
                         "weight": [by_key[k]["weight"] for k in keys],
                         "fraction": [by_key[k]["sampled"] / by_key[k]["population"] for k in keys]})


# -- estimates ---------------------------------------------------------------------------------------------
def ratio(y: np.ndarray, x: np.ndarray, weight: np.ndarray, stratum: np.ndarray, psu: np.ndarray,
          fraction: np.ndarray) -> tuple[float | None, float | None]:
    """(R̂, v(R̂)) of the ratio estimator with the linearised stratified-cluster variance of the module;
    (None, None) where no household has x = 1."""
    y, x, weight = (np.asarray(a, dtype=float) for a in (y, x, weight))
    total_x = float(np.sum(weight * x))
    if total_x <= 0:
        return None, None
    r = float(np.sum(weight * y)) / total_x
    z = weight * (y - r * x) / total_x
    frame = pd.DataFrame({"stratum": np.asarray(stratum, dtype=object), "psu": np.asarray(psu, dtype=object), "z": z,
                          "fraction": np.asarray(fraction, dtype=float)})
    totals = frame.groupby(["stratum", "psu"], sort=False).agg(z=("z", "sum"), fraction=("fraction", "first"))
    variance = 0.0
    for _, part in totals.groupby(level="stratum", sort=False):
        n = len(part)
        f = float(part["fraction"].iloc[0])
        if n == 1:
            variance += (1 - f) * float(part["z"].iloc[0]) ** 2
        else:
            variance += (1 - f) * n / (n - 1) * float(((part["z"] - part["z"].mean()) ** 2).sum())
    return r, variance


def wilson(r: float, variance: float, answering: int, z: float = policy.FIELD_CONFIDENCE_Z) -> tuple[float, float]:
    """Wilson's score interval for the proportion ``r`` on the effective sample size r(1 − r)/variance (the
    households ``answering`` where r is 0 or 1 or the variance 0), as fractions."""
    effective = r * (1 - r) / variance if variance > 0 and 0 < r < 1 else float(answering)
    if effective <= 0:
        return 0.0, 1.0
    q = z * z / effective
    centre = (r + q / 2) / (1 + q)
    half = z * np.sqrt(r * (1 - r) / effective + q / (4 * effective)) / (1 + q)
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def _answer(values: pd.Series) -> pd.Series:
    """Answers as "true" / "false" / "unknown" (None, empty and anything else: unknown)."""
    text = values.map(lambda v: "true" if v is True else "false" if v is False else (str(v).strip().lower()
                                                                                   if v is not None else ""))
    return text.where(text.isin(("true", "false")), "unknown")


def estimate(results: pd.DataFrame, design: pd.DataFrame, z: float = policy.FIELD_CONFIDENCE_Z) -> dict:
    """The rates of the module from visit ``results`` (household_id and the answer columns) and the
    ``design`` of the sample (household_id, stratum, psu, weight, fraction): per rate its estimate,
    standard error, interval (per cent), households answering (``n``), events (answers true), the
    threshold and the verdict. Results of households not in the design are left out (``unmatched``)."""
    merged = design.merge(results, on="household_id", how="inner")
    out = {}
    for name, (column, threshold, side) in RATES.items():
        answers = _answer(merged[column]) if column in merged else pd.Series("unknown", index=merged.index)
        y = (answers == "true").to_numpy(dtype=float)
        x = (answers != "unknown").to_numpy(dtype=float)
        r, v = ratio(y, x, merged["weight"], merged["stratum"], merged["psu"],
                     merged["fraction"] if "fraction" in merged else np.zeros(len(merged)))
        if r is None:
            out[name] = {"estimate": None, "se": None, "low": None, "high": None, "n": 0, "events": 0,
                         "threshold": threshold, "side": side, "verdict": None if side is None else "undecided"}
            continue
        se = float(np.sqrt(max(v, 0.0)))
        low, high = wilson(r, v, int(x.sum()), z)
        out[name] = {"estimate": 100 * r, "se": 100 * se, "low": 100 * low, "high": 100 * high,
                     "n": int(x.sum()), "events": int(y.sum()), "threshold": threshold, "side": side,
                     "verdict": _verdict(100 * low, 100 * high, threshold, side)}
    return {"rates": out, "households": int(len(merged)),
            "unmatched": int(len(set(results["household_id"]) - set(design["household_id"]))),
            "z": z, "formula": FORMULA}


def _verdict(low: float, high: float, threshold: float | None, side: str | None) -> str | None:
    if side is None:
        return None
    if side == "below":
        return "meets" if high < threshold else "fails" if low >= threshold else "undecided"
    return "meets" if low > threshold else "fails" if high <= threshold else "undecided"


FORMULA = {
    "zh": "比率估计 R̂ = Σwᵢyᵢ / Σwᵢxᵢ（wᵢ = 1/入样概率；yᵢ：回答“是”，xᵢ：有明确回答）；方差按泰勒线性化、以村（初级抽样单位）"
          "为群在各层内计算：v(R̂) = Σ_h (1 − f_h)·n_h/(n_h − 1)·Σ_j (z_hj − z̄_h)²，zᵢ = wᵢ(yᵢ − R̂xᵢ)/X̂；"
          f"95% 置信区间为按有效样本量 n* = R̂(1 − R̂)/v(R̂) 计算的 Wilson 区间（z = {policy.FIELD_CONFIDENCE_Z}）。",
    "en": "Ratio estimator R̂ = Σwᵢyᵢ / Σwᵢxᵢ (wᵢ = 1/inclusion probability; yᵢ: answered true, xᵢ: answered true or "
          "false); variance by Taylor linearisation with villages (primary sampling units) as clusters within "
          "strata: v(R̂) = Σ_h (1 − f_h)·n_h/(n_h − 1)·Σ_j (z_hj − z̄_h)², zᵢ = wᵢ(yᵢ − R̂xᵢ)/X̂; 95 % interval: "
          f"Wilson's score interval on the effective sample size n* = R̂(1 − R̂)/v(R̂) (z = {policy.FIELD_CONFIDENCE_Z}).",
}


# -- demo visit results ---------------------------------------------------------------------------------------
DEMO_RATES = {"wrongly_exited": 0.01, "missed_illness": 0.03, "missed_other": 0.008, "dissatisfied": 0.04,
              "unknown": 0.02, "misidentified": 0.03}


def demo_results(frames: dict[str, pd.DataFrame], seed: int, round_seed: int = policy.SAMPLE_SEED) -> pd.DataFrame:
    """Illustrative visit results for the demo (contract columns of ``field_verification``): in each
    county, the two-stage sample of the round ``round_seed`` (:func:`county_sample`); a household in the
    register answers correctly_identified (false at DEMO_RATES misidentified) and, where its risk is
    eliminated, wrongly_exited; one outside answers should_be_monitored (more often true where a member is
    ill); every household satisfied (some unknown). Answers drawn with ``seed``; the rates are DEMO_RATES:
    illustrative, not findings."""
    households, monitoring = frames["households"], frames["monitoring"]
    columns = ["sample_id", "household_id", "visited_on", "correctly_identified", "should_be_monitored",
               "wrongly_exited", "satisfied", "note"]
    if households.empty:
        return pd.DataFrame(columns=columns)
    frame = sample_frame(frames)
    status = (monitoring.sort_values("identified_on").groupby("household_id")["risk_status"].last()
              if len(monitoring) else pd.Series(dtype=object))
    year = int(pd.to_datetime(monitoring["identified_on"]).max().year) if len(monitoring) else 2025
    rows = []
    for county, part in frame.groupby(frame["village_code"].str[:6], sort=True):
        drawn = draw_two_stage(part, sample_seed(round_seed, county))
        rng = np.random.default_rng([int(seed), int(county), 19])
        for row in drawn["chosen"].itertuples(index=False):
            inside = row.household_stratum in REGISTER_STRATA
            u = rng.random(4)
            identified = ("false" if u[0] < DEMO_RATES["misidentified"] else "true") if inside else None
            exited = (("true" if u[1] < DEMO_RATES["wrongly_exited"] else "false")
                      if inside and status.get(row.household_id) == "eliminated" else None)
            missed_rate = DEMO_RATES["missed_illness" if row.household_stratum == "outside_illness" else "missed_other"]
            missed = None if inside else ("true" if u[2] < missed_rate else "false")
            satisfied = ("unknown" if u[3] < DEMO_RATES["unknown"] else "false"
                         if u[3] < DEMO_RATES["unknown"] + DEMO_RATES["dissatisfied"] else "true")
            day = 1 + int(rng.integers(28))
            rows.append((sample_id(round_seed, county), row.household_id, pd.Timestamp(year, 11, day).date(),
                         identified, missed, exited, satisfied, None))
    return pd.DataFrame(rows, columns=columns)


def sample_id(seed: int, county: str) -> str:
    """The sample_id of a county's sample in the round ``seed`` (the results file names it)."""
    return f"FV{seed}-{str(county)[:6]}"
