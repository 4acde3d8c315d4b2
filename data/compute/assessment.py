"""Assessment scores (考核评估): pure pandas/numpy functions from indicator values to scores, ranks, grades,
progress, what-if weights, robustness and the comparison of two frozen runs. No storage, no caller.

Inputs are frames the read service builds from the cube (data/read/assessment.py): ``values`` (county,
period, metric, value) and ``classes`` (county → national_key / provincial_key / other). The rules:

* **A year of a monthly metric** (:func:`to_years`): the year's last month with a value (``last``, for a
  stock such as the share with risk eliminated) or the mean of its months with a value (``mean``, for a
  flow or a seasonal rate); year to date: months after ``through`` are left out.
* **Normalisation** of indicator value x to 0–100, within the county's class in that year (minmax,
  percentile) or against the target T (target), so that a higher normalised score is always better:

  - ``minmax``: 100·(x − min)/(max − min) where higher is better, 100·(max − x)/(max − min) where lower
    is better; min and max over the class's counties with a value; all equal: 100.
  - ``target``: higher better 100·min(1, max(0, x)/T) (T = 0: 100); lower better 100 if x ≤ T, else
    100·T/x (0 if T = 0) — attainment capped at 100 %.
  - ``percentile``: 100·(b + ½·(e − 1))/(n − 1) with b the class's counties with a worse value, e those
    with an equal one (the county included), n those with a value; a class of one: 100.
* **Composite** of county c: Σᵢ wᵢ·sᵢ / Σᵢ wᵢ over the indicators i **present** (a missing value is never
  a zero: its weight is left out and the others are renormalised); **coverage** = Σ present wᵢ (the
  effective weights w sum to 1, see schemes.Scheme.weights). A dimension's score is the same over its
  own indicators, its coverage the share of its weight present.
* **Graded and ranked** only with coverage ≥ policy.ASSESSMENT_MIN_COVERAGE; ranks are 1 = best within
  the class and overall (ties share the best rank; scores compared at 6 decimals); the grade follows the
  scheme's grade rule (percentile within the class, 100·(n − rank)/(n − 1), or the composite score).
* **Progress** = composite this year − composite last year (each normalised within its own year); its
  rank among the counties graded in both years, within the class and overall (1 = most improved).
* **Robustness** (:func:`robustness`): N weight vectors w⁽ᵏ⁾ ~ Dirichlet(κ·w) around the chosen effective
  weights w (κ = policy.ROBUSTNESS_CONCENTRATION, so E w⁽ᵏ⁾ = w and Var wᵢ⁽ᵏ⁾ = wᵢ(1 − wᵢ)/(κ + 1);
  indicators weighted 0 stay 0), drawn from ``numpy.random.default_rng(seed)``; per county the spread of its
  ranks and the share of vectors giving each grade.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data.definitions import metrics, policy
from data.definitions.schemes import GRADES, Scheme, validate

CLASSES = ("national_key", "provincial_key", "other")
DECIMALS = 6  # scores are compared (ranked) at this many decimals


def class_of(national_key: bool, provincial_key: bool) -> str:
    """The assessment class of a county: national key first, then provincial key, else other."""
    return "national_key" if national_key else "provincial_key" if provincial_key else "other"


# -- inputs ----------------------------------------------------------------------------------------------
def to_years(values: pd.DataFrame, scheme: Scheme, through: str | None = None) -> pd.DataFrame:
    """Indicator values per county per year (columns county, year, indicator, metric, rule, value) from the
    cube's ``values`` (county, period "YYYY" or "YYYY-MM", metric, value). A yearly metric gives its year's
    value; a monthly one its year's last month with a value (``last``) or the mean of its months (``mean``).
    ``through`` "YYYY-MM": year to date, months after it are left out (and yearly values of later years)."""
    frame = values[["county", "period", "metric", "value"]].copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame = frame[frame["value"].notna()]
    if through is not None:
        frame = frame[(frame["period"].str.len() == 4) & (frame["period"] <= through[:4])
                      | (frame["period"].str.len() == 7) & (frame["period"] <= through)]
    parts = []
    for indicator in scheme.indicators():
        metric = metrics.get(indicator.metric)
        rows = frame[frame["metric"] == indicator.metric]
        if metric.grain == "year":
            rows = rows[rows["period"].str.len() == 4].assign(year=lambda f: f["period"])
            found = rows[["county", "year", "value"]]
        else:
            rows = rows[rows["period"].str.len() == 7].assign(year=lambda f: f["period"].str[:4])
            grouped = rows.sort_values("period").groupby(["county", "year"])["value"]
            found = (grouped.last() if indicator.period == "last" else grouped.mean()).reset_index()
        parts.append(found.assign(indicator=indicator.code, metric=indicator.metric, rule=rule_of(indicator)))
    columns = ["county", "year", "indicator", "metric", "rule", "value"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns].sort_values(["year", "county", "indicator"],
                                                                    ignore_index=True)


def rule_of(indicator) -> str:
    """How an indicator's yearly value is made from its metric: ``year``, ``last`` or ``mean``."""
    return "year" if metrics.get(indicator.metric).grain == "year" else indicator.period


