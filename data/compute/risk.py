"""The explainable risk score of every household, month by month, with its drivers in words.

A transparent points model, not a black box: seven components, each worth up to a fixed number of
points and each read from records a county already keeps (docs/data-contract.md), are added and capped at
100. They follow the identification triggers of docs/domain.md: income under (or just above) the province's
monitoring line, income falling, rigid expenses beyond the household's means, illness and disability,
too little labour, work lost, dependence on transfers.

=============  ======  ================================================================================
component      points  full points when
=============  ======  ================================================================================
income_gap     35      per-capita income ≤ 90 % of the line (none at ≥ 150 %; linear between)
income_drop    15      per-capita income fell ≥ 30 % on the year before
expenses       45      rigid expenses (age-weighted, see below) ≥ 60 % of the household's yearly income
health         12      serious illness 8 per member, disability 6, chronic illness 2
labour         10      no labourer (linear down to 0 when half the members are labourers)
employment     10      every labourer out of work in each of the last three months
transfer_dep.  8       transfers ≥ 70 % of income (none at ≤ 30 %)
=============  ======  ================================================================================

The score of month M uses only what was known at M's end: the latest year of income before M's year
(the baseline year where there is none), the province's line for M's year, expenses up to M — in full
for three months, then fading to nothing after a year — and the last three months of employment.
Each component only grows as income falls, expenses, illness or idleness grow, so the score is
monotone in them (tests/test_monitoring.py checks it with generated households). Weights and the cut
were set on the demo history; the backtest and calibration (data/monitoring.py, docs) show how they do.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.definitions.contract import label_zh


@dataclass(frozen=True)
class Component:
    code: str
    points: int
    zh: str
    en: str


COMPONENTS = (
    Component("income_gap", 35, "收入接近或低于监测线", "income near or under the line"),
    Component("income_drop", 15, "收入下降", "income falling"),
    Component("expenses", 45, "刚性支出", "rigid expenses"),
    Component("health", 12, "疾病与残疾", "illness and disability"),
    Component("labour", 10, "劳动力不足", "too little labour"),
    Component("employment", 10, "务工中断", "work lost"),
    Component("transfer_dependence", 8, "依赖转移性收入", "dependence on transfers"),
)
POINTS = {c.code: c.points for c in COMPONENTS}
BAND_WIDTH = 10
BANDS = 100 // BAND_WIDTH
EMPLOYMENT_MONTHS = 3
EXPENSE_FULL_MONTHS, EXPENSE_GONE_MONTHS = 3, 12
MIN_YEARLY_INCOME = 500.0  # per person: a floor for ratios (operating losses can make income negative)
DRIVER_MIN_POINTS = 2.0
HEALTH_POINTS = {"serious": 8, "disabled": 6, "chronic": 2}
# The risk type (docs/data-contract.md) a driver points to; "income" stands for the income components.
EXPENSE_RISK = {"medical": "illness", "schooling": "schooling", "disaster_loss": "disaster", "accident": "accident"}
RISK_LABELS = {"income": ("收入不足", "low income")}

FEATURES = ("size", "labour_count", "income_pc", "income_prev_pc", "transfer", "threshold", "expense_yuan",
            "serious", "disabled", "chronic", "idle_share")


def band(score) -> np.ndarray:
    """The 10-point band of scores (0: 0–9.99 … 9: 90–100)."""
    return np.minimum(np.floor(np.asarray(score, dtype="float64") / BAND_WIDTH), BANDS - 1).astype(int)


def points(features: pd.DataFrame) -> pd.DataFrame:
    """The points of each component and the score, from raw features (one row per household).

    Missing income or employment gives no points for what depends on it; the other components count.
    """
    f = {name: pd.to_numeric(features[name], errors="coerce").to_numpy(dtype="float64") for name in FEATURES}
    ratio = f["income_pc"] / f["threshold"]
    per_person = np.maximum(np.where(np.isnan(f["income_pc"]), f["threshold"], f["income_pc"]), MIN_YEARLY_INCOME)
    yearly = per_person * np.maximum(f["size"], 1)
    previous = np.where(f["income_prev_pc"] > 0, f["income_prev_pc"], np.nan)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        drop = 1 - f["income_pc"] / previous
    labour_share = np.where(f["size"] > 0, f["labour_count"] / np.maximum(f["size"], 1), 0)
    result = pd.DataFrame({
        "income_gap": POINTS["income_gap"] * np.clip((1.5 - ratio) / 0.6, 0, 1),
        "income_drop": POINTS["income_drop"] * np.clip(drop / 0.3, 0, 1),
        "expenses": POINTS["expenses"] * np.clip(np.nan_to_num(f["expense_yuan"]) / yearly / 0.6, 0, 1),
        "health": np.minimum(POINTS["health"], sum(HEALTH_POINTS[k] * np.nan_to_num(f[k]) for k in HEALTH_POINTS)),
        "labour": POINTS["labour"] * np.where(f["labour_count"] <= 0, 1.0, np.clip(1 - 2 * labour_share, 0, 1)),
        "employment": POINTS["employment"] * np.clip(f["idle_share"], 0, 1),
        "transfer_dependence": POINTS["transfer_dependence"] * np.clip((np.nan_to_num(f["transfer"]) / yearly - 0.3) / 0.4, 0, 1),
    }, index=features.index).fillna(0.0)
    result["score"] = np.minimum(100.0, result.sum(axis=1)).round(1)
    return result


# -- features from records ---------------------------------------------------------------------------
@dataclass
class Prepared:
    """What every month's features are read from, prepared once for a set of households."""

    households: pd.DataFrame  # household_id (index), village_code, size, labour_count, former_poor, province_code
    health: pd.DataFrame  # serious, disabled, chronic counts by household
    income: dict[int, pd.DataFrame]  # year → per_capita_net_income, transfer by household
    expenses: pd.DataFrame  # household_id, month (index into months), kind, amount_yuan
    person_household: np.ndarray  # each labourer's row in households
    person_idle: np.ndarray  # labourers × months: 1 out of work, 0 at work, NaN no record
    months: tuple[str, ...]
    thresholds: dict[tuple[str, int], float]


