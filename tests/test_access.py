"""Who may see what: every role, signed in through the form, against every API and geometry route, every
page and the callbacks of every page. In-scope regions are served; out-of-scope ones get 403 and an audit
entry; without signing in, 401 or a redirect to the sign-in page.
"""
from __future__ import annotations

import json
import re

import pytest

from data.definitions.access import ROLES as ACCESS_ROLES
from data.definitions.policy import MAX_FAILED_LOGINS
from data.store import accounts, audit
from data.store.storage import NotFound
from tests.conftest import ADMIN, access_for, sign_in

METRIC = "monitored_households"
# Each demo account: a region inside its scope and one outside (None: it sees the whole country).
ROLES = {
    "demo_admin": ("522728", None),
    "demo_evaluator": ("522728", None),
    "demo_province": ("52", "53"),
    "demo_city": ("5227", "5226"),
    "demo_county": ("522728", "522727"),
    "demo_data_clerk": ("522728", "522727"),
    "demo_township": ("own township", "other township"),  # the first township of 522728 (the demo's)
    "demo_collaboration": ("52", "53"),
    "demo_central_unit": ("522728", "522727"),  # 定点帮扶单位: its designated county (issue 18)
}
BELOW = {2: "county", 4: "county", 6: "township", 9: "village"}
# A county outside every scoped account's figures: no ancestor, no peer (五华区, 昆明市, 云南省).
FAR = "530102"


def _own_township(storage) -> str:
    """The demo township account's township (the first of 罗甸县 with household records: 街道 have none)."""
    return next(a for a in accounts.demo_accounts(storage) if a["role"] == "township")["regions"][0][:9]


def _township_elsewhere(storage) -> str:
    return next(code for code, _, _ in storage.units(ADMIN, "township") if not code.startswith("522728"))[:9]


def _region_requests(region: str, figures_of: str | None = None) -> list[str]:
    """Every API and geometry request that names a region (the series, a region's own figures, for
    ``figures_of`` if given: a region outside the records may still be one the caller is compared with)."""
    figures_of = figures_of or region
    return [f"/api/v1/regions?parent={region}", f"/api/v1/regions/{region}",
            f"/api/v1/values?metric={METRIC}&parent={region}", f"/api/v1/values?metric={METRIC}&parent={region}&format=csv",
            f"/api/v1/series?metric={METRIC}&region={figures_of}",
            f"/api/v1/series?metric={METRIC}&region={figures_of}&format=csv",
            f"/geo/{BELOW[len(region)]}.geojson?parent={region}",
            *[f"/api/v1/monitoring/{route}?region={region}" for route in ("warnings", "board", "checks", "sample")],
            f"/api/v1/monitoring/whatif?region={region}&threshold=9000", f"/api/v1/brief?region={region}",
            f"/api/v1/collaboration/targeted?county={region}", f"/api/v1/collaboration/flows?west={figures_of}"]


UNSCOPED = ["/api/v1/metrics", "/api/v1/templates/households.xlsx", "/api/v1/regions?level=county",
            f"/api/v1/values?metric={METRIC}&level=county", "/geo/county.geojson", "/geo/lines.geojson",
            # issue 18: every demo account of the tiny data is party to 广东省's pair (广东省 → 贵州省)
            "/api/v1/collaboration/pairs", "/api/v1/collaboration/partners", "/api/v1/collaboration/ledger?east=44",
            "/api/v1/collaboration/trends?east=44&indicator=fiscal_aid",
            "/api/v1/collaboration/ranking?east=44&indicator=fiscal_aid", "/api/v1/collaboration/outcomes?east=44"]
COVERED_RULES = {"/api/v1/regions", "/api/v1/regions/<code>", "/api/v1/values", "/api/v1/series", "/api/v1/metrics",
                 "/api/v1/templates/<table>.xlsx", "/api/v1/openapi.json", "/geo/<layer>.geojson", "/geo/lines.geojson",
                 "/api/v1/brief",
                 *[f"/api/v1/collaboration/{route}" for route in ("pairs", "partners", "ledger", "trends", "ranking",
                                                                   "targeted", "flows", "outcomes")],
                 *[f"/api/v1/monitoring/{route}" for route in ("warnings", "board", "checks", "whatif", "sample")],
                 *[f"/api/v1/assessment/{route}" for route in ("schemes", "scores", "robustness", "evidence", "samples",
                                                                "results", "runs", "run", "compare")]}
