"""The tier lists (data/reference/key_counties.csv, the 832 list when shipped): each row sourced, matched to a
packaged county of its province, no duplicates; the gap to the official size stated where tiers are offered;
the flags of a built database follow the lists."""
from __future__ import annotations

import re

import pytest

from data.definitions import reference, tiers
from data.definitions.access import system_access
from data.definitions.reference import REFERENCE_DIR
from data.store import membership
from geo import packaged

ADMIN = system_access("test")
SOURCES = (REFERENCE_DIR / "SOURCES.md").read_text(encoding="utf-8")
LISTS = [reference.key_counties()] + ([reference.poverty_counties()] if reference.poverty_counties() else [])


@pytest.fixture(scope="module")
def packaged_names():
    """6-digit adcode → name of the packaged county and province layers (raw, no geometry work)."""
    layers = {layer: {f["properties"]["gb"][3:]: f["properties"]["name"]
                      for f in packaged._read(layer) if f["properties"].get("gb")} for layer in ("province", "county")}
    return layers["province"], layers["county"]


@pytest.mark.parametrize("rows", LISTS)
def test_every_row_is_sourced_and_its_status_is_stated(rows):
    tags = set(re.findall(r"\*\*\[([A-Z]\d+)\]\*\*", SOURCES))
    for row in rows:
        assert row.source and set(row.source) <= tags, (row.county, row.source)
        assert row.status in reference.STATUSES
        assert bool(row.reason) == (not row.confirmed), row.county  # an unconfirmed row says why, only it


@pytest.mark.parametrize("rows", LISTS)
def test_every_adcode_is_a_packaged_county_of_the_rows_province(rows, packaged_names):
    provinces, counties = packaged_names
    for row in rows:
        assert counties.get(row.adcode) == row.county, row
        assert provinces[row.adcode[:2] + "0000"] == row.province, row


@pytest.mark.parametrize("rows", LISTS)
def test_no_county_is_listed_twice(rows):
    assert len({row.adcode for row in rows}) == len(rows)
    assert len({(row.province, row.county) for row in rows}) == len(rows)


def test_the_key_list_has_160_rows_or_states_exactly_what_is_missing():
    rows, coverage = reference.key_counties(), {c.province_code: c for c in reference.key_county_coverage()}
    confirmed = [row for row in rows if row.confirmed]
    assert {row.adcode[:2] for row in rows} <= set(coverage)
    per_province = {code: sum(row.adcode[:2] == code for row in confirmed) for code in coverage}
    for code, province in coverage.items():
        if province.stated_size is not None:  # a province's stated size is never exceeded, and met when complete
            assert per_province[code] <= province.stated_size
            assert (per_province[code] == province.stated_size) == province.complete, province
        assert province.basis and (province.complete or per_province[code] < (province.stated_size or 10**6))
    if len(confirmed) < reference.KEY_COUNTY_TOTAL:  # then the gap lies in the provinces marked incomplete
        assert any(not c.complete for c in coverage.values())
        assert tiers.list_gap("national_key") == (len(confirmed), reference.KEY_COUNTY_TOTAL)
    else:
        assert len(confirmed) == reference.KEY_COUNTY_TOTAL and all(c.complete for c in coverage.values())
        assert tiers.list_gap("national_key") is None


def test_the_832_list_is_shipped_or_its_absence_is_stated():
    listed = reference.poverty_counties()
    if listed is None:
        assert "### poverty_counties_832.csv: not written" in SOURCES
        gap = tiers.list_gap("former_poverty")
        assert gap == (len(reference.confirmed_key_adcodes()), reference.POVERTY_COUNTY_TOTAL)
    else:
        assert "### poverty_counties_832.csv (" in SOURCES
        confirmed = {row.adcode for row in listed if row.confirmed}
        assert tiers.list_gap("former_poverty") == (
            None if len(confirmed | reference.confirmed_key_adcodes()) >= reference.POVERTY_COUNTY_TOTAL
            else (len(confirmed | reference.confirmed_key_adcodes()), reference.POVERTY_COUNTY_TOTAL))


def test_an_imported_regions_file_closes_the_gap_and_other_tiers_have_none():
    assert tiers.list_gap("national_key", imported=True) is None
    assert tiers.list_gap("former_poverty", imported=True) is None
    assert tiers.list_gap("all") is None and tiers.list_gap("paired_east") is None


def test_the_flags_of_a_built_tiny_database_follow_the_lists(tiny_storage):
    key, poverty = reference.confirmed_key_adcodes(), reference.confirmed_poverty_adcodes()
    counties = tiny_storage.regions(ADMIN, level="county")
    assert counties
    for region in counties:
        adcode = region["code"][:6]
        assert region["national_key_county"] == (adcode in key), region["name"]
        assert region["former_poverty_county"] == (adcode in poverty), region["name"]
    assert any(r["national_key_county"] for r in counties)  # the tiny scale holds key counties of the list
    members = membership.counties(tiny_storage, ADMIN, "national_key")
    assert {c[:6] for c in members} == key  # the whole list is stored (the hierarchy is the whole country)


@pytest.mark.parametrize("lang, words", [("zh", "名单不全"), ("en", "list incomplete")])
def test_the_tier_selector_says_the_list_is_incomplete_with_its_counts(tiny_storage, lang, words):
    from layouts.map_page import tier_options

    options = {o["value"]: o for o in tier_options(tiny_storage, ADMIN, lang)}
    for code in ("national_key", "former_poverty"):
        gap = membership.list_gap(tiny_storage, ADMIN, code)
        assert gap == tiers.list_gap(code)
        if gap:
            listed, total = gap
            assert words in options[code]["label"] and f"{listed}" in options[code]["label"]
            assert f"{total}" in options[code]["label"] and f"{total}" in options[code]["title"]
    assert "title" not in options["all"] and words not in options["all"]["label"]


@pytest.mark.parametrize("rows, file", [(reference.key_counties(), reference.KEY_COUNTIES_FILE)]
                         + ([(reference.poverty_counties(), reference.POVERTY_COUNTIES_FILE)]
                            if reference.poverty_counties() else []))
def test_the_flag_provenance_fits_the_contract_and_names_file_and_sources(rows, file):
    from data.definitions import contract

    column = next(c for c in contract.REGIONS.extra_exported if c.name == "flag_source")
    for row in rows:
        note = row.provenance(file)
        assert len(note) <= column.length and file in note and all(tag in note for tag in row.source)
