"""Benchmarks (not timed tests): ``python -m benchmarks`` prints JSON measured on this machine.

Geometry (here): the raw and gzipped size of each layer the map asks for, the cold build time of each answer
(outlines read from storage, assembled and gzipped) and warm latency percentiles through the WSGI app.
The figure API and the pipeline against DuckDB are measured in benchmarks/pipeline.py, the map page
(callback payloads, paint and drill times in Chromium) in benchmarks/map_page.py. Results are recorded in
docs/performance.md. Requests are made with the token of a ``bench`` administrator (no password), made for
the run and revoked after it.
"""
from __future__ import annotations

import contextlib
import gzip
import json
import statistics
import time

from dashboard.app import create_app
from dashboard.config import Config

GEOMETRY_REQUESTS = (
    ("national provinces", "/geo/province.geojson"),
    ("national prefectures", "/geo/city.geojson"),
    ("national counties", "/geo/county.geojson"),
    ("Guizhou counties", "/geo/county.geojson?parent=52"),
    ("national boundary lines", "/geo/lines.geojson"),
)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(config: Config | None = None, repeats: int = 30,
        parts: tuple[str, ...] = ("geometry", "api", "pipeline", "map", "report")) -> dict:
    config = config or Config()
    app = create_app(config)
    with bench_headers(app.storage) as headers:
        client = app.server.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = headers["Authorization"]
        return _run(app, client, config, headers, repeats, parts)


@contextlib.contextmanager
def bench_headers(storage):
    """Request headers with the token of the ``bench`` administrator (created once, no password); the
    token is revoked after the run."""
    from data.store import accounts

    from data.definitions.access import system_access

    if not any(user["name"] == "bench" for user in accounts.list_users(storage, system_access("bench"))):
        accounts.add_user(storage, "bench", "admin", [], None, note="benchmarks: tokens only")
    token = accounts.make_token(storage, "bench", "bench run")
    try:
        yield {"Authorization": f"Bearer {token}"}
    finally:
        accounts.revoke_tokens(storage, "bench")


def _run(app, client, config: Config, headers: dict, repeats: int, parts: tuple[str, ...]) -> dict:
    from benchmarks import map_page as bench_map
    from benchmarks import pipeline as bench_pipeline

    answer = {"database": app.storage.engine.dialect.name, "facts": {
        k: v for k, v in app.storage.facts().items() if k in ("scale", "seed", "boundary_source", "cube_built_at")}}
    if "geometry" in parts:
        answer["geometry"] = geometry_benchmark(app, client, repeats)
    if "api" in parts:
        answer["api"] = bench_pipeline.api_benchmark(client, app.storage, repeats)
    if "pipeline" in parts:
        answer["pipeline"] = bench_pipeline.pipeline_benchmark(app.storage)
    if "map" in parts:
        answer["map"] = bench_map.run(app, client, config, headers, repeats)
    if "report" in parts:  # the region report per county (benchmarks/report.py)
        from benchmarks import report as bench_report

        answer["report"] = bench_report.run(app.storage)
    if "monitoring" in parts:  # the monitoring page's load, county and province (benchmarks/monitoring.py)
        from benchmarks import monitoring as bench_monitoring

        answer["monitoring"] = bench_monitoring.run(app, client, config, headers, repeats)
    if "collaboration" in parts:  # the pair ledger of the largest eastern partner (benchmarks/collaboration.py)
        from benchmarks import collaboration as bench_collaboration

        answer["collaboration"] = bench_collaboration.run(app, client, min(repeats, 5))
    if "assessment" in parts:  # scoring every county and 1,000 robustness draws (benchmarks/assessment.py)
        from benchmarks import assessment as bench_assessment

        answer["assessment"] = bench_assessment.run(app.storage)
    return answer


def geometry_benchmark(app, client, repeats: int) -> list[dict]:
    for cache in app.server.extensions.get("cache", {}):
        cache.clear()  # cold numbers mean cold
    requests = list(GEOMETRY_REQUESTS)
    in_scope = app.storage.regions(level="township")
    if in_scope:
        county = in_scope[0]["code"][:6]
        requests.append(("one county's townships", f"/geo/township.geojson?parent={county}"))
        requests.append(("one township's villages", f"/geo/village.geojson?parent={in_scope[0]['code'][:9]}"))
    results = []
    for label, url in requests:
        started = time.perf_counter()
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        cold = time.perf_counter() - started
        warm = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(url, headers={"Accept-Encoding": "gzip"})
            warm.append(time.perf_counter() - started)
        results.append({
            "layer": label, "url": url, "status": response.status_code,
            "features": len(json.loads(gzip.decompress(response.data))["features"]),
            "raw_kb": round(len(gzip.decompress(response.data)) / 1024, 1),
            "gzip_kb": round(len(response.data) / 1024, 1),
            "cold_build_ms": round(cold * 1000, 1),
            "warm_p50_ms": round(statistics.median(warm) * 1000, 2),
            "warm_p95_ms": round(percentile(warm, 0.95) * 1000, 2),
        })
    return results
