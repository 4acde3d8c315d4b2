"""The assessment workbench's read service (考核评估, issue 19): every answer of ``/assessment`` and
``/api/v1/assessment/``, for a named caller.

It wires the metric cube into the pure scoring of data/compute/assessment.py: each indicator's metric per
county per period of the year asked and the year before (for the progress rank), read once per period
(:func:`inputs`), of the counties whose figures the caller may read (``access.figures``: an evaluator the
whole country, a county leader the counties of her province), each in its class (national key, provincial
key, other). On that it answers the scores (composite, dimensions, grade, rank, progress rank, coverage;
weights overridden for a what-if, nothing saved), the robustness of the ranks and grades under seeded
weight draws, a county's evidence down to the records behind an indicator (the monitoring board's overdue
cases, the exit checks, idle and failed projects, the funds by use, the village teams — through the
existing read services, so the household rows follow the caller's rule: an evaluator sees the fixed sample
only), the field-verification sample design and the estimates from imported visit results, and the frozen
runs (data/store/assessment.py). Answers are plain data keyed by codes; labels are attached when drawing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from data.compute import assessment as scoring
from data.compute import verification
from data.definitions import metrics, policy, schemes
from data.definitions.access import Access, check
from data.read import cube, monitoring, profile
from data.store import assessment as store
from data.store import audit, membership, records
from data.store.schema import data_tables, regions
from data.store.storage import NotFound, Storage

DEFAULT_SCHEME = "default"
CLASSES = scoring.CLASSES
ALL_CLASSES = "all"
WEIGHTS_PATTERN = r"^[a-z][a-z0-9_-]{0,63}:[0-9]{1,4}(\.[0-9]{1,4})?(,[a-z][a-z0-9_-]{0,63}:[0-9]{1,4}(\.[0-9]{1,4})?){0,39}$"
SAMPLES_MAX = 5000
RECORDS_SHOWN = 200  # rows of a record list in an evidence answer
# The records behind an indicator, by its metric: which list of which read service shows them.
RECORDS_OF = {
    "median_days_to_assistance": "overdue_cases", "p90_days_to_assistance": "overdue_cases",
    "newly_identified_households": "overdue_cases", "screening_share": "overdue_cases",
    "first_assisted_households": "overdue_cases",
    "risk_eliminated_share": "exit_checks", "risk_eliminated_households": "exit_checks",
    "risk_not_eliminated_households": "exit_checks",
    "idle_failed_share": "idle_projects", "projects_idle": "idle_projects", "projects_failed": "idle_projects",
    "project_jobs": "projects", "project_households_linked": "projects", "project_output": "projects",
    "funds_spend_rate": "funds", "funds_industry_share": "funds", "funds_spent": "funds",
    "team_days_average": "teams", "village_teams": "teams", "team_members": "teams",
}
RECORD_KINDS = ("overdue_cases", "exit_checks", "idle_projects", "projects", "funds", "teams")


class BadRequest(cube.BadParameter):
    """A parameter of the workbench out of range or naming nothing of the scheme (400)."""


# -- schemes ---------------------------------------------------------------------------------------------
def scheme_list(storage: Storage, access: Access) -> list[dict]:
    """The latest version of each scheme (shipped and saved), with its dimensions and indicators."""
    found = []
    for row in store.list_schemes(storage.engine, check(access)):
        scheme = scheme_of(storage, access, row["id"], row.get("version"))
        found.append({**scheme_summary(scheme), "versions": [
            {k: v.get(k) for k in ("version", "saved_by", "saved_at")}
            for v in store.scheme_versions(storage.engine, access, scheme.id)],
            "dimensions": dimensions_of(scheme), "indicators": indicators_of(scheme),
            "grades": grades_of(), "grade_rule": scheme.grade_rule.model_dump(mode="json")})
    return found


def scheme_of(storage: Storage, access: Access, scheme_id: str | None, version: int | None = None):
    try:
        return store.get_scheme(storage.engine, check(access), scheme_id or DEFAULT_SCHEME, version)
    except schemes.SchemeNotFound as error:
        raise NotFound(f"没有这个考核方案 / no such scheme or version: {scheme_id} {version or ''}".strip()) from error


def scheme_summary(scheme) -> dict:
    return {"id": scheme.id, "version": scheme.version, "zh": scheme.title_zh, "en": scheme.title_en,
            "description_zh": scheme.description_zh, "description_en": scheme.description_en}


def dimensions_of(scheme, weights: dict | None = None) -> list[dict]:
    """The scheme's dimensions with their declared and effective weights (shares of one)."""
    effective = scheme.weights(**_split(weights))
    inside = scheme.dimension_of()
    return [{"code": d.code, "zh": d.zh, "en": d.en, "weight": d.weight,
             "share": round(sum(w for code, w in effective.items() if inside[code] == d.code), 6)}
            for d in scheme.dimensions]


