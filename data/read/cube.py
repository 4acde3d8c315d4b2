"""Reading the metric cube: the one data-access layer for figures, always through a caller's scope.

Pages and the API ask for the values of a metric over the children of a region (with rank and change
on the previous period), a region's time series, or a region's key figures. Every reader takes the
caller's :class:`~data.definitions.access.Access`: a region resolved by :class:`~data.store.storage.Storage`
outside the regions whose figures the caller may read is refused here, whatever route or callback asks,
and so is any unit handed in that lies outside them. Those regions are wider than the records': the
ancestors and the peers a region is compared with (data/definitions/access.Scope.compares).
"""
from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass

import sqlalchemy as sa

from data.definitions import metrics
from data.definitions.access import Access, OutOfScope, check
from data.definitions.codes import NATION
from data.store.schema import cube
from data.store.storage import NotFound, Storage

KEY_FIGURES = ("monitored_households", "risk_not_eliminated_households", "newly_identified_households",
               "risk_eliminated_share", "median_days_to_assistance", "labourers_employed", "employment_rate",
               "income_per_capita_former_poor", "households_below_threshold", "funds_spend_rate",
               "funds_industry_share", "idle_failed_share", "ew_fiscal_aid", "village_teams")
PERIOD_FORMAT = {"month": re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"), "year": re.compile(r"^\d{4}$")}
_CHUNK = 900


class BadParameter(ValueError):
    """A parameter written wrongly: a period not in the metric's grain, an unknown option (400)."""


class NotBuilt(LookupError):
    """The cube has not been built yet."""


@dataclass(frozen=True)
class CubeInfo:
    layouts: dict[str, list[str]]
    periods: dict[str, list[str]]
    latest: dict[str, str | None]  # by theme: the last period with records
    version: str
    built_at: str

    def position(self, metric: metrics.Metric) -> int:
        """Where the metric stands in a stored row; a cube built before the metric existed must be rebuilt."""
        try:
            return self.layouts[metric.grain].index(metric.code)
        except ValueError:
            raise NotBuilt(f"指标“{metric.zh}”需重新生成，请运行 python -m dashboard build / "
                           f"{metric.code} is newer than the stored cube: run python -m dashboard build") from None

    def latest_of(self, metric: metrics.Metric) -> str | None:
        known = self.periods[metric.grain]
        latest = self.latest.get(metric.theme)
        return latest if latest in known else (known[-1] if known else None)

    def period(self, metric: metrics.Metric, period: str | None) -> str:
        """The period asked for (the theme's latest if None), checked against the metric's grain and the cube."""
        known = self.periods[metric.grain]
        if not known:
            raise NotFound(f"指标“{metric.zh}”暂无数据 / no data yet for {metric.code}")
        if period is None:
            return self.latest_of(metric)
        if not PERIOD_FORMAT[metric.grain].match(period):
            shape = "YYYY-MM" if metric.grain == "month" else "YYYY"
            raise BadParameter(f"指标“{metric.zh}”按{'月' if metric.grain == 'month' else '年'}统计，期间格式为 {shape} / "
                            f"{metric.code} is by {metric.grain}: period must look like {shape}, not {period!r}")
        if period not in known:
            raise NotFound(f"没有 {period} 的数据 / no data for period {period}; "
                           f"{metric.code} covers {known[0]} … {known[-1]}")
        return period

    def previous(self, metric: metrics.Metric, period: str) -> str | None:
        known = self.periods[metric.grain]
        index = known.index(period)
        return known[index - 1] if index > 0 else None


def info(storage: Storage) -> CubeInfo:
    facts = storage.facts()
    if "cube_layouts" not in facts:
        raise NotBuilt("指标尚未生成，请运行 python -m dashboard build / the cube is not built: run python -m dashboard build")
    return CubeInfo(json.loads(facts["cube_layouts"]), json.loads(facts["cube_periods"]),
                    json.loads(facts.get("cube_latest", "{}")), facts.get("cube_version", ""),
                    facts.get("cube_built_at", ""))


def _figures(storage: Storage, codes: list[str], period: str, levels: set[str] | None = None) -> dict[str, list]:
    """The stored figures of ``codes`` (regions of ``levels``) for ``period``; codes without a row are left out."""
    found = {}
    with storage.engine.connect() as connection:
        if len(codes) > _CHUNK and levels:  # a national layer: read the rows of the period and levels
            wanted = set(codes)
            query = sa.select(cube.c.region_code, cube.c.figures).where(
                cube.c.period == period, cube.c.level.in_(sorted(levels)))
            return {code: json.loads(text) for code, text in connection.execute(query) if code in wanted}
        for start in range(0, len(codes), _CHUNK):
            query = sa.select(cube.c.region_code, cube.c.figures).where(
                cube.c.period == period, cube.c.region_code.in_(codes[start:start + _CHUNK]))
            found.update((code, json.loads(text)) for code, text in connection.execute(query))
    return found


def region_of(storage: Storage, access: Access, code: str | None) -> dict:
    """The region (a pseudo-region for the country), resolved within the regions whose figures the caller
    may read."""
    if code is None:
        if not check(access).may_read_nation:
            raise OutOfScope(NATION)
        return {"code": NATION, "name": "全国", "level": "nation", "parent_code": None}
    region = storage.region(access, code, figures_only=True)
    return {k: region[k] for k in ("code", "name", "level", "parent_code")}


def _check_codes(access: Access, codes: list[str]) -> None:
    """Units handed in by a caller must lie within the regions whose figures the caller may read."""
    figures = check(access).figures
    refused = next((code for code in codes if not figures.allows_code(code)), None)
    if refused is not None:
        raise OutOfScope(refused)


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 2)


