"""The pandas pipelines: household-level records → the metric cube (region × period × metric).

Pure functions, no database: :func:`partition_cube` turns the records of some counties into the rows
of those counties, their townships and villages; :func:`parent_cube` turns county rows into prefecture,
province and national rows. Every additive metric is computed once at its finest level and summed
upwards; ratios, growth and quantiles are then derived at each level from those sums (and from summed
histograms), never by averaging the children's ratios. Because the rows of a county depend on its own
records only, and parents only on county rows, building the country at once or county by county gives
the same cube; the Dask executor (data/build.py) relies on exactly that.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.compute import risk
from data.definitions import metrics
from data.definitions.codes import NATION
from data.definitions.contract import RISK_TYPES
from data.definitions.metrics import (
    CATEGORIES,
    CHANNELS,
    COLLABORATION,
    LOCATIONS,
    MODES,
    STATUSES,
    TARGETED,
)
from data.definitions.policy import WARNING_CUT

LEVEL_ORDER = ("village", "township", "county", "city", "province", "nation")  # bottom up
PARENT_LEVELS = ("city", "province")
INDEX = ["code", "period"]


_NO_TARGETED = pd.DataFrame(columns=["county_code", "year", *TARGETED])  # a partition read without the table


@dataclass(frozen=True)
class Periods:
    months: tuple[str, ...]  # "YYYY-MM", consecutive
    years: tuple[str, ...]  # "YYYY", ascending

    def of(self, grain: str) -> tuple[str, ...]:
        return self.months if grain == "month" else self.years


@dataclass
class CubePart:
    """Wide frames indexed by (code, period), one column per metric of the grain; histograms long."""

    month: pd.DataFrame
    year: pd.DataFrame
    histograms: pd.DataFrame  # code, period, distribution, value, count

    def grain(self, grain: str) -> pd.DataFrame:
        return self.month if grain == "month" else self.year

    def only(self, codes: set[str]) -> CubePart:
        """The rows (and histograms) of these regions."""
        return CubePart(*(frame[frame.index.get_level_values("code").isin(codes)] for frame in (self.month, self.year)),
                        self.histograms[self.histograms["code"].isin(codes)])


# -- additive measures at the finest level -----------------------------------------------------------
def _month_index(dates: pd.Series, months: tuple[str, ...]) -> np.ndarray:
    """Months since the first period (negative before it) of dates given as ISO strings or dates."""
    stamps = pd.to_datetime(dates)
    first = pd.Period(months[0], "M")
    return ((stamps.dt.year - first.year) * 12 + stamps.dt.month - first.month).to_numpy(dtype="float64")


def _group_sum(values: dict[str, object], keys: list, names: list[str] = INDEX) -> pd.DataFrame:
    """Sums of each of ``values`` grouped by the arrays ``keys``, NaN-skipping (a group of only NaN stays NaN).

    What ``groupby(keys).sum(min_count=1)`` does, done with integer group ids and ``np.bincount``: the
    keys are hashed once and every column is one C pass (several times faster on millions of rows).
    """
    codes, uniques = zip(*(pd.factorize(key) for key in keys))
    combined = np.asarray(codes[0], dtype=np.int64)
    for code, unique in zip(codes[1:], uniques[1:]):
        combined = combined * len(unique) + code
    group, firsts = pd.factorize(combined)
    size = len(firsts)
    sums = {}
    for name, column in values.items():
        weights = (column.to_numpy(dtype="float64", na_value=np.nan) if isinstance(column, pd.Series)
                   else np.asarray(column, dtype="float64"))
        valid = ~np.isnan(weights)
        total = np.bincount(group[valid], weights=weights[valid], minlength=size)
        count = np.bincount(group[valid], minlength=size)
        sums[name] = np.where(count > 0, total, np.nan)
    levels, rest = [], np.asarray(firsts, dtype=np.int64)
    for unique in reversed(uniques[1:]):
        levels.insert(0, np.asarray(unique)[rest % len(unique)])
        rest = rest // len(unique)
    levels.insert(0, np.asarray(uniques[0])[rest])
    return pd.DataFrame(sums, index=pd.MultiIndex.from_arrays(levels, names=names))


def _sum_by(frame: pd.DataFrame, keys: list[str], columns: dict[str, object]) -> pd.DataFrame:
    return _group_sum(columns, [frame[key] for key in keys], keys)


def _sum_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with the same (code, period) added up."""
    if frame.index.is_unique:
        return frame
    return _group_sum({c: frame[c] for c in frame.columns}, [frame.index.get_level_values(n) for n in INDEX])