def indicators_of(scheme, weights: dict | None = None) -> list[dict]:
    """Each indicator with its metric's names, unit and definition, its weights and normalisation."""
    effective = scheme.weights(**_split(weights))
    inside = scheme.dimension_of()
    rows = []
    for indicator in scheme.indicators():
        metric = metrics.get(indicator.metric)
        rows.append({"code": indicator.code, "dimension": inside[indicator.code], "metric": metric.code,
                     "zh": metric.zh, "en": metric.en, "unit": metric.unit, "unit_en": metric.unit_en,
                     "grain": metric.grain, "definition_zh": metric.definition_zh,
                     "definition_en": metric.definition_en, "description_zh": indicator.description_zh,
                     "description_en": indicator.description_en, "direction": indicator.direction,
                     "normalisation": indicator.normalisation, "target": indicator.target,
                     "period": indicator.period, "weight": indicator.weight,
                     "share": round(effective[indicator.code], 6)})
    return rows


def grades_of() -> list[dict]:
    return [{"code": g, "zh": schemes.GRADE_ZH[g], "en": schemes.GRADE_EN[g]} for g in schemes.GRADES]


def _split(weights: dict | None) -> dict:
    weights = weights or {}
    return {"dimensions": weights.get("dimensions") or None, "indicators": weights.get("indicators") or None}


def parse_weights(scheme, dimension_text: str | None = None, indicator_text: str | None = None) -> dict | None:
    """A what-if override from ``code:weight,…`` texts (dimensions, indicators); None when neither is given.
    Unknown codes, a weight given twice, or all dimension weights zero: :class:`BadRequest`."""
    if not dimension_text and not indicator_text:
        return None
    known = {"dimensions": {d.code for d in scheme.dimensions}, "indicators": {i.code for i in scheme.indicators()}}
    out: dict[str, dict[str, float]] = {"dimensions": {}, "indicators": {}}
    for kind, text in (("dimensions", dimension_text), ("indicators", indicator_text)):
        if not text:
            continue
        if not re.fullmatch(WEIGHTS_PATTERN, text):
            raise BadRequest(f"权重格式为 代码:权重,… / {kind} weights are written code:weight,code:weight")
        for part in text.split(","):
            code, value = part.split(":")
            if code not in known[kind]:
                raise BadRequest(f"方案中没有这个{'维度' if kind == 'dimensions' else '指标'} / no {kind[:-1]} "
                                 f"{code!r} in scheme {scheme.id}; one of {', '.join(sorted(known[kind]))}")
            if code in out[kind]:
                raise BadRequest(f"{code} 的权重重复 / the weight of {code} is given twice")
            out[kind][code] = float(value)
    check_weights(scheme, out)
    return out


def check_weights(scheme, weights: dict | None) -> dict | None:
    """The override if the scheme can take it (the dimensions' weights not all zero), else BadRequest."""
    if weights:
        try:
            scheme.weights(**_split(weights))
        except schemes.SchemeInvalid as error:
            raise BadRequest(str(error)) from None
    return weights


# -- inputs from the cube --------------------------------------------------------------------------------
@dataclass
class Inputs:
    """What a scoring reads: the scheme, the year, the counties (code, name, class) and the yearly
    indicator values of the year and the year before."""

    scheme: object
    year: str
    partial: bool  # the year is under way: year to date, through ``through``
    through: str | None
    years: list[str]
    counties: pd.DataFrame  # index code: name, class
    values: pd.DataFrame  # county, period, metric, value (the cube's, as read)
    yearly: pd.DataFrame  # scoring.to_years
    data_version: str
    versions: dict
    key: tuple = ()  # data, cube and records versions, scheme id and version, year, counties: the cache's key

    @property
    def classes(self) -> pd.Series:
        return self.counties["class"]


_cache: dict[tuple, Inputs] = {}
_scored: dict[tuple, object] = {}  # (inputs key, weights) -> scoring.Scores of the year
_prepared: dict[tuple, object] = {}  # inputs key -> scoring.prepare(...) (the sliders' and robustness' base)
_robust: dict[tuple, dict] = {}  # (inputs key, weights, samples, seed) -> scoring.robustness(...)


def _weights_key(weights: dict | None) -> tuple:
    weights = weights or {}
    return tuple((kind, tuple(sorted((weights.get(kind) or {}).items()))) for kind in ("dimensions", "indicators"))


