"""Access fails closed: every public function of the data layer that reads or writes regional or household
data takes the caller's Access as a required parameter (no default), and a call without one raises.

A function "touches data" when it takes ``storage`` or ``engine`` (or is a method of Storage). Functions
that take only a ``connection`` are primitives run inside the transaction of a service that has checked its
caller; functions of frames or files touch no stored data. The few exceptions below say why.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import data
import geo
from data.definitions.access import Access
from data.store.storage import Snapshot, Storage

DATA_PARAMETERS = {"storage", "engine"}
EXEMPT = {  # (module, name): why it needs no caller
    ("data.store.storage", "make_engine"): "makes an engine from a URL",
    ("data.store.storage", "migrate"): "the schema, not its rows",
    ("data.store.storage", "writing"): "a transaction on an engine; the services that use it check the caller",
    ("data.store.storage", "Storage.is_loaded"): "whether any region exists (health check)",
    ("data.store.storage", "Storage.facts"): "metadata: data version, cube layout",
    ("data.store.storage", "Storage.data_version"): "metadata",
    ("data.store.storage", "Storage.put_facts"): "metadata, inside a checked service's transaction",
    ("data.store.storage", "Storage.boundary_lines"): "the national boundary lines shipped with the app (no region)",
    ("data.store.storage", "Storage.snapshot"): "a per-request view of the same storage",
    ("data.store.storage", "Snapshot.snapshot"): "a per-request view of the same storage",
    ("data.store.storage", "Snapshot.facts"): "metadata: data version, cube layout",
    ("data.store.audit", "record"): "the audit primitive (record_for takes the caller)",
    ("data.store.accounts", "end_sessions"): "an account, not regional data (sign-out)",
    ("data.store.accounts", "add_user"): "account set-up by the command line operator",
    ("data.store.accounts", "set_active"): "account set-up by the command line operator",
    ("data.store.accounts", "set_password"): "account set-up by the command line operator",
    ("data.store.accounts", "authenticate"): "signing in: makes the Access",
    ("data.store.accounts", "load_session"): "signing in: makes the Access",
    ("data.store.accounts", "access_of"): "makes the Access",
    ("data.store.accounts", "make_token"): "account set-up by the command line operator",
    ("data.store.accounts", "revoke_tokens"): "account set-up by the command line operator",
    ("data.store.accounts", "access_for_token"): "signing in: makes the Access",
    ("data.store.accounts", "demo_accounts"): "the demo accounts listed on the demo sign-in page",
    ("data.store.accounts", "create_demo_accounts"): "demo set-up by the command line",
    ("data.read.cube", "info"): "the cube's layout and periods, no figures",
    ("data.read.views", "periods"): "the periods with data, no figures",
    ("data.read.views", "boundary_line_geometries"): "the national boundary lines (no region)",
    ("data.read.monitoring", "months"): "the months with data, no figures",
}


def _modules():
    for package in (data, geo):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in info.name:
                yield importlib.import_module(info.name)


def _touching_data():
    """(module, qualified name, function) of every public function or Storage method that touches data."""
    found = []
    for module in _modules():
        for name, member in vars(module).items():
            if name.startswith("_") or getattr(member, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(member):
                parameters = inspect.signature(member).parameters
                if DATA_PARAMETERS & set(parameters):
                    found.append((module.__name__, name, member))
            elif inspect.isclass(member) and issubclass(member, Storage):
                for method_name, method in vars(member).items():
                    if inspect.isfunction(method) and not method_name.startswith("_"):
                        found.append((module.__name__, f"{name}.{method_name}", method))
    return found


def test_the_enumeration_finds_the_services():
    names = {f"{module}.{name}" for module, name, _ in _touching_data()}
    for expected in ("data.store.storage.Storage.region", "data.read.cube.values", "data.read.monitoring.warnings",
                     "data.store.records.preview", "data.read.profile.projects", "data.ingest.importer.import_file",
                     "data.compute.build.build", "geo.importer.import_boundaries", "data.store.membership.counties"):
        assert expected in names
    assert len(names) > 60


@pytest.mark.parametrize("module,name,function", _touching_data(), ids=lambda v: v if isinstance(v, str) else "")
def test_access_is_required(module, name, function):
    if (module, name) in EXEMPT:
        return
    parameters = inspect.signature(function).parameters
    assert "access" in parameters, f"{module}.{name} reads or writes data without the caller's Access"
    access = parameters["access"]
    assert access.default is inspect.Parameter.empty, f"{module}.{name} gives access a default"
    assert access.annotation in (Access, "Access"), f"{module}.{name}: access is not annotated Access"


def test_a_call_without_access_raises(tiny_storage):
    from data.compute.build import build
    from data.ingest.exporter import export_frame
    from data.ingest.importer import import_file
    from data.read import cube, monitoring, profile, views
    from data.store import membership, records

    county = tiny_storage.regions(_admin(), level="county")[0]["code"]
    calls = [
        lambda: tiny_storage.region(None, county), lambda: tiny_storage.regions(None, level="province"),
        lambda: tiny_storage.units(None, "county"), lambda: tiny_storage.outlines(None, "province"),
        lambda: tiny_storage.regions_by_codes(None, [county]), lambda: tiny_storage.lineage(None, county),
        lambda: cube.values(tiny_storage, None, "monitored_households", "county"),
        lambda: cube.series(tiny_storage, None, "monitored_households", county),
        lambda: cube.unit_values(tiny_storage, None, "monitored_households", [{"code": county, "name": "", "level": "county"}]),
        lambda: cube.key_figures(tiny_storage, None, county),
        lambda: views.map_view(tiny_storage, None, county),
        lambda: monitoring.warnings(tiny_storage, None, county), lambda: monitoring.board(tiny_storage, None, county),
        lambda: profile.projects(tiny_storage, None, county),
        lambda: records.preview(tiny_storage.engine, None, "households", county[:6]),
        lambda: records.read_table(tiny_storage.engine, None, "households"),
        lambda: membership.counties(tiny_storage, None, "national_key"),
        lambda: export_frame(tiny_storage.engine, None, "households"),
        lambda: build(tiny_storage, None),
        lambda: import_file(tiny_storage, None, "households", "nothing.csv"),
    ]
    for call in calls:
        with pytest.raises(TypeError, match="Access"):
            call()
    with pytest.raises(TypeError):
        tiny_storage.region(county)  # noqa: the argument is missing altogether


def test_a_snapshot_is_storage(tiny_storage):
    assert isinstance(tiny_storage.snapshot(), Snapshot)


def _admin() -> Access:
    from data.definitions.access import system_access

    return system_access("tests")