# The assessment workbench (issue 19): the figures of the caller's counties for every role; a county's evidence,
# field sample and results only inside the caller's scope (tests/test_assessment_api.py has the rest).
ASSESSMENT_UNSCOPED = ["/api/v1/assessment/schemes", "/api/v1/assessment/scores", "/api/v1/assessment/runs",
                       "/api/v1/assessment/robustness?samples=20"]
ASSESSMENT_OF_COUNTY = ["/api/v1/assessment/evidence?county={}", "/api/v1/assessment/samples?county={}",
                        "/api/v1/assessment/results?county={}"]


def test_the_matrix_covers_every_route(app):
    rules = {r.rule for r in app.server.url_map.iter_rules() if r.rule.startswith(("/api/", "/geo/"))
             and "<path:anything>" not in r.rule and not r.rule.endswith("/")}
    assert rules == COVERED_RULES


def _dependency(client, output_start: str) -> dict:
    found = [d for d in client.get("/_dash-dependencies").get_json() if d["output"].startswith(output_start)]
    return next((d for d in found if d["output"] == output_start), found[0])


def _callback(client, output_start: str, inputs: list | dict, state: list | dict, changed: int = 0):
    """Call a callback; ``inputs``/``state`` by position, or by component id (others None), which keeps the
    call right when a page adds a control."""
    dependency = _dependency(client, output_start)
    if isinstance(inputs, dict):
        inputs = [inputs.get(spec["id"]) for spec in dependency["inputs"]]
    if isinstance(state, dict):
        state = [state.get(spec["id"]) for spec in dependency["state"]]
    outputs = dependency["output"].strip(".").split("...")
    body = {"output": dependency["output"],
            "outputs": [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]} for o in outputs]
            if dependency["output"].startswith("..") else
            {"id": outputs[0].rsplit(".", 1)[0], "property": outputs[0].rsplit(".", 1)[1]},
            "inputs": [{**spec, "value": value} if not isinstance(value, list) or spec["id"][0] != "{" else value
                       for spec, value in zip(dependency["inputs"], inputs)],
            "state": [{**spec, "value": value} for spec, value in zip(dependency["state"], state)],
            "changedPropIds": [_changed(dependency["inputs"][changed], inputs[changed])]}
    return client.post("/_dash-update-component", json=body)


def _changed(spec: dict, value) -> str:
    if isinstance(value, list) and spec["id"][0] == "{":  # a pattern-matching input: the clicked one
        return json.dumps(value[0]["id"], separators=(",", ":"), sort_keys=True) + "." + spec["property"]
    return f"{spec['id']}.{spec['property']}"


def _page(client, pathname: str, search: str = ""):
    return _callback(client, ".._pages_content", [pathname, search], [])


def _region_callbacks(client, region: str) -> dict[str, object]:
    """Every callback (and page) that reads a region, asked for ``region``: name → response."""
    full = region.ljust(12, "0")
    clicked = {"points": [{"location": full}]}
    download = [{"id": {"format": "csv", "table": "projects", "type": "profile-download-button"},
                 "property": "n_clicks", "value": 1}]
    return {
        "map update": _callback(client, "..map.figure", {"metric": METRIC, "tier": "all"},
                                {"map-state": {"region": full, "lang": "zh"}}),
        "map drill": _callback(client, "url.href", {"map": clicked},
                               {"map-state": {"region": full}, "metric": METRIC, "tier": "all"}),
        "profile map": _callback(client, "..profile-map.figure", [METRIC], [{"region": full, "lang": "zh"}]),
        "profile download": _callback(client, "profile-download.data", [download], [{"region": full, "lang": "zh"}]),
        "map page": _page(client, "/", f"?region={region}"),
        "profile page": _page(client, f"/region/{region}"),
        "data page": _page(client, "/data", f"?region={region}&table=households"),
        "monitoring page": _page(client, "/monitoring", f"?region={region}"),
    }


def _refused(app, name: str) -> int:
    return len(audit.entries(app.storage.engine, ADMIN, user=name, action="refused", limit=10_000))