def _reader(cube_info: CubeInfo, metric: metrics.Metric):
    """A function figures-row → (value, numerator, denominator) for ``metric``."""
    layout = cube_info.layouts[metric.grain]
    at = cube_info.position(metric)
    parts = {}
    if metric.kind == "ratio":
        parts = {"numerator": [layout.index(c) for c in metric.numerator],
                 "denominator": [layout.index(c) for c in metric.denominator]}

    def read(row: list | None) -> dict:
        if row is None:
            return {"value": None}
        out = {"value": row[at]}
        for name, positions in parts.items():
            found = [row[p] for p in positions if row[p] is not None]
            out[name] = sum(found) if found else None
        return out
    return read


def unit_values(storage: Storage, access: Access, metric_code: str, units: list[dict],
                period: str | None = None) -> dict:
    """The metric for ``units`` (dicts with code, name, level) in ``period``, with the previous period and change."""
    metric = metrics.get(metric_code)
    codes = [u["code"] for u in units]
    _check_codes(access, codes)
    cube_info = info(storage)
    period = cube_info.period(metric, period)
    previous = cube_info.previous(metric, period)
    read = _reader(cube_info, metric)
    levels = {u["level"] for u in units}
    now = _figures(storage, codes, period, levels)
    before = _figures(storage, codes, previous, levels) if previous else {}
    rows = []
    for unit in units:
        row = {"code": unit["code"], "name": unit["name"], "level": unit["level"], **read(now.get(unit["code"])),
               "previous": read(before.get(unit["code"]))["value"]}
        row["change"] = _change(row["value"], row["previous"])
        rows.append(row)
    return {"metric": metric, "period": period, "previous_period": previous, "rows": rows}


def rank(rows: list[dict], direction: str | None = None) -> int:
    """Set the ``rank`` of each row with a value (1 = the best by the metric's ``direction``: the lowest where
    higher is worse, else the highest; ties share a rank); returns how many."""
    sign = 1 if direction == "higher_worse" else -1
    ranked = sorted((r for r in rows if r["value"] is not None), key=lambda r: sign * r["value"])
    for position, row in enumerate(ranked):
        row["rank"] = position + 1 if position == 0 or row["value"] != ranked[position - 1]["value"] \
            else ranked[position - 1]["rank"]
    return len(ranked)


def values(storage: Storage, access: Access, metric_code: str, level: str | None = None,
           parent: str | None = None, period: str | None = None) -> dict:
    """The metric for the regions on ``level`` under ``parent`` (direct children if no level) whose figures
    the caller may read: under a county leader's province, the counties he is compared with too."""
    if level is None and parent is None:
        level = "province"
    metrics.get(metric_code)
    units = [{"code": c, "name": n, "level": lv} for c, n, lv in storage.figure_units(access, level, parent)]
    if parent:  # listed as its units are: within the scope, or above it (then its units whose figures are read)
        found_parent = storage.listed_parent(access, parent)
        parent_region = {k: found_parent[k] for k in ("code", "name", "level", "parent_code")}
    else:
        parent_region = None
    found = unit_values(storage, access, metric_code, units, period)
    with_data = rank(found["rows"], found["metric"].direction)
    return {"metric": found["metric"].to_dict(), "period": found["period"],
            "previous_period": found["previous_period"],
            "level": level or (units[0]["level"] if units else None), "parent": parent_region,
            "count": len(found["rows"]), "with_data": with_data, "values": found["rows"]}


def series(storage: Storage, access: Access, metric_code: str, region: str | None = None) -> dict:
    """The metric for one region over every period of its grain (null where there is no data)."""
    metric = metrics.get(metric_code)
    where = region_of(storage, access, region)
    cube_info = info(storage)
    read = _reader(cube_info, metric)
    with storage.engine.connect() as connection:
        rows = dict(connection.execute(sa.select(cube.c.period, cube.c.figures).where(
            cube.c.region_code == where["code"], sa.func.length(cube.c.period) == (7 if metric.grain == "month" else 4))
        ).all())
    points = [{"period": p, **read(json.loads(rows[p]) if p in rows else None)}
              for p in cube_info.periods[metric.grain]]
    return {"metric": metric.to_dict(), "region": where, "series": points}