# -- normalisation -----------------------------------------------------------------------------------------
def normalise(x: np.ndarray, class_index: np.ndarray, normalisation: str, higher_better: bool,
              target: float | None = None) -> np.ndarray:
    """One indicator's values ``x`` (NaN: missing) of the counties, each in its class ``class_index``, to
    0–100 (NaN stays NaN) by the module's formulas."""
    out = np.full(len(x), np.nan)
    present = ~np.isnan(x)
    if normalisation == "target":
        t = float(target)
        v = x[present]
        if higher_better:
            s = np.full(len(v), 100.0) if t <= 0 else 100 * np.clip(v / t, 0, 1)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                s = np.where(v <= t, 100.0, 0.0 if t <= 0 else 100 * t / v)
        out[present] = s
        return out
    for group in np.unique(class_index):
        members = np.flatnonzero((class_index == group) & present)
        if not len(members):
            continue
        v = x[members] if higher_better else -x[members]
        if normalisation == "minmax":
            low, high = v.min(), v.max()
            out[members] = 100.0 if high == low else 100 * (v - low) / (high - low)
        elif normalisation == "percentile":
            n = len(v)
            if n == 1:
                out[members] = 100.0
                continue
            ordered = np.sort(v)
            below = np.searchsorted(ordered, v, side="left")
            equal = np.searchsorted(ordered, v, side="right") - below
            out[members] = 100 * (below + 0.5 * (equal - 1)) / (n - 1)
        else:
            raise ValueError(f"unknown normalisation {normalisation!r}")
    return out


# -- one year, prepared once: the normalised matrix ----------------------------------------------------------
@dataclass
class Prepared:
    """A year's normalised indicator scores, ready for any weights: ``scores`` (counties × indicators, NaN
    missing), the raw ``values`` alike, the previous year's scores (``previous``, or None) for progress."""
    scheme: Scheme
    year: str
    counties: list[str]
    classes: np.ndarray  # class code of each county
    indicators: list[str]
    dimension: np.ndarray  # dimension code of each indicator
    values: np.ndarray
    scores: np.ndarray
    previous_year: str | None = None
    previous: np.ndarray | None = None
    previous_values: np.ndarray | None = field(default=None, repr=False)


def _matrix(yearly: pd.DataFrame, scheme: Scheme, counties: list[str], year: str) -> np.ndarray:
    codes = [i.code for i in scheme.indicators()]
    rows = yearly[yearly["year"] == year]
    table = rows.pivot_table(index="county", columns="indicator", values="value", aggfunc="first")
    return table.reindex(index=counties, columns=codes).to_numpy(dtype=float)


def _normalised(values: np.ndarray, scheme: Scheme, classes: np.ndarray) -> np.ndarray:
    out = np.empty_like(values)
    for k, indicator in enumerate(scheme.indicators()):
        out[:, k] = normalise(values[:, k], classes, indicator.normalisation,
                              indicator.direction == "higher_better", indicator.target)
    return out