@pytest.mark.parametrize("name", list(ROLES))
def test_each_role_is_served_its_regions_and_refused_the_others(app, name):
    client = sign_in(app.server.test_client(), name)
    inside, outside = ROLES[name]
    if outside == "other township":
        inside, outside = _own_township(app.storage), _township_elsewhere(app.storage)
    for path in _region_requests(inside) + UNSCOPED:
        assert client.get(path).status_code == 200, (name, path)
    for label, response in _region_callbacks(client, inside).items():
        assert response.status_code in (200, 204), (name, label, response.get_data(as_text=True)[:300])
    for path in (f"/?region={inside}", f"/region/{inside}", f"/data?region={inside}"):
        assert client.get(path).status_code == 200, (name, path)
    if outside is None:
        return
    refused = _refused(app, name)
    far = outside if name == "demo_township" else FAR  # the records' outside may be a peer: its figures are read
    for path in _region_requests(outside, far):
        response = client.get(path)
        assert response.status_code == 403 and "outside your scope" in response.get_json()["error"]["message"], \
            (name, path, response.status_code)
    callbacks = _region_callbacks(client, outside)
    for label, response in callbacks.items():
        assert response.status_code == 403, (name, label, response.status_code)
    for path in (f"/?region={outside}", f"/region/{outside}", f"/data?region={outside}"):
        response = client.get(path)
        assert response.status_code == 403 and "无权访问" in response.get_data(as_text=True), (name, path)
    asked = len(_region_requests(outside, far)) + len(callbacks) + 3
    assert _refused(app, name) == refused + asked  # every refusal is in the audit log
    entry = audit.entries(app.storage.engine, ADMIN, user=name, action="refused", limit=1)[0]
    assert entry["role"] == name.removeprefix("demo_") and entry["region_code"].startswith(outside[:2])


@pytest.mark.parametrize("name", list(ROLES))
def test_each_role_is_served_the_assessment_of_its_counties_and_refused_the_others(app, name):
    client = sign_in(app.server.test_client(), name)
    for path in ASSESSMENT_UNSCOPED:
        assert client.get(path).status_code == 200, (name, path)
    inside, outside = ROLES[name]
    if len(inside) == 6:
        for path in ASSESSMENT_OF_COUNTY:
            assert client.get(path.format(inside)).status_code == 200, (name, path)
    if outside is None:
        return
    refused = _refused(app, name)
    for path in ASSESSMENT_OF_COUNTY:
        response = client.get(path.format(FAR))
        assert response.status_code == 403 and "outside your scope" in response.get_json()["error"]["message"], \
            (name, path, response.status_code)
    assert _refused(app, name) == refused + len(ASSESSMENT_OF_COUNTY)


def test_a_scoped_list_holds_only_what_is_in_scope(app):
    client = sign_in(app.server.test_client(), "demo_county")
    counties = client.get("/api/v1/regions?level=county").get_json()["regions"]
    assert [r["code"] for r in counties] == ["522728000000"]
    values = client.get(f"/api/v1/values?metric={METRIC}&level=county").get_json()  # figures: her peers' too
    assert "522728000000" in [v["code"] for v in values["values"]]
    assert {v["code"][:2] for v in values["values"]} == {"52"}  # … the counties of her province only
    features = client.get("/geo/county.geojson").get_json()["features"]
    assert [f["id"] for f in features] == ["522728000000"]
    assert client.get(f"/api/v1/series?metric={METRIC}").status_code == 200  # the nation: a comparison figure
    listed = client.get("/api/v1/regions?level=county&parent=52").get_json()  # above her: only hers
    assert [r["code"] for r in listed["regions"]] == ["522728000000"]


