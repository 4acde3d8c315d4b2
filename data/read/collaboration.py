"""East–West collaboration and targeted assistance, read for one caller (issue 18): who is paired with whom,
each pair's ledger (targets against results), the central units' ledger, labour flows, trends, rankings and
the outcome comparison of paired counties with their peers.

Pure reads returning frames and dicts (the page, its report and the API build on them; labels are attached
when drawing). Two rules of access, both from the caller's :class:`~data.definitions.access.Access`:

* What a pair reports (the collaboration, target, pairing and targeted-assistance tables) is shown for the
  caller's **own** regions: the rows of western regions under the roots of her scope (everything for an
  administrator or an evaluator). An East–West office's roots are its western partners, so it reads its
  whole ledger; a western county leader reads the rows of her own county; a central unit those of its
  designated counties. A pair none of whose western regions overlaps the caller's regions is another pair's:
  :class:`~data.definitions.access.OtherPair` (403, audited).
* What the cube holds (employment by location, the outcome metrics) is read as figures, through
  :mod:`data.read.cube`, within ``access.figures``. Household records are never read here: the labour flows
  are the employment records as the pipeline aggregated them.
"""
from __future__ import annotations

import functools
import re
import statistics
import time
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from data.definitions import contract, metrics, policy
from data.definitions.access import Access, OtherPair, check, system_access
from data.definitions.codes import normalize, significant
from data.definitions.messages import N_
from data.read import cube
from data.read.peers import own_tier
from data.store import membership, records
from data.store.schema import cube as cube_table, data_tables
from data.store.storage import NotFound, Storage

INDICATORS = contract.COLLABORATION_QUANTITIES
MONEY = contract.COLLABORATION_MONEY
TARGETED = contract.TARGETED_QUANTITIES
MEASURES = ("target", "result", "completion", "expected", "last_year", "change", "change_pct", "under_target")
TARGETED_MEASURES = ("result", "last_year", "change", "change_pct")
RANKED_BY = ("completion", "result", "change")
ORDERS = ("best", "worst")
OUTCOME_METRICS = ("income_growth_former_poor", "employment_rate", "risk_eliminated_share")
CAVEAT = N_("collab_outcomes_caveat")
KEY_SHARE_RULE = N_("collab_key_share_rule")  # its "{tilt}" is policy.KEY_COUNTY_TILT
PEER_RULES = ("same_tier", "province", "none")
# How the outcomes compare (per metric: ``basis``; for the whole answer: ``comparison``): "before_after" when
# the pair's start year lies inside the data (periods before it and from it), "since_data" when the pair is
# older than the data (or its start unknown): each group's change from the first period both groups have a
# value for to the latest, and the difference of the two changes — no start year is invented.
COMPARISONS = ("before_after", "since_data", "mixed")
FLOW_METRICS = {"paired_east": "employed_paired_east", "in_county": "employed_in_county",
                "in_province": "employed_in_province", "out_of_province": "employed_out_of_province"}
DESTINATIONS = tuple(FLOW_METRICS)
REPORTED = ("to_east", "in_province", "elsewhere")
ILLUSTRATIVE = "示例"  # the demo's central units carry it in their name and their pairing's note
_BOOKKEEPING = system_access("collaboration")  # names, flags and lineages of rows the caller may be shown
_PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
_CODE = re.compile(r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$")


# -- regions, pairs and rows ---------------------------------------------------------------------------
def _table(storage: Storage, name: str, where=None) -> pd.DataFrame:
    """A collaboration table's rows (all, or ``where(table)``), in contract types."""
    stored = data_tables[name]
    spec = contract.spec_of(name)
    query = sa.select(*[stored.c[c.name] for c in spec.all_columns])
    if where is not None:
        query = query.where(where(stored))
    with storage.engine.connect() as connection:
        frame = pd.DataFrame(connection.execute(query).all(), columns=[c.name for c in spec.all_columns])
    return records.normalise(name, frame)


def _regions(storage: Storage, codes) -> dict[str, dict]:
    wanted = sorted({c for c in codes if isinstance(c, str) and c})
    return {r["code"]: r for r in storage.regions_by_codes(_BOOKKEEPING, wanted)}


def _own(access: Access, region: dict | None) -> bool:
    """Whether a region lies in the caller's own regions (under a root of the scope)."""
    return region is not None and (access.everything or access.scope.allows(region["ancestors"]))


def _overlaps(access: Access, region: dict | None) -> bool:
    """Whether a pairing's western region and the caller's regions overlap (one lies under the other)."""
    if region is None:
        return False
    prefix = significant(region["code"], region["level"])
    return _own(access, region) or any(root.startswith(prefix) for root in access.scope.roots or ())


@functools.lru_cache(maxsize=4)
def _full_names_of(engine, _version: str) -> tuple[dict[str, str], dict[str, str]]:
    """({full name: code}, {code: full name}) of provinces, prefectures and counties, named as the pairs
    file names an eastern region (广东省深圳市, 北京市大兴区)."""
    storage = Storage(engine)
    found = [r for level in ("province", "city", "county") for r in storage.regions(_BOOKKEEPING, level=level)]
    name_of = {r["code"]: r["name"] for r in found}
    by_name, by_code = {}, {}
    for region in found:
        parts = [name_of.get(region["ancestors"].get(layer)) for layer in ("province", "city", "county")]
        full = "".join(dict.fromkeys(p for p in parts if p and p not in _PLACEHOLDERS))
        by_name.setdefault(full, region["code"])
        by_code[region["code"]] = full
    return by_name, by_code


def _full_names(storage: Storage):
    return _full_names_of(storage.engine, storage.data_version())


@dataclass(frozen=True)
class East:
    """An eastern partner: its code (None when it is no stored region), its name, level, and the strings
    that name it in the tables (its full name, its code and its significant prefix)."""

    code: str | None
    name: str
    level: str | None
    names: tuple[str, ...]

    def matches(self, text) -> bool:
        return any(membership.same_region_name(text, n) for n in self.names)

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "level": self.level}


