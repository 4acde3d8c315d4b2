"""Monitoring and early warning for a region, read through the caller's access: the early-warning list
(data/risk.py), the identification-to-assistance board, the measure-matching and exit checks, the
threshold what-if and the seeded field sample.

Every function resolves the region within the caller's scope first (``OutOfScope`` otherwise) and
returns plain data; household rows carry the household code and the masked head's name only, and
follow the role's household rule (all, the fixed sample's, or none: :func:`data.store.records.visible`);
counts and strata are of every household. An evaluator's field sample is drawn from the fixed sample
only, at most ``policy.FIELD_SAMPLE_CAP`` households.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from data.compute import field_sample as design, risk
from data.compute.build import thresholds_frame
from data.definitions import codes, metrics, policy
from data.definitions.access import Access, check
from data.definitions.contract import label_zh
from data.definitions.policy import WARNING_CUT
from data.read import cube
from data.store import audit, records
from data.store.schema import data_tables, regions
from data.store.storage import Storage

LIST_LIMIT = 500
WHATIF_RANGE = (1000, 50000)
SAMPLE_MAX = design.MAXIMUM  # households at most in one field sample
# A case's measures are those that started from this many days before its identification (help often starts
# while a case is being verified): a window of the board's, not the target of policy.MEASURE_TARGET_DAYS.
MEASURES_BEFORE_DAYS = 30

# Measures that answer each risk type (the policy pairing of docs/domain.md: illness → health and medical
# help, no labour → the safety net, labour capacity → industry and employment).
SAFETY_NET = {"dibao", "special_support", "temporary_relief"}
WORK = {"industry", "employment", "microcredit", "public_welfare_post", "work_relief"}
ANSWERS = {
    "illness": {"health", "temporary_relief", "dibao"}, "disability": {"special_support", "dibao", "health"},
    "schooling": {"education"}, "disaster": {"temporary_relief", "housing"}, "accident": {"temporary_relief", "health"},
    "unstable_employment": WORK, "lack_of_labour": SAFETY_NET, "industry_failure": WORK,
    "housing": {"housing"}, "drinking_water": {"drinking_water"},
}


def township_of(villages: pd.Series) -> pd.Series:
    """The 12-digit township code of each village code."""
    return villages.str[:codes.SIGNIFICANT_DIGITS["township"]].str.ljust(12, "0")


class BadRequest(cube.BadParameter):
    """A parameter out of range (answered with 400)."""


class NoData(BadRequest):
    """The region holds none of the records asked about (answered with 400; a page says "no data")."""


def _region(storage: Storage, access: Access, code: str) -> tuple[dict, str]:
    region = storage.region(check(access), code)
    return region, records.region_prefix(region)


def months(storage: Storage) -> list[str]:
    try:
        return cube.info(storage).periods["month"]
    except cube.NotBuilt:
        return []


def _starts_with(column, prefix: str):
    """``column`` starts with ``prefix`` (a code prefix: digits), as a range of values, which an index of the
    column serves (SQLite's LIKE is served by none: a county's employment read the whole table)."""
    return sa.and_(column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1))


def _read(connection, table: str, prefix: str, columns: tuple[str, ...], where=None) -> pd.DataFrame:
    """The rows of a household table within the region (records.region_filter's join and rule)."""
    stored = data_tables[table]
    source, condition = records.region_filter(table, prefix)
    if prefix:
        village = (stored if table == "households" else data_tables["households"]).c.village_code
        condition = _starts_with(village, prefix)  # the same rows as region_filter's condition, found by the index
    if where is not None:
        condition = sa.and_(condition, where)
    query = sa.select(*[stored.c[c] for c in columns]).select_from(source).where(condition)
    return pd.DataFrame([tuple(r) for r in connection.execute(query)], columns=list(columns))


# -- what the services read, once per data version ---------------------------------------------------
# The records of a region, its names and the scores of a month are read or computed once per data and
# records version of a database (every import and rollback writes a new records version: data/ingest/
# importer.py) and kept in this process, the most recently used first: the sections of the monitoring page,
# its controls and the API share them. Household rows are filtered by the caller's access after, never here.
CACHE_ENTRIES = 64
_cache: OrderedDict[tuple, object] = OrderedDict()
_cache_lock = threading.Lock()


def clear_caches() -> None:
    """Forget what was read (the benchmark's cold runs; tests)."""
    with _cache_lock:
        _cache.clear()


def _cached(storage: Storage, key: tuple, make):
    """``make()``, once per data and records version of ``storage``'s database and ``key``."""
    facts = storage.facts()
    full = (storage.engine.url.render_as_string(hide_password=True), facts.get("data_version"),
            facts.get("records_version"), *key)
    with _cache_lock:
        if full in _cache:
            _cache.move_to_end(full)
            return _cache[full]
    value = make()
    with _cache_lock:
        _cache[full] = value
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return value


TABLE_COLUMNS = {  # what the services read of each household table
    "households": ("household_id", "village_code", "size", "labour_count", "former_poor", "head_name"),
    "income": ("household_id", "year", "per_capita_net_income", "transfer"),
    "monitoring": ("household_id", "category", "signal_on", "verified_on", "identified_on", "risk_types",
                   "risk_status", "eliminated_on"),
    "assistance": ("household_id", "measure", "started_on"),
    "members": ("household_id", "health"),
}


def _table(storage: Storage, table: str, prefix: str) -> pd.DataFrame:
    """The rows of a household table in the region (:data:`TABLE_COLUMNS`; members: only those whose health
    the score counts), cached (:func:`_cached`); never changed by a caller."""
    def read():
        where = data_tables["members"].c.health.in_(sorted(risk.HEALTH_POINTS)) if table == "members" else None
        with storage.engine.connect() as connection:
            frame = _read(connection, table, prefix, TABLE_COLUMNS[table], where)
        if table == "income":
            frame["year"] = frame["year"].astype(int)
        return frame
    return _cached(storage, ("table", table, prefix), read)


def _names(storage: Storage, prefix: str) -> dict[str, str]:
    """The names of the townships and villages in the region, by code (cached)."""
    def read():
        with storage.engine.connect() as connection:
            return dict(connection.execute(sa.select(regions.c.code, regions.c.name).where(
                _starts_with(regions.c.code, prefix), regions.c.level.in_(("township", "village")))).all())
    return _cached(storage, ("names", prefix), read)


def _lines(storage: Storage) -> pd.DataFrame:
    """The provinces' monitoring lines (province_code, year, yuan), cached."""
    def read():
        with storage.engine.connect() as connection:
            return thresholds_frame(connection)
    return _cached(storage, ("lines",), read)


def _province_of(storage: Storage, code: str) -> str | None:
    """The province code of a region (cached)."""
    def read():
        with storage.engine.connect() as connection:
            return connection.execute(sa.select(regions.c.province_code).where(regions.c.code == code)).scalar()
    return _cached(storage, ("province", code), read)


def _provinces(storage: Storage, prefix: str) -> pd.Series:
    """The province code of each village with households in the region (cached)."""
    def read():
        households = data_tables["households"]
        with storage.engine.connect() as connection:
            return pd.Series(dict(connection.execute(sa.select(regions.c.code, regions.c.province_code).where(
                regions.c.code.in_(sa.select(households.c.village_code).distinct().where(
                    _starts_with(households.c.village_code, prefix))))).all()), dtype=object)
    return _cached(storage, ("provinces", prefix), read)


@dataclass
class Scored:
    """Scores of a region's households in one month and the month before."""

    frame: pd.DataFrame  # per household: village, township, former_poor, features, points, score, previous, under
    period: str
    names: dict[str, str]


def _scored(storage: Storage, prefix: str, period: str | None) -> Scored:
    """Score every household under ``prefix`` at ``period`` (default: the latest month), cached per data and
    records version (an imported threshold changes the scores)."""
    known = months(storage)
    if not known:
        raise BadRequest("尚无月度数据 / no monthly data yet")
    period = period or known[-1]
    if period not in known:
        raise BadRequest(f"月份须在 {known[0]} 至 {known[-1]} 之间 / period must be a month from {known[0]} to {known[-1]}")
    return _cached(storage, ("scored", prefix, period), lambda: _score(storage, prefix, period, known))


def _score(storage: Storage, prefix: str, period: str, known: list[str]) -> Scored:
    month = known.index(period)
    window = known[max(0, month - risk.EMPLOYMENT_MONTHS):month + 1]
    # Expenses count for the score of month M while they are younger than risk.EXPENSE_GONE_MONTHS: the
    # month's and the month before's scores need no older ones.
    oldest = known[max(0, month - risk.EXPENSE_GONE_MONTHS)]
    expenses, employment = data_tables["expenses"], data_tables["employment"]
    with storage.engine.connect() as connection:
        tables = {
            "expenses": _read(connection, "expenses", prefix, ("household_id", "period", "kind", "amount_yuan"),
                              sa.and_(expenses.c.period <= period, expenses.c.period >= oldest)),
            "employment": _read(connection, "employment", prefix, ("person_id", "household_id", "period", "employed"),
                                employment.c.period.in_(window)),
        }
    tables.update({name: _table(storage, name, prefix) for name in ("households", "members", "income", "monitoring")})
    prepared = risk.prepare(tables, _provinces(storage, prefix), _lines(storage), tuple(known))
    under, _ = risk.monitoring_status(prepared.households.index, tables["monitoring"], tuple(known))
    now = risk.features(prepared, month)
    frame = now.join(risk.points(now))
    frame["previous"] = risk.points(risk.features(prepared, month - 1))["score"] if month > 0 else np.nan
    frame["under"] = under[:, month]
    frame["under_before"] = under[:, month - 1] if month > 0 else False
    households = prepared.households
    frame["village_code"] = households["village_code"]
    frame["township_code"] = township_of(households["village_code"])
    frame["former_poor"] = households["former_poor"]
    frame["head_name"] = tables["households"].set_index("household_id")["head_name"]
    return Scored(frame, period, _names(storage, prefix))


HOUSEHOLD_LISTS = ("households", "overdue_cases", "mismatches", "exits")


def household_rows(answer: dict) -> int:
    """How many household rows an answer of this module shows (0 when the role sees none)."""
    return 0 if answer.get("mode") == "hidden" else sum(len(answer.get(key, ())) for key in HOUSEHOLD_LISTS)


def _category(row) -> str:
    if row["former_poor"]:
        return "unstable_former_poor"
    return "sudden_hardship" if row["top"] == "expenses" else "marginal"


def _warnings(storage: Storage, access: Access, code: str, period: str | None = None, min_score: float = WARNING_CUT,
             risk_type: str | None = None, category: str | None = None, township: str | None = None) -> dict:
    """Households not under monitoring whose score reaches ``min_score``, with drivers and the change on
    the month before; counts per village and per child unit for the map."""
    if not 0 <= min_score <= 100:
        raise BadRequest("min_score 须在 0–100 之间 / min_score must be within 0–100")
    region, prefix = _region(storage, access, code)
    data = _scored(storage, prefix, period)
    frame = data.frame
    candidates = frame[~frame["under"] & (frame["score"] >= min_score)].copy()
    component_columns = [c.code for c in risk.COMPONENTS]
    candidates["top"] = candidates[component_columns].idxmax(axis=1)
    candidates["category"] = candidates.apply(_category, axis=1) if len(candidates) else []
    explained = [risk.drivers(f, f) for f in candidates.to_dict("records")]
    candidates["drivers"] = explained
    candidates["risk_types"] = [sorted({d["risk"] for d in ds}) for ds in explained]
    if risk_type:  # (a mask of booleans even when there are no candidates)
        candidates = candidates[candidates["risk_types"].map(lambda types: risk_type in types).astype(bool)]
    if category:
        candidates = candidates[candidates["category"] == category]
    if township:
        candidates = candidates[candidates["township_code"] == township]
    previous = frame["previous"].reindex(candidates.index)
    candidates["new"] = (previous < min_score) | frame["under_before"].reindex(candidates.index)
    candidates = candidates.sort_values(["score", "village_code"], ascending=[False, True])
    scored_count = int((~frame["under"]).sum())
    shown, mode = records.visible(access, candidates, column=None)  # indexed by household
    before = previous.to_dict()
    rows = [{"household_id": hid, "head_name": r["head_name"], "village_code": r["village_code"],
             "village": data.names.get(r["village_code"]), "township": data.names.get(r["township_code"]),
             "score": r["score"], "previous_score": None if pd.isna(before[hid]) else float(before[hid]),
             "new": bool(r["new"]), "category": r["category"], "category_zh": label_zh("monitoring", "category", r["category"]),
             "risk_types": r["risk_types"], "drivers": r["drivers"]}
            for hid, r in shown.head(LIST_LIMIT).to_dict("index").items()]  # (iterrows: 0.1 s for 500)
    return {"region": {k: region[k] for k in ("code", "name", "level")}, "period": data.period,
            "min_score": min_score, "scored_households": scored_count, "count": len(candidates),
            "new": int(candidates["new"].sum()), "mode": mode, "households": rows,
            "by_village": candidates.groupby("village_code").size().astype(int).to_dict()}


# -- the identification-to-assistance board ---------------------------------------------------------
def _cases(storage: Storage, prefix: str, as_of: dt.date) -> pd.DataFrame:
    """The region's cases with their timelines (:func:`timeline`), cached; never changed by a caller."""
    return _cached(storage, ("cases", prefix, as_of, *targets().values()), lambda: timeline(
        _table(storage, "monitoring", prefix), _table(storage, "assistance", prefix),
        _table(storage, "households", prefix)[["household_id", "village_code", "head_name", "labour_count"]], as_of))


def targets() -> dict[str, int]:
    """The board's targets in days, as it counts with them (data/definitions/policy.py): from the first
    signal to identification, and from identification to the first measure."""
    return {"identification_days": policy.IDENTIFICATION_TARGET_DAYS, "measure_days": policy.MEASURE_TARGET_DAYS}


def timeline(monitoring: pd.DataFrame, assistance: pd.DataFrame, households: pd.DataFrame,
             as_of: dt.date) -> pd.DataFrame:
    """Each case with its timeline (signal, verified, identified, first measure, eliminated), the days
    between, and whether it is overdue at ``as_of`` (against :func:`targets`). A case's measures are those
    that started from :data:`MEASURES_BEFORE_DAYS` before its identification until the household's next case."""
    monitoring, assistance = monitoring.copy(), assistance.copy()
    for column in ("signal_on", "verified_on", "identified_on", "eliminated_on"):
        monitoring[column] = pd.to_datetime(monitoring[column])
    assistance["started_on"] = pd.to_datetime(assistance["started_on"])
    frame = monitoring.merge(households, on="household_id")
    frame = frame.sort_values(["household_id", "identified_on"]).reset_index(drop=True)
    frame["next_case"] = frame.groupby("household_id")["identified_on"].shift(-1)
    joined = frame.reset_index().merge(assistance, on="household_id")
    joined = joined[(joined["started_on"] >= joined["identified_on"] - pd.Timedelta(days=MEASURES_BEFORE_DAYS))
                    & (joined["next_case"].isna() | (joined["started_on"] < joined["next_case"]))]
    frame["first_measure_on"] = joined.groupby("index")["started_on"].min()
    frame["measures"] = _measure_lists(joined, len(frame))
    end = pd.Timestamp(as_of)
    frame["days_to_identify"] = (frame["identified_on"] - frame["signal_on"]).dt.days
    frame["days_to_measure"] = (frame["first_measure_on"] - frame["identified_on"]).dt.days
    waiting = (end - frame["identified_on"]).dt.days
    limits = targets()
    frame["overdue_identification"] = frame["days_to_identify"] > limits["identification_days"]
    frame["overdue_measure"] = np.where(frame["first_measure_on"].notna(),
                                        frame["days_to_measure"] > limits["measure_days"],
                                        waiting > limits["measure_days"])
    frame["overdue"] = frame["overdue_identification"] | frame["overdue_measure"]
    frame["township_code"] = township_of(frame["village_code"])
    frame["month"] = frame["identified_on"].dt.strftime("%Y-%m")
    return frame


def _measure_lists(joined: pd.DataFrame, cases: int) -> list[list[str]]:
    """The distinct measures of each case (``joined``: its rows by case number ``index``), sorted; [] for
    a case without."""
    distinct = joined[["index", "measure"]].drop_duplicates().sort_values(["index", "measure"], kind="stable")
    numbers, starts = np.unique(distinct["index"].to_numpy(), return_index=True)
    lists: list[list[str]] = [[] for _ in range(cases)]
    for number, measures in zip(numbers, np.split(distinct["measure"].to_numpy(dtype=object), starts[1:])):
        lists[number] = measures.tolist()
    return lists


def township_board(frame: pd.DataFrame, names: dict[str, str]) -> list[dict]:
    """Per township: cases, median and 90th-percentile days to identify and to the first measure, overdue counts."""
    if frame.empty:
        return []
    groups = frame.groupby("township_code", sort=True)
    table = pd.DataFrame({"cases": groups.size(),
                          "overdue_identification": groups["overdue_identification"].sum(),
                          "overdue_measure": groups["overdue_measure"].sum()})
    for column in ("days_to_identify", "days_to_measure"):
        for name, share in (("median", 0.5), ("p90", 0.9)):
            table[f"{name}_{column}"] = _group_quantile(frame, "township_code", column, share)
    return [{"code": township, "name": names.get(township, township), "cases": int(row["cases"]),
             **{f"{name}_{column}": None if pd.isna(row[f"{name}_{column}"]) else float(row[f"{name}_{column}"])
                for column in ("days_to_identify", "days_to_measure") for name in ("median", "p90")},
             "overdue_identification": int(row["overdue_identification"]),
             "overdue_measure": int(row["overdue_measure"])}
            for township, row in table.to_dict("index").items()]


def _group_quantile(frame: pd.DataFrame, by: str, column: str, share: float) -> pd.Series:
    """:func:`_quantile` of ``column`` in each group of ``by`` at once (a group without values: absent)."""
    values = frame[[by, column]].dropna().sort_values([by, column], kind="stable")
    groups = values.groupby(by, sort=False)[column]
    size, position = groups.transform("size").to_numpy(), groups.cumcount().to_numpy()
    wanted = np.maximum(np.ceil(size * share).astype(int) - 1, 0)  # numpy's inverted_cdf: X(ceil(n·share))
    chosen = values[position == wanted]
    return chosen.set_index(by)[column].astype(float)


def _as_of(known: list[str]) -> dt.date:
    last = pd.Period(known[-1], "M") if known else pd.Period(dt.date.today(), "M")
    return last.end_time.date()


def _quantile(values: pd.Series, share: float) -> float | None:
    values = values.dropna()
    return None if values.empty else float(np.quantile(values, share, method="inverted_cdf"))


def _board(storage: Storage, access: Access, code: str) -> dict:
    """Per township: cases, median and 90th-percentile days (signal → identified, identified → first
    measure), overdue counts; the overdue heat map by township and month; the overdue cases."""
    region, prefix = _region(storage, access, code)
    known = months(storage)
    as_of = _as_of(known)
    frame = _cases(storage, prefix, as_of)
    if known:
        frame = frame[frame["month"] >= known[0]]
    names = _names(storage, prefix)
    townships = township_board(frame, names)
    overdue = frame[frame["overdue"]]
    heat = overdue.groupby(["township_code", "month"]).size()
    shown, mode = records.visible(access, overdue.sort_values("identified_on", ascending=False))
    return {"region": {k: region[k] for k in ("code", "name", "level")}, "as_of": as_of.isoformat(),
            "targets": targets(),
            "cases": len(frame), "overdue": len(overdue), "townships": townships,
            "heat": [{"township": t, "township_name": names.get(t, t), "month": m, "overdue": int(n)}
                     for (t, m), n in heat.items()],
            "mode": mode, "overdue_cases": [_case_row(r, names) for r in shown.head(LIST_LIMIT).to_dict("records")]}


def _date(value) -> str | None:
    return None if pd.isna(value) else value.date().isoformat()


def _case_row(row: dict, names: dict) -> dict:
    return {"household_id": row["household_id"], "head_name": row["head_name"],
            "village": names.get(row["village_code"]), "category": row["category"],
            "risk_types": [r for r in row["risk_types"].split(";") if r], "measures": list(row["measures"]),
            "category_zh": label_zh("monitoring", "category", row["category"]),
            "risk_types_zh": "、".join(label_zh("monitoring", "risk_types", r) for r in row["risk_types"].split(";")),
            **{k: _date(row[k]) for k in ("signal_on", "verified_on", "identified_on", "first_measure_on", "eliminated_on")},
            "days_to_identify": None if pd.isna(row["days_to_identify"]) else int(row["days_to_identify"]),
            "days_to_measure": None if pd.isna(row["days_to_measure"]) else int(row["days_to_measure"]),
            "overdue_identification": bool(row["overdue_identification"]),
            "overdue_measure": bool(row["overdue_measure"]),
            "measures_zh": "、".join(label_zh("assistance", "measure", m) for m in row["measures"])}


# -- checks ------------------------------------------------------------------------------------------
def exit_reason_zh(reason: dict) -> str:
    """An exit check's reason (``{"code": …, numbers}``) in Chinese words (the API's ``reasons``; the page
    words it in its language from the catalog: layouts/monitoring_page.py)."""
    if reason["code"] == "income_below_line":
        return f"{reason['year']}年人均纯收入{reason['income']:,.0f}元，低于监测线{reason['line']:,.0f}元"
    return f"帮扶{reason['days']}天即标注风险消除（不足{reason['months']}个月）"


def unmatched(risk_types: str, measures: list[str], labour_count: int) -> list[str]:
    """The needs of a case that none of its measures answers: its risk types, and work for a household
    with labour."""
    got = set(measures)
    missing = [r for r in risk_types.split(";") if r in ANSWERS and not got & ANSWERS[r]]
    if labour_count and labour_count > 0 and not got & WORK:
        missing.append("labour_capacity")
    return missing


def _checks(storage: Storage, access: Access, code: str) -> dict:
    """Measure matching (cases with measures that do not answer their risk) and exit checks (risk marked
    eliminated while income is still under the line, or before six months of stability)."""
    region, prefix = _region(storage, access, code)
    known = months(storage)
    frame = _cases(storage, prefix, _as_of(known))
    names, income, limits = _names(storage, prefix), _table(storage, "income", prefix), _lines(storage)
    province = _province_of(storage, region["code"])
    with_measures = frame[frame["measures"].map(len) > 0].copy()
    with_measures["unmatched"] = [unmatched(r, m, lc) for r, m, lc in
                                  zip(with_measures["risk_types"], with_measures["measures"], with_measures["labour_count"])]
    mismatched = with_measures[with_measures["unmatched"].map(len) > 0]
    eliminated = frame[(frame["risk_status"] == "eliminated") & frame["eliminated_on"].notna()].copy()
    lines = limits.set_index(["province_code", "year"])["yuan"] if province else pd.Series(dtype=float)
    # Each exit's latest income known by the year of its elimination, against that year's line.
    known = eliminated[["household_id", "eliminated_on"]].reset_index().merge(income, on="household_id")
    known = known[known["year"] <= known["eliminated_on"].dt.year].sort_values("year")
    latest = known.drop_duplicates("index", keep="last").set_index("index")
    line = pd.Series([lines.get((province or "", year)) for year in latest["year"]], index=latest.index, dtype=float)
    below = latest[latest["per_capita_net_income"] < line]
    helped = (eliminated["eliminated_on"] - eliminated["first_measure_on"].fillna(eliminated["identified_on"])).dt.days
    reasons = {case: [] for case in eliminated.index}  # codes and numbers; the words: exit_reason_zh, the layout
    for case, year, income in zip(below.index, below["year"], below["per_capita_net_income"]):
        reasons[case].append({"code": "income_below_line", "year": int(year), "income": float(income),
                              "line": float(line[case])})
    for case, days in helped[helped < policy.STABLE_DAYS].items():
        reasons[case].append({"code": "eliminated_too_soon", "days": int(days), "months": policy.STABLE_MONTHS})
    eliminated["reasons"] = pd.Series(reasons, dtype=object)
    flagged = eliminated[eliminated["reasons"].map(len) > 0]
    matched_rows, mode = records.visible(access, mismatched)
    exit_rows, _ = records.visible(access, flagged)
    return {"region": {k: region[k] for k in ("code", "name", "level")}, "mode": mode,
            "cases_with_measures": len(with_measures), "mismatched": len(mismatched),
            "eliminated": len(eliminated), "exit_flagged": len(flagged),
            "mismatches": [{**_case_row(r, names), "unmatched": list(r["unmatched"]), "unmatched_zh": "、".join(
                "有劳动能力但无产业就业帮扶" if u == "labour_capacity" else label_zh("monitoring", "risk_types", u)
                for u in r["unmatched"])} for r in matched_rows.head(LIST_LIMIT).to_dict("records")],
            "exits": [{**_case_row(r, names), "reason_codes": r["reasons"],
                       "reasons": [exit_reason_zh(reason) for reason in r["reasons"]]} for r in exit_rows.head(LIST_LIMIT).to_dict("records")]}


# -- the threshold what-if ----------------------------------------------------------------------------
def whatif(storage: Storage, access: Access, code: str, threshold: float | None, year: int | None = None) -> dict:
    """Households and people whose per-capita income of ``year`` (default: the latest) is under
    ``threshold`` (default: the stored line): in total and per child unit, next to the stored line.
    Nothing is stored."""
    if threshold is not None and not WHATIF_RANGE[0] <= threshold <= WHATIF_RANGE[1]:
        raise BadRequest(f"threshold 须在 {WHATIF_RANGE[0]}–{WHATIF_RANGE[1]} 元之间 / threshold must be within "
                         f"{WHATIF_RANGE[0]}–{WHATIF_RANGE[1]} yuan")
    region, prefix = _region(storage, access, code)
    income = _table(storage, "income", prefix)[["household_id", "year", "per_capita_net_income"]]
    households = _table(storage, "households", prefix)[["household_id", "village_code", "size"]]
    limits, province = _lines(storage), _province_of(storage, region["code"])
    years = sorted(income["year"].unique())
    if not years:
        raise NoData("尚无收入数据 / no income data yet")
    year = year or int(years[-1])
    if year not in years:
        raise BadRequest(f"year 须为 {', '.join(map(str, years))} 之一 / year must be one of {', '.join(map(str, years))}")
    rows = income[income["year"] == year].merge(households, on="household_id")
    stored = limits[(limits["province_code"] == province) & (limits["year"] == year)]["yuan"]
    stored_line = float(stored.iloc[0]) if len(stored) else None
    if threshold is None:
        if stored_line is None:
            raise BadRequest("该地区没有监测线，请给出 threshold / no stored line here: give a threshold")
        threshold = stored_line
    below = rows[pd.to_numeric(rows["per_capita_net_income"]) < threshold]
    current = rows[pd.to_numeric(rows["per_capita_net_income"]) < stored_line] if stored_line else rows.iloc[0:0]
    units = storage.regions(access, parent=region["code"]) if region["level"] != "village" else []
    children = []
    for unit in units:
        unit_prefix = records.region_prefix(unit)
        mine, mine_now = below[below["village_code"].str.startswith(unit_prefix)], current[current["village_code"].str.startswith(unit_prefix)]
        children.append({"code": unit["code"], "name": unit["name"], "households": len(mine),
                         "people": int(mine["size"].sum()), "households_now": len(mine_now),
                         "people_now": int(mine_now["size"].sum())})
    return {"region": {k: region[k] for k in ("code", "name", "level")}, "year": year, "threshold": threshold,
            "stored_threshold": stored_line, "households_with_income": len(rows),
            "households": len(below), "people": int(below["size"].sum()),
            "households_now": len(current), "people_now": int(current["size"].sum()), "children": children}


# -- disasters and emergencies (the events table) ---------------------------------------------------
def events(storage: Storage, access: Access, code: str | None, period: str | None = None) -> list[dict]:
    """The disasters and emergencies recorded for a region (None: the whole country), for the regions above
    it and for the units below it, under way at some time in ``period`` (a month YYYY-MM or a year YYYY;
    None: at any time), in the order they started, each with its region's name. Events are aggregate facts
    about places, not household records: they are read as figures are (the region's own and its ancestors'
    wherever the caller may read the region's figures; those below it where the caller may read theirs)."""
    scope = check(access).figures
    table = data_tables["events"]
    layers = [regions.c[f"{layer}_code"] for layer in codes.LEVELS]
    query = (sa.select(table.c.event_id, table.c.region_code, regions.c.name, regions.c.level, table.c.kind,
                       table.c.started_on, table.c.ended_on, table.c.note, *layers)
             .join(regions, regions.c.code == table.c.region_code)
             .order_by(table.c.started_on, table.c.event_id))
    covering: set[str] = set()  # the region and the regions above it: their events are the region's too
    if code is not None:
        region = storage.region(access, code, figures_only=True)
        covering = {region["code"], *region["ancestors"].values()}
        query = query.where(sa.or_(table.c.region_code.startswith(records.region_prefix(region)),
                                   table.c.region_code.in_(sorted(covering))))
    if period is not None:
        first, last = _period_bounds(period)
        query = query.where(table.c.started_on <= last, sa.or_(table.c.ended_on.is_(None), table.c.ended_on >= first))
    with storage.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [{"event_id": r.event_id, "region_code": r.region_code, "region_name": r.name, "region_level": r.level,
             "kind": r.kind, "kind_zh": label_zh("events", "kind", r.kind), "started_on": r.started_on.isoformat(),
             "ended_on": r.ended_on.isoformat() if r.ended_on else None, "note": r.note}
            for r in rows if r.region_code in covering
            or scope.allows_figures(r.region_code, dict(zip(codes.LEVELS, r[8:])))]


def _period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a month (YYYY-MM) or a year (YYYY)."""
    try:
        span = pd.Period(period, "M" if len(period) == 7 else "Y") if len(period) in (4, 7) else None
    except ValueError:
        span = None
    if span is None:
        raise BadRequest("period 须为 YYYY-MM 或 YYYY / period must be YYYY-MM or YYYY")
    return span.start_time.date(), span.end_time.date()


# -- the field sample --------------------------------------------------------------------------------
SAMPLE_DEFAULT = design.DEFAULT


def size_cap(access: Access) -> int | None:
    """The most households a caller's field sample holds: ``policy.FIELD_SAMPLE_CAP`` for an evaluator
    (whose sample is drawn from the fixed sample), else no cap below :data:`SAMPLE_MAX`."""
    return policy.FIELD_SAMPLE_CAP if check(access).household_mode == "sample" else None


def _field_sample(storage: Storage, access: Access, code: str, size: int | None, seed: int) -> dict:
    """A seeded sample of monitored households for verification visits, stratified by township and
    category, for any size from 1 (the design: :mod:`data.compute.field_sample`): stratified with at least
    one household a stratum when the size reaches the number of strata, strata drawn with probability
    proportional to size below it. Without a size: 30, or one per stratum where there are more strata;
    above the population: all of it (``design.notice`` says so). An evaluator's is drawn from the
    monitored households of the fixed sample only, and holds at most :func:`size_cap` households."""
    if size is not None and not 1 <= size <= SAMPLE_MAX:
        raise BadRequest(f"size 须在 1–{SAMPLE_MAX} 之间 / size must be within 1–{SAMPLE_MAX}")
    if not 0 <= seed < 2 ** 32:
        raise BadRequest("seed 须为非负整数 / seed must be a non-negative integer below 2^32")
    region, prefix = _region(storage, access, code)
    frame = _cases(storage, prefix, _as_of(months(storage)))
    frame = frame.sort_values("identified_on").drop_duplicates("household_id", keep="last")  # latest case
    mode, cap = access.household_mode, size_cap(access)
    if mode == "sample":
        frame, _ = records.visible(access, frame)
    frame = frame.sort_values("household_id").reset_index(drop=True)
    if cap is not None:
        strata = frame.groupby(list(design.STRATA)).ngroups
        size = min(design.default_size(strata, len(frame)) if size is None else size, cap) or None  # 0: none to draw
    drawn = design.draw(frame, size, seed)
    sample = frame.loc[drawn["chosen"] if mode != "hidden" else []]
    names = _names(storage, prefix)
    rows = [{"township": names.get(r["township_code"]), **_case_row(r, names),
             "risk_status": r["risk_status"], "risk_status_zh": label_zh("monitoring", "risk_status", r["risk_status"])}
            for r in sample.sort_values(["township_code", "category", "household_id"]).to_dict("records")]
    return {"region": {k: region[k] for k in ("code", "name", "level")}, "size": drawn["size"], "seed": seed,
            "mode": mode, "size_cap": cap, "population": drawn["population"], "design": design.design(drawn),
            "strata": [{"township": names.get(t, t), "township_code": t, "category": c,
                        "category_zh": label_zh("monitoring", "category", c),
                        **{k: s[k] for k in ("population", "sampled", "stratum_probability", "probability", "weight")}}
                       for s in drawn["strata"] for t, c in [s["key"]]],
            "households": rows}


def warnings(storage: Storage, access: Access, code: str, period: str | None = None, min_score: float = WARNING_CUT,
             risk_type: str | None = None, category: str | None = None, township: str | None = None) -> dict:
    """Households not under monitoring scoring at least ``min_score`` in ``period`` (see :func:`_warnings`);
    household rows as the role allows, and their view audited."""
    return _audited(storage, access, "warnings",
                    _warnings(storage, access, code, period, min_score, risk_type, category, township))


def board(storage: Storage, access: Access, code: str) -> dict:
    """The identification-to-assistance board of a region (see :func:`_board`), its case rows audited."""
    return _audited(storage, access, "board", _board(storage, access, code))


def checks(storage: Storage, access: Access, code: str) -> dict:
    """The measure-matching and exit checks of a region (see :func:`_checks`), its case rows audited."""
    return _audited(storage, access, "checks", _checks(storage, access, code))


def field_sample(storage: Storage, access: Access, code: str, size: int | None, seed: int) -> dict:
    """The seeded field sample of a region (see :func:`_field_sample`), its household rows audited."""
    return _audited(storage, access, "field sample", _field_sample(storage, access, code, size, seed))


def _audited(storage: Storage, access: Access, what: str, answer: dict) -> dict:
    audit.households_viewed(storage.engine, access, answer["region"]["code"], f"{access.via} {what}",
                            household_rows(answer))
    return answer


# -- backtest and calibration (from the cube's score bands) ------------------------------------------
BACKTEST_CUTS = (30, 40, 50, 60, 70)


def backtest(storage: Storage, access: Access, code: str | None) -> dict:
    """How the score did on the history of a region (None: the whole country): for each cut, precision
    (warned households identified within the horizon) and recall (identified households warned in the
    months before); the identification rate of each score band (calibration). Months whose horizon
    runs past the data are left out of precision."""
    known = months(storage)
    if len(known) <= metrics.HORIZON + 1:
        raise BadRequest("月度数据不足以回测 / not enough months for a backtest")
    region = cube.region_of(storage, access, code)
    wanted = [f"{name}_{b}{suffix}" for b in metrics.BANDS
              for name, suffix in (("risk_band", ""), ("risk_band", "_identified"), ("identified_prior_band", ""))]
    complete = known[metrics.HORIZON:-metrics.HORIZON]  # a full window before and after each month
    totals = {name: 0.0 for name in wanted}
    for name in wanted:
        for point in cube.series(storage, access, name, code)["series"]:
            if point["period"] in complete and point["value"] is not None:
                totals[name] += point["value"]
    bands = [{"band": f"{b * 10}–{b * 10 + 9}", "households": int(totals[f"risk_band_{b}"]),
              "identified": int(totals[f"risk_band_{b}_identified"]),
              "rate": round(100 * totals[f"risk_band_{b}_identified"] / totals[f"risk_band_{b}"], 1)
              if totals[f"risk_band_{b}"] else None} for b in metrics.BANDS]
    identified = sum(totals[f"identified_prior_band_{b}"] for b in metrics.BANDS)
    cuts = []
    for cut in BACKTEST_CUTS:
        above = [b for b in metrics.BANDS if b * 10 >= cut]
        warned = sum(totals[f"risk_band_{b}"] for b in above)
        hits = sum(totals[f"risk_band_{b}_identified"] for b in above)
        caught = sum(totals[f"identified_prior_band_{b}"] for b in above)
        cuts.append({"cut": cut, "warned": int(warned), "identified_after": int(hits),
                     "precision": round(100 * hits / warned, 1) if warned else None,
                     "identified": int(identified), "warned_before": int(caught),
                     "recall": round(100 * caught / identified, 1) if identified else None})
    base = sum(totals[f"risk_band_{b}_identified"] for b in metrics.BANDS) / max(
        sum(totals[f"risk_band_{b}"] for b in metrics.BANDS), 1)
    return {"region": {k: region.get(k) for k in ("code", "name", "level")}, "months": [complete[0], complete[-1]],
            "horizon_months": metrics.HORIZON, "default_cut": WARNING_CUT,
            "base_rate": round(100 * base, 2), "cuts": cuts, "bands": bands}


# -- the overdue count, for the month's brief (data/read/brief.py; issue 17 part 8) ----------------------
def overdue(storage: Storage, access: Access, code: str) -> dict:
    """The counts of the identification-to-assistance board of a region (see :func:`_board`): cases, overdue
    cases, the targets and the date; no household row, so nothing to audit."""
    found = _board(storage, access, code)
    return {k: found[k] for k in ("region", "as_of", "targets", "cases", "overdue")}