def _remember(cache: dict, key: tuple, make):
    """``cache[key]``, made once (a page's render, its callbacks and the API share it); at most 32 kept."""
    if key not in cache:
        if len(cache) > 32:
            cache.clear()
        cache[key] = make()
    return cache[key]


def scored(found: Inputs, weights: dict | None = None):
    """The scoring of ``found``'s year at ``weights`` (data/compute/assessment.score), computed once per data
    version, scheme version, year, counties and weights."""
    return _remember(_scored, (found.key, _weights_key(weights)),
                     lambda: scoring.score(found.yearly, found.scheme, found.classes, weights=weights, year=found.year))


def prepared(found: Inputs):
    """The normalised indicators of ``found``'s year for re-weighting (data/compute/assessment.prepare), once."""
    return _remember(_prepared, found.key, lambda: scoring.prepare(found.yearly, found.scheme, found.classes,
                                                                  found.year))


def assessment_years(info: cube.CubeInfo) -> tuple[list[str], str | None, str | None]:
    """The years one can assess (those with yearly figures), the default (the last complete year, else the
    last) and the last month with data (a year that has not reached December is scored year to date)."""
    years = list(info.periods.get("year", []))
    months = info.periods.get("month", [])
    last_month = months[-1] if months else None
    complete = [y for y in years if last_month is None or y < last_month[:4] or last_month.endswith("-12")]
    default = complete[-1] if complete else (years[-1] if years else None)
    return years, default, last_month


def inputs(storage: Storage, access: Access, scheme, year: str | int | None = None,
           region: str | None = None) -> Inputs:
    """The scoring's inputs for the counties under ``region`` (a province or prefecture; None: all) whose
    figures the caller may read and that hold figures in the year; read once per period and cached per
    data version, scheme version, year and set of counties."""
    info = cube.info(storage)
    years, default, last_month = assessment_years(info)
    year = str(year) if year is not None else default
    if year is None or year not in years:
        raise NotFound(f"没有 {year} 年的数据 / no figures for year {year}; years: {', '.join(years) or 'none'}")
    if region is not None:
        place = storage.region(check(access), region, figures_only=True)
        if place["level"] not in ("province", "city"):
            raise BadRequest("region 须为省或市 / region must be a province or a prefecture")
        region = place["code"]
    units = storage.figure_units(check(access), "county", region)
    codes = [code for code, _, _ in units]
    facts = storage.facts()
    key = (facts.get("data_version"), facts.get("cube_version"), facts.get("records_version"), scheme.id,
           scheme.version, year, tuple(codes))
    if key in _cache:
        return _cache[key]
    previous = str(int(year) - 1)
    periods = [p for p in info.periods["year"] if p in (previous, year)]
    periods += [p for p in info.periods["month"] if p[:4] in (previous, year)]
    wanted = [metrics.get(code) for code in scheme.metrics()]
    readers = {m.code: cube._reader(info, m) for m in wanted}
    cube._check_codes(access, codes)
    rows = []
    for period in periods:
        grain = "year" if len(period) == 4 else "month"
        found = cube._figures(storage, codes, period, {"county"}) if codes else {}
        for code, figures in found.items():
            for metric in wanted:
                if metric.grain == grain:
                    value = readers[metric.code](figures)["value"]
                    rows.append((code, period, metric.code, float("nan") if value is None else float(value)))
    values = pd.DataFrame(rows, columns=["county", "period", "metric", "value"])
    with_data = set(values.loc[values["period"].str[:4] == year, "county"]) if len(values) else set()
    national = membership.compared_counties(storage, access, "national_key") or frozenset()
    provincial = membership.compared_counties(storage, access, "provincial_key") or frozenset()
    counties = pd.DataFrame(
        [{"code": code, "name": name, "class": scoring.class_of(code in national, code in provincial)}
         for code, name, _ in units if code in with_data], columns=["code", "name", "class"]).set_index("code")
    values = values[values["county"].isin(counties.index)].reset_index(drop=True)
    partial = bool(last_month) and year == last_month[:4] and not last_month.endswith("-12")
    through = last_month if partial else None
    yearly = scoring.to_years(values, scheme, through=through)
    versions = {"data_version": facts.get("data_version"), "records_version": facts.get("records_version"),
                "cube_version": facts.get("cube_version")}
    found = Inputs(scheme, year, partial, through, years, counties, values, yearly, facts.get("data_version", ""),
                   versions, key)
    if len(_cache) > 16:
        _cache.clear()
    _cache[key] = found
    return found