def _east(storage: Storage, east: str) -> East:
    """The eastern partner named by a region code (2–12 digits) or by its name as the tables write it."""
    text = str(east).strip()
    by_name, by_code = _full_names(storage)
    if _CODE.match(text):
        code = normalize(text)
        region = storage.region(_BOOKKEEPING, code)  # NotFound: no such region
        full = by_code.get(code, region["name"])
        return East(code, full, region["level"], (full, code, significant(code, region["level"])))
    code = by_name.get(text)
    if code is None:
        return East(None, text, None, (text,))
    return _east(storage, code)


def _east_of_string(storage: Storage, text: str) -> East:
    """The partner a table's east_region string names (a name or a code)."""
    clean = str(text).strip()
    by_name, _ = _full_names(storage)
    if _CODE.match(clean) or clean in by_name:
        try:
            return _east(storage, clean)
        except NotFound:
            pass
    return East(None, clean, None, (clean,))


def _pairings(storage: Storage) -> list[dict]:
    return membership.pairings(storage, _BOOKKEEPING)


def _start_year(pairings: list[dict], east_region_text: str, region: dict) -> int | None:
    """The start year of the pairing a row of ``region`` belongs to: its own pairing, its prefecture's,
    its province's (membership.covering_pairings)."""
    for level in ("county", "city", "province"):
        code = region["ancestors"].get(level)
        covering = membership.covering_pairings(pairings, east_region_text, [code]) if code else []
        years = [p["start_year"] for p in covering if p["start_year"] is not None]
        if years:
            return int(min(years))
        if covering:
            return None
    return None


def _illustrative(*texts) -> bool:
    return any(ILLUSTRATIVE in str(t or "") for t in texts)


