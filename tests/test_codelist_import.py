"""Code lists without polygons (geo/codelist.py): new townships and villages of a known county get illustrative
cells, a boundary file replaces them later, malformed lists change nothing, and a new edition that drops a unit
with records is refused unless a recode file moves them (in the same transaction; the cube follows).

Each backend gets one hand-made database: 贵州省, 黔南州 and four of its counties with their packaged outlines,
no township or village. Each test works in a county of its own. Codes and names: NBS 2023 (data/reference/nbs).
"""
from __future__ import annotations

import json

import pytest
import shapely
import sqlalchemy as sa

from data.ingest.importer import ImportRejected, rollback
from data.store.schema import boundaries, cube, data_tables, import_log, regions
from data.store.storage import Storage, make_engine, migrate
from geo import codelist
from geo.hierarchy import build_real_hierarchy
from geo.importer import import_boundaries
from tests.conftest import ADMIN, _postgres_database, access_for

LUODIAN = "522728000000"  # 罗甸县: its real townships (NBS 2023)
LUODIAN_TOWNS = [("522728001000", "斛兴街道"), ("522728107000", "龙坪镇"), ("522728108000", "边阳镇"),
                 ("522728109000", "沫阳镇"), ("522728110000", "逢亭镇"), ("522728111000", "罗悃镇"),
                 ("522728112000", "茂井镇"), ("522728113000", "红水河镇"), ("522728114000", "木引镇"),
                 ("522728219000", "凤亭乡")]
PINGTANG = "522727000000"  # 平塘县: malformed lists
LIBO = "522722000000"  # 荔波县: new editions and records
YUPING, CHAOYANG = "522722001000", "522722101000"  # 玉屏街道, 朝阳镇
LIBO_VILLAGES = [("522722001001", "永济泉社区居民委员会", YUPING), ("522722001002", "樟江园社区居民委员会", YUPING),
                 ("522722101200", "朝阳村村民委员会", CHAOYANG), ("522722101201", "八烂村村民委员会", CHAOYANG),
                 ("522722101202", "板麦村村民委员会", CHAOYANG)]
DUSHAN = "522726000000"  # 独山县: the contract layout, urban-rural codes and the API
CHANGSHUN = "522729000000"  # 长顺县: the command line
SUBDIVISION_LAYERS = ("township", "village")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def storage(request, tmp_path_factory):
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path_factory.mktemp('codelist') / 'codes.db'}", None
    else:
        url, drop = _postgres_database()
    storage = Storage(make_engine(url))
    migrate(storage.engine)
    hierarchy = build_real_hierarchy()
    chosen = [hierarchy[c] for c in ("520000000000", "522700000000", LIBO, DUSHAN, PINGTANG, LUODIAN, CHANGSHUN)]
    storage.replace_regions(ADMIN, [r.to_row() for r in chosen],
                            [r.outline_row(layer) for r in chosen for layer in r.outlines], [], {"scale": "codelist"})
    yield storage
    storage.engine.dispose()
    if drop:
        drop()