def region_choices(storage: Storage, access: Access, scheme_id: str | None = None, version: int | None = None,
                   year=None) -> list[dict]:
    """The provinces and prefectures one may choose to assess within (those holding counties with figures in
    the year whose figures the caller may read): code, name, level and the province's name."""
    counties = list(inputs(storage, access, scheme_of(storage, access, scheme_id, version), year).counties.index)
    provinces = {code[:2] for code in counties}
    cities = {code[:4] for code in counties}
    found, names = [], {}
    for level, keep in (("province", provinces), ("city", cities)):
        for code, name, _ in storage.figure_units(access, level):
            if code[: 2 if level == "province" else 4] in keep and code.endswith("0" * (10 if level == "province" else 8)):
                names[code] = name
                found.append({"code": code, "name": name, "level": level})
    for place in found:
        place["province"] = names.get(place["code"][:2] + "0" * 10, "")
    return sorted(found, key=lambda p: p["code"])


def _class_filter(klass: str | None) -> str | None:
    if klass in (None, ALL_CLASSES):
        return None
    if klass not in CLASSES:
        raise BadRequest(f"class 须为 {', '.join(CLASSES)} 之一 / class must be one of {', '.join(CLASSES)}")
    return klass


def _number(value):
    if value is None or value is pd.NA:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if value != value else value


def _rounded(value, decimals: int = 4):
    value = _number(value)
    return None if value is None else round(value, decimals)


def _integer(value):
    value = _number(value)
    return None if value is None else int(value)


# -- scores ----------------------------------------------------------------------------------------------
def _county_rows(found: Inputs, frame: pd.DataFrame, dimensions: pd.DataFrame | None, klass: str | None) -> list[dict]:
    """The county rows of a scoring, with the rank of the class (or overall when all classes are shown)."""
    frame = frame[frame["year"].astype(str) == found.year] if "year" in frame else frame
    dims = {}
    if dimensions is not None and len(dimensions):
        here = dimensions[dimensions["year"].astype(str) == found.year]
        for row in here.itertuples(index=False):
            dims.setdefault(row.county, {})[row.dimension] = {"score": _number(row.score),
                                                              "coverage": _number(row.coverage)}
    rows = []
    for row in frame.to_dict("records"):
        code = row["county"]
        if klass and row["class"] != klass:
            continue
        by_class = klass is not None
        rows.append({
            "code": code, "name": found.counties.at[code, "name"] if code in found.counties.index else code,
            "class": row["class"], "composite": _rounded(row.get("composite")),
            "coverage": _number(row.get("coverage")), "graded": bool(row.get("graded")),
            "rank": _integer(row.get("rank_class" if by_class else "rank_overall")),
            "rank_class": _integer(row.get("rank_class")), "rank_overall": _integer(row.get("rank_overall")),
            "class_size": _integer(row.get("class_size")), "percentile": _number(row.get("percentile")),
            "grade": row.get("grade") if isinstance(row.get("grade"), str) else None,
            "previous": _rounded(row.get("previous")), "progress": _rounded(row.get("progress")),
            "progress_rank": _integer(row.get("progress_rank_class" if by_class else "progress_rank_overall")),
            "dimensions": dims.get(code, {}),
        })
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))


def _frame(found: Inputs, klass: str | None, region: str | None, weights: dict | None) -> dict:
    return {"scheme": scheme_summary(found.scheme), "data_version": found.data_version, "versions": found.versions,
            "year": found.year, "partial": found.partial, "through": found.through, "years": found.years,
            "class": klass or ALL_CLASSES, "classes": list(CLASSES), "region": region, "what_if": bool(weights),
            "weights": weights or {"dimensions": {}, "indicators": {}},
            "dimensions": dimensions_of(found.scheme, weights), "indicators": indicators_of(found.scheme, weights),
            "grades": grades_of(), "grade_rule": found.scheme.grade_rule.model_dump(mode="json")}


def scores(storage: Storage, access: Access, scheme_id: str | None = None, version: int | None = None,
           year=None, klass: str | None = None, region: str | None = None, weights: dict | None = None) -> dict:
    """Every county of the class (all classes: ``klass`` None or ``all``) ranked by composite, with the
    dimensions, grade, progress and progress rank and coverage; ``weights`` overrides the scheme's for a
    what-if (nothing saved; ``what_if`` says so)."""
    klass = _class_filter(klass)
    scheme = scheme_of(storage, access, scheme_id, version)
    check_weights(scheme, weights)
    found = inputs(storage, access, scheme, year, region)
    done = scored(found, weights)
    counties = _county_rows(found, done.counties, done.dimensions, klass)
    return {**_frame(found, klass, region, weights), "rule": done.rule(), "count": len(counties),
            "ungraded": sum(1 for c in counties if not c["graded"]), "counties": counties}