def pairs(storage: Storage, access: Access) -> pd.DataFrame:
    """Every pairing the caller is party to (its western region overlaps her regions), East–West first."""
    check(access)
    found = _pairings(storage)
    regions = _regions(storage, [p["west_code"] for p in found])
    _, by_code = _full_names(storage)
    rows = []
    for pairing in found:
        region = regions.get(pairing["west_code"])
        if not _overlaps(access, region):
            continue
        east = _east_of_string(storage, pairing["east_region"]) if pairing["east_region"] else None
        rows.append({"kind": pairing["kind"], "east_region": pairing["east_region"] or "",
                     "east_code": east.code if east else None, "east_name": east.name if east else None,
                     "unit": pairing["unit"] or "", "west_code": region["code"], "west_name": region["name"],
                     "west_level": region["level"], "start_year": pairing["start_year"],
                     "end_year": pairing["end_year"], "note": pairing.get("note"),
                     "illustrative": _illustrative(pairing["unit"], pairing.get("note"))})
    columns = ["kind", "east_region", "east_code", "east_name", "unit", "west_code", "west_name", "west_level",
               "start_year", "end_year", "note", "illustrative"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["start_year"] = pd.array(frame["start_year"], dtype="Int64")
    frame["end_year"] = pd.array(frame["end_year"], dtype="Int64")
    order = {kind: i for i, kind in enumerate(contract.PAIRING_KINDS)}
    return frame.sort_values(["kind", "east_code", "unit", "west_code"], key=lambda s: s.map(order) if s.name == "kind"
                             else s.fillna(""), kind="stable").reset_index(drop=True)


@dataclass
class _PairRows:
    east: East
    pairings: list[dict]
    collaboration: pd.DataFrame  # the caller's own rows
    targets: pd.DataFrame
    regions: dict[str, dict]

    @property
    def years(self) -> list[int]:
        return sorted({int(y) for y in pd.concat([self.collaboration["year"], self.targets["year"]]).dropna()})


def _pair_rows(storage: Storage, access: Access, east_text: str) -> _PairRows:
    """The pairings of an eastern partner and its collaboration and target rows in the caller's own regions;
    NotFound when nothing names the partner, OtherPair when none of its western regions is the caller's."""
    check(access)
    east = _east(storage, east_text)
    pairings = [p for p in _pairings(storage) if p["kind"] == "east_west" and east.matches(p["east_region"])]
    names = list(east.names)
    collaboration = _table(storage, "collaboration", lambda t: t.c.east_region.in_(names))
    targets = _table(storage, "collaboration_targets", lambda t: t.c.east_region.in_(names))
    if not pairings and collaboration.empty and targets.empty:
        raise NotFound(f"没有这个东部协作方 / no East–West partner {east_text!r}: see /api/v1/collaboration/partners")
    regions = _regions(storage, [p["west_code"] for p in pairings] + list(collaboration["west_code"])
                       + list(targets["west_code"]))
    if not any(_overlaps(access, regions.get(p["west_code"])) for p in pairings) and not any(
            _own(access, regions.get(c)) for c in set(collaboration["west_code"]) | set(targets["west_code"])):
        raise OtherPair(east.code or east.name)
    collaboration = _mine(collaboration, "west_code", access, regions)
    targets = _mine(targets, "west_code", access, regions)
    return _PairRows(east, pairings, collaboration.reset_index(drop=True), targets.reset_index(drop=True), regions)


def _mine(frame: pd.DataFrame, column: str, access: Access, regions: dict[str, dict]) -> pd.DataFrame:
    """The rows of ``frame`` whose region (``column``) is one of the caller's own."""
    keep = pd.Series([_own(access, regions.get(c)) for c in frame[column]], index=frame.index, dtype=bool)
    return frame[keep]


def _months_into(storage: Storage, year: int) -> int | None:
    """How many months of ``year`` the data cover when it is the year under way (Jan–Oct: 10), else None."""
    try:
        months = cube.info(storage).periods.get("month") or []
    except cube.NotBuilt:
        return None
    last = max(months) if months else None
    return int(last[5:]) if last and int(last[:4]) == year and last[5:] != "12" else None


def _pct(numerator, denominator) -> float | None:
    if numerator is None or denominator in (None, 0):
        return None
    return round(numerator / denominator * 100, 1)


def _measures(target, result, last_year, months: int | None) -> dict:
    expected = None if target is None else (round(target * months / 12, 1) if months else target)
    change = None if result is None or last_year is None else result - last_year
    return {"target": target, "result": result, "completion": _pct(result, target), "expected": expected,
            "last_year": last_year, "change": change, "change_pct": _pct(change, last_year),
            "under_target": bool(expected is not None and expected > 0 and result is not None and result < expected)
            or bool(expected is not None and expected > 0 and result is None)}


# -- the pair ledger -------------------------------------------------------------------------------------
REGION_COLUMNS = ("west_code", "west_name", "west_level", "national_key", "start_year")


@dataclass
class Ledger:
    """One eastern partner's western regions in one year: targets against results (see :func:`ledger`)."""

    east: dict
    year: int | None
    years: list[int]
    months: int | None
    indicators: list[str]
    rows: pd.DataFrame
    totals: pd.DataFrame
    key_share: pd.DataFrame
    tilt: float = policy.KEY_COUNTY_TILT

    def wide(self) -> pd.DataFrame:
        """One row per western region: its columns, then ``indicator.measure`` for each indicator."""
        regions = self.rows.drop_duplicates("west_code")[list(REGION_COLUMNS)].reset_index(drop=True)
        columns = {}
        for indicator in self.indicators:
            part = self.rows[self.rows["indicator"] == indicator].set_index("west_code")
            for measure in MEASURES:
                columns[f"{indicator}.{measure}"] = regions["west_code"].map(part[measure]).reset_index(drop=True)
        return pd.concat([regions, pd.DataFrame(columns, index=regions.index)], axis=1)

    def to_dict(self) -> dict:
        by_region = {}
        for row in _records(self.rows):
            entry = by_region.setdefault(row["west_code"], {k: row[k] for k in REGION_COLUMNS} | {"indicators": {}})
            entry["indicators"][row["indicator"]] = {m: row[m] for m in MEASURES}
        return {"east": self.east, "year": self.year, "years": self.years, "months": self.months,
                "indicators": [{"code": i, "money": i in MONEY, "unit": metrics.get("ew_" + i).unit
                                if f"ew_{i}" in metrics.CATALOG else None} for i in self.indicators],
                "count": len(by_region), "regions": list(by_region.values()),
                "totals": {r["indicator"]: {m: r[m] for m in MEASURES} for r in _records(self.totals)},
                "key_share": {"tilt": self.tilt,
                              "indicators": {r["indicator"]: {k: r[k] for k in ("key_result", "result", "share",
                                                                                  "required", "below")}
                                             for r in _records(self.key_share)}}}


_COUNTS = ("target", "result", "last_year", "change", "key_result", "people")
_RATES = ("completion", "expected", "change_pct", "share", "required")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable numeric columns: whole numbers (yuan, people) as Int64 where every value is whole, rates as
    Float64; so that a download writes 12000000, not 12000000.0."""
    for column in frame.columns:
        if column in _COUNTS or column in _RATES:
            values = pd.to_numeric(frame[column], errors="coerce")
            whole = column in _COUNTS and bool(((values.dropna() % 1) == 0).all())
            frame[column] = values.round(0).astype("Int64") if whole else values.astype("Float64")
    return frame


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values (None for missing), for JSON."""
    out = []
    for row in frame.to_dict("records"):
        out.append({k: _plain(v) for k, v in row.items()})
    return out


def _plain(value):
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def ledger(storage: Storage, access: Access, east: str, year: int | None = None) -> Ledger:
    """The ledger of an eastern partner (code or name) in ``year`` (its latest year with rows if None): one
    row per western region of the caller's own and indicator with target, result, completion, last year's
    result and the change; totals; the share of each quantity that went to national key counties against
    the tilt the agreements require (policy.KEY_COUNTY_TILT × the key counties' share of the regions);
    a result below its target (pro-rated by month in the year under way) is flagged."""
    found = _pair_rows(storage, access, east)
    years = found.years
    if year is None:
        year = years[-1] if years else None
    elif year not in years:
        shown = ", ".join(map(str, years)) or "none"
        raise NotFound(f"{found.east.name} 没有 {year} 年的台账 / no ledger of {found.east.name} for {year}; years: {shown}")
    months = _months_into(storage, year) if year is not None else None
    collaboration, targets = found.collaboration, found.targets
    now = collaboration[collaboration["year"] == year] if year is not None else collaboration.iloc[0:0]
    before = collaboration[collaboration["year"] == (year - 1)] if year is not None else collaboration.iloc[0:0]
    goals = targets[targets["year"] == year] if year is not None else targets.iloc[0:0]
    codes = sorted(set(now["west_code"]) | set(goals["west_code"]))
    indicators = [i for i in INDICATORS if now[i].notna().any() or (goals["indicator"] == i).any()]
    result_of = {(r["west_code"], i): _plain(r[i]) for r in now.to_dict("records") for i in indicators}
    last_of = {(r["west_code"], i): _plain(r[i]) for r in before.to_dict("records") for i in indicators}
    target_of = {(r["west_code"], r["indicator"]): _plain(r["target"]) for r in goals.to_dict("records")}
    east_text = found.east.names[0]
    rows = []
    for code in codes:
        region = found.regions[code]
        start = _start_year(found.pairings, east_text, region)
        for indicator in indicators:
            rows.append({"west_code": code, "west_name": region["name"], "west_level": region["level"],
                         "national_key": bool(region.get("national_key_county")), "start_year": start,
                         "indicator": indicator,
                         **_measures(target_of.get((code, indicator)), result_of.get((code, indicator)),
                                     last_of.get((code, indicator)), months)})
    frame = _typed(pd.DataFrame(rows, columns=[*REGION_COLUMNS, "indicator", *MEASURES]))
    frame["start_year"] = pd.array(frame["start_year"], dtype="Int64")
    totals, shares = [], []
    key_regions = sum(bool(found.regions[c].get("national_key_county")) for c in codes)
    required = round(policy.KEY_COUNTY_TILT * key_regions / len(codes) * 100, 1) if codes else None
    for indicator in indicators:
        part = frame[frame["indicator"] == indicator]
        target = _sum(part["target"])
        result = _sum(part["result"])
        totals.append({"indicator": indicator, **_measures(target, result, _sum(part["last_year"]), months)})
        key_result = _sum(part.loc[part["national_key"], "result"]) if part["national_key"].any() else 0
        share = _pct(key_result, result)
        shares.append({"indicator": indicator, "key_result": key_result, "result": result, "share": share,
                       "required": required, "below": bool(share is not None and required is not None
                                                           and share < required)})
    return Ledger(found.east.to_dict() | {"east_region": east_text}, year, years, months, indicators, frame,
                  _typed(pd.DataFrame(totals, columns=["indicator", *MEASURES])),
                  _typed(pd.DataFrame(shares, columns=["indicator", "key_result", "result", "share", "required",
                                                       "below"])))


def _sum(values: pd.Series):
    present = [v for v in values if v is not None and v is not pd.NA and v == v]
    return sum(present) if present else None


def trends(storage: Storage, access: Access, east: str, indicator: str) -> pd.DataFrame:
    """One indicator's yearly target, result and completion for every western region of the caller's own
    (small multiples on a shared axis)."""
    _indicator(indicator)
    found = _pair_rows(storage, access, east)
    targets = found.targets[found.targets["indicator"] == indicator]
    target_of = {(r["west_code"], int(r["year"])): _plain(r["target"]) for r in targets.to_dict("records")}
    result_of = {(r["west_code"], int(r["year"])): _plain(r[indicator]) for r in found.collaboration.to_dict("records")}
    keys = sorted(set(target_of) | set(result_of))
    rows = [{"west_code": code, "west_name": found.regions[code]["name"], "year": year,
             "target": target_of.get((code, year)), "result": result_of.get((code, year)),
             "completion": _pct(result_of.get((code, year)), target_of.get((code, year)))} for code, year in keys]
    frame = _typed(pd.DataFrame(rows, columns=["west_code", "west_name", "year", "target", "result", "completion"]))
    frame.attrs["east"] = found.east.to_dict()
    return frame


def _indicator(indicator: str) -> str:
    if indicator not in INDICATORS:
        raise cube.BadParameter(f"未知指标 / unknown indicator {indicator!r}; one of {', '.join(INDICATORS)}")
    return indicator


def ranking(storage: Storage, access: Access, east: str, indicator: str, year: int | None = None,
            measure: str = "completion", order: str = "best") -> pd.DataFrame:
    """Every western region of the ledger ranked by one indicator's ``measure`` (1 = the best: every
    collaboration quantity is the higher the better; ties share a rank), best or worst first; regions
    without a value come last, unranked."""
    _indicator(indicator)
    if measure not in RANKED_BY or order not in ORDERS:
        raise cube.BadParameter(f"measure ∈ {RANKED_BY}, order ∈ {ORDERS} / not {measure!r}, {order!r}")
    found = ledger(storage, access, east, year)
    part = found.rows[found.rows["indicator"] == indicator]
    rows = [{"west_code": r["west_code"], "west_name": r["west_name"], "national_key": r["national_key"],
             "value": r[measure], "target": r["target"], "result": r["result"], "completion": r["completion"],
             "under_target": r["under_target"]} for r in _records(part)]
    cube.rank(rows, "higher_better")
    sign = -1 if order == "worst" else 1
    ranked = sorted((r for r in rows if "rank" in r), key=lambda r: (sign * r["rank"], r["west_code"]))
    rest = [r | {"rank": None} for r in rows if "rank" not in r]
    frame = pd.DataFrame(ranked + rest, columns=["rank", "west_code", "west_name", "national_key", "value", "target",
                                                 "result", "completion", "under_target"])
    frame["rank"] = pd.array(frame["rank"], dtype="Int64")
    frame.attrs.update(east=found.east, year=found.year, indicator=indicator, measure=measure, order=order)
    return frame


def partners(storage: Storage, access: Access) -> pd.DataFrame:
    """The eastern partners whose ledger the caller may open, the largest (most western regions) first."""
    check(access)
    found = _pairings(storage)
    regions = _regions(storage, [p["west_code"] for p in found])
    named = sorted({p["east_region"] for p in found if p["kind"] == "east_west" and p["east_region"]
                    and _overlaps(access, regions.get(p["west_code"]))})
    stored = data_tables["collaboration"]
    with storage.engine.connect() as connection:
        counted = connection.execute(sa.select(stored.c.east_region, stored.c.west_code, stored.c.year)).all()
    everything = _regions(storage, [w for _, w, _ in counted])
    rows, seen = [], set()
    for text in named + sorted({e for e, w, _ in counted if _own(access, everything.get(w))} - set(named)):
        east = _east_of_string(storage, text)
        key = east.code or east.name
        if key in seen:
            continue
        seen.add(key)
        mine = [(w, y) for e, w, y in counted if east.matches(e) and _own(access, everything.get(w))]
        years = sorted({int(y) for _, y in mine})
        rows.append({"east_code": east.code, "east_name": east.name, "east_region": text,
                     "regions": len({w for w, _ in mine}), "years": years, "latest": years[-1] if years else None})
    frame = pd.DataFrame(rows, columns=["east_code", "east_name", "east_region", "regions", "years", "latest"])
    return frame.sort_values(["regions", "east_code"], ascending=[False, True], kind="stable").reset_index(drop=True)


def largest_partner(storage: Storage, access: Access) -> str | None:
    """The code of the caller's eastern partner with the most western regions (the benchmark's case)."""
    found = partners(storage, access)
    found = found[found["east_code"].notna()]
    return None if found.empty else found.iloc[0]["east_code"]


def ledger_timing(storage: Storage, access: Access, east: str | None = None, repeat: int = 3) -> dict:
    """How long :func:`ledger` takes for ``east`` (the largest partner if None): the best of ``repeat``
    runs, in seconds, with the size of the answer (for benchmarks/collaboration.py)."""
    east = east or largest_partner(storage, access)
    if east is None:
        raise NotFound("没有东西部协作数据 / no East–West collaboration rows to time")
    best, found = None, None
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        found = ledger(storage, access, east)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return {"east": found.east["code"], "east_name": found.east["name"], "year": found.year,
            "regions": int(found.rows["west_code"].nunique()), "rows": len(found.rows), "seconds": round(best, 4)}


# -- targeted assistance (定点帮扶) -------------------------------------------------------------------------
TARGETED_COLUMNS = ("unit", "county_code", "county_name", "national_key", "start_year", "illustrative")


@dataclass
class Targeted:
    """The central units × counties ledger of one year (see :func:`targeted`)."""

    region: dict | None
    year: int | None
    years: list[int]
    months: int | None
    rows: pd.DataFrame
    totals: pd.DataFrame
    quantities: tuple[str, ...] = TARGETED

    def wide(self) -> pd.DataFrame:
        keys = self.rows.drop_duplicates(["unit", "county_code"])[list(TARGETED_COLUMNS)].reset_index(drop=True)
        columns = {}
        for quantity in self.quantities:
            part = self.rows[self.rows["quantity"] == quantity].set_index(["unit", "county_code"])
            for measure in TARGETED_MEASURES:
                columns[f"{quantity}.{measure}"] = pd.Series(
                    [part[measure].get((u, c)) for u, c in zip(keys["unit"], keys["county_code"])], index=keys.index,
                    dtype=part[measure].dtype)
        return pd.concat([keys, pd.DataFrame(columns, index=keys.index)], axis=1)

    def to_dict(self) -> dict:
        by_pair = {}
        for row in _records(self.rows):
            entry = by_pair.setdefault((row["unit"], row["county_code"]),
                                       {k: row[k] for k in TARGETED_COLUMNS} | {"quantities": {}})
            entry["quantities"][row["quantity"]] = {m: row[m] for m in TARGETED_MEASURES}
        return {"region": self.region, "year": self.year, "years": self.years, "months": self.months,
                "quantities": list(self.quantities), "count": len(by_pair), "rows": list(by_pair.values()),
                "totals": {r["quantity"]: {m: r[m] for m in TARGETED_MEASURES} for r in _records(self.totals)}}


def targeted(storage: Storage, access: Access, county: str | None = None, year: int | None = None) -> Targeted:
    """What the central units did for the counties of ``county`` (a county, or a prefecture or province:
    its counties; None: every county of the caller's own regions) in ``year`` (latest if None), with last
    year's figure and the change. A county outside the caller's own regions is refused (another pair's)."""
    check(access)
    place = None
    if county is not None:
        place = storage.region(_BOOKKEEPING, normalize(county))
        if not _overlaps(access, place):
            raise OtherPair(place["code"], "region")
        prefix = significant(place["code"], place["level"])
        frame = _table(storage, "targeted_assistance", lambda t: t.c.county_code.startswith(prefix))
    else:
        frame = _table(storage, "targeted_assistance")
    regions = _regions(storage, frame["county_code"])
    frame = _mine(frame, "county_code", access, regions)
    years = sorted({int(y) for y in frame["year"].dropna()})
    if year is None:
        year = years[-1] if years else None
    elif year not in years:
        raise NotFound(f"没有 {year} 年的定点帮扶记录 / no targeted assistance for {year}; years: "
                       f"{', '.join(map(str, years)) or 'none'}")
    pairings = [p for p in _pairings(storage) if p["kind"] == "targeted"]
    start_of = {(p["unit"], p["west_code"]): p for p in pairings}
    now = frame[frame["year"] == year] if year is not None else frame.iloc[0:0]
    before = {(r["unit"], r["county_code"]): r for r in frame[frame["year"] == (year or 0) - 1].to_dict("records")}
    rows = []
    for record in now.sort_values(["county_code", "unit"]).to_dict("records"):
        region = regions[record["county_code"]]
        pairing = start_of.get((record["unit"], record["county_code"]), {})
        last = before.get((record["unit"], record["county_code"]), {})
        for quantity in TARGETED:
            result, previous = _plain(record[quantity]), _plain(last.get(quantity))
            change = None if result is None or previous is None else result - previous
            rows.append({"unit": record["unit"], "county_code": region["code"], "county_name": region["name"],
                         "national_key": bool(region.get("national_key_county")),
                         "start_year": pairing.get("start_year"),
                         "illustrative": _illustrative(record["unit"], pairing.get("note")), "quantity": quantity,
                         "result": result, "last_year": previous, "change": change,
                         "change_pct": _pct(change, previous)})
    rows_frame = _typed(pd.DataFrame(rows, columns=[*TARGETED_COLUMNS, "quantity", *TARGETED_MEASURES]))
    rows_frame["start_year"] = pd.array(rows_frame["start_year"], dtype="Int64")
    totals = []
    for quantity in TARGETED:
        part = rows_frame[rows_frame["quantity"] == quantity]
        result, previous = _sum(part["result"]), _sum(part["last_year"])
        change = None if result is None or previous is None else result - previous
        totals.append({"quantity": quantity, "result": result, "last_year": previous, "change": change,
                       "change_pct": _pct(change, previous)})
    shown = {k: place[k] for k in ("code", "name", "level")} if place else None
    return Targeted(shown, year, years, _months_into(storage, year) if year else None, rows_frame,
                    _typed(pd.DataFrame(totals, columns=["quantity", *TARGETED_MEASURES])))


# -- labour flows ------------------------------------------------------------------------------------------
@dataclass
class Flows:
    """Where the western counties' workers went in a year (see :func:`flows`)."""

    west: dict
    year: int | None
    employment: pd.DataFrame
    reported: pd.DataFrame
    months: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"west": self.west, "year": self.year, "months": self.months,
                "employment": _records(self.employment), "reported": _records(self.reported)}


