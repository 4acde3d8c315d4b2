"""The East–West collaboration page (issue 18): the pair ledger's load time for the largest eastern partner
in the database (the one with the most western regions), as ``python -m benchmarks --only collaboration``.

Measured for an administrator's token (the office of that partner reads the same rows): the server-side
read (data/read/collaboration.ledger, best of its own repeats and the median of ours), the page itself
through the app (Dash's page callback for ``/collaboration?east=…``: every section read, drawn and sent,
raw and compressed size), the ledger's server-side sort (the "worst first" callback: the ledger read again
and sorted), and the report for the leadership (PDF and XLSX, once each: the first PDF of a process also
parses the Chinese font).
"""
from __future__ import annotations

import gzip
import json
import statistics
import time

from benchmarks.run import percentile


def _timed(call, repeats: int) -> tuple[list[float], object]:
    times, answer = [], None
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        answer = call()
        times.append(time.perf_counter() - started)
    return times, answer


def _ms(times: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(times) * 1000, 1), "p95_ms": round(percentile(times, 0.95) * 1000, 1),
            "n": len(times)}


def run(app, client, repeats: int = 5) -> dict:
    from data.definitions.access import system_access
    from data.read import collaboration as collab
    from layouts import collaboration_ids as cids

    storage, access = app.storage, system_access("bench")
    east = collab.largest_partner(storage, access)
    if east is None:
        return {"skipped": "no East–West collaboration rows in this database"}
    read = collab.ledger_timing(storage.snapshot(), access, east, repeat=repeats)
    times, ledger = _timed(lambda: collab.ledger(storage.snapshot(), access, east), repeats)
    answer: dict = {"east": east, "east_name": read["east_name"], "year": read["year"], "regions": read["regions"],
                    "indicators": len(ledger.indicators), "ledger_rows": read["rows"],
                    "read": {"best_ms": round(read["seconds"] * 1000, 1), **_ms(times)}}

    page = {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/collaboration"},
                       {"id": "_pages_location", "property": "search", "value": f"?east={east}"}],
            "changedPropIds": ["_pages_location.pathname"]}
    times, response = _timed(lambda: client.post("/_dash-update-component", json=page,
                                                 headers={"Accept-Encoding": "gzip"}), repeats)
    raw = gzip.decompress(response.data) if response.headers.get("Content-Encoding") == "gzip" else response.data
    answer["page"] = {"status": response.status_code, "answer_wire_kb": round(len(response.data) / 1024, 1),
                      "answer_raw_kb": round(len(raw) / 1024, 1), **_ms(times)}

    state = {"east": east, "year": ledger.year, "lang": "zh"}
    worst = {"output": f"..{cids.LEDGER}.data...{cids.LEDGER}.sort_by..",
             "outputs": [{"id": cids.LEDGER, "property": "data"}, {"id": cids.LEDGER, "property": "sort_by"}],
             "inputs": [{"id": cids.LEDGER, "property": "sort_by", "value": []},
                        {"id": cids.WORST_FIRST, "property": "n_clicks", "value": 1}],
             "state": [{"id": cids.STATE, "property": "data", "value": state}],
             "changedPropIds": [f"{cids.WORST_FIRST}.n_clicks"]}
    times, response = _timed(lambda: client.post("/_dash-update-component", json=worst,
                                                 headers={"Accept-Encoding": "gzip"}), repeats)
    raw = gzip.decompress(response.data) if response.headers.get("Content-Encoding") == "gzip" else response.data
    rows = json.loads(raw)["response"][cids.LEDGER]["data"] if response.status_code == 200 else []
    answer["worst_first"] = {"status": response.status_code, "rows": len(rows),
                             "answer_wire_kb": round(len(response.data) / 1024, 1), **_ms(times)}

    for fmt in ("pdf", "xlsx"):
        started = time.perf_counter()
        response = client.get(f"/collaboration/report.{fmt}?east={east}&year={ledger.year}")
        answer[f"report_{fmt}"] = {"status": response.status_code, "s": round(time.perf_counter() - started, 2),
                                   "kb": round(len(response.data) / 1024, 1)}
    return answer