def robustness(storage: Storage, access: Access, scheme_id: str | None = None, version: int | None = None,
               year=None, klass: str | None = None, region: str | None = None, weights: dict | None = None,
               samples: int = 1000, seed: int | None = None) -> dict:
    """Per county, the range of its ranks and the probability of each grade over ``samples`` weight vectors
    drawn around the chosen ones (seeded Dirichlet), reproducible from ``seed``."""
    klass = _class_filter(klass)
    if not 1 <= samples <= SAMPLES_MAX:
        raise BadRequest(f"samples 须在 1–{SAMPLES_MAX} 之间 / samples must be within 1–{SAMPLES_MAX}")
    seed = policy.ROBUSTNESS_SEED if seed is None else seed
    scheme = scheme_of(storage, access, scheme_id, version)
    check_weights(scheme, weights)
    found = inputs(storage, access, scheme, year, region)
    drawn = _remember(_robust, (found.key, _weights_key(weights), samples, seed),
                      lambda: scoring.robustness(prepared(found), samples=samples, seed=seed, weights=weights))
    rank_key = "rank_class" if klass else "rank_overall"
    rows = []
    for row in drawn["rows"]:
        if klass and row["class"] != klass:
            continue
        ranks = row.get(rank_key) or {}
        rows.append({"code": row["county"], "name": _name(found, row["county"]), "class": row["class"],
                     "grade": row.get("grade"), "solid": bool(row.get("solid")),
                     "rank": _integer(row.get("rank")) if row.get("rank") is not None else _integer(ranks.get("chosen")),
                     "rank_min": _integer(ranks.get("min")), "rank_p05": _number(ranks.get("p5")),
                     "rank_median": _number(ranks.get("median")), "rank_p95": _number(ranks.get("p95")),
                     "rank_max": _integer(ranks.get("max")),
                     "grade_probabilities": {k: float(v) for k, v in (row.get("grade_probability") or {}).items()}})
    done = scored(found, weights)
    chosen = {c["code"]: c for c in _county_rows(found, done.counties, done.dimensions, klass)}
    for row in rows:  # the rank at the chosen weights, as the ranking shows it
        row["rank"] = chosen.get(row["code"], {}).get("rank")
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))
    return {**_frame(found, klass, region, weights), "samples": drawn["samples"], "seed": drawn["seed"],
            "concentration": drawn["concentration"], "solid_cut": policy.ROBUSTNESS_SOLID, "counties": rows}


def _name(found: Inputs, code: str) -> str:
    return found.counties.at[code, "name"] if code in found.counties.index else code


# -- evidence --------------------------------------------------------------------------------------------
def evidence(storage: Storage, access: Access, county: str, scheme_id: str | None = None,
             version: int | None = None, year=None, indicator: str | None = None,
             weights: dict | None = None) -> dict:
    """A county's score → its dimensions → each indicator's metric value, target, normalised score, weight,
    trend (every year) and peers (its class: median, lowest, highest, rank) → with ``indicator``, the records
    behind that indicator inside the caller's scope (household rows as the caller's rule allows; audited by
    the read services that serve them)."""
    scheme = scheme_of(storage, access, scheme_id, version)
    check_weights(scheme, weights)
    place = storage.region(check(access), county, figures_only=True)
    if place["level"] != "county":
        raise BadRequest("county 须为县级代码 / county must be a county code")
    province = place["ancestors"].get("province")
    found = inputs(storage, access, scheme, year)  # its class as the ranking sets it: every county in scope
    code = place["code"]
    if code not in found.counties.index:
        raise NotFound(f"{place['name']} {found.year} 年没有指标数据 / {code} has no figures in {found.year}")
    if indicator is not None and indicator not in {i.code for i in scheme.indicators()}:
        raise BadRequest(f"方案中没有这个指标 / no indicator {indicator!r} in scheme {scheme.id}")
    done = scored(found, weights)
    klass = found.counties.at[code, "class"]
    county_rows = _county_rows(found, done.counties, done.dimensions, klass)
    own = next(r for r in county_rows if r["code"] == code)
    peers = [r["code"] for r in county_rows]
    ind = done.indicators
    ind = ind[ind["year"].astype(str) == found.year] if "year" in ind else ind
    dims = done.dimensions
    dims = dims[(dims["year"].astype(str) == found.year) & dims["county"].isin(peers)]
    yearly = found.yearly
    described = {i["code"]: i for i in indicators_of(scheme, weights)}
    shares = {d["code"]: d for d in dimensions_of(scheme, weights)}
    dimensions = []
    for dimension in scheme.dimensions:
        mine = dims[(dims["county"] == code) & (dims["dimension"] == dimension.code)]
        others = dims[dims["dimension"] == dimension.code]["score"].dropna()
        items = []
        for item in dimension.indicators:
            here = ind[(ind["indicator"] == item.code) & ind["county"].isin(peers)]
            row = here[here["county"] == code]
            values = here.set_index("county")["value"].dropna()
            value = _number(row["value"].iloc[0]) if len(row) else None
            info = {**described[item.code],
                    "value": value, "normalised": _number(row["normalised"].iloc[0]) if len(row) else None,
                    "present": bool(row["present"].iloc[0]) if len(row) else False,
                    "contribution": _number(row["contribution"].iloc[0]) if len(row) else None,
                    "peers": _peers(values, value, item.direction),
                    "trend": _trend(yearly, code, item.code),
                    "peers_trend": _peers_trend(yearly, peers, item.code),
                    "records_kind": RECORDS_OF.get(item.metric)}
            if indicator == item.code:
                info["records"] = records_behind(storage, access, code, item.metric, found.year)
            items.append(info)
        dimensions.append({"code": dimension.code, "zh": dimension.zh, "en": dimension.en,
                           "weight": shares[dimension.code]["weight"], "share": shares[dimension.code]["share"],
                           "score": _number(mine["score"].iloc[0]) if len(mine) else None,
                           "coverage": _number(mine["coverage"].iloc[0]) if len(mine) else None,
                           "peers_median": _number(others.median()) if len(others) else None,
                           "indicators": items})
    return {**_frame(found, klass, province, weights), "county": {"code": code, "name": place["name"], "class": klass},
            "score": own, "peers": len(peers), "indicator": indicator, "dimensions": dimensions}


