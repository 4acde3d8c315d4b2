"""Importing a deployment's own township/village boundaries: replaces illustrative units, or changes nothing."""
import json

import pytest
import shapely

from data.demo.regions import load_regions
from data.store.storage import Storage, make_engine, migrate
from geo.importer import ImportRejected, import_boundaries
from tests.conftest import ADMIN

COUNTY = "522725000000"


@pytest.fixture()
def storage(tmp_path):
    storage = Storage(make_engine(f"sqlite:///{tmp_path / 'import.db'}"))
    migrate(storage.engine)
    load_regions(storage, ADMIN, "tiny", 11, progress=False)
    return storage


def _real_county(storage):
    return json.loads(storage.facts()["counties_in_scope"])[0]


def _write(tmp_path, features, name="boundaries.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def _file_from_stored(storage, county, rename=lambda n: n + "（实测）"):
    features = []
    for layer in ("township", "village"):
        for code, name, geometry in storage.outlines(ADMIN, layer, county):
            features.append({"type": "Feature", "properties": {"区划代码": code, "名称": rename(name)},
                             "geometry": json.loads(geometry)})
    return features


def _snapshot(storage):
    return (storage.counts_by_level(ADMIN), storage.data_version(),
            [(r["code"], r["name"], r["source"]) for r in storage.regions(ADMIN, level="village")])


def test_imported_units_replace_the_illustrative_ones(storage, tmp_path):
    county = _real_county(storage)
    features = _file_from_stored(storage, county)[:-1]  # one village fewer than before
    before = storage.counts_by_level(ADMIN)
    counts = import_boundaries(storage, ADMIN, _write(tmp_path, features))
    assert counts["counties"] == 1
    after = storage.regions(ADMIN, level="village", parent=county)
    assert len(after) == counts["village"] and storage.counts_by_level(ADMIN)["village"] == before["village"] - 1
    assert all(r["name"].endswith("（实测）") and not r["illustrative"] and r["source"].startswith("import:")
               for r in after)
    town = storage.regions(ADMIN, parent=county)[0]
    assert storage.lineage(ADMIN, storage.regions(ADMIN, parent=town["code"])[0]["code"])[2]["code"] == county


def _polygon(x=107.5, y=27.0):
    return json.loads(shapely.to_geojson(shapely.box(x, y, x + 0.01, y + 0.01)))


@pytest.mark.parametrize("bad_properties, bad_geometry, reason", [
    ({"区划代码": "999999101000", "名称": "某镇"}, None, "county does not exist"),
    ({"区划代码": "52272", "名称": "某镇"}, None, "malformed region code"),
    ({"区划代码": "522725000000", "名称": "某县"}, None, "only township and village"),
    ({"区划代码": "522725101000", "名称": ""}, None, "empty name"),
    ({"区划代码": "522725101000", "名称": "某镇"}, {"type": "Point", "coordinates": [107, 27]}, "not a valid polygon"),
    ({"区划代码": "522725199201", "名称": "某村"}, None, "township is not in the file"),
])
def test_a_bad_row_rejects_the_whole_file_and_changes_nothing(storage, tmp_path, bad_properties, bad_geometry, reason):
    good = _file_from_stored(storage, _real_county(storage))
    bad = {"type": "Feature", "properties": bad_properties, "geometry": bad_geometry or _polygon()}
    before = _snapshot(storage)
    with pytest.raises(ImportRejected) as rejected:
        import_boundaries(storage, ADMIN, _write(tmp_path, good + [bad]))
    assert any(reason in p.en and p.row == len(good) + 1 for p in rejected.value.problems)
    assert _snapshot(storage) == before


def test_duplicates_and_missing_columns_are_reported(storage, tmp_path):
    good = _file_from_stored(storage, _real_county(storage))
    with pytest.raises(ImportRejected, match="duplicate code"):
        import_boundaries(storage, ADMIN, _write(tmp_path, good + good[:1]))
    renamed = [{**f, "properties": {"id": f["properties"]["区划代码"], "名称": "x"}} for f in good]
    with pytest.raises(ImportRejected, match="missing column"):
        import_boundaries(storage, ADMIN, _write(tmp_path, renamed))


def test_an_unreadable_file_is_refused(storage, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(ImportRejected, match="cannot read file"):
        import_boundaries(storage, ADMIN, path)


def test_a_projected_geopackage_is_reprojected(storage, tmp_path):
    import geopandas as gpd

    features = _file_from_stored(storage, _real_county(storage), rename=lambda n: n)
    frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4490").to_crs("EPSG:3857")
    frame = frame.rename(columns={"区划代码": "code", "名称": "name"})
    path = tmp_path / "units.gpkg"
    frame.to_file(path, driver="GPKG")
    counts = import_boundaries(storage, ADMIN, path)
    assert counts["township"] >= 5
    point = shapely.from_geojson(storage.outlines(ADMIN, "township", _real_county(storage))[0][2]).representative_point()
    assert 100 < point.x < 115 and 20 < point.y < 30  # back in degrees
