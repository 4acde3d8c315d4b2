"""Storage on SQLite and PostgreSQL: the same loads, queries, refusals and atomic writes."""
import json

import pytest
import sqlalchemy as sa

from data.store.schema import regions as regions_table
from data.definitions.access import ROLES, Access, OutOfScope, Scope
from data.demo.regions import units_of
from data.demo.scales import SCALES
from data.store.storage import NotFound, migrate
from tests.conftest import ADMIN


def test_whole_national_hierarchy_is_loaded_at_tiny_scale(tiny_storage):
    counts = tiny_storage.counts_by_level(ADMIN)
    assert counts["province"] == 34
    assert len(tiny_storage.regions(ADMIN, level="county")) == 2891


def test_counties_in_scope_have_their_official_townships_and_villages_with_outlines(tiny_storage):
    in_scope = json.loads(tiny_storage.facts()["counties_in_scope"])
    assert len(in_scope) == 3
    for county in in_scope:
        official_towns, official_villages = units_of(county[:6] + "000000", SCALES["tiny"])
        towns = tiny_storage.regions(ADMIN, parent=county)
        assert [t["code"] for t in towns] == [t.code for t in official_towns]
        assert [t["name"] for t in towns] == [t.name for t in official_towns]
        assert {t["level"] for t in towns} == {"township"}
        assert len(tiny_storage.outlines(ADMIN, "township", county)) == len(towns)
        for town in towns:
            villages = tiny_storage.regions(ADMIN, parent=town["code"])
            assert [v["code"] for v in villages] == [v.code for v in official_villages[town["code"]]]
            assert villages and all(v["illustrative"] for v in villages)
            assert len(tiny_storage.outlines(ADMIN, "village", town["code"])) == len(villages)


def test_prefix_lookup_and_lineage(tiny_storage):
    assert tiny_storage.region(ADMIN, "52")["name"] == "贵州省"
    assert [r["code"] for r in tiny_storage.lineage(ADMIN, "522725")] == [
        "520000000000", "522700000000", "522725000000"]


def test_layer_under_parent_is_exactly_its_descendants(tiny_storage):
    guizhou = tiny_storage.regions(ADMIN, level="county", parent="52")
    assert len(guizhou) == 88 and all(r["code"].startswith("52") for r in guizhou)
    chongqing_counties = tiny_storage.regions(ADMIN, level="county", parent="500200")
    assert "500243000000" in {r["code"] for r in chongqing_counties}
    assert {r["code"][:4] for r in tiny_storage.regions(ADMIN, level="county", parent="50")} == {"5001", "5002"}


def test_unknown_region_and_level_are_refused(tiny_storage):
    with pytest.raises(NotFound):
        tiny_storage.region(ADMIN, "99")
    with pytest.raises(ValueError):
        tiny_storage.regions(ADMIN, level="galaxy")


def test_scope_hides_regions_outside_it(tiny_storage):
    guizhou_only = Access("x", ROLES["province"], Scope(frozenset({"520000000000"})))
    assert {r["code"][:2] for r in tiny_storage.regions(guizhou_only, level="county")} == {"52"}
    with pytest.raises(OutOfScope):  # it exists: refused (403), not absent (404)
        tiny_storage.region(guizhou_only, "53")


def test_migrating_again_changes_nothing(tiny_storage):
    before = tiny_storage.counts_by_level(ADMIN)
    migrate(tiny_storage.engine)
    assert tiny_storage.counts_by_level(ADMIN) == before


def test_a_failed_replace_leaves_the_database_as_it_was(tiny_storage):
    before = tiny_storage.counts_by_level(ADMIN)
    version = tiny_storage.data_version()
    bad = [{"code": "990000000000", "name": "x", "level": "province", "parent_code": None,
            "national_key_county": False, "provincial_key_county": False, "former_poverty_county": False,
            "source": "test", "flag_source": None}] * 2  # a duplicate key fails mid-write
    with pytest.raises(sa.exc.IntegrityError):
        tiny_storage.replace_regions(ADMIN, bad, [], [], {"scale": "broken"})
    assert tiny_storage.counts_by_level(ADMIN) == before and tiny_storage.data_version() == version
    with tiny_storage.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(regions_table)).scalar_one() > 3000


def test_a_failed_subdivision_replace_leaves_the_database_as_it_was(tiny_storage):
    county = json.loads(tiny_storage.facts()["counties_in_scope"])[0]
    before = (tiny_storage.counts_by_level(ADMIN), tiny_storage.data_version(),
              [r["code"] for r in tiny_storage.regions(ADMIN, level="village", parent=county)])
    town = tiny_storage.regions(ADMIN, parent=county)[0]
    row = {k: v for k, v in town.items() if k not in ("layers", "illustrative", "ancestors")}
    row.update({f"{layer}_code": code for layer, code in town["ancestors"].items()})
    row.update({"village_code": None})
    duplicate = [row, dict(row)]  # the deletes succeed, then the second insert of one key fails
    with pytest.raises(sa.exc.IntegrityError):
        tiny_storage.replace_subdivisions(ADMIN, [county], duplicate, [])
    after = (tiny_storage.counts_by_level(ADMIN), tiny_storage.data_version(),
             [r["code"] for r in tiny_storage.regions(ADMIN, level="village", parent=county)])
    assert after == before


def test_the_migrations_build_the_schema_the_code_describes(tiny_storage):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from data.store.schema import metadata

    with tiny_storage.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