def test_a_county_leader_reads_the_figures_she_is_compared_with_but_not_their_records(app):
    """Figures of her ancestors, the nation and the counties of her province are served (the same values
    an administrator reads); the records of a peer county, its units and its profile are refused and audited."""
    client = sign_in(app.server.test_client(), "demo_county")  # 罗甸县 (522728), 黔南州, 贵州省
    admin = sign_in(app.server.test_client(), "demo_admin")
    peer, plain_peer = "522732", "522731"  # 三都 (national key county, like hers), 惠水县 (an ordinary one)
    for region in ("52", "5227", peer, plain_peer, None):
        path = f"/api/v1/series?metric={METRIC}" + (f"&region={region}" if region else "")
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.get_json()["series"] == admin.get(path).get_json()["series"], path
        assert any(p["value"] is not None for p in response.get_json()["series"]), path
    listed = client.get(f"/api/v1/values?metric={METRIC}&level=county&parent=52").get_json()
    by_code = {v["code"]: v for v in listed["values"]}
    assert {"522728000000", "522731000000", "522732000000"} <= set(by_code) and listed["with_data"] >= 3
    truth = {v["code"]: v for v in admin.get(f"/api/v1/values?metric={METRIC}&level=county&parent=52")
             .get_json()["values"]}
    assert by_code["522732000000"]["value"] == truth["522732000000"]["value"] is not None
    assert by_code["522732000000"]["rank"] == truth["522732000000"]["rank"]  # the same ranking as the province's
    township = _township_elsewhere(app.storage)  # a township of another county: not a comparison figure
    refused = _refused(app, "demo_county")
    records_paths = [  # household rows and what is built from them, and the units of another county
        *[f"/api/v1/monitoring/{route}?region={peer}" for route in ("warnings", "board", "checks", "sample")],
        f"/api/v1/monitoring/whatif?region={peer}&threshold=9000", f"/api/v1/regions/{peer}",
        f"/api/v1/values?metric={METRIC}&parent={peer}", f"/api/v1/series?metric={METRIC}&region={township}",
        f"/geo/township.geojson?parent={peer}", f"/region/{peer}", f"/data?region={peer}&table=households"]
    for path in records_paths:
        assert client.get(path).status_code == 403, path
    callbacks = {name: response for name, response in _region_callbacks(client, peer).items()}
    for label, response in callbacks.items():  # pages, the profile's download (an export), the map of the peer
        assert response.status_code == 403, label
    assert _refused(app, "demo_county") == refused + len(records_paths) + len(callbacks)


@pytest.mark.parametrize("name, right, allowed", [
    (n, right, ACCESS_ROLES[n.removeprefix("demo_")].can_import if right == "import"
     else ACCESS_ROLES[n.removeprefix("demo_")].can_admin)
    for n in ROLES for right in ("import", "admin")])
def test_import_and_admin_callbacks_and_pages_need_the_right(app, name, right, allowed):
    client = sign_in(app.server.test_client(), name)
    refused = _refused(app, name)
    if right == "import":
        responses = [client.get("/upload"), _page(client, "/upload"),
                     _callback(client, "template-link.href", ["teams"], []),
                     _callback(client, "upload-download.data", [1], [[{"row": 1, "column": "x", "value": "y"}]])]
        if not allowed:  # (a permitted import is run by the browser test)
            responses.append(_callback(client, "..upload-result", ["data:text/csv;base64,YQ=="],
                                       ["x.csv", "teams", {"lang": "zh"}]))
    else:
        responses = [client.get("/admin"), _page(client, "/admin"),
                     _callback(client, "admin-audit.data", ["refused", None, None], [{"lang": "zh"}])]
    statuses = [r.status_code for r in responses]
    assert all(s in (200, 204) for s in statuses) if allowed else statuses == [403] * len(responses), (name, statuses)
    assert _refused(app, name) == refused + (0 if allowed else len(responses))