def prepare(tables: dict[str, pd.DataFrame], province_of: pd.Series, thresholds: pd.DataFrame,
            months: tuple[str, ...]) -> Prepared:
    """``tables``: households, members, income, expenses, employment (contract columns, any subset of
    households); ``province_of`` maps village code → province code."""
    households = tables["households"].set_index("household_id")[["village_code", "size", "labour_count",
                                                                  "former_poor"]].copy()
    for column in ("size", "labour_count"):
        households[column] = pd.to_numeric(households[column]).astype("float64")
    households["former_poor"] = households["former_poor"].astype(bool)
    households["province_code"] = households["village_code"].map(province_of)
    index = households.index
    members = tables["members"]
    health = (members.groupby(["household_id", "health"]).size().unstack(fill_value=0)  # crosstab: 5x slower
              .reindex(index=index, fill_value=0)
              if len(members) else pd.DataFrame(index=index))
    health = health.reindex(columns=list(HEALTH_POINTS), fill_value=0)
    income = {}
    for year, rows in tables["income"].groupby(pd.to_numeric(tables["income"]["year"]).astype(int)):
        rows = rows.set_index("household_id")
        income[int(year)] = pd.DataFrame({c: pd.to_numeric(rows[c]).astype("float64")
                                          for c in ("per_capita_net_income", "transfer")}).reindex(index)
    position = {m: i for i, m in enumerate(months)}
    expenses = tables["expenses"]
    expenses = pd.DataFrame({"household_id": expenses["household_id"].to_numpy(),
                             "month": expenses["period"].map(position).to_numpy(dtype="float64"),
                             "kind": expenses["kind"].to_numpy(),
                             "amount_yuan": pd.to_numeric(expenses["amount_yuan"]).to_numpy(dtype="float64")})
    expenses = expenses[expenses["month"].notna() & expenses["household_id"].isin(index)]
    employment = tables["employment"]
    column = employment["period"].map(position).to_numpy(dtype="float64")
    keep = index.get_indexer(employment["household_id"]) >= 0
    keep &= ~np.isnan(column)
    people = employment["person_id"] if "person_id" in employment else employment["household_id"]
    persons, person = np.unique(people.to_numpy()[keep].astype(str), return_inverse=True)
    person_household = np.full(len(persons), -1)
    person_household[person] = index.get_indexer(employment["household_id"].to_numpy()[keep])
    person_idle = np.full((len(persons), len(months)), np.nan)
    person_idle[person, column[keep].astype(int)] = ~employment["employed"].to_numpy(dtype=bool)[keep]
    limits = {(str(p), int(y)): float(v) for p, y, v in
              thresholds[["province_code", "year", "yuan"]].itertuples(index=False)}
    return Prepared(households, health, income, expenses, person_household, person_idle,
                    tuple(months), limits)


def _income_year(prepared: Prepared, year: int) -> int | None:
    """The latest year of income known in ``year``: the year before or earlier, else the first one."""
    earlier = [y for y in prepared.income if y < year]
    return max(earlier) if earlier else (min(prepared.income) if prepared.income else None)


def _threshold(prepared: Prepared, province: str, year: int) -> float:
    years = sorted(y for p, y in prepared.thresholds if p == province)
    if not years:
        return np.nan
    known = [y for y in years if y <= year] or years[:1]
    return prepared.thresholds[(province, known[-1])]