def _csv(tmp_path, name: str, lines: list[str], encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return str(path)


def _counts(storage) -> dict:
    with storage.engine.connect() as connection:
        return {table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in (regions, boundaries, cube, data_tables["households"], data_tables["teams"])} | {
            "version": storage.data_version()}


def _area_km2(geometry) -> float:
    return geometry.area * 111.3 * 111.3 * 0.89  # degrees² near 27°N, roughly


def test_the_real_township_list_of_luodian_draws_named_illustrative_cells(storage, tmp_path):
    # The NBS layout as published, without its header, GBK as a spreadsheet saves it.
    path = _csv(tmp_path, "522728.csv", [f"{code},{name}" for code, name in LUODIAN_TOWNS], encoding="gbk")
    before = _counts(storage)
    result, rebuilt = codelist.import_and_rebuild(storage, ADMIN, path)
    assert (result.added, result.updated, result.drawn, result.status) == (10, 0, 10, "applied")
    assert rebuilt is None  # nothing removed, no record moved
    towns = storage.regions(ADMIN, level="township", parent=LUODIAN)
    assert [(t["code"], t["name"]) for t in towns] == LUODIAN_TOWNS
    assert all(t["illustrative"] and t["parent_code"] == LUODIAN and t["ancestors"]["city"] == "522700000000"
               for t in towns)
    cells = [shapely.from_geojson(g) for _, _, g in storage.outlines(ADMIN, "township", LUODIAN)]
    county = shapely.from_geojson(storage.outline_of(ADMIN, LUODIAN, "county"))
    assert len(cells) == 10 and all(c.area > 0 for c in cells)
    union = shapely.union_all(cells)
    assert abs(union.area - county.area) / county.area < 0.01  # they tile the county ...
    assert sum(c.area for c in cells) - union.area < 0.001 * county.area  # ... without overlaps
    flagged = storage.outlines(ADMIN, "township", LUODIAN, flagged=True)
    assert all(row[3] is True for row in flagged)
    after = _counts(storage)
    assert (after["regions"] - before["regions"], after["boundaries"] - before["boundaries"]) == (10, 10)
    assert after["version"] != before["version"]  # the map's cached layers follow
    with storage.engine.connect() as connection:
        log = connection.execute(sa.select(import_log).where(import_log.c.id == result.import_id)).mappings().one()
    assert (log["table_name"], log["rows_added"], log["status"]) == ("regions", 10, "applied")

    # The same list again: nothing new, nothing drawn.
    again = codelist.import_code_list(storage, ADMIN, path)
    assert (again.added, again.updated, again.unchanged, again.drawn) == (0, 0, 10, 0)

    # A boundary file later replaces the cells (here: the cells themselves, as a survey would deliver them).
    features = [{"type": "Feature", "properties": {"code": code, "name": name}, "geometry": json.loads(geometry)}
                for code, name, geometry in storage.outlines(ADMIN, "township", LUODIAN)]
    boundary = tmp_path / "luodian.geojson"
    boundary.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    assert import_boundaries(storage, ADMIN, boundary)["township"] == 10
    replaced = storage.regions(ADMIN, level="township", parent=LUODIAN)
    assert [(t["code"], t["name"]) for t in replaced] == LUODIAN_TOWNS
    assert not any(t["illustrative"] for t in replaced) and all(t["source"] == "import:luodian.geojson" for t in replaced)
    assert not any(row[3] for row in storage.outlines(ADMIN, "township", LUODIAN, flagged=True))

    # Villages added later to a surveyed township: cells inside it, illustrative, the township's outline kept.
    outline = storage.outline_of(ADMIN, "522728001000", "township")
    villages = _csv(tmp_path, "villages.csv", ["统计用区划代码,城乡分类代码,名称",
                                               "522728001001,111,城东社区居民委员会", "522728001002,111,城西社区居民委员会"])
    added = codelist.import_code_list(storage, ADMIN, villages)
    assert (added.added, added.drawn) == (2, 2)
    assert storage.outline_of(ADMIN, "522728001000", "township") == outline
    town = shapely.from_geojson(outline)
    drawn = storage.outlines(ADMIN, "village", "522728001000", flagged=True)
    assert [r[3] for r in drawn] == [True, True]
    assert all(town.buffer(1e-3).contains(shapely.from_geojson(r[2])) for r in drawn)
    assert [r["urban_rural"] for r in storage.regions(ADMIN, level="village", parent="522728001000")] == ["111", "111"]


def test_the_contract_layout_with_urban_rural_codes_and_the_api(storage, tmp_path):
    from data.ingest.exporter import export_frame

    towns = [("522726001000", "百泉镇"), ("522726103000", "麻尾镇")]
    path = _csv(tmp_path, "dushan.csv", ["code,name,level,parent_code,urban_rural",
                                         *[f"{c},{n},township,{DUSHAN}," for c, n in towns],
                                         "522726103200,星光村村民委员会,village,522726103000,220"])
    result = codelist.import_code_list(storage, ADMIN, path)
    assert (result.added, result.drawn) == (3, 3)
    village = storage.region(ADMIN, "522726103200")
    assert (village["urban_rural"], village["illustrative"], village["parent_code"]) == ("220", True, "522726103000")
    exported = export_frame(storage.engine, ADMIN, "regions").set_index("code")
    assert exported.loc["522726103200", "urban_rural"] == "220"
    assert exported.loc[DUSHAN, "urban_rural"] is None or str(exported.loc[DUSHAN, "urban_rural"]) in ("<NA>", "None")
    # A rename through the same layout keeps the unit, its outline and its code; the flags stay unless given.
    outline = storage.outline_of(ADMIN, "522726001000", "township")
    renamed = _csv(tmp_path, "rename.csv", ["code,name,level", "522726001000,百泉镇（新名）,township"])
    changed = codelist.import_code_list(storage, ADMIN, renamed)
    assert (changed.added, changed.updated, changed.status) == (0, 1, "accepted")
    assert storage.region(ADMIN, "522726001000")["name"] == "百泉镇（新名）"
    assert storage.outline_of(ADMIN, "522726001000", "township") == outline
    rollback(storage, ADMIN, changed.import_id)  # names only: the import log can undo it
    assert storage.region(ADMIN, "522726001000")["name"] == "百泉镇"
    # The exported regions table reads back unchanged through the same path (names and flags, as before).
    from data.ingest.exporter import export_table

    export_table(storage.engine, ADMIN, "regions", tmp_path / "regions.csv")
    before = _counts(storage)
    again = codelist.import_code_list(storage, ADMIN, tmp_path / "regions.csv")
    assert (again.added, again.updated, again.unchanged, again.drawn) == (0, 0, len(exported), 0)
    assert _counts(storage) == before


def test_the_api_and_the_map_layer_say_illustrative(storage, tmp_path):
    if storage.engine.dialect.name != "sqlite":
        pytest.skip("the web layer once: its storage calls are the same on both backends")
    from dashboard.app import create_app
    from dashboard.config import Config
    from data.store import accounts

    path = _csv(tmp_path, "dushan2.csv", ["统计用区划代码,名称", "522726104000,影山镇"])
    codelist.import_code_list(storage, ADMIN, path)
    accounts.add_user(storage, "codelist_reader", "admin", [], None)
    token = accounts.make_token(storage, "codelist_reader")
    app = create_app(Config(instance_dir=tmp_path, database_url=storage.engine.url.render_as_string(hide_password=False),
                            mode="demo"))
    client = app.server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    rows = client.get(f"/api/v1/regions?parent={DUSHAN[:6]}").get_json()["regions"]
    row = next(r for r in rows if r["code"] == "522726104000")
    assert row["illustrative"] is True and row["name"] == "影山镇" and row["urban_rural"] is None
    assert client.get("/api/v1/regions/522726104000").get_json()["illustrative"] is True
    layer = client.get(f"/geo/township.geojson?parent={DUSHAN[:6]}").get_json()
    shown = {f["id"]: f["properties"] for f in layer["features"]}
    assert shown["522726104000"] == {"name": "影山镇", "illustrative": True}
    counties = client.get("/geo/county.geojson?parent=5227").get_json()
    assert counties["features"] and all("illustrative" not in f["properties"] for f in counties["features"])


@pytest.mark.parametrize("lines, row, column, reason", [
    (["522727101000,平舟镇", "52272710200,牙舟镇"], 2, "统计用区划代码", "12 digits"),
    (["522727101000,平舟镇", "5227271020AB,牙舟镇"], 2, "统计用区划代码", "12 digits"),
    (["522727101000,平舟镇", "522727101000,平舟镇"], 2, "code", "duplicate code"),
    (["522727101000,平舟镇", "522799101000,某镇"], 2, "code", "county does not exist"),
    (["522727101000,平舟镇", "522727102201,某村"], 2, "code", "township is neither in the file nor stored"),
    (["522727101000,平舟镇", "520000000000,贵州省"], 0, "code", None),  # an existing province: a rename, fine
    (["522727101000,平舟镇", "522727101000"], 2, "file", "fields"),
    (["522727101000,平舟镇", "522727102000,"], 2, "name", "required value is empty"),
])
def test_a_malformed_nbs_list_is_rejected_with_row_and_column_and_changes_nothing(storage, tmp_path, lines, row,
                                                                                     column, reason):
    path = _csv(tmp_path, "bad.csv", lines)
    before = _counts(storage)
    if reason is None:  # the control: the same shape of file, well formed, is accepted
        result = codelist.import_code_list(storage, ADMIN, path)
        assert result.added == 1
        with storage.engine.begin() as connection:  # undo by hand: the next cases start from the same state
            connection.execute(boundaries.delete().where(boundaries.c.code == "522727101000"))
            connection.execute(regions.delete().where(regions.c.code == "522727101000"))
        return
    with pytest.raises(ImportRejected) as rejected:
        codelist.import_and_rebuild(storage, ADMIN, path)
    assert any(reason in p.en and p.row == row and (p.column == column or column == "file")
               for p in rejected.value.problems), rejected.value.problems
    assert _counts(storage) == before
    with storage.engine.connect() as connection:
        log = connection.execute(sa.select(import_log).where(import_log.c.id == rejected.value.import_id)).mappings().one()
    assert log["status"] == "rejected" and log["rows_added"] == 0


@pytest.mark.parametrize("lines, row, column, reason", [
    (["code,name,level,parent_code", "522727101000,平舟镇,village,522727000000"], 2, "level", "disagrees with the code"),
    (["code,name,level,parent_code", "522727101000,平舟镇,township,522726000000"], 2, "parent_code", "first 6 digits"),
    (["code,name,level,parent_code", "522727101000,平舟镇,township,", "522727101201,京舟村,village,522727102000"],
     3, "parent_code", "first 9 digits"),
    (["code,name,level,parent_code", "5227271010,平舟镇,township,"], 2, "code", "malformed region code"),
    (["code,name,level,parent_code", "522799000000,某县,county,522700000000"], 2, "code", "adds townships and villages only"),
    (["code,name,level,parent_code,urban_rural", "522727101000,平舟镇,township,,999"], 2, "urban_rural", "not an allowed value"),
])
def test_a_malformed_contract_list_is_rejected_with_row_and_column(storage, tmp_path, lines, row, column, reason):
    path = _csv(tmp_path, "bad.csv", lines)
    before = _counts(storage)
    with pytest.raises(ImportRejected) as rejected:
        codelist.import_code_list(storage, ADMIN, path)
    assert any(reason in p.en and p.row == row and p.column == column for p in rejected.value.problems), \
        rejected.value.problems
    assert _counts(storage) == before


def test_only_an_importer_of_the_whole_country_loads_code_lists(storage, tmp_path):
    path = _csv(tmp_path, "clerk.csv", ["统计用区划代码,名称", "522727101000,平舟镇"])
    clerk = access_for(storage, "admin", [PINGTANG])
    before = _counts(storage)
    with pytest.raises(ImportRejected, match="administrator"):
        codelist.import_code_list(storage, clerk, path)
    assert _counts(storage) == before


def _libo_list(tmp_path, name, villages) -> str:
    return _csv(tmp_path, name, ["统计用区划代码,城乡分类代码,名称", f"{YUPING},,玉屏街道", f"{CHAOYANG},,朝阳镇",
                                 *[f"{code},,{village}" for code, village, _ in villages]])


def _records_in(storage, villages: dict[str, int], teams: dict[str, int]):
    """Households (masked as stored) and a village team per year in the villages given."""
    households = [{"household_id": f"LB-{code[-6:]}-{i}", "village_code": code, "size": 3, "labour_count": 2,
                   "former_poor": True, "head_name": "王*", "head_id_number": "522722********123X", "head_id_hash": None}
                  for code, count in villages.items() for i in range(count)]
    rows = [{"village_code": code, "year": year, "first_secretary": "李*", "team_size": 3,
             "dispatch_level": "county", "days_on_site": 200} for code, year in teams.items()]
    with storage.engine.begin() as connection:
        connection.execute(data_tables["households"].insert(), households)
        if rows:
            connection.execute(data_tables["teams"].insert(), rows)


def test_a_unit_dropped_by_a_new_edition_keeps_its_records_only_through_a_recode(storage, tmp_path):
    from data.compute.build import PENDING, build

    first = codelist.import_code_list(storage, ADMIN, _libo_list(tmp_path, "libo2022.csv", LIBO_VILLAGES))
    assert (first.added, first.drawn) == (7, 7)
    dropped, kept = "522722101201", "522722101202"  # 八烂村 merged into 板麦村, say
    _records_in(storage, {dropped: 2, kept: 1, "522722001001": 1}, {dropped: 2024, kept: 2023})
    build(storage, ADMIN)
    with storage.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(cube).where(cube.c.region_code == dropped)).scalar_one()

    edition = _libo_list(tmp_path, "libo2023.csv", [v for v in LIBO_VILLAGES if v[0] != dropped])
    # Without --replace the file only adds: nothing is removed, nothing changes.
    added = codelist.import_code_list(storage, ADMIN, edition)
    assert (added.added, added.removed) == (0, [])
    # As a new edition without a recode: refused, naming the unit and its records per table.
    before = _counts(storage)
    with pytest.raises(ImportRejected) as rejected:
        codelist.import_and_rebuild(storage, ADMIN, edition, replace_children=True)
    [problem] = rejected.value.problems
    assert problem.value == dropped and "households 2" in problem.en and "teams 1" in problem.en
    assert "八烂村村民委员会" in problem.zh
    assert _counts(storage) == before

    # A recode to a unit that does not exist, or of another level: refused too.
    for target, reason in (("522722101299", "does not exist"), (CHAOYANG, "another level")):
        mapping = _csv(tmp_path, "bad-recode.csv", ["old_code,new_code", f"{dropped},{target}"])
        with pytest.raises(ImportRejected) as rejected:
            codelist.import_code_list(storage, ADMIN, edition, replace_children=True, recode=mapping)
        assert any(reason in p.en and p.row == 2 and p.column == "new_code" for p in rejected.value.problems)
        assert _counts(storage) == before
    # Two teams of one year in one village after the move: refused.
    with storage.engine.begin() as connection:
        connection.execute(data_tables["teams"].update().where(data_tables["teams"].c.village_code == kept).values(year=2024))
    mapping = _csv(tmp_path, "recode.csv", ["old_code,new_code", f"{dropped},{kept}"])
    with pytest.raises(ImportRejected, match="two rows with one key"):
        codelist.import_code_list(storage, ADMIN, edition, replace_children=True, recode=mapping)
    with storage.engine.begin() as connection:
        connection.execute(data_tables["teams"].update().where(data_tables["teams"].c.village_code == kept).values(year=2023))

    # With the recode: the records move, the unit goes, the cube is rebuilt for the county.
    result, rebuilt = codelist.import_and_rebuild(storage, ADMIN, edition, replace_children=True, recode=mapping)
    assert result.removed == [dropped] and result.moved == {"households.village_code": 2, "teams.village_code": 1}
    assert result.counties == [LIBO] and rebuilt is not None and rebuilt["counties"] >= 1
    with storage.engine.connect() as connection:
        moved = connection.execute(sa.select(data_tables["households"].c.village_code).where(
            data_tables["households"].c.household_id.like(f"LB-{dropped[-6:]}-%"))).scalars().all()
        teams = connection.execute(sa.select(data_tables["teams"].c.year).where(
            data_tables["teams"].c.village_code == kept).order_by(data_tables["teams"].c.year)).scalars().all()
        old_rows = connection.execute(sa.select(sa.func.count()).select_from(cube).where(cube.c.region_code == dropped)).scalar_one()
        new_rows = connection.execute(sa.select(cube.c.period, cube.c.figures).where(cube.c.region_code == kept,
                                                                                     cube.c.period == "2024")).all()
        gone = connection.execute(sa.select(sa.func.count()).select_from(boundaries).where(boundaries.c.code == dropped)).scalar_one()
    assert moved == [kept, kept] and teams == [2023, 2024]
    assert old_rows == 0 and gone == 0 and new_rows  # the moved team's year now counts in the new village
    assert json.loads(storage.facts().get(PENDING, "[]")) == []
    with pytest.raises(Exception):
        storage.region(ADMIN, dropped)
    assert storage.region(ADMIN, kept)["name"] == "板麦村村民委员会"
    with pytest.raises(ValueError, match="applied"):
        rollback(storage, ADMIN, result.import_id)  # a new edition is undone by importing the previous one