def test_without_signing_in_nothing_is_served(app, anonymous):
    for path in _region_requests("52") + UNSCOPED:
        response = anonymous.get(path)
        assert response.status_code == 401 and "sign in" in response.get_json()["error"]["message"], path
    for path in ("/", "/?region=52", "/region/522728", "/data", "/upload", "/admin"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=%2F"), path
    assert anonymous.post("/_dash-update-component", json={}).status_code == 401
    assert anonymous.get("/_dash-layout").status_code == 401
    for public in ("/login", "/healthz", "/api/v1/openapi.json", "/assets/style.css"):
        assert anonymous.get(public).status_code == 200, public


def test_callbacks_need_the_csrf_header_of_the_session(app):
    client = sign_in(app.server.test_client(), "demo_county")
    del client.environ_base["HTTP_X_CSRFTOKEN"]
    response = _callback(client, "..map.figure", [METRIC, None, "all"], [{"region": "522728000000"}])
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    client.environ_base["HTTP_X_CSRFTOKEN"] = "forged"
    assert _callback(client, "..map.figure", [METRIC, None, "all"], [{"region": "522728000000"}]).status_code == 400


def test_a_token_has_its_users_scope_and_stops_when_revoked_or_disabled(app, anonymous):
    accounts.add_user(app.storage, "script_county", "county", ["522728"], None)
    headers = {"Authorization": "Bearer " + accounts.make_token(app.storage, "script_county", "test")}
    assert anonymous.get("/api/v1/regions/522728", headers=headers).status_code == 200
    assert anonymous.get("/api/v1/regions/522727", headers=headers).status_code == 403
    response = _callback_with(anonymous, headers)  # no cookie, no CSRF header: a token needs none
    assert response.status_code == 200
    assert anonymous.get("/api/v1/regions/522728", headers={"Authorization": "Bearer npa_forged"}).status_code == 401
    accounts.set_active(app.storage, "script_county", False)
    assert anonymous.get("/api/v1/regions/522728", headers=headers).status_code == 401
    accounts.set_active(app.storage, "script_county", True)
    assert accounts.revoke_tokens(app.storage, "script_county") == 1
    assert anonymous.get("/api/v1/regions/522728", headers=headers).status_code == 401


def _callback_with(client, headers):
    body = {"output": "..period.options...period.value..",
            "outputs": [{"id": "period", "property": "options"}, {"id": "period", "property": "value"}],
            "inputs": [{"id": "metric", "property": "value", "value": METRIC}],
            "state": [{"id": "period", "property": "value", "value": None}], "changedPropIds": ["metric.value"]}
    return client.post("/_dash-update-component", json=body, headers=headers)


def _login(client, name: str, password: str):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/"})


def test_five_wrong_passwords_lock_the_account_and_each_is_audited(app, anonymous):
    accounts.add_user(app.storage, "locked_out", "county", ["522728"], "a long enough password")
    for _ in range(MAX_FAILED_LOGINS):
        response = _login(anonymous, "locked_out", "wrong password!")
        assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True) or \
            "已锁定" in response.get_data(as_text=True)
    response = _login(anonymous, "locked_out", "a long enough password")
    assert "已锁定" in response.get_data(as_text=True)
    failed = audit.entries(app.storage.engine, ADMIN, user="locked_out", action="login", outcome="failed")
    assert len(failed) == MAX_FAILED_LOGINS + 1 and failed[0]["detail"] == "locked"
    accounts.set_active(app.storage, "locked_out", True)  # an administrator lifts the lock
    assert _login(anonymous, "locked_out", "a long enough password").status_code == 302


def test_an_unknown_name_and_a_wrong_password_read_the_same(app, anonymous):
    unknown = _login(anonymous, "nobody_here", "whatever password").get_data(as_text=True)
    wrong = _login(anonymous, "demo_city", "whatever password").get_data(as_text=True)
    assert "用户名或密码错误" in unknown and "用户名或密码错误" in wrong


def test_a_password_change_ends_open_sessions(app):
    accounts.add_user(app.storage, "changes_password", "city", ["5227"], "first password 123")
    client = app.server.test_client()
    assert _login(client, "changes_password", "first password 123").status_code == 302
    assert client.get("/api/v1/regions/5227").status_code == 200
    accounts.set_password(app.storage, "changes_password", "second password 456")
    assert client.get("/api/v1/regions/5227").status_code == 401


def test_sign_out_ends_the_session_even_a_copied_cookie(app):
    client = sign_in(app.server.test_client(), "demo_city")
    copied = client.get_cookie("session").value
    del client.environ_base["HTTP_X_CSRFTOKEN"]
    assert client.post("/logout").status_code == 400  # without the form's token
    response = client.post("/logout", data={"csrf_token": client.get_cookie("_csrf_token").value})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/api/v1/regions/5227").status_code == 401
    replay = app.server.test_client()
    replay.set_cookie("session", copied)
    assert replay.get("/api/v1/regions/5227").status_code == 401
    logout = [e for e in audit.entries(app.storage.engine, ADMIN, user="demo_city", action="logout")]
    assert logout and logout[0]["outcome"] == "ok"