def features(prepared: Prepared, month: int) -> pd.DataFrame:
    """The raw features of every household at the end of month number ``month`` (index into months),
    with what the words of its drivers need (the largest expense's kind, month and amount, the
    longest run out of work)."""
    households = prepared.households
    year = int(prepared.months[month][:4])
    frame = pd.DataFrame({"size": households["size"], "labour_count": households["labour_count"]})
    frame = frame.join(prepared.health)
    used = _income_year(prepared, year)
    for name, which in (("income", used), ("income_prev", used - 1 if used else None)):
        rows = prepared.income.get(which) if which else None
        frame[f"{name}_pc"] = rows["per_capita_net_income"] if rows is not None else np.nan
        if name == "income":
            frame["transfer"] = rows["transfer"] if rows is not None else np.nan
    frame["income_year"] = used
    provinces = households["province_code"]
    lines = {p: _threshold(prepared, p, year) for p in provinces.dropna().unique()}
    frame["threshold"] = provinces.map(lines).astype("float64")
    age = month - prepared.expenses["month"]
    weight = np.clip((EXPENSE_GONE_MONTHS - age) / (EXPENSE_GONE_MONTHS - EXPENSE_FULL_MONTHS), 0, 1)
    expenses = prepared.expenses.assign(weighted=prepared.expenses["amount_yuan"] * weight.where(age >= 0, 0))
    expenses = expenses[expenses["weighted"] > 0]
    frame["expense_yuan"] = expenses.groupby("household_id")["weighted"].sum().reindex(frame.index).fillna(0)
    largest = expenses.sort_values("weighted", ascending=False, kind="stable").drop_duplicates("household_id")
    largest = largest.set_index("household_id").reindex(frame.index)
    frame["expense_kind"] = largest["kind"]
    frame["expense_period"] = largest["month"].map(lambda m: prepared.months[int(m)] if pd.notna(m) else None)
    frame["expense_amount"] = largest["amount_yuan"]
    window = slice(max(0, month - EMPLOYMENT_MONTHS + 1), month + 1)
    months_seen = prepared.person_idle[:, window]
    owner, count = prepared.person_household, len(frame)
    tracked = np.bincount(owner, weights=(~np.isnan(months_seen)).sum(axis=1), minlength=count)
    idle = np.bincount(owner, weights=np.nansum(months_seen, axis=1), minlength=count)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["idle_share"] = np.where(tracked > 0, idle / tracked, np.nan)
    # Labourers out of work in every month of the window.
    idle_throughout = (months_seen == 1).all(axis=1) & (window.stop - window.start == EMPLOYMENT_MONTHS)
    frame["idle_all_window"] = np.bincount(owner[idle_throughout], minlength=count)
    return frame


# -- drivers in words --------------------------------------------------------------------------------
def _money(yuan: float) -> tuple[str, str]:
    return (f"{yuan / 1e4:.1f}万元", f"{yuan:,.0f} yuan") if yuan >= 1e4 else (f"{yuan:,.0f}元", f"{yuan:,.0f} yuan")


def drivers(feature_row: dict, point_row: dict, limit: int = 3) -> list[dict]:
    """The components that weigh most for one household, each in words (Chinese and English), with
    its points and the risk type it points to."""
    chosen = sorted((c for c in COMPONENTS if point_row[c.code] >= DRIVER_MIN_POINTS),
                    key=lambda c: -point_row[c.code])[:limit]
    return [{"component": c.code, "points": round(float(point_row[c.code]), 1),
             **dict(zip(("zh", "en", "risk"), _words(c.code, feature_row)))} for c in chosen]