def test_records_keep_their_unit_through_a_rename(storage, tmp_path):
    renamed = [(c, n.replace("永济泉", "永济泉（更名）"), t) for c, n, t in LIBO_VILLAGES if c != "522722101201"]
    before = _counts(storage)
    result = codelist.import_code_list(storage, ADMIN, _libo_list(tmp_path, "renamed.csv", renamed), replace_children=True)
    assert (result.added, result.updated, result.removed) == (0, 1, [])
    assert storage.region(ADMIN, "522722001001")["name"] == "永济泉（更名）社区居民委员会"
    after = _counts(storage)
    assert {k: v for k, v in after.items() if k != "version"} == {k: v for k, v in before.items() if k != "version"}
    with storage.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(data_tables["households"]).where(
            data_tables["households"].c.village_code == "522722001001")).scalar_one() == 1


def test_a_boundary_file_replaces_the_cells_of_units_with_records(storage, tmp_path):
    features = [{"type": "Feature", "properties": {"区划代码": code, "名称": name}, "geometry": json.loads(geometry)}
                for layer in SUBDIVISION_LAYERS for code, name, geometry in storage.outlines(ADMIN, layer, LIBO)]
    with_records = "522722101202"
    before = _counts(storage)
    omitting = tmp_path / "libo-partial.geojson"
    omitting.write_text(json.dumps({"type": "FeatureCollection", "features": [
        f for f in features if f["properties"]["区划代码"] != with_records]}, ensure_ascii=False), "utf-8")
    with pytest.raises(ImportRejected) as rejected:
        import_boundaries(storage, ADMIN, omitting)
    assert any(p.value == with_records and "households 3" in p.en and "teams 2" in p.en for p in rejected.value.problems)
    assert _counts(storage) == before
    whole = tmp_path / "libo.geojson"
    whole.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    assert import_boundaries(storage, ADMIN, whole) == {"township": 2, "village": 4, "counties": 1}
    village = storage.region(ADMIN, with_records)
    assert not village["illustrative"] and village["source"] == "import:libo.geojson"
    after = _counts(storage)
    assert (after["households"], after["teams"], after["regions"]) == (before["households"], before["teams"],
                                                                      before["regions"])


