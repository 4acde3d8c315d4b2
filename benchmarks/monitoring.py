"""Monitoring page benchmark (issue 17 part 6): the load of ``/monitoring`` for a county and for a province,
and what each control costs.

Server side, through the app itself (the real ``/_dash-update-component`` answers): the page's render, cold
(the read service's caches emptied, :func:`data.read.monitoring.clear_caches`) and warm, with its queries;
then each control — the month, the warning cut, the what-if threshold, the sample size — changed once: every
callback the change fires, the callbacks that only rewrite the URL followed by the page render they cause
(how the page worked before part 6), their outputs, time and queries.

In Debian's headless Chromium against the app served by gunicorn: time from navigation to the last change
of the page's content (a MutationObserver; the sections painted), the callback requests a load sends and
their outputs, then the what-if (threshold changed with the input scrolled into view): requests, time to the
new result and how far the page scrolled.
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import statistics
import time
from urllib.parse import urlsplit

import sqlalchemy as sa

from benchmarks import browsing
from dashboard.config import Config

WORKERS = 2  # gunicorn's, as browsing.serve starts it
COUNTY, PROVINCE = "522728", "52"  # 罗甸县 and 贵州省 (the demo's largest province); else the first with data
PAGES_OUTPUT = ".._pages_content.children..._pages_store.data.."
CONTROLS = (  # (label, component id, the value it is changed to: a function of its value on the page)
    ("month", "mon-period", lambda value, options: next((o["value"] for o in reversed(options or [])
                                                         if o["value"] != value), value)),
    ("warning cut", "mon-min-score", lambda value, options: 40 if value != 40 else 60),
    ("what-if threshold", "mon-threshold", lambda value, options: (value or 8000) + 500),
    ("sample size", "mon-size", lambda value, options: (value or 30) + 5),
)
# The page painted: each section's content is on the page (a region without household data has no tables;
# above a county the sample is drawn on demand: its section is painted with its note and button).
PAINTED = ("document.querySelector('#mon-warnings .dash-spreadsheet, #mon-warnings table') && "
           "document.querySelector('#mon-sample .dash-spreadsheet, #mon-sample table, #mon-sample-body .note') && "
           "document.querySelector('#mon-whatif-summary') && document.querySelector('#mon-board table') && "
           "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4")
_WATCH = """window.__lastChange = 0;
new MutationObserver(function () { window.__lastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, characterData: true});"""


def _regions(storage) -> tuple[str, str]:
    with storage.engine.connect() as connection:
        households = sa.text("SELECT substr(village_code, 1, 6) AS county, count(*) AS n FROM households GROUP BY 1")
        counties = {row.county: row.n for row in connection.execute(households)}
    county = COUNTY if COUNTY in counties else min(counties)
    provinces: dict[str, int] = {}
    for code, count in counties.items():
        provinces[code[:2]] = provinces.get(code[:2], 0) + count
    province = PROVINCE if PROVINCE in provinces else max(provinces, key=provinces.get)
    return county, province


@contextlib.contextmanager
def _counting(engine):
    counted = {"queries": 0}

    def count(*_args, **_kwargs):
        counted["queries"] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _clear_caches() -> None:
    from data.read import monitoring

    clear = getattr(monitoring, "clear_caches", None)
    if clear:
        clear()
    else:  # before part 6: the one cache of scores
        monitoring._cache.clear()


def _post(client, body: dict) -> tuple[dict, float]:
    started = time.perf_counter()
    response = client.post("/_dash-update-component", json=body)
    seconds = time.perf_counter() - started
    if response.status_code == 204:
        return {}, seconds
    if response.status_code != 200:
        raise RuntimeError(f"{body['output']}: HTTP {response.status_code} {response.get_data(as_text=True)[:300]}")
    return response.get_json()["response"], seconds


def _page_body(search: str) -> dict:
    return {"output": PAGES_OUTPUT, "outputs": [{"id": "_pages_content", "property": "children"},
                                                {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/monitoring"},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.search"]}


def _props(layout) -> dict[str, dict]:
    """Each component of a rendered layout with an id: its props."""
    found: dict[str, dict] = {}

    def walk(node):
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict) and "props" in node:
            props = node["props"]
            if isinstance(props.get("id"), str):
                found[props["id"]] = props
            walk(props.get("children"))
            for value in props.values():
                if isinstance(value, dict) and "props" in value:
                    walk(value)
    walk(layout)
    return found


def _outputs(dependency: dict) -> list[dict]:
    parts = dependency["output"].strip(".").split("...") if dependency["output"].startswith("..") \
        else [dependency["output"]]
    return [{"id": part.rsplit(".", 1)[0].split("@")[0], "property": part.rsplit(".", 1)[1].split("@")[0]}
            for part in parts]


def _body(dependency: dict, props: dict[str, dict], changed: str, value) -> dict:
    def spec(item, override=True):
        known = props.get(item["id"], {}).get(item["property"])
        return {**item, "value": value if override and item["id"] == changed else known}
    outputs = _outputs(dependency)
    return {"output": dependency["output"], "outputs": outputs if dependency["output"].startswith("..") else outputs[0],
            "inputs": [spec(i) for i in dependency["inputs"]], "state": [spec(s, False) for s in dependency["state"]],
            "changedPropIds": [f"{changed}.value"]}


def _render(client, engine, search: str) -> dict:
    with _counting(engine) as counted:
        answer, seconds = _post(client, _page_body(search))
    return {"seconds": seconds, "queries": counted["queries"], "layout": answer["_pages_content"]["children"]}


def server_benchmark(app, client, region: str, repeats: int) -> dict:
    engine = app.storage.engine
    search = f"?region={region}"
    _clear_caches()
    cold = _render(client, engine, search)
    warm = [_render(client, engine, search) for _ in range(repeats)]
    props = _props(cold["layout"])
    dependencies = client.get("/_dash-dependencies").get_json()
    changes = []
    for label, control, change in CONTROLS:
        if control not in props:
            changes.append({"control": label, "skipped": "not on the page"})
            continue
        value = change(props[control].get("value"), props[control].get("options"))
        fired = [d for d in dependencies if not d.get("clientside_function")  # (those run in the browser)
                 and any(i["id"] == control and i["property"] == "value" for i in d["inputs"])]
        calls, seconds, queries = [], 0.0, 0
        for dependency in fired:
            with _counting(engine) as counted:
                answer, took = _post(client, _body(dependency, props, control, value))
            seconds, queries = seconds + took, queries + counted["queries"]
            outputs = [f"{o['id']}.{o['property']}" for o in _outputs(dependency)]
            calls.append({"outputs": outputs, "ms": round(took * 1000, 1)})
            href = answer.get("url", {}).get("href") if isinstance(answer.get("url"), dict) else None
            if href:  # the URL rewritten: the whole page is rendered again from it
                followed = _render(client, engine, "?" + urlsplit(href).query)
                seconds, queries = seconds + followed["seconds"], queries + followed["queries"]
                calls.append({"outputs": ["_pages_content.children (the whole page)"],
                              "ms": round(followed["seconds"] * 1000, 1)})
        changes.append({"control": label, "value": value, "callbacks": len(calls), "calls": calls,
                        "seconds": round(seconds, 3), "queries": queries})
    return {"region": region, "page_cold_s": round(cold["seconds"], 3), "page_cold_queries": cold["queries"],
            "page_warm_s": _summary([w["seconds"] for w in warm], 3), "page_warm_queries": warm[-1]["queries"],
            "controls": changes}


def browser_benchmark(config: Config, regions: dict[str, str], headers: dict, repeats: int) -> dict:
    if importlib.util.find_spec("playwright") is None:  # a test requirement
        return {"skipped": "playwright is not installed (pip install -r requirements-test.txt)"}
    answer: dict = {}
    with browsing.serve(config.instance_dir, config.database_url, workers=WORKERS, mode=config.mode) as url, \
            browsing.chromium() as browser:
        for label, region in regions.items():
            loads, whatifs = [], []
            for _ in range(repeats):  # the first is cold: the first load of the region since the server started
                loads.append(load(browser, url + f"/monitoring?region={region}", headers))
                whatifs.append(loads[-1].pop("whatif"))
            answer[label] = {
                "region": region,
                "last_section_painted_s": _summary([x["painted_s"] for x in loads], 2),
                "first_load_painted_s": loads[0]["painted_s"],
                # gunicorn's two workers each read the region once: the first two loads are cold, the rest warm
                "cold_workers_painted_s": [x["painted_s"] for x in loads[:WORKERS]],
                "warm_painted_s": _summary([x["painted_s"] for x in loads[WORKERS:]], 2),
                "callback_requests_per_load": sorted({x["requests"] for x in loads}),
                "outputs_per_load": loads[-1]["outputs"],
                "whatif": {"requests": sorted({w["requests"] for w in whatifs}),
                           "outputs": whatifs[-1]["outputs"],
                           "result_s": _summary([w["seconds"] for w in whatifs], 2),
                           "updated": sum(w["seconds"] == w["seconds"] for w in whatifs),
                           "scroll_moved_px": max(abs(w["scroll_moved_px"]) for w in whatifs)},
            }
    return answer


def load(browser, address: str, headers: dict) -> dict:
    """One load of the page in a new profile, then the what-if."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, extra_http_headers=headers)
    page = context.new_page()
    page.add_init_script(_WATCH)
    requests: list[dict] = []
    flying: set = set()

    def sent(request):
        if "_dash-update-component" in request.url:
            body = json.loads(request.post_data or "{}")
            requests.append({"output": body.get("output", ""), "changed": body.get("changedPropIds")})
            flying.add(request)
    page.on("request", sent)
    page.on("requestfinished", lambda request: flying.discard(request))
    page.on("requestfailed", lambda request: flying.discard(request))
    started = time.perf_counter()
    page.goto(address)
    browsing.wait_until(page, PAINTED, timeout=300_000)
    _quiet(page, flying)
    painted = page.evaluate("window.__lastChange") / 1000
    loaded = list(requests)
    del requests[:]
    page.locator("#mon-threshold").scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    before, summary = page.evaluate("window.scrollY"), page.inner_text("#mon-whatif-summary")
    threshold = page.input_value("#mon-threshold")
    started = time.perf_counter()
    page.fill("#mon-threshold", str(int(float(threshold or 8000)) + 500))
    page.press("#mon-threshold", "Enter")
    try:
        browsing.wait_until(page, f"document.querySelector('#mon-whatif-summary') && "
                                  f"document.querySelector('#mon-whatif-summary').innerText !== {json.dumps(summary)}",
                            timeout=60_000)
        seconds = time.perf_counter() - started
    except TimeoutError:
        seconds = float("nan")  # the result did not change within a minute
    _quiet(page, flying)
    moved = page.evaluate("window.scrollY") - before
    context.close()
    return {"painted_s": round(painted, 2), "requests": len(loaded), "outputs": [_short(r["output"]) for r in loaded],
            "whatif": {"requests": len(requests), "outputs": [_short(r["output"]) for r in requests],
                       "seconds": seconds, "scroll_moved_px": moved}}