def flows(storage: Storage, access: Access, west: str, year: int | None = None) -> Flows:
    """Labour flows of the counties under ``west`` (a prefecture or province; a county, township or village:
    itself) in ``year`` (the
    latest with employment figures if None). ``employment``: former-poor and monitored labourers employed,
    by where they worked — in the paired eastern partner, in their county, elsewhere in their province, in
    other provinces — as the monthly average over the year's months (the employment records as the
    pipeline aggregated them: figures, never rows); ``reported``: the pair's own report of rural workers
    helped into jobs (the collaboration table, the caller's own regions): to the east, in the province,
    elsewhere (the rest of those helped)."""
    place = cube.region_of(storage, access, normalize(west))
    region = storage.region(access, place["code"], figures_only=True)
    counties = [{"code": c, "name": n, "level": lv} for c, n, lv in storage.figure_units(access, "county", place["code"])] \
        if region["level"] in ("province", "city") else [{k: region[k] for k in ("code", "name", "level")}]
    months_known = cube.available(cube.info(storage), metrics.get(FLOW_METRICS["in_county"]))  # NotBuilt: 503
    years = sorted({int(p[:4]) for p in months_known})
    if year is None:
        year = years[-1] if years else None
    elif year not in years:
        raise NotFound(f"没有 {year} 年的就业数据 / no employment figures for {year}; years: "
                       f"{', '.join(map(str, years)) or 'none'}")
    months = [p for p in months_known if year is not None and p.startswith(str(year))]
    totals: dict[tuple[str, str], list[float]] = {}
    for destination, metric_code in FLOW_METRICS.items():
        for period in months:
            if not counties:
                break
            for row in cube.unit_values(storage, access, metric_code, counties, period)["rows"]:
                if row["value"] is not None:
                    totals.setdefault((row["code"], destination), []).append(row["value"])
    regions = _regions(storage, [c["code"] for c in counties])
    pairings = _pairings(storage)
    rows = []
    for county in counties:
        info = regions.get(county["code"])
        east = _partner_of(storage, pairings, info) if info else None
        for destination in DESTINATIONS:
            values = totals.get((county["code"], destination))
            if not values:
                continue
            to_code, to_name = {"paired_east": (east.code if east else None, east.name if east else None),
                                "in_county": (info["ancestors"].get("county") if info else None, None),
                                "in_province": (info["ancestors"].get("province") if info else None, None),
                                "out_of_province": (None, None)}[destination]
            rows.append({"west_code": county["code"], "west_name": county["name"], "destination": destination,
                         "destination_code": to_code, "destination_name": to_name,
                         "people": round(sum(values) / len(values), 1), "months": len(values)})
    employment = pd.DataFrame(rows, columns=["west_code", "west_name", "destination", "destination_code",
                                             "destination_name", "people", "months"])
    places = _regions(storage, [r["destination_code"] for r in rows if r["destination"] in ("in_county", "in_province")])
    local = employment["destination"].isin(["in_county", "in_province"])
    employment.loc[local, "destination_name"] = employment.loc[local, "destination_code"].map(
        lambda c: places.get(c, {}).get("name"))
    prefix = significant(region["code"], region["level"])
    reported_rows = []
    if year is not None:
        collaboration = _table(storage, "collaboration", lambda t: sa.and_(t.c.west_code.startswith(prefix),
                                                                           t.c.year == year))
        shown = _regions(storage, collaboration["west_code"])
        for row in collaboration.sort_values(["west_code", "east_region"]).to_dict("records"):
            info = shown.get(row["west_code"])
            helped = _plain(row["workers_helped"])
            if not _own(access, info) or helped is None:
                continue
            east = _east_of_string(storage, row["east_region"])
            to_east, in_province = _plain(row["to_east"]) or 0, _plain(row["in_province"]) or 0
            for destination, people in (("to_east", to_east), ("in_province", in_province),
                                        ("elsewhere", max(0, helped - to_east - in_province))):
                reported_rows.append({"west_code": info["code"], "west_name": info["name"], "east_code": east.code,
                                      "east_name": east.name, "destination": destination, "people": people})
    reported = pd.DataFrame(reported_rows, columns=["west_code", "west_name", "east_code", "east_name",
                                                    "destination", "people"])
    return Flows({k: region[k] for k in ("code", "name", "level")}, year, employment, reported, months)