def test_the_command_line_adds_refuses_and_recodes(storage, tmp_path, monkeypatch):
    if storage.engine.dialect.name != "sqlite":
        pytest.skip("the command line once: it calls the same use case")
    from click.testing import CliRunner

    from dashboard.cli import main

    monkeypatch.setenv("DATABASE_URL", storage.engine.url.render_as_string(hide_password=False))
    town, village, other = "522729001000", "522729001200", "522729001204"  # 长寨街道, 合兴村, 新民村
    lines = ["统计用区划代码,城乡分类代码,名称", f"{town},,长寨街道", f"{village},220,合兴村村民委员会",
             f"{other},220,新民村村民委员会"]
    runner = CliRunner()
    first = runner.invoke(main, ["import", "regions", _csv(tmp_path, "changshun.csv", lines)])
    assert first.exit_code == 0 and "3 added" in first.output and "3 illustrative cells drawn" in first.output, first.output
    _records_in(storage, {village: 1}, {})
    edition = _csv(tmp_path, "changshun2024.csv", lines[:2] + lines[3:])
    refused = runner.invoke(main, ["import", "regions", edition, "--replace"])
    assert refused.exit_code == 1 and "households 1" in refused.output and storage.region(ADMIN, village)
    recode = _csv(tmp_path, "recode.csv", ["原代码,新代码", f"{village},{other}"])
    moved = runner.invoke(main, ["import", "regions", edition, "--replace", "--recode", recode])
    assert moved.exit_code == 0 and "1 removed" in moved.output and "households.village_code 1" in moved.output, moved.output
    assert "figures rebuilt" in moved.output
    wrong = runner.invoke(main, ["import", "households", edition, "--recode", recode])
    assert wrong.exit_code != 0 and "regions table" in wrong.output