def _short(output: str) -> str:
    return output.strip(".").replace("...", " + ").split("@")[0]


def _quiet(page, flying: set, seconds: float = 1.0) -> None:
    """Wait until no callback request is under way and the page's content has not changed for ``seconds``."""
    while True:
        since = page.evaluate("performance.now() - window.__lastChange")
        if since >= seconds * 1000 and not flying:
            return
        page.wait_for_timeout(max(50, seconds * 1000 - since + 50))


def _summary(samples: list[float], digits: int) -> dict | None:
    samples = [x for x in samples if x == x]  # (NaN: not measured)
    if not samples:
        return None
    return {"p50": round(statistics.median(samples), digits), "max": round(max(samples), digits), "runs": len(samples)}


def run(app, client, config: Config, headers: dict, repeats: int) -> dict:
    """``client`` and ``headers`` carry an administrator's token (see benchmarks/run.py)."""
    county, province = _regions(app.storage)
    answer = {"server": {"county": server_benchmark(app, client, county, max(3, repeats // 10)),
                         "province": server_benchmark(app, client, province, max(3, repeats // 10))}}
    try:
        answer["browser"] = browser_benchmark(config, {"county": county, "province": province}, headers,
                                              max(WORKERS + 3, repeats // 10))  # ≥ 3 warm loads
    except Exception as error:  # the server's numbers stand without the browser's
        answer["browser"] = {"failed": f"{error.__class__.__name__}: {str(error)[:300]}"}
    return answer