def median_series(storage: Storage, access: Access, metric_code: str, codes: list[str]) -> list[dict]:
    """The median of the metric over the regions ``codes`` in each period of its grain (peers' line): of
    regions whose figures the caller may read, or of a large group of counties (Scope.allows_median)."""
    metric = metrics.get(metric_code)
    if not check(access).figures.allows_median(codes):  # each region readable, or a group naming none
        _check_codes(access, codes)
    cube_info = info(storage)
    read = _reader(cube_info, metric)
    length = 7 if metric.grain == "month" else 4
    found: dict[str, list[float]] = {p: [] for p in cube_info.periods[metric.grain]}
    with storage.engine.connect() as connection:
        for start in range(0, len(codes), _CHUNK):
            query = sa.select(cube.c.period, cube.c.figures).where(
                cube.c.region_code.in_(codes[start:start + _CHUNK]), sa.func.length(cube.c.period) == length)
            for period, text in connection.execute(query):
                value = read(json.loads(text))["value"]
                if value is not None and period in found:
                    found[period].append(value)
    return [{"period": p, "value": median_of(v, metric), "count": len(v)} for p, v in found.items()]


def median_of(values: list[float | None], metric: metrics.Metric) -> float | None:
    """The median of the values present, at the metric's decimals (None if there are none)."""
    present = [v for v in values if v is not None]
    return round(statistics.median(present), metric.decimals) if present else None


def available(cube_info: CubeInfo, metric: metrics.Metric) -> list[str]:
    """The metric's periods up to its theme's latest (later ones exist for other themes of its grain)."""
    latest = cube_info.latest_of(metric)
    return [p for p in cube_info.periods[metric.grain] if latest is not None and p <= latest]


def period_near(cube_info: CubeInfo, metric: metrics.Metric, at: str | None) -> str | None:
    """The metric's period matching ``at``: the theme's latest if ``at`` is None; that month or that year; for
    a monthly metric and a year, the year's last month with data; None if the theme has nothing then."""
    known = available(cube_info, metric)
    if at is None:
        return known[-1] if known else None
    if metric.grain == "year":
        return at[:4] if at[:4] in known else None
    matching = [p for p in known if p == at or (len(at) == 4 and p[:4] == at)]
    return matching[-1] if matching else None


def key_figures(storage: Storage, access: Access, region: str | None = None, at: str | None = None) -> list[dict]:
    """The headline figures of a region in the period ``at`` (see :func:`period_near`; the latest of each if
    None), with the previous period and the change; a figure with no period matching ``at`` has no value."""
    where = region_of(storage, access, region)
    try:
        cube_info = info(storage)
    except NotBuilt:
        return []
    rows = {}  # period → the region's figures then (each period read once)
    result = []
    for code in KEY_FIGURES:
        metric = metrics.get(code)
        if code not in cube_info.layouts[metric.grain]:
            continue
        period = period_near(cube_info, metric, at)
        previous_period = cube_info.previous(metric, period) if period else None
        for wanted in (period, previous_period):
            if wanted and wanted not in rows:
                rows[wanted] = _figures(storage, [where["code"]], wanted).get(where["code"])
        read = _reader(cube_info, metric)
        now = read(rows.get(period))["value"]
        before = read(rows.get(previous_period))["value"]
        result.append({"metric": code, "zh": metric.zh, "en": metric.en, "unit": metric.unit, "period": period,
                       "value": now, "previous_period": previous_period, "previous": before,
                       "change": _change(now, before),
                       "direction": metric.direction, "target": metric.target})
    return result


# -- a partial year set against last year (issue 17 part 2) ----------------------------------------------
def months_into(cube_info: CubeInfo, metric: metrics.Metric, period: str | None) -> int | None:
    """For a yearly figure of the year the data end in, before December: how many months it covers (the
    data's last month); None for a month, a closed year or no period. Such a year is "1–M月" so far."""
    if metric.grain != "year" or not period or not cube_info.periods.get("month"):
        return None
    last = max(cube_info.periods["month"])
    return int(last[5:]) if last[:4] == period and last[5:] != "12" else None


def key_figures_to_date(storage: Storage, access: Access, region: str | None = None, at: str | None = None) -> list[dict]:
    """:func:`key_figures` where a yearly figure of a year still under way (see :func:`months_into`) is set
    against the same months of last year, not against the whole of last year (10 months of spending against
    12 is no decline). Records kept by year (funds, projects, income, …) hold no figure for last year's first
    months, so such a figure has no change; ``months`` says how far the year goes, ``previous`` keeps last
    year's whole-year value, for the label only (``basis``: ``same_months`` or ``previous``)."""
    found = key_figures(storage, access, region, at)
    if not found:
        return found
    cube_info = info(storage)
    for figure in found:
        months = months_into(cube_info, metrics.get(figure["metric"]), figure["period"])
        figure["months"] = months
        figure["basis"] = "previous" if months is None else "same_months"
        if months is not None:
            figure["change"] = None  # no figure of last year's first months: nothing to set it against
    return found