def _peers(values: pd.Series, value: float | None, direction: str) -> dict:
    """The class's median, lowest and highest value, and the county's rank among them (1 = best)."""
    if values.empty:
        return {"n": 0, "median": None, "min": None, "max": None, "rank": None}
    better = values < value if direction == "lower_better" else values > value
    return {"n": int(len(values)), "median": float(values.median()), "min": float(values.min()),
            "max": float(values.max()), "rank": int(better.sum()) + 1 if value is not None else None}


def _trend(yearly: pd.DataFrame, code: str, indicator: str) -> list[dict]:
    rows = yearly[(yearly["county"] == code) & (yearly["indicator"] == indicator)].sort_values("year")
    return [{"period": str(r.year), "value": _number(r.value)} for r in rows.itertuples(index=False)]


def _peers_trend(yearly: pd.DataFrame, peers: list[str], indicator: str) -> list[dict]:
    rows = yearly[yearly["county"].isin(peers) & (yearly["indicator"] == indicator)]
    medians = rows.groupby("year")["value"].median().sort_index()
    return [{"period": str(year), "value": _number(value)} for year, value in medians.items()]


def records_behind(storage: Storage, access: Access, county: str, metric: str, year: str) -> dict:
    """The records behind a metric of a county inside the caller's scope: overdue cases and exit checks
    (data/read/monitoring.py, household rows as the caller's rule allows, audited there), idle and failed
    projects, all projects, the funds by use (data/read/profile.py), the village teams (the records'
    first rows); ``kind`` None for a metric without records of its own."""
    kind = RECORDS_OF.get(metric)
    base = {"kind": kind, "metric": metric, "year": year, "mode": check(access).household_mode, "count": 0,
            "rows": []}
    if kind is None:
        return base
    if not check(access).records.allows_prefix(county[:6]):  # figures only: the records are not the caller's
        return {**base, "mode": "outside"}
    if kind == "overdue_cases":
        board = monitoring.board(storage, access, county)
        return {**base, "mode": board["mode"], "count": board["overdue"], "cases": board["cases"],
                "rows": board["overdue_cases"][:RECORDS_SHOWN]}
    if kind == "exit_checks":
        found = monitoring.checks(storage, access, county)
        return {**base, "mode": found["mode"], "count": found["exit_flagged"], "rows": found["exits"][:RECORDS_SHOWN]}
    if kind in ("idle_projects", "projects"):
        frame = profile.projects(storage, access, county)
        if kind == "idle_projects":
            frame = frame[frame["flagged"]]
        frame = frame[frame["year"].astype(str) <= year] if len(frame) else frame
        return {**base, "mode": "full", "count": len(frame), "rows": _plain(frame.head(RECORDS_SHOWN))}
    if kind == "funds":
        frame = profile.funds_by_use(storage, access, county)
        frame = frame[frame["year"].astype(str) == year] if len(frame) else frame
        return {**base, "mode": "full", "count": len(frame), "rows": _plain(frame)}
    place = storage.region(access, county)
    frame = records.preview(storage.engine, access, "teams", records.region_prefix(place), limit=None)
    if "year" in frame:
        frame = frame[frame["year"].astype(str) == year]
    return {**base, "mode": "full", "count": len(frame), "rows": _plain(frame.head(RECORDS_SHOWN))}


