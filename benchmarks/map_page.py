"""Map page benchmark: what a metric, period or tier change sends, and how fast the map paints.

Callbacks are measured through the app itself (the real ``/_dash-update-component`` answer, raw and as it
travels compressed). Paint times are measured in Debian's headless Chromium against the app served by
gunicorn: the national county map (cold: a new browser profile; warm: the same profile again), drilling
into a county by clicking it on its prefecture's map, and a metric change on the national map.
Targets (issue 5): ≤ 30 KB per change, national paint ≤ 2.5 s, county drill ≤ 1 s.
"""
from __future__ import annotations

import gzip
import importlib.util
import json
import statistics
import time

from benchmarks import browsing
from benchmarks.run import percentile
from dashboard.config import Config

CHANGES = (  # (label, region, metric, period (None: latest), tier, the input that changed)
    ("metric change, national counties", None, "employment_rate", None, "all", "metric"),
    ("period change, national counties", None, "risk_not_eliminated_households", "previous", "all", "period"),
    ("tier change, national counties", None, "risk_not_eliminated_households", None, "national_key", "tier"),
    ("metric change, Guizhou's counties", "52", "employment_rate", None, "all", "metric"),
)


def _update_request(client, region, metric, period, tier, changed) -> dict:
    dependency = next(d for d in client.get("/_dash-dependencies").get_json()
                      if d["output"].startswith("..map.figure"))
    outputs = [{"id": part.split(".")[0], "property": part.split(".")[1]}
               for part in dependency["output"].strip(".").split("...")]
    return {"output": dependency["output"], "outputs": outputs,
            "inputs": [{"id": "metric", "property": "value", "value": metric},
                       {"id": "period", "property": "value", "value": period},
                       {"id": "tier", "property": "value", "value": tier}],
            "state": [{"id": "map-state", "property": "data", "value": {"region": region, "lang": "zh"}}],
            "changedPropIds": [f"{changed}.value"]}


def callback_benchmark(app, client, repeats: int) -> list[dict]:
    from data.definitions import metrics
    from data.read import cube

    cube_info = cube.info(app.storage)
    results = []
    for label, region, metric, period, tier, changed in CHANGES:
        if period == "previous":
            known = cube_info.periods[metrics.get(metric).grain]
            period = known[-2] if len(known) > 1 else known[-1]
        period = period or cube_info.latest_of(metrics.get(metric))
        body = _update_request(client, region, metric, period, tier, changed)
        times, response = [], None
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": "gzip"})
            times.append(time.perf_counter() - started)
        raw = gzip.decompress(response.data) if response.headers.get("Content-Encoding") == "gzip" else response.data
        patch = json.dumps(json.loads(raw)["response"]["map"]["figure"], separators=(",", ":")).encode()
        results.append({"change": label, "status": response.status_code,
                        "answer_wire_kb": round(len(response.data) / 1024, 1), "answer_raw_kb": round(len(raw) / 1024, 1),
                        "map_patch_raw_kb": round(len(patch) / 1024, 1),
                        "map_patch_gzip_kb": round(len(gzip.compress(patch)) / 1024, 1),
                        "server_p50_ms": round(statistics.median(times) * 1000, 1),
                        "server_p95_ms": round(percentile(times, 0.95) * 1000, 1)})
    return results


def browser_benchmark(config: Config, storage, headers: dict, repeats: int) -> dict:
    if importlib.util.find_spec("playwright") is None:  # a test requirement
        return {"skipped": "playwright is not installed (pip install -r requirements-test.txt)"}
    counties = len(storage.units("county"))
    with_townships = sorted({code[:6] + "000000" for code, _, _ in storage.units("township")})
    answer: dict = {"counties": counties}
    with browsing.serve(config.instance_dir, config.database_url, mode=config.mode) as url, \
            browsing.chromium() as browser:
        cold, warm = [], []
        for _ in range(repeats):
            context = browser.new_context(viewport={"width": 1400, "height": 900}, extra_http_headers=headers)
            for samples in (cold, warm):  # a new profile, then the same one again (cached scripts and geometry)
                page = context.new_page()
                started = time.perf_counter()
                page.goto(url + "/")
                browsing.wait_for_map(page, counties, timeout=60_000)
                samples.append(time.perf_counter() - started)
                page.close()
            context.close()
        answer["national_paint_cold_s"] = _summary(cold)
        answer["national_paint_warm_s"] = _summary(warm)
        if with_townships:
            county = storage.region(with_townships[0])
            towns = len(storage.units("township", county["code"]))
            drills = []
            context = browser.new_context(viewport={"width": 1400, "height": 900}, extra_http_headers=headers)
            for _ in range(repeats):
                page = context.new_page()
                page.goto(url + f"/?region={county['parent_code']}")
                page.wait_for_selector(browsing.BASE_PATHS, timeout=60_000)
                page.wait_for_timeout(300)
                started = time.perf_counter()
                browsing.click_region(page, county["code"])
                browsing.wait_for_map(page, towns, timeout=60_000)
                drills.append(time.perf_counter() - started)
                page.close()
            context.close()
            answer["county_drill"] = {"county": county["name"], "townships": towns, "seconds": _summary(drills)}
        answer["metric_change_national"] = _metric_change(browser, url, headers, counties, repeats)
    return answer


def _metric_change(browser, url: str, headers: dict, counties: int, repeats: int) -> dict:
    """Choose another metric on the national map: time until the legend names it, and the largest callback
    answer as it travelled (compressed: content-length)."""
    seconds, transferred = [], []
    context = browser.new_context(viewport={"width": 1400, "height": 900}, extra_http_headers=headers)
    for _ in range(repeats):
        page = context.new_page()
        page.goto(url + "/")
        browsing.wait_for_map(page, counties, timeout=60_000)
        page.wait_for_timeout(300)
        answers: list = []
        page.on("response", lambda response: "_dash-update-component" in response.url and answers.append(response))
        started = time.perf_counter()
        page.click("#metric")
        page.get_by_role("option", name="脱贫劳动力务工就业率", exact=True).click()
        browsing.wait_until(page, "document.querySelector('.colorbar') && "
                                  "document.querySelector('.colorbar').textContent.includes('务工就业率')")
        seconds.append(time.perf_counter() - started)
        transferred.append(max((int(a.headers.get("content-length") or len(a.body())) for a in answers), default=0))
        page.close()
    context.close()
    return {"seconds": _summary(seconds), "answer_wire_kb_max": round(max(transferred) / 1024, 1)}


def _summary(samples: list[float]) -> dict:
    return {"p50": round(statistics.median(samples), 2), "max": round(max(samples), 2), "runs": len(samples)}


def run(app, client, config: Config, headers: dict, repeats: int) -> dict:
    """``client`` and ``headers`` carry an administrator's token (see dashboard/bench.py)."""
    return {"callbacks": callback_benchmark(app, client, max(5, repeats // 3)),
            "browser": browser_benchmark(config, app.storage, headers, max(3, repeats // 10))}