def _is(values: pd.Series, options: tuple[str, ...]) -> dict[str, np.ndarray]:
    """One boolean array per option: ``values == option``, from a single hashing pass."""
    codes, uniques = pd.factorize(values)
    position = {value: i for i, value in enumerate(uniques)}
    return {option: codes == position.get(option, -2) for option in options}


def monitoring_measures(households: pd.DataFrame, monitoring: pd.DataFrame, assistance: pd.DataFrame,
                        months: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly monitoring counts per village, and the days-to-assistance histogram rows.

    A household identified again (after its risk was eliminated) is counted once: a case stands for
    its household from its identification month until the household's next case.
    """
    villages = households["village_code"].unique()
    n = len(months)
    if n == 0:  # no monthly records yet (households and income imported first)
        empty = pd.DataFrame(index=pd.MultiIndex.from_arrays([[], []], names=INDEX))
        return empty, pd.DataFrame(columns=["code", "period", "distribution", "value", "count"])
    cases = monitoring.merge(households[["household_id", "village_code", "size"]], on="household_id")
    cases["identified_at"] = pd.to_datetime(cases["identified_on"]).astype("datetime64[ns]")
    cases = cases.sort_values(["household_id", "identified_at"], kind="stable").reset_index(drop=True)
    identified = _month_index(cases["identified_on"], months)
    superseded = _month_index(cases.groupby("household_id")["identified_on"].shift(-1), months)
    superseded = np.where(np.isnan(superseded), n, superseded)
    eliminated = _month_index(cases["eliminated_on"], months)  # NaN: not eliminated
    eliminated = np.where((cases["risk_status"].to_numpy() == "eliminated") & (eliminated < superseded),
                          eliminated, np.nan)
    village = cases["village_code"].to_numpy()

    # Stocks: +1 when a case starts to count (months before the first fall on the first), −1 when it
    # stops; a cumulative sum over the months gives the stock at each month's end.
    def stock(start: np.ndarray, stop: np.ndarray, weights: dict[str, np.ndarray]) -> pd.DataFrame:
        events = []
        for at, sign in ((start, 1.0), (stop, -1.0)):
            keep = ~np.isnan(at) & (at < n)
            part = pd.DataFrame({k: sign * v[keep] for k, v in weights.items()})
            part["code"], part["month"] = village[keep], np.clip(at[keep], 0, None).astype(int)
            events.append(part)
        grid = pd.MultiIndex.from_product([villages, range(n)], names=["code", "month"])
        summed = pd.concat(events).groupby(["code", "month"]).sum().reindex(grid, fill_value=0)
        return summed.groupby(level="code").cumsum()

    ones = np.ones(len(cases))
    category = cases["category"].to_numpy()
    frame = stock(identified, superseded, {"monitored_households": ones, "monitored_people": cases["size"].to_numpy(float),
                                           **{f"monitored_{c}": (category == c).astype(float) for c in CATEGORIES}})
    frame = frame.join(stock(eliminated, superseded, {"risk_eliminated_households": ones}))
    frame["risk_not_eliminated_households"] = frame["monitored_households"] - frame["risk_eliminated_households"]

    # Flows: identified in the month, by risk type and channel.
    new = (identified >= 0) & (identified < n)
    risks = cases["risk_types"].fillna("").str.split(";")
    channel = _is(cases["channel"], CHANNELS)
    flows = {"newly_identified_households": new.astype(float),
             **{f"new_risk_{r}": (new & risks.map(lambda values, r=r: r in values).to_numpy()).astype(float)
                for r in RISK_TYPES},
             **{f"new_channel_{c}": (new & channel[c]).astype(float) for c in CHANNELS}}
    flow = pd.DataFrame(flows)
    flow["code"], flow["month"] = village, identified
    flow = flow[new].groupby(["code", "month"]).sum()
    frame = frame.join(flow).fillna({c: 0.0 for c in flows})

    # Each measure belongs to the household's latest case identified on or before it started; a case's
    # first measure gives the month it was first assisted and the days that took.
    measures = assistance.assign(started=pd.to_datetime(assistance["started_on"]).astype("datetime64[ns]"))
    measures = measures.dropna(subset=["started"])
    # a county without any measure yet has an empty frame whose key dtype differs: merge_asof refuses that
    measures["household_id"] = measures["household_id"].astype(cases["household_id"].dtype)
    measures = pd.merge_asof(measures.sort_values("started"), cases.sort_values("identified_at"),
                             left_on="started", right_on="identified_at", by="household_id", direction="backward")
    first = (measures.dropna(subset=["identified_at"])
             .groupby(["household_id", "identified_at"], as_index=False)
             .agg(started=("started", "min"), village_code=("village_code", "first")))
    first["month"] = _month_index(first["started"], months)
    first = first[(first["month"] >= 0) & (first["month"] < n)]
    first["value"] = (first["started"] - first["identified_at"]).dt.days
    assisted = first.groupby(["village_code", "month"]).size().rename("first_assisted_households")
    assisted.index.names = ["code", "month"]
    frame = frame.join(assisted).fillna({"first_assisted_households": 0.0})
    histogram = first.groupby(["village_code", "month", "value"]).size().rename("count").reset_index()
    histogram = histogram.rename(columns={"village_code": "code"}).assign(distribution="days_to_assistance")
    return _by_period(frame, months), _hist_by_period(histogram, months)


def _by_period(frame: pd.DataFrame, months: tuple[str, ...]) -> pd.DataFrame:
    frame = frame.reset_index()
    frame["period"] = np.asarray(months)[frame["month"].astype(int)]
    return frame.drop(columns="month").set_index(INDEX)


def _hist_by_period(histogram: pd.DataFrame, months: tuple[str, ...]) -> pd.DataFrame:
    histogram["period"] = np.asarray(months)[histogram["month"].astype(int)]
    return histogram[["code", "period", "distribution", "value", "count"]]


def employment_measures(households: pd.DataFrame, employment: pd.DataFrame) -> pd.DataFrame:
    """Monthly counts of former-poor labourers per village: tracked, employed, by location and mode."""
    rows = employment.merge(households.loc[households["former_poor"].astype(bool), ["household_id", "village_code"]],
                            on="household_id")
    employed = rows["employed"].astype(bool).to_numpy()
    place, mode = _is(rows["location"], LOCATIONS), _is(rows["mode"], MODES)
    columns = {"labourers_tracked": np.ones(len(rows)), "labourers_employed": employed,
               **{f"employed_{p}": employed & place[p] for p in LOCATIONS},
               **{f"mode_{m}": employed & mode[m] for m in MODES},
               "wage_bill": pd.to_numeric(rows["monthly_wage"]).where(employed, 0).fillna(0),
               "labourers_with_wage": employed & rows["monthly_wage"].notna().to_numpy()}
    return _sum_by(rows.rename(columns={"village_code": "code"}), INDEX, columns)


def income_measures(households: pd.DataFrame, income: pd.DataFrame, monitoring: pd.DataFrame,
                    provinces: pd.Series, thresholds: pd.DataFrame) -> pd.DataFrame:
    """Yearly income sums per village: former-poor and monitored households, and those under the line.

    ``provinces`` maps village code → province code; ``thresholds`` has province_code, year, yuan.
    """
    rows = income.merge(households[["household_id", "village_code", "size", "former_poor"]], on="household_id")
    rows["year"] = rows["year"].astype(int)
    size = rows["size"].astype(float)
    total = sum(pd.to_numeric(rows[c]).astype(float) for c in ("wage", "operating", "property", "transfer"))
    former = rows["former_poor"].astype(bool)
    first_identified = (pd.to_datetime(monitoring["identified_on"]).groupby(monitoring["household_id"]).min()
                        .dt.year.reindex(rows["household_id"]).to_numpy())
    monitored = pd.Series(first_identified <= rows["year"].to_numpy(), index=rows.index)
    line = (rows[["village_code", "year"]].assign(province_code=rows["village_code"].map(provinces))
            .merge(thresholds, on=["province_code", "year"], how="left")["yuan"].to_numpy(dtype="float64"))
    below = pd.Series(np.where(np.isnan(line), np.nan, pd.to_numeric(rows["per_capita_net_income"]) < line),
                      index=rows.index)
    columns = {"former_poor_people": size.where(former, 0), "former_poor_income_total": total.where(former, 0),
               "former_poor_wage_income": pd.to_numeric(rows["wage"]).astype(float).where(former, 0),
               "former_poor_transfer_income": pd.to_numeric(rows["transfer"]).astype(float).where(former, 0),
               "monitored_people_income": size.where(monitored, 0), "monitored_income_total": total.where(monitored, 0),
               "households_below_threshold": below, "people_below_threshold": below * size}
    rows = rows.assign(code=rows["village_code"], period=rows["year"].astype(str))
    return _sum_by(rows, INDEX, columns)


def project_measures(projects: pd.DataFrame) -> pd.DataFrame:
    rows = projects.assign(code=projects["county_code"], period=projects["year"].astype(int).astype(str))
    funds = sum(pd.to_numeric(rows[c]).astype(float)
                for c in ("fund_connection", "fund_east_west", "fund_targeted", "fund_social"))
    columns = {"projects": pd.Series(1.0, index=rows.index),
               **{f"projects_{status}": rows["status"] == status for status in STATUSES},
               "project_funds": funds, "project_jobs": rows["jobs_created"],
               "project_households_linked": rows["households_linked"], "project_output": rows["output_value"]}
    return _sum_by(rows, INDEX, {k: pd.to_numeric(v) for k, v in columns.items()})


def fund_measures(funds: pd.DataFrame) -> pd.DataFrame:
    rows = funds.assign(code=funds["county_code"], period=funds["year"].astype(int).astype(str))
    allocated = pd.to_numeric(rows["allocated"]).astype(float)
    return _sum_by(rows, INDEX, {"funds_allocated": allocated, "funds_spent": pd.to_numeric(rows["spent"]),
                                 "funds_industry_allocated": allocated.where(rows["use"] == "industry", 0)})


def collaboration_measures(collaboration: pd.DataFrame) -> pd.DataFrame:
    """Per region and year; a quantity a row leaves empty (a file of the seven first quantities) is no data."""
    rows = collaboration.assign(code=collaboration["west_code"], period=collaboration["year"].astype(int).astype(str))
    missing = pd.Series(np.nan, index=rows.index)
    return _sum_by(rows, INDEX, {f"ew_{field}": pd.to_numeric(rows[field]) if field in rows else missing
                                 for field in COLLABORATION})


def targeted_measures(targeted: pd.DataFrame) -> pd.DataFrame:
    """Central units' targeted assistance per county and year (all units of a county together)."""
    rows = targeted.assign(code=targeted["county_code"], period=targeted["year"].astype(int).astype(str))
    return _sum_by(rows, INDEX, {f"ta_{field}": pd.to_numeric(rows[field]) for field in TARGETED})


def team_measures(teams: pd.DataFrame) -> pd.DataFrame:
    rows = teams.assign(code=teams["village_code"], period=teams["year"].astype(int).astype(str))
    return _sum_by(rows, INDEX, {
        "village_teams": pd.Series(1.0, index=rows.index), "team_members": pd.to_numeric(rows["team_size"]),
        "team_days_total": pd.to_numeric(rows["days_on_site"]),
        "teams_upper_level": rows["dispatch_level"].isin(["central", "province"])})


# -- rolling up and deriving --------------------------------------------------------------------------
def _targets(codes: pd.Index, ancestors: pd.DataFrame, level: str, seen: set) -> tuple[np.ndarray, np.ndarray]:
    """Each code's ancestor on ``level``, and which codes roll up to one (not to themselves, not twice)."""
    target = (np.full(len(codes), NATION, dtype=object) if level == "nation"
              else ancestors[f"{level}_code"].reindex(codes).to_numpy(dtype=object))
    present = pd.notna(target)
    keep = present & (target != codes.to_numpy()) & ~pd.Index(target).isin(list(seen))
    return keep, target


def rollup(frame: pd.DataFrame, ancestors: pd.DataFrame, levels: tuple[str, ...]) -> pd.DataFrame:
    """Rows of ``frame`` (indexed by code, period) summed to their ancestor on each of ``levels``.

    ``ancestors`` is indexed by code with a ``<level>_code`` column per level ("nation" needs none).
    Rows already at a level are not repeated (the caller keeps them), and a code that fills several
    levels (东莞 is its own prefecture) appears once.
    """
    if frame.empty:
        return frame
    codes = frame.index.get_level_values("code")
    pieces, seen = [], set()
    for level in levels:
        keep, target = _targets(codes, ancestors, level, seen)
        if not keep.any():
            continue
        kept = frame[keep]
        part = _group_sum({c: kept[c] for c in kept.columns},
                          [target[keep], kept.index.get_level_values("period")])
        pieces.append(part)
        seen.update(part.index.get_level_values("code"))
    return pd.concat(pieces) if pieces else frame.iloc[:0]


def _histogram_rollup(histograms: pd.DataFrame, ancestors: pd.DataFrame, levels: tuple[str, ...]) -> pd.DataFrame:
    """Histogram rows summed to their ancestors, as :func:`rollup` does for additive metrics."""
    pieces, seen = [], set()
    codes = pd.Index(histograms["code"])
    for level in levels:
        keep, target = _targets(codes, ancestors, level, seen)
        if not keep.any():
            continue
        part = (histograms[keep].assign(code=target[keep])
                .groupby(["code", "period", "distribution", "value"], as_index=False, sort=False)["count"].sum())
        pieces.append(part)
        seen.update(part["code"])
    return pd.concat(pieces, ignore_index=True) if pieces else histograms.iloc[:0]


def derive(additive: pd.DataFrame, histograms: pd.DataFrame, grain: str, periods: Periods) -> pd.DataFrame:
    """Every metric of ``grain`` from the additive ones: ratios of sums, growth, quantiles; rounded."""
    catalog = metrics.of_grain(grain)
    frame = additive.reindex(columns=[m.code for m in catalog if m.additive])
    for metric in catalog:
        if metric.kind == "ratio":
            numerator = frame[list(metric.numerator)].sum(axis=1, min_count=1)
            denominator = frame[list(metric.denominator)].sum(axis=1, min_count=1)
            frame[metric.code] = metric.factor * numerator / denominator.where(denominator != 0)
    for metric in catalog:
        if metric.kind == "growth":
            wide = frame[metric.numerator[0]].unstack("period").reindex(columns=list(periods.of(grain)))
            previous = wide.shift(1, axis=1)
            change = (100 * (wide / previous.where(previous != 0) - 1)).stack(future_stack=True)
            frame[metric.code] = change.reindex(frame.index)
        elif metric.kind == "quantile":
            frame[metric.code] = quantiles(histograms, metric.distribution, metric.quantile).reindex(frame.index)
    frame = frame[[m.code for m in catalog]]
    return frame.round({m.code: m.decimals for m in catalog})


def quantiles(histograms: pd.DataFrame, distribution: str, share: float) -> pd.Series:
    """The inverted-CDF (nearest-rank) quantile of each (code, period) histogram: the smallest value
    whose cumulative count reaches ``share`` of the total (numpy's ``method="inverted_cdf"``)."""
    rows = histograms[histograms["distribution"] == distribution].sort_values(["code", "period", "value"])
    if rows.empty:
        return pd.Series(dtype="float64", index=pd.MultiIndex.from_arrays([[], []], names=INDEX))
    groups = rows.groupby(["code", "period"], sort=False)["count"]
    reached = groups.cumsum() >= share * groups.transform("sum") - 1e-9
    return rows[reached].groupby(["code", "period"], sort=False)["value"].first().astype("float64")


def _merge_rows(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Rows from several measure frames (different columns, possibly the same code/period) in one frame."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(index=pd.MultiIndex.from_arrays([[], []], names=INDEX))
    return _sum_rows(pd.concat(frames, sort=False))


def warning_measures(tables: dict[str, pd.DataFrame], provinces: pd.Series, thresholds: pd.DataFrame,
                     months: tuple[str, ...]) -> pd.DataFrame:
    """Monthly early-warning counts per village: households scored (not under monitoring), warned, by
    score band, and what became of them (identified within the horizon; the highest earlier score of
    each household identified), from which the cube derives the backtest of any region at any cut."""
    households = tables["households"]
    if not months or households.empty:
        return pd.DataFrame(index=pd.MultiIndex.from_arrays([[], []], names=INDEX))
    empty = {"members": ("household_id", "health"), "expenses": ("household_id", "period", "kind", "amount_yuan")}
    present = {name: tables.get(name, pd.DataFrame(columns=columns)) for name, columns in empty.items()}
    prepared = risk.prepare({**tables, **present}, provinces, thresholds, months)
    scores = risk.score_history(prepared)
    under, identified = risk.monitoring_status(prepared.households.index, tables["monitoring"], months)
    scored = ~under
    bands = risk.band(scores)
    borne_out = risk.identified_within(identified, metrics.HORIZON)
    prior = risk.prior_highest(scores, scored, metrics.HORIZON)
    prior_band = risk.band(np.nan_to_num(prior))
    new = identified & scored & ~np.isnan(prior)
    columns = {"warning_scored_households": scored, "warning_households": scored & (scores >= WARNING_CUT)}
    for b in metrics.BANDS:
        in_band = scored & (bands == b)
        columns[f"risk_band_{b}"] = in_band
        columns[f"risk_band_{b}_identified"] = in_band & borne_out
        columns[f"identified_prior_band_{b}"] = new & (prior_band == b)
    village_codes, village = np.unique(prepared.households["village_code"].to_numpy(), return_inverse=True)
    frame = {}
    for name, values in columns.items():
        sums = np.zeros((len(village_codes), len(months)))
        np.add.at(sums, village, values)
        frame[name] = sums.ravel()
    index = pd.MultiIndex.from_product([village_codes, list(months)], names=INDEX)
    return pd.DataFrame(frame, index=index)


# -- the two public steps --------------------------------------------------------------------------
def partition_cube(tables: dict[str, pd.DataFrame], geography: pd.DataFrame, thresholds: pd.DataFrame,
                   periods: Periods) -> CubePart:
    """Rows of villages, townships and counties of one partition from its records.

    ``geography`` is indexed by code (the partition's villages, townships and counties) with columns
    ``level``, ``province_code``, ``township_code`` and ``county_code``; collaboration rows must name a
    county of the partition (rows naming a prefecture or province go to :func:`parent_cube`).
    """
    households = tables["households"]
    monitoring, histogram = monitoring_measures(households, tables["monitoring"], tables["assistance"],
                                                periods.months)
    warnings = warning_measures(tables, geography["province_code"], thresholds, periods.months)
    month = _merge_rows([monitoring, employment_measures(households, tables["employment"]), warnings])
    year = _merge_rows([
        income_measures(households, tables["income"], tables["monitoring"], geography["province_code"], thresholds),
        project_measures(tables["projects"]), fund_measures(tables["funds"]),
        collaboration_measures(tables["collaboration"]), team_measures(tables["teams"]),
        targeted_measures(tables.get("targeted_assistance", _NO_TARGETED))])
    levels = ("township", "county")
    frames = {}
    for grain, frame in (("month", month), ("year", year)):
        frame = frame[frame.index.get_level_values("period").isin(periods.of(grain))]
        frames[grain] = _sum_rows(pd.concat([frame, rollup(frame, geography, levels)]))
    histograms = pd.concat([histogram, _histogram_rollup(histogram, geography, levels)], ignore_index=True)
    histograms = histograms.groupby(["code", "period", "distribution", "value"], as_index=False)["count"].sum()
    return CubePart(*(derive(frames[g], histograms, g, periods) for g in ("month", "year")), histograms)


def parent_cube(counties: CubePart, collaboration: pd.DataFrame, ancestors: pd.DataFrame, periods: Periods) -> CubePart:
    """Prefecture, province and national rows from county rows (and collaboration above counties).

    ``counties`` holds only county rows; ``ancestors`` is indexed by code (counties, and the regions
    named by ``collaboration``) with ``city_code`` and ``province_code``.
    """
    levels = (*PARENT_LEVELS, "nation")
    frames = {}
    for grain in ("month", "year"):
        additive = counties.grain(grain)[[m.code for m in metrics.additive(grain)]]
        own = collaboration_measures(collaboration) if grain == "year" and not collaboration.empty else None
        if own is None:
            frames[grain] = rollup(additive, ancestors, levels)
        else:  # pair rows naming a prefecture or province count there and above
            frames[grain] = _merge_rows([own, rollup(_merge_rows([additive, own]), ancestors, levels)])
    histograms = _histogram_rollup(counties.histograms, ancestors, levels)
    return CubePart(*(derive(frames[g], histograms, g, periods) for g in ("month", "year")), histograms)