def test_sign_in_attempts_are_rate_limited(tiny_instance):
    from dataclasses import replace

    from dashboard.app import create_app

    app = create_app(replace(tiny_instance, login_rate_limit="3 per minute"))
    client = app.server.test_client()
    statuses = [_login(client, "demo_city", "wrong password!").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_production_mode_neither_lists_nor_accepts_demo_accounts(tiny_instance, monkeypatch):
    from dataclasses import replace

    from dashboard.app import create_app

    monkeypatch.delenv("ID_HASH_KEY", raising=False)
    with pytest.raises(RuntimeError, match="ID_HASH_KEY"):
        create_app(replace(tiny_instance, mode="production"))
    monkeypatch.setenv("ID_HASH_KEY", "a production secret")
    app = create_app(replace(tiny_instance, mode="production", secure_cookies=True))
    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "demo_admin" not in page and "demo-2026" not in page
    response = _login(client, "demo_admin", "admin-demo-2026")
    assert response.status_code == 200 and "停用" in response.get_data(as_text=True)
    accounts.add_user(app.storage, "real_admin", "admin", [], "a real admin password")
    response = _login(client, "real_admin", "a real admin password")
    cookie = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("session=") and "Secure" in c and "HttpOnly" in c and "SameSite=Lax" in c for c in cookie)


def test_roles_check_their_regions(app):
    with pytest.raises(accounts.AccountError, match="county"):
        accounts.add_user(app.storage, "wrong_level", "county", ["52"], "a long enough password")
    with pytest.raises(accounts.AccountError, match="whole country"):
        accounts.add_user(app.storage, "evaluator_with_region", "evaluator", ["52"], "a long enough password")
    with pytest.raises(accounts.AccountError, match="10"):
        accounts.add_user(app.storage, "short_password", "admin", [], "short")
    with pytest.raises(accounts.AccountError, match="no such region"):
        accounts.add_user(app.storage, "unknown_region", "county", ["529999"], "a long enough password")
    office = accounts.add_user(app.storage, "shenzhen_office", "collaboration", ["4403"], "a long enough password")
    assert [r["name"] for r in office["regions"]] == ["南宁市", "桂林市"]  # 深圳 → its western partners
    two = accounts.add_user(app.storage, "two_counties", "county", ["522728", "522725"], "a long enough password")
    assert len(two["regions"]) == 2


def test_an_east_west_office_sees_its_partners_and_their_parents_figures_only(app):
    accounts.add_user(app.storage, "shenzhen_office_b", "collaboration", ["4403"], "a long enough password")
    client = app.server.test_client()
    assert _login(client, "shenzhen_office_b", "a long enough password").status_code == 302
    assert client.get("/api/v1/regions/4501").status_code == 200  # 南宁
    assert client.get(f"/api/v1/series?metric={METRIC}&region=45").status_code == 200  # 广西: comparison figures
    assert client.get("/api/v1/regions/45").status_code == 403  # … but not the province itself
    listed = client.get(f"/api/v1/values?metric={METRIC}&parent=45").get_json()["values"]
    assert {"450100000000", "450300000000", "450200000000"} <= {v["code"] for v in listed}  # its peers' figures
    assert client.get("/api/v1/regions/4502").status_code == 403  # 柳州: not a partner, only compared
    assert client.get(f"/api/v1/values?metric={METRIC}&parent=4502").status_code == 403  # … nor its units


def test_household_lists_follow_the_role(app):
    from data.store import records

    def access(role, regions=()):
        return access_for(app.storage, role, regions)

    full = records.listing(app.storage, access("county", ["522728000000"]), "households", "522728", 20)
    sample = records.listing(app.storage, access("evaluator"), "households", "522728", 20)
    again = records.listing(app.storage, access("evaluator"), "households", "522728", 20)
    hidden = records.listing(app.storage, access("collaboration", ["520000000000"]), "households", "522728", 20)
    assert full.mode == "first" and sample.mode == "sample" and hidden.mode == "hidden"
    assert list(full.frame["household_id"]) == sorted(full.frame["household_id"])[:20]
    assert list(sample.frame["household_id"]) == list(again.frame["household_id"])  # seeded: the same sample
    assert set(sample.frame["household_id"]) != set(full.frame["household_id"]) and len(sample.frame) == 20
    assert hidden.frame.empty and hidden.total == full.total
    projects = records.listing(app.storage, access("collaboration", ["520000000000"]), "projects", "522728", 20)
    assert projects.mode == "first" and len(projects.frame)  # not household data
    with pytest.raises(NotFound):
        records.listing(app.storage, access("evaluator"), "households", "529999")