def _words(component: str, f: dict) -> tuple[str, str, str]:
    size, labour = int(f["size"]), int(f["labour_count"])
    income, line = f["income_pc"], f["threshold"]
    yearly = max(income if pd.notna(income) else line, MIN_YEARLY_INCOME) * max(size, 1)
    if component == "income_gap":
        ratio = income / line
        if ratio < 1:
            return (f"人均纯收入{income:,.0f}元，低于监测线{1 - ratio:.0%}",
                    f"income {income:,.0f} yuan per person, {1 - ratio:.0%} under the monitoring line", "income")
        return (f"人均纯收入{income:,.0f}元，仅高于监测线{ratio - 1:.0%}",
                f"income {income:,.0f} yuan per person, only {ratio - 1:.0%} above the monitoring line", "income")
    if component == "income_drop":
        drop = 1 - income / f["income_prev_pc"]
        return f"人均纯收入较上年下降{drop:.0%}", f"income down {drop:.0%} on the year before", "income"
    if component == "expenses":
        kind = f["expense_kind"]
        zh_money, en_money = _money(f["expense_amount"])
        share = f["expense_yuan"] / yearly
        return (f"{label_zh('expenses', 'kind', kind)}{zh_money}（{f['expense_period']}），近期刚性支出占家庭年收入{share:.0%}",
                f"{kind.replace('_', ' ')} of {en_money} ({f['expense_period']}); recent rigid expenses "
                f"{share:.0%} of yearly income", EXPENSE_RISK[kind])
    if component == "health":
        parts_zh, parts_en = [], []
        for key, zh, en in (("serious", "重病患者", "seriously ill"), ("disabled", "残疾人", "disabled"),
                            ("chronic", "慢性病患者", "chronically ill")):
            count = int(f[key])
            if count:
                parts_zh.append(f"{count}名{zh}" if count > 1 else zh)
                parts_en.append(f"{count} {en}")
        risk = "illness" if f["serious"] or not f["disabled"] else "disability"
        return "家中有" + "、".join(parts_zh), "household with " + ", ".join(parts_en) + " member(s)", risk
    if component == "labour":
        if labour <= 0:
            return "家中无劳动力", "no one able to work", "lack_of_labour"
        return (f"{size}口之家仅{labour}名劳动力", f"only {labour} labourer(s) in a household of {size}",
                "lack_of_labour")
    if component == "employment":
        if f["idle_all_window"] >= 1:
            count = int(f["idle_all_window"])
            return (f"{count}名劳动力连续{EMPLOYMENT_MONTHS}个月未务工",
                    f"{count} labourer(s) out of work for {EMPLOYMENT_MONTHS} months running", "unstable_employment")
        return (f"近{EMPLOYMENT_MONTHS}个月{f['idle_share']:.0%}的劳动力月份未务工",
                f"{f['idle_share']:.0%} of labourer-months without work in the last {EMPLOYMENT_MONTHS}",
                "unstable_employment")
    share = f["transfer"] / yearly
    return f"转移性收入占家庭收入{share:.0%}", f"transfers {share:.0%} of income", "income"


# -- histories ---------------------------------------------------------------------------------------
def score_history(prepared: Prepared) -> np.ndarray:
    """Scores of every household (rows, in ``prepared.households`` order) in every month (columns)."""
    history = np.zeros((len(prepared.households), len(prepared.months)))
    for month in range(len(prepared.months)):
        history[:, month] = points(features(prepared, month))["score"].to_numpy()
    return history


def month_number(dates, months: tuple[str, ...]) -> np.ndarray:
    """The month number (index into ``months``; negative before, ≥ len after, NaN for no date) of dates."""
    stamps = pd.to_datetime(pd.Series(dates), errors="coerce")
    first = pd.Period(months[0], "M")
    return ((stamps.dt.year - first.year) * 12 + stamps.dt.month - first.month).to_numpy(dtype="float64")


def monitoring_status(index: pd.Index, monitoring: pd.DataFrame, months: tuple[str, ...]):
    """(under, identified): households × months booleans. A household is under monitoring at the start of
    month M when one of its cases was identified in an earlier month and its risk was not eliminated
    before M; ``identified`` marks the month of each identification."""
    shape = (len(index), len(months))
    under, identified = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
    rows = index.get_indexer(monitoring["household_id"])
    keep = rows >= 0
    if not keep.any():
        return under, identified
    start = month_number(monitoring["identified_on"], months)[keep]
    eliminated = np.where(monitoring["risk_status"].to_numpy()[keep] == "eliminated",
                          month_number(monitoring["eliminated_on"], months)[keep], np.inf)
    eliminated = np.where(np.isnan(eliminated), np.inf, eliminated)
    number = np.arange(len(months))
    active = (number[None, :] > start[:, None]) & (number[None, :] <= eliminated[:, None])
    np.logical_or.at(under, rows[keep], active)
    inside = (start >= 0) & (start < len(months))
    identified[rows[keep][inside], start[inside].astype(int)] = True
    return under, identified


def identified_within(identified: np.ndarray, horizon: int) -> np.ndarray:
    """households × months: identified in one of the ``horizon`` months after each month."""
    counts = np.concatenate([np.zeros((identified.shape[0], 1)), np.cumsum(identified, axis=1)], axis=1)
    n = identified.shape[1]
    upto = np.minimum(np.arange(n) + horizon + 1, n)
    return (counts[:, upto] - counts[:, np.arange(n) + 1]) > 0


def prior_highest(scores: np.ndarray, scored: np.ndarray, horizon: int) -> np.ndarray:
    """households × months: the highest score in the ``horizon`` months before, among months scored
    (NaN where none was)."""
    masked = np.where(scored, scores, np.nan)
    prior = np.full(scores.shape, np.nan)
    for lag in range(1, horizon + 1):
        shifted = np.full(scores.shape, np.nan)
        shifted[:, lag:] = masked[:, :-lag]
        prior = np.fmax(prior, shifted)
    return prior