def prepare(yearly: pd.DataFrame, scheme: Scheme, classes: pd.Series, year: str) -> Prepared:
    """Normalise ``year`` (and the year before, if present, for progress) once for :func:`rescore` and
    :func:`robustness`. Every county of ``classes`` is assessed, with or without values."""
    counties = sorted(classes.index)
    class_codes = classes.reindex(counties).to_numpy(dtype=object)
    values = _matrix(yearly, scheme, counties, year)
    previous_year = str(int(year) - 1)
    has_previous = (yearly["year"] == previous_year).any()
    previous_values = _matrix(yearly, scheme, counties, previous_year) if has_previous else None
    return Prepared(scheme, year, counties, class_codes, [i.code for i in scheme.indicators()],
                    np.array([scheme.dimension_of()[i.code] for i in scheme.indicators()], dtype=object),
                    values, _normalised(values, scheme, class_codes),
                    previous_year if has_previous else None,
                    _normalised(previous_values, scheme, class_codes) if has_previous else None, previous_values)


def _weights(prepared: Prepared, weights: dict | None) -> np.ndarray:
    weights = weights or {}
    effective = prepared.scheme.weights(weights.get("dimensions"), weights.get("indicators"))
    return np.array([effective[code] for code in prepared.indicators])


def _composite(scores: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(composite, coverage) of each row of ``scores`` under weight columns ``w`` (K,) or (K, N)."""
    present = ~np.isnan(scores)
    coverage = present.astype(float) @ w
    total = np.nan_to_num(scores) @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        composite = np.where(coverage > 0, total / coverage, np.nan)
    return composite, coverage


def _min_rank(values: np.ndarray, groups: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rank, size): 1 + the valid members of the row's group with a strictly higher value (NaN where not
    valid), and how many valid members the group has. ``values`` (n,) or (n, N) with ``valid`` alike: each
    column ranked on its own (sorted once: ties share the best rank)."""
    values = np.round(values, DECIMALS)
    single = values.ndim == 1
    if single:
        values, valid = values[:, None], valid[:, None]
    rank = np.full(values.shape, np.nan)
    size = np.zeros(values.shape)
    for group in np.unique(groups):
        members = np.flatnonzero(groups == group)
        v = np.ascontiguousarray(np.where(valid[members], -values[members], np.inf).T)  # vectors × members
        order = np.argsort(v, axis=1, kind="stable")
        ordered = np.take_along_axis(v, order, axis=1)
        positions = np.arange(len(members))[None, :]
        starts = np.where(np.hstack([np.ones((v.shape[0], 1), bool), ordered[:, 1:] != ordered[:, :-1]]), positions, 0)
        first = np.maximum.accumulate(starts, axis=1)  # where each run of equal values starts
        found = np.empty_like(v)
        np.put_along_axis(found, order, first + 1.0, axis=1)
        rank[members] = np.where(valid[members], found.T, np.nan)
        size[members] = valid[members].sum(axis=0)
    return (rank[:, 0], size[:, 0]) if single else (rank, size)


def _grades(scheme: Scheme, composite: np.ndarray, rank: np.ndarray, size: np.ndarray,
            graded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(percentile within the class, grade index into GRADES or -1 where not graded)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        percentile = np.where(size > 1, 100 * (size - rank) / (size - 1), 100.0)
    percentile = np.where(graded, percentile, np.nan)
    basis = percentile if scheme.grade_rule.kind == "class_percentile" else composite
    grade = np.full(basis.shape, -1)
    for index, cut in reversed(list(enumerate(scheme.grade_rule.cuts))):
        grade = np.where(graded & (np.round(basis, DECIMALS) >= cut.min), index, grade)
    return percentile, grade


def rescore(prepared: Prepared, weights: dict | None = None) -> pd.DataFrame:
    """The county rows of the prepared year under ``weights`` ({"dimensions": {code: w}, "indicators":
    {code: w}} overriding the scheme's; nothing is saved): see :class:`Scores` ``counties``."""
    w = _weights(prepared, weights)
    composite, coverage = _composite(prepared.scores, w)
    coverage = np.round(coverage, 9)
    graded = coverage >= policy.ASSESSMENT_MIN_COVERAGE - 1e-12
    everyone = np.zeros(len(prepared.counties), dtype=object)
    rank_class, size = _min_rank(composite, prepared.classes, graded)
    rank_overall, _ = _min_rank(composite, everyone, graded)
    percentile, grade = _grades(prepared.scheme, composite, rank_class, size, graded)
    frame = pd.DataFrame({"county": prepared.counties, "year": prepared.year, "class": prepared.classes,
                          "composite": composite, "coverage": coverage, "graded": graded,
                          "rank_class": rank_class, "rank_overall": rank_overall, "class_size": size,
                          "percentile": percentile,
                          "grade": [GRADES[g] if g >= 0 else None for g in grade]})
    if prepared.previous is not None:
        before, before_coverage = _composite(prepared.previous, w)
        both = graded & (before_coverage >= policy.ASSESSMENT_MIN_COVERAGE - 1e-12)
        progress = np.where(both, composite - before, np.nan)
        frame["previous"] = np.where(before_coverage > 0, before, np.nan)
        frame["progress"] = progress
        frame["progress_rank_class"] = _min_rank(progress, prepared.classes, both)[0]
        frame["progress_rank_overall"] = _min_rank(progress, everyone, both)[0]
    else:
        for column in ("previous", "progress", "progress_rank_class", "progress_rank_overall"):
            frame[column] = np.nan
    for column in ("rank_class", "rank_overall", "class_size", "progress_rank_class", "progress_rank_overall"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _detail(prepared: Prepared, weights: dict | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(dimensions, indicators) frames of the prepared year."""
    w = _weights(prepared, weights)
    scheme = prepared.scheme
    present = ~np.isnan(prepared.scores)
    dims = []
    for d in scheme.dimensions:
        columns = prepared.dimension == d.code
        share = w[columns].sum()
        inner = w[columns] / share if share > 0 else w[columns]
        score, coverage = _composite(prepared.scores[:, columns], inner)
        graded = coverage >= policy.ASSESSMENT_MIN_COVERAGE - 1e-12
        rank, _ = _min_rank(score, prepared.classes, graded & ~np.isnan(score))
        dims.append(pd.DataFrame({"county": prepared.counties, "year": prepared.year, "dimension": d.code,
                                  "score": score, "coverage": coverage, "rank_class": rank}))
    dimensions = pd.concat(dims, ignore_index=True)
    dimensions["rank_class"] = dimensions["rank_class"].astype("Int64")
    n, k = prepared.scores.shape
    coverage = present.astype(float) @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        contribution = np.where(present, np.nan_to_num(prepared.scores) * w / coverage[:, None], np.nan)
    metric_of = {i.code: i.metric for i in scheme.indicators()}
    indicators = pd.DataFrame({
        "county": np.repeat(prepared.counties, k), "year": prepared.year,
        "dimension": np.tile(prepared.dimension, n), "indicator": np.tile(prepared.indicators, n),
        "metric": [metric_of[c] for c in np.tile(prepared.indicators, n)],
        "value": prepared.values.ravel(), "normalised": prepared.scores.ravel(),
        "weight": np.tile(w, n), "present": present.ravel(), "contribution": contribution.ravel()})
    return dimensions, indicators


# -- every year ---------------------------------------------------------------------------------------------
@dataclass
class Scores:
    """What :func:`score` computes.

    ``counties``: one row per county and year — county, year, class, composite (0–100, NaN without any
    indicator), coverage (0–1), graded, rank_class, rank_overall, class_size (graded counties of the
    class), percentile, grade (code of schemes.GRADES or None), previous, progress, progress_rank_class,
    progress_rank_overall. ``dimensions``: county, year, dimension, score, coverage, rank_class.
    ``indicators``: county, year, dimension, indicator, metric, value, normalised, weight, present,
    contribution (points of the composite)."""
    scheme: Scheme
    counties: pd.DataFrame
    dimensions: pd.DataFrame
    indicators: pd.DataFrame

    def records(self, year: str | None = None) -> list[dict]:
        """County rows (of ``year``, or all) as JSON-ready dicts, each with its ``dimensions``
        {code: {score, coverage, rank_class}}; NaN → None."""
        counties = self.counties if year is None else self.counties[self.counties["year"] == year]
        dims = self.dimensions if year is None else self.dimensions[self.dimensions["year"] == year]
        by_county: dict[tuple, dict] = {}
        for row in _plain(dims):
            by_county.setdefault((row["county"], row["year"]), {})[row["dimension"]] = {
                "score": row["score"], "coverage": row["coverage"], "rank_class": row["rank_class"]}
        return [{**row, "dimensions": by_county.get((row["county"], row["year"]), {})} for row in _plain(counties)]

    def rule(self) -> dict:
        return stated_rules(self.scheme)


def _plain(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain Python values (NaN/NA → None, numpy numbers → int/float)."""
    out = []
    for row in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        out.append({k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()})
    return out


def score(yearly: pd.DataFrame, scheme: Scheme, classes: pd.Series, weights: dict | None = None,
          year: str | None = None) -> Scores:
    """Scores of every county of ``classes`` for ``year`` (every year of ``yearly`` if None) from
    :func:`to_years` output, under the scheme's weights or ``weights`` (a what-if, nothing saved)."""
    years = [year] if year is not None else sorted(yearly["year"].unique())
    parts = []
    for one in years:
        prepared = prepare(yearly, scheme, classes, one)
        parts.append((rescore(prepared, weights), *_detail(prepared, weights)))
    if not parts:
        empty = pd.DataFrame()
        return Scores(scheme, empty, empty, empty)
    return Scores(scheme, *(pd.concat([p[i] for p in parts], ignore_index=True) for i in range(3)))


def stated_rules(scheme: Scheme) -> dict:
    """The rules a published score rests on, in words (both languages)."""
    cover = round(policy.ASSESSMENT_MIN_COVERAGE * 100)
    return {
        "reweighting": {"zh": "缺项不计为零：权重在现有指标上重新归一；覆盖率为现有指标的权重之和。",
                        "en": "A missing indicator is not counted as zero: weights are renormalised over the "
                              "indicators present; coverage is the weight present."},
        "coverage": {"zh": f"覆盖率低于 {cover}% 的县不评级、不排名。", "en": f"A county with coverage below "
                     f"{cover} % is neither graded nor ranked.", "minimum": policy.ASSESSMENT_MIN_COVERAGE},
        "grade": {"zh": scheme.grade_rule.statement_zh, "en": scheme.grade_rule.statement_en,
                  "kind": scheme.grade_rule.kind,
                  "cuts": [{"grade": c.grade, "min": c.min} for c in scheme.grade_rule.cuts]},
        "progress": {"zh": "进步 = 本年综合得分 − 上年综合得分（各年在同类县内分别标准化），按进步幅度排名。",
                     "en": "Progress = this year's composite − last year's (each year normalised within the "
                           "class), ranked by the change."},
    }


# -- robustness ----------------------------------------------------------------------------------------------
def draw_weights(w: np.ndarray, samples: int, seed: int, concentration: float) -> np.ndarray:
    """``samples`` × K weight vectors ~ Dirichlet(concentration·w) over the positive weights (zeros stay
    zero), from ``numpy.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    positive = w > 0
    draws = np.zeros((samples, len(w)))
    gamma = rng.standard_gamma(concentration * w[positive], size=(samples, int(positive.sum())))
    draws[:, positive] = gamma / gamma.sum(axis=1, keepdims=True)
    return draws


def robustness(prepared: Prepared, samples: int = policy.ROBUSTNESS_SAMPLES, seed: int = policy.ROBUSTNESS_SEED,
               concentration: float = policy.ROBUSTNESS_CONCENTRATION, weights: dict | None = None) -> dict:
    """How far each county's rank and grade hinge on the weights: ``samples`` weight vectors drawn around
    the chosen ones (see the module), the county scored under each. Per county: the spread of its rank
    within the class and overall (min, 5th percentile, median, 95th, max over the vectors under which it is
    ranked), the share of vectors giving each grade (and ``ungraded``), its grade at the chosen weights and
    whether that grade is ``solid`` (given by ≥ policy.ROBUSTNESS_SOLID of the vectors)."""
    w = _weights(prepared, weights)
    drawn = draw_weights(w, samples, seed, concentration)  # N × K
    composite, coverage = _composite(prepared.scores, drawn.T)  # n × N
    graded = coverage >= policy.ASSESSMENT_MIN_COVERAGE - 1e-12
    everyone = np.zeros(len(prepared.counties), dtype=object)
    rank_class, size = _min_rank(composite, prepared.classes, graded)
    rank_overall, _ = _min_rank(composite, everyone, graded)
    _, grade = _grades(prepared.scheme, composite, rank_class, size, graded)
    chosen = rescore(prepared, weights)
    shares = np.stack([(grade == k).mean(axis=1) for k in range(len(GRADES))] + [(grade < 0).mean(axis=1)], axis=1)
    spreads = [_spreads(rank_class), _spreads(rank_overall), _spreads(np.where(graded, composite, np.nan), 2)]
    rows = []
    for i, county in enumerate(prepared.counties):
        probability = dict(zip((*GRADES, "ungraded"), (float(v) for v in shares[i])))
        at = chosen["grade"].iloc[i]
        rows.append({"county": county, "class": prepared.classes[i], "rank_class": spreads[0][i],
                     "rank_overall": spreads[1][i], "composite": spreads[2][i],
                     "grade_probability": probability, "grade": at,
                     "solid": bool(probability.get(at or "ungraded", 0) >= policy.ROBUSTNESS_SOLID)})
    return {"year": prepared.year, "samples": samples, "seed": seed, "concentration": concentration,
            "weights": dict(zip(prepared.indicators, w.tolist())), "rows": rows}


def _spreads(values: np.ndarray, decimals: int | None = None) -> list[dict | None]:
    """Per row of ``values`` (n × N, NaN: not ranked under that vector): min, 5th percentile, median, 95th,
    max over the vectors, or None where the row has no value."""
    counts = (~np.isnan(values)).sum(axis=1)
    present = counts > 0
    out: list[dict | None] = [None] * len(values)
    if present.any():
        ordered = np.sort(values[present], axis=1)  # NaN last
        k = counts[present][:, None]
        position = np.array([0, 0.05, 0.5, 0.95, 1])[None, :] * (k - 1)  # numpy's default (linear) percentile
        low = np.floor(position).astype(int)
        high = np.minimum(low + 1, k - 1)
        below, above = np.take_along_axis(ordered, low, axis=1), np.take_along_axis(ordered, high, axis=1)
        q = below + (above - below) * (position - low)
        q = np.round(q, decimals) if decimals is not None else q
        for i, row in zip(np.flatnonzero(present), q):
            out[i] = dict(zip(("min", "p5", "median", "p95", "max"), (float(v) for v in row)))
    return out


# -- frozen runs ------------------------------------------------------------------------------------------------
def run_content(scores: Scores, yearly: pd.DataFrame, classes: pd.Series, year: str,
                through: str | None = None) -> dict:
    """What a frozen run stores of ``scores`` for ``year`` (data/store/assessment.save_run): the county,
    dimension and indicator rows, the inputs of the year and the year before (enough to score it again
    under another scheme, see :func:`compare_runs`), the classes and the stated rules; plain JSON values."""
    previous = str(int(year) - 1)
    of_year = {name: frame[frame["year"] == year] for name, frame in
               (("counties", scores.counties), ("dimensions", scores.dimensions), ("indicators", scores.indicators))}
    inputs = yearly[yearly["year"].isin((year, previous))][["county", "year", "indicator", "metric", "rule", "value"]]
    return {"year": year, "through": through, **{name: _plain(frame) for name, frame in of_year.items()},
            "inputs": _plain(inputs), "classes": {str(k): str(v) for k, v in classes.sort_index().items()},
            "rules": stated_rules(scores.scheme)}


# -- comparing two frozen runs ----------------------------------------------------------------------------------
def run_inputs(run: dict) -> pd.DataFrame:
    """A stored run's inputs (county, year, indicator, metric, rule, value) as a frame."""
    return pd.DataFrame(run["inputs"], columns=["county", "year", "indicator", "metric", "rule", "value"])


def _inputs_for(scheme: Scheme, inputs: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``inputs`` keyed for ``scheme``'s indicators by (metric, rule); the indicators not found."""
    wanted = pd.DataFrame([{"indicator": i.code, "metric": i.metric, "rule": rule_of(i)} for i in scheme.indicators()])
    keyed = inputs.drop(columns=["indicator"]).drop_duplicates(["county", "year", "metric", "rule"])
    merged = wanted.merge(keyed, on=["metric", "rule"], how="left")
    missing = sorted(set(merged.loc[merged["county"].isna(), "indicator"]))
    return merged.dropna(subset=["county"]), missing


def compare_runs(run_a: dict, run_b: dict) -> dict:
    """What moved between two frozen runs (as data.store.assessment.get_run returns them) and why: the
    composite change of each county split into a **data** effect (A's scheme on B's inputs, minus A) and a
    **weights** effect (B minus A's scheme on B's inputs), by re-scoring; ``inputs_changed`` names the
    indicators whose value differs. Where B's inputs lack an indicator of A's scheme (another metric or
    rule) the split is not possible: ``decomposed`` False and the effects None."""
    scheme_a, scheme_b = validate(run_a["scheme"]), validate(run_b["scheme"])
    year = run_b["year"]
    classes_b = pd.Series(run_b["classes"])
    inputs_a, inputs_b = run_inputs(run_a), run_inputs(run_b)
    hybrid_inputs, missing = _inputs_for(scheme_a, inputs_b)
    decomposed = not missing
    hybrid = rescore(prepare(hybrid_inputs, scheme_a, classes_b, year)).set_index("county") if decomposed else None
    a = pd.DataFrame(run_a["counties"]).set_index("county")
    b = pd.DataFrame(run_b["counties"]).set_index("county")
    merged_inputs = inputs_a.merge(inputs_b, on=["county", "year", "metric", "rule"], how="outer",
                                   suffixes=("_a", "_b"))
    changed = merged_inputs[~np.isclose(merged_inputs["value_a"].astype(float), merged_inputs["value_b"].astype(float),
                                        equal_nan=True)]
    changed_by_county = changed.groupby("county")["metric"].apply(lambda s: sorted(set(s))).to_dict()
    rows = []
    for county in sorted(set(a.index) | set(b.index)):
        sa_ = _get(a, county, "composite")
        sb = _get(b, county, "composite")
        sc = _get(hybrid, county, "composite") if decomposed else None
        change = None if sa_ is None or sb is None else sb - sa_
        data = None if sc is None or sa_ is None else sc - sa_
        weights = None if sc is None or sb is None else sb - sc
        rows.append({"county": county, "score_a": sa_, "score_b": sb, "change": change,
                     "data_effect": data, "weights_effect": weights,
                     "rank_a": _get(a, county, "rank_class"), "rank_b": _get(b, county, "rank_class"),
                     "grade_a": _get(a, county, "grade"), "grade_b": _get(b, county, "grade"),
                     "inputs_changed": changed_by_county.get(county, []),
                     "reason": _reason(change, data, weights)})
    return {"run_a": run_a["id"], "run_b": run_b["id"], "year_a": run_a["year"], "year_b": year,
            "scheme_changed": scheme_a.to_dict() != scheme_b.to_dict(),
            "data_changed": run_a["versions"] != run_b["versions"] or not changed.empty,
            "decomposed": decomposed, "missing_indicators": missing, "rows": rows}


def _get(frame: pd.DataFrame | None, county: str, column: str):
    if frame is None or county not in frame.index:
        return None
    value = frame.at[county, column]
    if value is None or (isinstance(value, (float, np.floating)) and np.isnan(value)):
        return None
    value = value.item() if isinstance(value, np.generic) else value
    return int(value) if column.startswith("rank") else value


def _reason(change, data, weights, tolerance: float = 1e-6) -> str:
    if change is None:
        return "unknown"
    if data is None:
        return "none" if abs(change) <= tolerance else "unknown"
    moved = [name for name, effect in (("data", data), ("weights", weights)) if abs(effect) > tolerance]
    return "both" if len(moved) == 2 else moved[0] if moved else "none"