def _partner_of(storage: Storage, pairings: list[dict], region: dict) -> East | None:
    """The most specific eastern partner of a western region (its own pairing, its prefecture's, its
    province's)."""
    for level in ("county", "city", "province"):
        code = region["ancestors"].get(level)
        for pairing in pairings:
            if pairing["kind"] == "east_west" and code and pairing["west_code"] == code and pairing["east_region"]:
                return _east_of_string(storage, pairing["east_region"])
    return None


# -- outcomes: paired counties against their peers ---------------------------------------------------------
@dataclass
class Outcomes:
    """Paired counties against peers on outcome metrics before and after the pair's start (see
    :func:`outcomes`)."""

    east: dict
    start_year: int | None
    paired: list[str]
    peers: list[str]
    peer_rule: str
    series: pd.DataFrame
    summary: pd.DataFrame
    caveat: str = CAVEAT
    metric_codes: tuple[str, ...] = OUTCOME_METRICS
    comparison: str = "since_data"  # one of COMPARISONS
    data_start: str | None = None  # the first period with data (of any outcome metric)
    data_end: str | None = None  # the latest

    def to_dict(self) -> dict:
        return {"east": self.east, "start_year": self.start_year, "paired": self.paired, "peers": self.peers,
                "peer_rule": self.peer_rule, "caveat": self.caveat, "metrics": list(self.metric_codes),
                "comparison": self.comparison, "data_start": self.data_start, "data_end": self.data_end,
                "series": _records(self.series), "summary": _records(self.summary)}


