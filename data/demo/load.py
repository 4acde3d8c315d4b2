"""Builds and stores the demo data of a scale, after the regions are loaded (``init``)."""
from __future__ import annotations

import calendar
import datetime as dt
import json
import time
import uuid

import numpy as np
import pandas as pd
from tqdm import tqdm

from data.compute import verification
from data.definitions import contract
from data.definitions.access import Access
from data.demo import generator
from data.ingest.importer import RECORDS_VERSION
from data.store import records
from data.store.schema import data_tables
from data.store.storage import Storage
from geo.hierarchy import Region

FLOOD_COUNTIES = 3  # counties hit by the July–August 2025 flood (the first key counties by seed)
FLOOD_NOTE = "演示数据中的示意性洪涝（非真实灾情）/ the demo's illustrative flood, not a real disaster"


def flood_events(regions: dict[str, Region], in_scope: list[str], seed: int) -> list[dict]:
    """The demo's flood as rows of the events table: ``FLOOD_COUNTIES`` national key counties of the scope
    (chosen by seed), flooded from the first day of the first of ``generator.FLOOD_MONTHS`` to the last day
    of the last."""
    rng = np.random.default_rng(seed)
    key = [c for c in in_scope if regions[c].national_key_county]
    flooded = sorted(rng.choice(key, size=min(FLOOD_COUNTIES, len(key)), replace=False).tolist()) if key else []
    (first_year, first_month), (last_year, last_month) = (
        map(int, month.split("-")) for month in (min(generator.FLOOD_MONTHS), max(generator.FLOOD_MONTHS)))
    started = dt.date(first_year, first_month, 1)
    ended = dt.date(last_year, last_month, calendar.monthrange(last_year, last_month)[1])
    return [{"event_id": f"demo-flood-{code}", "region_code": code, "kind": "flood", "started_on": started,
             "ended_on": ended, "note": FLOOD_NOTE} for code in flooded]


def contexts(regions: dict[str, Region], in_scope: list[str], seed: int,
             events: list[dict] | None = None) -> list[generator.CountyContext]:
    """What the generator needs of each county in scope; a county is ``flooded`` where a flood event of
    ``events`` (default: :func:`flood_events`) lies in it."""
    events = flood_events(regions, in_scope, seed) if events is None else events
    flooded = {e["region_code"][:6].ljust(12, "0") for e in events if e["kind"] == "flood"}
    villages_of: dict[str, list[str]] = {}
    for region in regions.values():  # one pass, not one scan of every region per county
        if region.level == "village":
            villages_of.setdefault(region.ancestors.get("county"), []).append(region.code)
    result = []
    for code in in_scope:
        county = regions[code]
        city = regions[county.parent_code]
        province = regions[county.ancestors["province"]]
        villages = sorted(villages_of.get(code, []))
        result.append(generator.CountyContext(code, county.name, province.code, province.name, city.name,
                                              county.national_key_county, villages, code in flooded,
                                              city_code=city.code))
    return result


THRESHOLD_SOURCE = "演示：以云南元谋2023年8,050元为锚，年增4.5% / illustrative, anchored on Yuanmou 2023 [G10]"


def threshold_rows(county_contexts: list[generator.CountyContext]) -> list[dict]:
    """The demo's monitoring threshold of each province in scope, for every year with records."""
    provinces = sorted({c.province_code for c in county_contexts})
    years = sorted(set(generator.INCOME_YEARS) | set(generator.PROGRAMME_YEARS))
    return [{"province_code": p, "year": y, "threshold": generator.threshold(p, y), "source": THRESHOLD_SOURCE}
            for p in provinces for y in years]


def load_demo(storage: Storage, access: Access, regions: dict[str, Region], scale: str, seed: int,
              progress: bool = True) -> dict:
    """Generate every table for the counties in scope and store it in one transaction (administrators)."""
    access.require("admin")
    in_scope = json.loads(storage.facts()["counties_in_scope"])
    started = time.perf_counter()
    events = flood_events(regions, in_scope, seed)
    county_contexts = contexts(regions, in_scope, seed, events)
    places = [(r.level, r.name, r.code) for r in regions.values() if r.level in ("province", "city", "county")]
    frames = generator.generate(county_contexts, scale, seed, places)  # every pair of the pairs file is stored
    frames["thresholds"] = pd.DataFrame(threshold_rows(county_contexts))
    frames["events"] = pd.DataFrame(events)
    frames["field_verification"] = verification.demo_results(frames, seed)  # issue 19: illustrative field-check results
    counts = {}
    with storage.engine.begin() as connection:
        for table in reversed(contract.LOAD_ORDER):
            connection.execute(data_tables[table].delete())
        for table in tqdm(contract.LOAD_ORDER, desc="演示数据 demo data", unit="table", disable=not progress):
            counts[table] = records.insert(connection, table, records.protect(table, frames[table]))
        # A new records version: what was read of the records before (membership's pairings) is read again.
        storage.put_facts(connection, {"sampling_ratio": str(generator.SAMPLING_RATIO),
                                       RECORDS_VERSION: uuid.uuid4().hex})
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts
