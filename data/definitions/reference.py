"""The reference files shipped with the app (data/reference/: key counties, former poverty counties, East–West
pairs, glossary, thresholds), each with its source in SOURCES.md.

The tier lists are read here, once: :func:`key_counties` (the national key assistance counties of the notice
of 2021-08-27), :func:`key_county_coverage` (per province, whether that list is complete, and the size a
source states), :func:`poverty_counties` (the 832 former poverty counties; ``None`` while the file is not
shipped). Each row names its source tags (``K1;K2``, the entries of SOURCES.md) and a status: ``confirmed``
(a source names the county as a member) or ``unconfirmed`` (named somewhere, membership not confirmed, with
the reason). Only confirmed rows set a flag.
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
KEY_COUNTIES_FILE = "key_counties.csv"
KEY_COVERAGE_FILE = "key_counties_coverage.csv"
POVERTY_COUNTIES_FILE = "poverty_counties_832.csv"
# The official sizes of the two lists, as the sources state them (SOURCES.md): 160 key counties [K4],
# 832 former poverty counties [T2].
KEY_COUNTY_TOTAL = 160
POVERTY_COUNTY_TOTAL = 832
STATUSES = ("confirmed", "unconfirmed")


@dataclass(frozen=True)
class ListedCounty:
    province: str
    county: str
    adcode: str  # 6 digits, as matched against the packaged county layer
    source: tuple[str, ...]  # tags of SOURCES.md
    status: str  # confirmed | unconfirmed
    reason: str  # why a row is unconfirmed

    @property
    def confirmed(self) -> bool:
        return self.status == "confirmed"

    def provenance(self, file: str) -> str:
        """The flag's provenance note stored with a region (its tags are entries of data/reference/SOURCES.md;
        short enough for the regions table's ``flag_source`` column of the contract)."""
        return f"{file} ({self.province} {self.county}; {', '.join(self.source)})"


@dataclass(frozen=True)
class ProvinceCoverage:
    province_code: str  # 2 digits
    province: str
    stated_size: int | None  # the size a source states, if one does
    size_source: tuple[str, ...]
    complete: bool
    basis: str


def _read(file: str) -> list[dict]:
    with open(REFERENCE_DIR / file, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _tags(value: str) -> tuple[str, ...]:
    return tuple(tag.strip() for tag in (value or "").split(";") if tag.strip())


def _listed(file: str) -> tuple[ListedCounty, ...]:
    rows = []
    for row in _read(file):
        status = (row.get("status") or "confirmed").strip()
        if status not in STATUSES:
            raise ValueError(f"{file}: {row['county']} has status {status!r}; one of {', '.join(STATUSES)}")
        rows.append(ListedCounty(row["province"], row["county"], row["adcode"], _tags(row.get("source", "")),
                                 status, (row.get("reason") or "").strip()))
    return tuple(rows)


@functools.cache
def key_counties() -> tuple[ListedCounty, ...]:
    """Every row of the key-county list, confirmed and unconfirmed."""
    return _listed(KEY_COUNTIES_FILE)


@functools.cache
def poverty_counties() -> tuple[ListedCounty, ...] | None:
    """Every row of the 832 list, or None: no source for it was found, so the file is not shipped."""
    return _listed(POVERTY_COUNTIES_FILE) if (REFERENCE_DIR / POVERTY_COUNTIES_FILE).exists() else None


@functools.cache
def key_county_coverage() -> tuple[ProvinceCoverage, ...]:
    """Per province that has key counties: is the list complete there, and what size does a source state."""
    return tuple(ProvinceCoverage(row["province_code"], row["province"],
                                  int(row["stated_size"]) if row["stated_size"] else None,
                                  _tags(row["size_source"]), row["complete"] == "yes", row["basis"])
                 for row in _read(KEY_COVERAGE_FILE))


def confirmed_key_adcodes() -> frozenset[str]:
    return frozenset(row.adcode for row in key_counties() if row.confirmed)


def confirmed_poverty_adcodes() -> frozenset[str]:
    """The counties known to be former poverty counties: the 832 list's confirmed rows, and every confirmed
    key county (the key counties were chosen among the western provinces' former poverty counties by their
    order of exit from poverty, 脱贫摘帽时序 [K4]; see SOURCES.md)."""
    listed = poverty_counties() or ()
    return frozenset(row.adcode for row in listed if row.confirmed) | confirmed_key_adcodes()