def outcomes(storage: Storage, access: Access, east: str,
             metric_codes: tuple[str, ...] = OUTCOME_METRICS) -> Outcomes:
    """The counties this partner supports (the ledger's counties, every year, the caller's own) against peer
    counties of the same provinces and tier (the narrowest of national key, provincial key, former poverty,
    all counties) that it does not support — if there are none, the provinces' other counties — on outcome
    metrics: each group's median per period, and its mean before and from the pair's start year when that
    year lies inside the data (``basis`` "before_after"); when the pair is older than the data (``basis``
    "since_data"), ``before``/``after`` stay empty and each group's ``first`` and ``latest`` values (the first
    and latest period both groups have a value for), their ``change`` and the ``difference`` of the changes
    (paired − peers) compare instead. A comparison, not a causal estimate (:data:`CAVEAT`): pairs were not
    drawn at random."""
    for code in metric_codes:
        metrics.get(code)
    found = _pair_rows(storage, access, east)
    supported = sorted({c for c in set(found.collaboration["west_code"]) | set(found.targets["west_code"])
                        if found.regions[c]["level"] == "county"})
    east_text = found.east.names[0]
    starts = [s for s in (_start_year(found.pairings, east_text, found.regions[c]) for c in supported) if s]
    start = min(starts) if starts else None
    everything = set(_supported_by(storage, found.east))
    provinces = sorted({found.regions[c]["ancestors"]["province"] for c in supported})
    in_provinces = [u for p in provinces for u in storage.figure_units(access, "county", p)]
    groups = {(found.regions[c]["ancestors"]["province"], own_tier(storage, access, found.regions[c]).code)
              for c in supported}  # (province, narrowest tier) of each supported county
    same_tier = set()
    for province, tier in groups:
        members = membership.compared_counties(storage, access, tier)
        same_tier |= {c for c, _, _ in in_provinces if c[:2] == province[:2] and (members is None or c in members)}
    peers = _with_figures(storage, same_tier - everything)
    rule = "same_tier"
    if not peers:
        peers = _with_figures(storage, {c for c, _, _ in in_provinces} - everything)
        rule = "province" if peers else "none"
    series_rows, summary_rows, bases, periods = [], [], set(), []
    for metric_code in metric_codes:
        metric = metrics.get(metric_code)
        try:
            known = set(cube.available(cube.info(storage), metric))
        except cube.NotBuilt:
            known = set()
        found_points = {}
        for group, codes in (("paired", supported), ("peers", peers)):
            points = [p for p in cube.median_series(storage, access, metric_code, codes) if p["period"] in known] \
                if codes else []
            series_rows += [{"metric": metric_code, "period": p["period"], "group": group, "value": p["value"],
                             "count": p["count"]} for p in points]
            found_points[group] = {p["period"]: p["value"] for p in points if p["value"] is not None}
        rows, basis = _compare(found_points, start, metric.decimals)
        if any(found_points.values()):
            bases.add(basis)
            periods += [p for values in found_points.values() for p in values]
        summary_rows += [{"metric": metric_code, **row} for row in rows]
    comparison = bases.pop() if len(bases) == 1 else ("mixed" if bases else "since_data")
    return Outcomes(found.east.to_dict(), start, supported, peers, rule,
                    pd.DataFrame(series_rows, columns=["metric", "period", "group", "value", "count"]),
                    pd.DataFrame(summary_rows, columns=list(SUMMARY_COLUMNS)),
                    metric_codes=tuple(metric_codes), comparison=comparison,
                    data_start=min(periods) if periods else None, data_end=max(periods) if periods else None)