def test_viewing_a_household_list_is_audited(app):
    client = sign_in(app.server.test_client(), "demo_evaluator")
    assert _page(client, "/data", "?region=522728&table=members").status_code == 200
    entry = audit.entries(app.storage.engine, ADMIN, user="demo_evaluator", action="view_households", limit=1)[0]
    assert entry["region_code"] == "522728000000" and entry["detail"].startswith("members: sample")


def test_a_data_clerk_imports_only_within_her_region_and_takes_over_nothing(app, tmp_path):
    from data.store import records
    from data.ingest.importer import ImportRejected, import_file

    clerk = access_for(app.storage, "data_clerk", ["522728000000"], user="clerk")
    engine = app.storage.engine
    projects = records.read_table(engine, ADMIN, "projects")
    members = records.read_table(engine, ADMIN, "members")
    households = records.read_table(engine, ADMIN, "households")
    teams = records.read_table(engine, ADMIN, "teams")
    mine = households[households["village_code"].str.startswith("522728")]["household_id"].iloc[0]
    cases = {
        "teams of another county": ("teams", teams[~teams["village_code"].str.startswith("522728")].head(2)),
        "another county's project moved here": ("projects", projects[projects["county_code"] != "522728000000"].head(1)
                                                .assign(county_code="522728000000", village_code=None)),
        "another county's member moved here": ("members", members[~members["household_id"].str.startswith("522728")]
                                               .head(1).assign(household_id=mine)),
    }
    for label, (table, frame) in cases.items():
        assert len(frame), label
        frame.to_csv(tmp_path / f"{table}.csv", index=False)
        with pytest.raises(ImportRejected) as rejected:
            import_file(app.storage, clerk, table, tmp_path / f"{table}.csv")
        assert any("不在您的权限范围内" in p.zh for p in rejected.value.problems), label
    own = teams[teams["village_code"].str.startswith("522728")]
    own.to_csv(tmp_path / "own.csv", index=False)
    result = import_file(app.storage, clerk, "teams", tmp_path / "own.csv")
    assert result.unchanged == len(own)
    records.read_table(engine, ADMIN, "regions").head(1).to_csv(tmp_path / "regions.csv", index=False)
    with pytest.raises(ImportRejected, match="administrator"):
        import_file(app.storage, clerk, "regions", tmp_path / "regions.csv")


def test_a_township_leader_lists_the_projects_of_her_villages(app):
    from data.store import records

    township = _own_township(app.storage)
    access = access_for(app.storage, "township", [township.ljust(12, "0")])
    shown = records.listing(app.storage, access, "projects", township)
    assert shown.total == len(shown.frame) and all(v.startswith(township) for v in shown.frame["village_code"])


@pytest.mark.parametrize("target, followed", [
    ("/?region=52", "/?region=52"), ("/region/522728", "/region/522728"), (None, "/"), ("", "/"),
    ("//evil.example", "/"), ("/\\evil.example", "/"), ("/%09/evil.example", "/%09/evil.example"),
    ("/\t/evil.example", "/"), ("https://evil.example/", "/"), ("/ /evil", "/"), ("javascript:alert(1)", "/")])
def test_only_paths_of_the_app_are_followed_after_signing_in(target, followed):
    from dashboard.auth import safe_next

    assert safe_next(target) == followed


def test_the_wrong_name_is_not_kept_and_throttling_is_audited(app, anonymous):
    _login(anonymous, "my secret password typed as a name", "x" * 12)
    latest = audit.entries(app.storage.engine, ADMIN, action="login", limit=1)[0]
    assert latest["user_name"] is None and latest["detail"] == "wrong"