def _plain(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts (None for missing, numbers as numbers)."""
    out = []
    for row in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        out.append({k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    return out


# -- field verification ----------------------------------------------------------------------------------
def _county(storage: Storage, access: Access, county: str) -> dict:
    place = storage.region(check(access), county)
    if place["level"] != "county":
        raise BadRequest("county 须为县级代码 / county must be a county code")
    return place


# -- frozen runs -----------------------------------------------------------------------------------------
def save_run(storage: Storage, access: Access, scheme_id: str | None = None, version: int | None = None,
             year=None, region: str | None = None, label: str = "") -> dict:
    """Freeze an assessment: the scheme version, the data versions, the inputs and the scores are stored, so
    that a later import does not change a published result (evaluators and administrators only)."""
    scheme = scheme_of(storage, access, scheme_id, version)
    found = inputs(storage, access, scheme, year, region)
    content = scoring.run_content(scored(found), found.yearly, found.classes, found.year, found.through)
    content["names"] = {code: name for code, name in found.counties["name"].items()}
    run_id = store.save_run(storage.engine, check(access), scheme, found.versions, content, label=label or "")
    return run(storage, access, run_id)


def runs(storage: Storage, access: Access, scheme_id: str | None = None, version: int | None = None,
         year=None, label: str | None = None) -> list[dict]:
    """The saved runs, latest first (without their rows), of a scheme (and version), a year, a label part."""
    found = store.list_runs(storage.engine, check(access), scheme_id)
    return [r for r in found if (version is None or r["scheme_version"] == version)
            and (year is None or str(r["year"]) == str(year)) and (not label or label in (r["label"] or ""))]


def run(storage: Storage, access: Access, run_id: int) -> dict:
    return store.get_run(storage.engine, check(access), run_id)


def compare(storage: Storage, access: Access, first: int | None = None, second: int | None = None) -> dict:
    """What moved between two saved runs (by default the two latest: the earlier first), county by county,
    and why: the data, the weights, both or neither (data/compute/assessment.compare_runs). Fewer than two
    runs saved: nothing to compare."""
    if first is None or second is None:
        latest = [r["id"] for r in runs(storage, access) if r["id"] not in (first, second)]
        wanted = (first is None) + (second is None)
        if len(latest) < wanted:
            return {"first": None, "second": None, "rows": [], "scheme_changed": False, "data_changed": False}
        if first is None and second is None:
            first, second = latest[1], latest[0]
        elif first is None:
            first = latest[0]
        else:
            second = latest[0]
    a, b = run(storage, access, first), run(storage, access, second)
    found = scoring.compare_runs(a, b)
    names = {**(a.get("names") or {}), **(b.get("names") or {})}
    rows = [{**row, "name": names.get(row["county"]) or row["county"]} for row in found["rows"]]
    return {**found, "rows": rows, "first": _run_head(a), "second": _run_head(b)}


def _run_head(found: dict) -> dict:
    return {k: found.get(k) for k in ("id", "label", "saved_by", "saved_at", "versions", "year", "digest")} | {
        "scheme": {k: (found.get("scheme") or {}).get(k) for k in ("id", "version", "title_zh", "title_en")}}


def _read(connection, table: str, prefix: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """The ``columns`` of ``table``'s rows in the region of ``prefix`` (a records prefix the caller may read)."""
    stored = data_tables[table]
    source, condition = records.region_filter(table, prefix)
    query = sa.select(*[stored.c[c] for c in columns]).select_from(source).where(condition)
    return pd.DataFrame([tuple(r) for r in connection.execute(query)], columns=list(columns))


def _names(storage: Storage, prefix: str) -> dict[str, str]:
    """The names of the townships and villages of the region, by code."""
    with storage.engine.connect() as connection:
        return dict(connection.execute(sa.select(regions.c.code, regions.c.name).where(
            regions.c.code.startswith(prefix), regions.c.level.in_(("township", "village")))).all())


def _frames(storage: Storage, access: Access, place: dict) -> dict[str, pd.DataFrame]:
    """The county's households, monitoring cases and members (contract columns the design needs), read
    within the caller's records scope."""
    prefix = records.region_prefix(place)
    with storage.engine.connect() as connection:
        return {
            "households": _read(connection, "households", prefix,
                                           ("household_id", "village_code", "former_poor", "head_name")),
            "monitoring": _read(connection, "monitoring", prefix,
                                           ("household_id", "identified_on", "category", "risk_types", "risk_status")),
            "members": _read(connection, "members", prefix, ("household_id", "health")),
        }


_designs: dict[tuple, tuple[dict, dict]] = {}


def _design(storage: Storage, access: Access, place: dict, seed: int) -> tuple[dict, dict]:
    """The county's two-stage draw in the round ``seed`` over all its households (the design is a property
    of the county, whoever asks), and the frames it was drawn from; cached per records version."""
    facts = storage.facts()
    key = (facts.get("data_version"), facts.get("records_version"), place["code"], seed)
    if key not in _designs:
        frames = _frames(storage, access, place)
        if frames["households"].empty:
            raise NotFound(f"{place['name']}没有农户记录 / {place['code']} holds no household records")
        if len(_designs) > 16:
            _designs.clear()
        _designs[key] = (verification.county_sample(frames, place["code"], seed), frames)
    return _designs[key]


def field_design(storage: Storage, access: Access, county: str, seed: int | None = None) -> dict:
    """The county's field-verification sample (villages by stratum, then households inside and outside the
    monitoring register), seeded and reproducible: the design and its villages for everyone; the household
    rows as the caller's rule allows (an evaluator: those of the fixed sample), their view audited."""
    seed = policy.SAMPLE_SEED if seed is None else seed
    place = _county(storage, access, county)
    drawn, frames = _design(storage, access, place, seed)
    chosen = drawn["chosen"]
    shown, mode = records.visible(access, chosen)
    heads = frames["households"].set_index("household_id")["head_name"]
    names = _names(storage, records.region_prefix(place))
    villages = chosen.groupby(["village_code", "village_stratum"]).size().reset_index(name="sampled")
    population = frames["households"].groupby("village_code").size()
    rows = [{"household_id": r["household_id"], "head_name": heads.get(r["household_id"]),
             "village_code": r["village_code"], "village": names.get(r["village_code"]),
             "village_stratum": r["village_stratum"], "household_stratum": r["household_stratum"],
             "probability": round(float(r["probability"]), 6), "weight": round(float(r["weight"]), 4)}
            for r in shown.sort_values(["village_code", "household_stratum", "household_id"]).to_dict("records")]
    answer = {"county": {"code": place["code"], "name": place["name"], "level": place["level"]}, "seed": seed,
              "mode": mode, "population": drawn["population"], "size": drawn["size"],
              "design": {"method": drawn["method"], "villages_asked": drawn["villages_asked"],
                         "households_asked": drawn["households_asked"], "villages_drawn": drawn["villages_drawn"],
                         "strata": drawn["villages"]},
              "villages": [{"village_code": v.village_code, "village": names.get(v.village_code),
                            "stratum": v.village_stratum, "population": int(population.get(v.village_code, 0)),
                            "sampled": int(v.sampled),
                            "probability": next((s["probability"] for s in drawn["villages"]
                                                 if s["stratum"] == v.village_stratum), None)}
                           for v in villages.itertuples(index=False)],
              "households": rows}
    audit.households_viewed(storage.engine, access, place["code"], f"{access.via} field verification sample",
                            0 if mode == "hidden" else len(rows))
    return answer


RESULT_COLUMNS = ("sample_id", "household_id", "visited_on", "correctly_identified", "should_be_monitored",
                  "wrongly_exited", "satisfied")


def field_results(storage: Storage, access: Access, county: str, seed: int | None = None) -> dict:
    """Estimates of 错退率, 漏评率 and 认可度 (and the identification accuracy) from the imported visit results of
    the county, weighted by the design of the round ``seed``, with 95 % intervals against the thresholds
    (data/compute/verification.estimate). Aggregates only: no household row."""
    seed = policy.SAMPLE_SEED if seed is None else seed
    place = _county(storage, access, county)
    with storage.engine.connect() as connection:
        found = _read(connection, "field_verification", records.region_prefix(place), RESULT_COLUMNS)
    base = {"county": {"code": place["code"], "name": place["name"], "level": place["level"]}, "seed": seed,
            "visited": len(found), "samples": sorted(found["sample_id"].dropna().unique().tolist()),
            "formula": verification.FORMULA}
    if found.empty:
        return {**base, "matched": 0, "unmatched": 0, "rates": []}
    drawn, _ = _design(storage, access, place, seed)
    estimated = verification.estimate(found, drawn["chosen"])
    rates = [{"code": code, **{k: estimated["rates"][code].get(k) for k in (
        "estimate", "se", "low", "high", "n", "events", "threshold", "side", "verdict")}}
             for code in ("wrongly_exited", "missed", "approval", "identified") if code in estimated["rates"]]
    return {**base, "matched": estimated["households"], "unmatched": estimated["unmatched"], "rates": rates}