SUMMARY_COLUMNS = ("metric", "group", "basis", "before", "after", "change", "before_periods", "after_periods",
                   "first", "latest", "first_period", "latest_period", "difference")


def _compare(points: dict[str, dict[str, float]], start: int | None, decimals: int) -> tuple[list[dict], str]:
    """One metric's summary rows (paired, peers) from each group's values by period, and the basis: before
    against after the start year when the paired counties have periods on both sides of it, else the change
    from the first to the latest period both groups have (the paired group's alone without peers)."""
    paired = points.get("paired", {})
    inside = start is not None and any(int(p[:4]) < start for p in paired) and any(int(p[:4]) >= start for p in paired)
    basis = "before_after" if inside else "since_data"
    common = sorted(set(paired) & set(points.get("peers", {}))) if points.get("peers") else sorted(paired)
    first_period = common[0] if common else None
    latest_period = common[-1] if len(common) > 1 else None  # one period alone has no change
    rows = []
    for group in ("paired", "peers"):
        values = points.get(group, {})
        before = [v for p, v in values.items() if inside and int(p[:4]) < start]
        after = [v for p, v in values.items() if not inside or int(p[:4]) >= start] if inside else []
        mean_before = round(statistics.fmean(before), decimals) if before else None
        mean_after = round(statistics.fmean(after), decimals) if after else None
        first = values.get(first_period) if first_period else None
        latest = values.get(latest_period) if latest_period else None
        if inside:
            change = None if mean_before is None or mean_after is None else round(mean_after - mean_before, decimals)
        else:
            change = None if first is None or latest is None else round(latest - first, decimals)
        rows.append({"group": group, "basis": basis, "before": mean_before, "after": mean_after, "change": change,
                     "before_periods": len(before), "after_periods": len(after),
                     "first": first, "latest": latest, "first_period": first_period,
                     "latest_period": latest_period})
    both = [r["change"] for r in rows]
    difference = None if None in both else round(both[0] - both[1], decimals)
    for row in rows:
        row["difference"] = difference
    return rows, basis


def _supported_by(storage: Storage, east: East) -> list[str]:
    """Every western region with a collaboration row or a target of this partner (whoever asks: to leave
    them out of the peers)."""
    names = list(east.names)
    found = set()
    for table in ("collaboration", "collaboration_targets"):
        stored = data_tables[table]
        with storage.engine.connect() as connection:
            found |= {c for (c,) in connection.execute(sa.select(stored.c.west_code).distinct()
                                                       .where(stored.c.east_region.in_(names)))}
    return sorted(found)


def _with_figures(storage: Storage, codes) -> list[str]:
    """Those of ``codes`` with any figure in the cube (a county without records has none to compare)."""
    wanted = sorted(codes)
    found = set()
    with storage.engine.connect() as connection:
        for start in range(0, len(wanted), 900):
            found |= {c for (c,) in connection.execute(sa.select(cube_table.c.region_code).distinct().where(
                cube_table.c.region_code.in_(wanted[start:start + 900])))}
    return sorted(found)
