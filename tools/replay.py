#!/usr/bin/env python
"""Replay a fixed set of HTTP requests against the dashboard and record every answer, so that a refactor
can be shown to have changed no answer.

The app is built in this process by ``dashboard.app.create_app(Config(...))`` (the only two project entry
points this script uses) and driven with Flask's test client; no server is needed. Every demo account
signs in through the login form (demo mode) and asks every API route, every geometry route, every page and
the pages' Dash callbacks (``POST /_dash-update-component``, bodies shaped from ``/_dash-dependencies``);
a few requests are made without signing in. Regions and metrics are chosen deterministically (sorted,
first N) from the answers of ``/api/v1/metrics`` and ``/api/v1/regions``, so two runs on the same data
send the same requests in the same order. One JSON line is written per request: who, family, method,
path with query (or the callback's label), status, content type, a few headers, the SHA-256 of the
normalised body and the body itself cut to 2000 characters. The first line is a ``meta`` record.

Run it before and after a refactor on copies of the same database (the file named by ``--database`` is
copied to a temporary folder for each run, since requests write audit rows and sessions, so each run starts
from the same bytes), then compare::

    # before: cwd and PYTHONPATH = the old tree (the script itself may live anywhere)
    cd /work/baseline && PYTHONPATH=/work/baseline /work/main/.venv/bin/python /work/main/tools/replay.py \\
        --database sqlite:////work/replay/pristine.db --out /work/replay/before.jsonl
    # after: cwd and PYTHONPATH = the refactored tree
    cd /work/main && PYTHONPATH=/work/main .venv/bin/python tools/replay.py \\
        --database sqlite:////work/replay/pristine.db --out /work/replay/after.jsonl
    .venv/bin/python tools/replay.py --compare /work/replay/before.jsonl /work/replay/after.jsonl

(``/work/replay/pristine.db``: ``DASHBOARD_INSTANCE=<dir> python -m dashboard init --scale tiny``, then its
``dashboard.db`` copied and kept unchanged.) ``--compare A B`` prints the number of requests, how many
answers are identical and every difference (exit status 1 when anything differs or a request is missing on
one side); requests are matched by account, method, path with query or callback label, and occurrence, and
compared on status, content type, the recorded headers and the SHA-256 of the normalised body (``sha256``;
``raw_sha256``, of the bytes as sent, is kept for reference only). The project is imported from
``PYTHONPATH`` (or else the current directory), never from this file's location, so one copy of the script
can replay any tree. Settings are fixed for every run: demo mode, a fixed ``SECRET_KEY`` and
``ID_HASH_KEY``, no Redis, a fresh instance folder (geometry cache, job store) in the temporary folder, and a
sign-in rate limit high enough for the replay.

``--bodies DIR`` also writes every normalised body in full (the JSON lines keep 2000 characters), so that
``--compare`` can show where two long bodies part.

Not replayed: a permitted upload (the background import would change the data; the test suite's browser
test covers it). The upload callback is sent only for roles that may not import (403).

What is normalised, and why (nothing else is; see ``normalise`` below):

* CSRF tokens (Flask-WTF ``Ij…``/``Im….<timestamp>.<signature>``) in the login form, in page HTML and in the sign-out
  form of every page layout: a new random token per session, signed with the current time.
* ``Set-Cookie``, ``Date``, ``Content-Length`` and rate-limit headers are not recorded (session cookies and
  CSRF cookies are random and time-stamped); only ``Location``, ``Content-Disposition``,
  ``Content-Encoding``, ``Cache-Control``, ``ETag`` and ``Vary`` are, except the ``ETag`` of static
  ``/assets/`` files (Werkzeug builds it from the file's modification time; the file's bytes are hashed).
* ``"end_id"`` in the ``_dash-config`` of the Dash index HTML: Dash's random, signed id of each page load
  (it scopes background-callback jobs to the page that started them).
* ``?m=<mtime>`` cache busters of ``/assets/`` files and the ``m<mtime>`` part of Dash's
  ``/_dash-component-suites/….v<version>m<mtime>.js`` fingerprints in the Dash index HTML: modification
  times of files in the tree or the virtualenv being served (two checkouts differ), not answers; the Dash
  version in the fingerprint is kept.
* On the admin page and the audit-log callback only: date-times ``YYYY-MM-DD HH:MM[:SS]`` (when an audit
  entry was written, a user's last sign-in: the clock of the run). The entries themselves (order, user,
  action, outcome, region, detail, address) are compared as they are.
* XLSX files (API templates, field-sample checklists, profile downloads inside Dash answers): hashed
  member by member in name order, with ``docProps/core.xml``'s ``dcterms:created``/``modified`` (time of
  writing) blanked; the zip container's own timestamps are not hashed.
* PDF checklists: ``/CreationDate`` and the trailer ``/ID`` (derived from the creation time) blanked;
  every other byte (fonts, pages, text streams) is hashed.
* gzip answers (one geometry request asks with ``Accept-Encoding: gzip``): the gzip header holds the time
  of compression, so the decompressed body is hashed; ``Content-Encoding`` is recorded.
* JSON bodies are parsed and written again with sorted keys (object key order carries no meaning); arrays
  keep their order and every value is kept.
"""
from __future__ import annotations

import argparse
import base64
import copy
import dataclasses
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

BODY_CHARS = 2000
SECRET_KEY = "replay-fixed-secret-key-not-for-production"
ID_HASH_KEY = "replay-fixed-id-hash-key"
# The demo accounts (README: one per role, password ``<role>-demo-2026``), in the order they are replayed.
# demo_admin comes first (its answers choose the regions and metrics) and signs in again at the very end
# to read the audit log that every other account has written.
ACCOUNTS = ("demo_admin", "demo_province", "demo_city", "demo_county", "demo_township", "demo_collaboration",
            "demo_evaluator", "demo_data_clerk")
IMPORTERS = ("demo_admin", "demo_data_clerk")  # README: the roles that may import (their upload is not run)
# The data contract's interchange tables and the map's layers and tiers, as the README lists them.
TABLES = ("regions", "households", "members", "monitoring", "assistance", "income", "expenses", "employment",
          "projects", "funds", "collaboration", "teams")
LAYERS = ("province", "city", "county", "township", "village")
TIERS = ("all", "national_key", "provincial_key", "former_poverty", "paired_east")
KEEP_HEADERS = ("Location", "Content-Disposition", "Content-Encoding", "Cache-Control", "ETag", "Vary")
DASH = "/_dash-update-component"

CSRF = re.compile(r"I[jm][A-Za-z0-9_\-]{40,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{10,}")
ASSET_MTIME = re.compile(r"(/assets/[^\"'?<>\s]+\?m=)\d+(?:\.\d+)?")
SUITE_MTIME = re.compile(r"(/_dash-component-suites/[^\"'<>\s]*?\.v[0-9_]+m)\d+")
END_ID = re.compile(r'("end_id":")[^"]*(")')
CLOCK = re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?\b")
PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:[0-9Z+\-']+\)")
PDF_ID = re.compile(rb"/ID \[<[0-9A-Fa-f]+> ?<[0-9A-Fa-f]+>\]")
CORE_TIME = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


# -- normalising answers ----------------------------------------------------------------------------------
def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_zip(data: bytes, notes: list[str]) -> tuple[bytes, str]:
    """An XLSX (any zip) as bytes that depend only on its members' names and contents (timestamps of
    writing blanked), and a readable excerpt: the member list and the text of the sheets."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = sorted(archive.namelist())
        parts, listing, texts = [], [], []
        for name in members:
            content = archive.read(name)
            if name == "docProps/core.xml":
                content, count = CORE_TIME.subn(rb"\1<time>\3", content)
                if count:
                    notes.append("xlsx core.xml created/modified")
            parts.append(name.encode() + b"\0" + _sha(content).encode())
            listing.append(f"{name} {len(content)} {_sha(content)[:16]}")
            if name.endswith(".xml") and ("sheet" in name or "sharedStrings" in name):
                texts.append(f"--- {name}\n" + content.decode("utf-8", "replace"))
    notes.append("xlsx hashed by member")
    return b"\n".join(parts), "\n".join(listing) + "\n" + "\n".join(texts)


def _downloads(value, notes: list[str]):
    """Dash download payloads ``{"content": base64, "base64": true, ...}`` holding a zip (XLSX): the content
    replaced by its canonical hash and excerpt (CSV payloads are left as they are)."""
    if isinstance(value, dict):
        if value.get("base64") is True and isinstance(value.get("content"), str):
            try:
                raw = base64.b64decode(value["content"])
            except ValueError:
                raw = b""
            if raw.startswith(b"PK"):
                canonical, excerpt = canonical_zip(raw, notes)
                return {**value, "content": f"<zip sha256={_sha(canonical)}>", "content_excerpt": excerpt[:600]}
        return {key: _downloads(item, notes) for key, item in value.items()}
    if isinstance(value, list):
        return [_downloads(item, notes) for item in value]
    return value


def normalise(body: bytes, content_type: str, headers: dict, clock: bool) -> tuple[bytes, str, list[str]]:
    """(bytes to hash, text excerpt, normalisations applied) of an answer; see the module docstring."""
    notes: list[str] = []
    if headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
        notes.append("gunzipped")
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/pdf" or body.startswith(b"%PDF"):
        body, dates = PDF_DATE.subn(rb"/\1 (D:<time>)", body)
        body, ids = PDF_ID.subn(rb"/ID [<id>]", body)
        if dates or ids:
            notes.append("pdf CreationDate/ID")
        return body, f"<pdf {len(body)} bytes sha256={_sha(body)}>", notes
    if body.startswith(b"PK\x03\x04"):
        canonical, excerpt = canonical_zip(body, notes)
        return canonical, excerpt, notes
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body, f"<binary {len(body)} bytes sha256={_sha(body)}>", notes
    if kind.endswith("json") and text.strip():
        try:
            parsed = json.loads(text)
        except ValueError:
            pass
        else:
            before = len(notes)
            parsed = _downloads(parsed, notes)
            text = json.dumps(parsed, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            notes.insert(before, "json keys sorted")
    text, count = CSRF.subn("<csrf-token>", text)
    if count:
        notes.append(f"csrf token x{count}")
    if kind == "text/html":
        text, count = ASSET_MTIME.subn(r"\1<mtime>", text)
        if count:
            notes.append(f"asset mtime x{count}")
        text, count = SUITE_MTIME.subn(r"\1<mtime>", text)
        if count:
            notes.append(f"component-suite mtime x{count}")
        text, count = END_ID.subn(r"\1<dash-end-id>\2", text)
        if count:
            notes.append("dash end_id")
    if clock:
        text, count = CLOCK.subn("<utc-time>", text)
        if count:
            notes.append(f"audit/login time x{count}")
    return text.encode("utf-8"), text, notes


# -- the recorder ----------------------------------------------------------------------------------------
class Replay:
    def __init__(self, app, bodies: Path | None = None):
        from flask import got_request_exception

        self.app, self.bodies = app, bodies
        self.records: list[dict] = []
        self.exception = None
        got_request_exception.connect(self._raised, app.server, weak=False)

    def _raised(self, _sender, exception=None, **_extra):
        self.exception = exception

    def client(self):
        return self.app.server.test_client()

    def send(self, who: str, client, family: str, method: str, path: str, *, callback: str | None = None,
             clock: bool = False, **kwargs):
        self.exception = None
        response = client.open(path, method=method, **kwargs)
        body = response.get_data()
        headers = {name: response.headers[name] for name in KEEP_HEADERS if name in response.headers}
        if path.startswith("/assets/"):  # a static file's ETag is built from the file's mtime (see the docstring)
            headers.pop("ETag", None)
        content_type = response.headers.get("Content-Type", "")
        hashed, text, notes = normalise(body, content_type, headers, clock)
        record = {"i": len(self.records), "who": who, "family": family, "method": method, "path": path}
        if callback:
            record["callback"] = callback
        record.update(status=response.status_code, content_type=content_type, headers=headers,
                      sha256=_sha(hashed), raw_sha256=_sha(body), bytes=len(body), normalised=notes,
                      body=text[:BODY_CHARS])
        if self.bodies is not None:  # --bodies: every normalised body in full, for diffing (not compared)
            record["body_file"] = str(self.bodies / f"{record['i']:05d}.txt")
            Path(record["body_file"]).write_text(text, encoding="utf-8")
        if self.exception is not None:  # a 500: what was raised (not compared; the status and body are)
            record["exception"] = f"{type(self.exception).__module__}.{type(self.exception).__name__}: {self.exception}"[:500]
        self.records.append(record)
        return response

    def get(self, who, client, family, path, **kwargs):
        return self.send(who, client, family, "GET", path, **kwargs)


def _json(response):
    try:
        return response.get_json(silent=True)
    except Exception:  # a binary answer
        return None


def _full(code: str | None) -> str | None:
    return code.ljust(12, "0") if code else None


def _query(path: str, **params) -> str:
    kept = {k: v for k, v in params.items() if v is not None}
    return f"{path}?{urlencode(kept)}" if kept else path


# -- signing in -------------------------------------------------------------------------------------------
def password_of(name: str) -> str:
    return f"{name.removeprefix('demo_')}-demo-2026"


def sign_in(replay: Replay, name: str, password: str | None = None, expect: int = 302):
    """Through the form, as a browser: GET /login for the CSRF token, POST it; the client then sends the
    ``_csrf_token`` cookie back as ``X-CSRFToken`` (what Dash's renderer does)."""
    client = replay.client()
    page = replay.get(name, client, "auth", "/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = replay.send(name, client, "auth", "POST", "/login",
                           data={"name": name, "password": password or password_of(name), "csrf_token": token,
                                 "next": "/"})
    if response.status_code != expect:
        raise SystemExit(f"signing in as {name}: {response.status_code} (expected {expect})")
    cookie = client.get_cookie("_csrf_token")
    if cookie is not None:
        client.environ_base["HTTP_X_CSRFTOKEN"] = cookie.value
    return client


def sign_out(replay: Replay, name: str, client) -> None:
    cookie = client.get_cookie("_csrf_token")
    replay.send(name, client, "auth", "POST", "/logout", data={"csrf_token": cookie.value if cookie else ""})
    replay.get(name, client, "auth", "/api/v1/regions?level=province")  # 401: the session has ended


# -- Dash callbacks ---------------------------------------------------------------------------------------
class Callbacks:
    """Bodies of ``POST /_dash-update-component`` built from ``/_dash-dependencies``, as the renderer sends
    them (output, outputs, inputs, state, changedPropIds)."""

    def __init__(self, replay: Replay, who: str, client, dependencies: list[dict]):
        self.replay, self.who, self.client = replay, who, client
        self.dependencies = [d for d in dependencies if not d.get("clientside_function")]

    def find(self, output: str, first_input: str | None = None) -> dict | None:
        """The server callback writing ``output`` (its ``@hash`` of allow_duplicate ignored), told apart by
        the id of its first input when several write the same output."""
        for dependency in self.dependencies:
            first_output = dependency["output"].strip(".").split("...")[0].split("@")[0]
            if first_output == output and (first_input is None or dependency["inputs"][0]["id"] == first_input):
                return dependency
        return None

    def call(self, family: str, label: str, output: str, inputs: list, state: list, changed: int = 0,
             first_input: str | None = None, clock: bool = False, changed_prop: str | None = None):
        dependency = self.find(output, first_input)
        if dependency is None:  # recorded too: a callback that disappeared is a difference
            self.replay.records.append({"i": len(self.replay.records), "who": self.who, "family": family,
                                        "method": "POST", "path": DASH, "callback": label, "status": None,
                                        "content_type": "", "headers": {}, "sha256": "", "raw_sha256": "",
                                        "bytes": 0, "normalised": [],
                                        "body": f"no callback writes {output} (first input {first_input})"})
            return None
        outputs = dependency["output"].strip(".").split("...")

        def split(part):
            component, prop = part.rsplit(".", 1)
            return {"id": component, "property": prop.split("@")[0]}

        body = {"output": dependency["output"],
                "outputs": [split(o) for o in outputs] if dependency["output"].startswith("..") else split(outputs[0]),
                "inputs": [value if isinstance(value, list) and spec["id"].startswith("{") else {**spec, "value": value}
                           for spec, value in zip(dependency["inputs"], inputs)],
                "state": [{**spec, "value": value} for spec, value in zip(dependency["state"], state)],
                "changedPropIds": [changed_prop or _changed(dependency["inputs"][changed], inputs[changed])]}
        response = self.replay.send(self.who, self.client, family, "POST", DASH, callback=label, json=body,
                                    clock=clock)
        return response

    def page(self, pathname: str, search: str = "", clock: bool = False):
        label = f"page {pathname}{search}"
        response = self.call("dash.page", label, "_pages_content.children", [pathname, search], [], clock=clock)
        return _json(response) if response is not None and response.status_code == 200 else None


def _changed(spec: dict, value) -> str:
    if isinstance(value, list) and spec["id"].startswith("{"):  # a pattern-matching input: the clicked one
        return json.dumps(value[0]["id"], separators=(",", ":"), sort_keys=True) + "." + spec["property"]
    return f"{spec['id']}.{spec['property']}"


def find_component(tree, component_id):
    """The props of the component with ``component_id`` in a Dash layout answer (None if absent)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and props.get("id") == component_id:
                return props
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return None


def all_ids(tree, kind: str) -> list[dict]:
    """The dict ids of pattern-matching components of ``type`` ``kind``, in layout order."""
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and isinstance(props.get("id"), dict) and props["id"].get("type") == kind:
                found.append(props["id"])
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return found


# -- what the requests are about ----------------------------------------------------------------------------
class Plan:
    """Regions, metrics and periods, chosen from the administrator's answers (sorted, first N)."""


def discover(replay: Replay, who: str, client) -> Plan:
    plan = Plan()
    catalog = _json(replay.get(who, client, "api.metrics", "/api/v1/metrics")) or {}
    shown = sorted((m for m in catalog.get("metrics", []) if m.get("shown")), key=lambda m: m["code"])
    by_code = {m["code"]: m for m in catalog.get("metrics", [])}
    chosen = []
    for theme in sorted({m["theme"] for m in shown}):  # the first metric of each theme
        chosen.append(next(m["code"] for m in shown if m["theme"] == theme))
    for code in ("monitored_households", "warning_share", "income_per_capita_former_poor"):
        if code in by_code and code not in chosen:
            chosen.append(code)
    plan.metrics = chosen
    plan.grain = {code: by_code[code]["grain"] for code in chosen}
    plan.monthly = next(c for c in chosen if plan.grain[c] == "month")
    plan.yearly = next(c for c in chosen if plan.grain[c] == "year")
    plan.hidden_metric = next((m["code"] for m in sorted(catalog.get("metrics", []), key=lambda m: m["code"])
                               if not m.get("shown")), None)
    periods = catalog.get("periods", {})
    months, years = sorted(periods.get("month", [])), sorted(periods.get("year", []))
    plan.month_last, plan.month_back = months[-1], months[-13] if len(months) > 13 else months[0]
    plan.year_last, plan.year_first = years[-1], years[0]
    plan.themes = sorted(catalog.get("themes", {}))

    counties = _json(replay.get(who, client, "api.values", _query("/api/v1/values", metric=plan.monthly, level="county")))
    with_data = sorted(row["code"] for row in counties["values"] if row.get("value") is not None)
    plan.counties = with_data[:3]
    plan.province = with_data[0][:2]
    plan.city = with_data[0][:4]
    provinces = _json(replay.get(who, client, "api.regions", "/api/v1/regions?level=province"))["regions"]
    plan.other_province = sorted(r["code"] for r in provinces if not r["code"].startswith(plan.province))[0][:2]
    in_city = _json(replay.get(who, client, "api.regions", _query("/api/v1/regions", parent=plan.city)))["regions"]
    plan.county_without_data = sorted(r["code"] for r in in_city if r["code"] not in with_data)[0][:6]
    plan.townships, plan.villages = [], []
    for county in plan.counties[:2]:
        units = _json(replay.get(who, client, "api.regions", _query("/api/v1/regions", parent=county[:6])))["regions"]
        plan.townships += sorted(r["code"] for r in units)[:2]
    for township in plan.townships[:2]:
        units = _json(replay.get(who, client, "api.regions", _query("/api/v1/regions", parent=township[:9])))["regions"]
        plan.villages += sorted(r["code"] for r in units)[:1]
    warnings = _json(replay.get(who, client, "api.monitoring.warnings", _query("/api/v1/monitoring/warnings", region=plan.city)))
    households = (warnings or {}).get("households") or [{}]
    plan.risk_type = (households[0].get("risk_types") or ["income"])[0]
    plan.category = households[0].get("category") or "unstable_former_poor"
    return plan


def localise(replay: Replay, who: str, client, plan: Plan) -> Plan:
    """The account's own regions: the first (sorted) township with data it sees, its county, city and
    province, the township's first village; and a county with data outside it (or one without data)."""
    mine = copy.copy(plan)
    answer = _json(replay.get(who, client, "api.values", _query("/api/v1/values", metric=plan.monthly, level="township")))
    visible = sorted(row["code"] for row in (answer or {}).get("values", []) if row.get("value") is not None)
    township = visible[0] if visible else plan.townships[0]
    mine.township, mine.county, mine.city, mine.province = township[:9], township[:6], township[:4], township[:2]
    units = _json(replay.get(who, client, "api.regions", _query("/api/v1/regions", parent=mine.township)))
    villages = sorted(r["code"] for r in (units or {}).get("regions", []))
    mine.village = villages[0] if villages else plan.villages[0]
    mine.other_county = next((c for c in plan.counties if not c.startswith(mine.county)), plan.county_without_data)[:6]
    return mine


# -- the request set of one account ----------------------------------------------------------------------------
def api_requests(replay: Replay, who: str, client, plan: Plan) -> None:
    get = lambda family, path, **kw: replay.get(who, client, family, path, **kw)  # noqa: E731
    p, c, k, t, v = plan.province, plan.city, plan.county, plan.township, plan.village
    other = plan.other_province

    # regions: level, parent, both, bad values
    for query in ({"level": "province"}, {"level": "city"}, {"level": "county", "parent": p}, {"parent": c},
                  {"parent": _full(k)}, {"parent": t}, {"level": "village", "parent": k}, {"level": "county", "parent": other},
                  {"parent": other}, {"level": "nation"}, {"parent": "529999"}, {"parent": "52x"}, {},
                  {"level": "county", "colour": "red"}):
        get("api.regions", _query("/api/v1/regions", **query))
    for code in (p, c, k, _full(plan.other_county), plan.county_without_data, t, v, other, "529999", "abc"):
        get("api.region", f"/api/v1/regions/{code}")

    # metrics (the whole catalog, each theme, a bad theme)
    get("api.metrics", "/api/v1/metrics")
    for theme in plan.themes:
        get("api.metrics", _query("/api/v1/metrics", theme=theme))
    get("api.metrics", "/api/v1/metrics?theme=weather")

    # values: metrics × levels × periods, csv, errors (bad metric/period 400, unknown region 404, scope 403)
    for metric in plan.metrics:
        back = plan.month_back if plan.grain[metric] == "month" else plan.year_first
        for query in ({"level": "province"}, {"parent": p}, {"level": "county", "parent": c}, {"parent": k},
                      {"level": "village", "parent": k}, {"parent": c, "period": back}):
            get("api.values", _query("/api/v1/values", metric=metric, **query))
    for metric in (plan.monthly, plan.yearly):
        get("api.values", _query("/api/v1/values", metric=metric, parent=c, format="csv"))
        get("api.values", _query("/api/v1/values", metric=metric, level="county", parent=other))
        get("api.values", _query("/api/v1/values", metric=metric, parent=t))
    get("api.values", _query("/api/v1/values", metric=plan.monthly, level="county"))  # the whole country
    get("api.values", _query("/api/v1/values", metric=plan.monthly, level="township", parent=p, period=plan.month_back,
                             format="csv"))
    for query in ({"metric": "no_such_metric", "parent": c}, {"metric": plan.yearly, "parent": c, "period": plan.month_last},
                  {"metric": plan.monthly, "parent": c, "period": plan.year_last},
                  {"metric": plan.monthly, "parent": c, "period": "2099-01"}, {"metric": plan.monthly, "parent": "529999"},
                  {"metric": plan.monthly, "parent": other + "01"}, {"metric": plan.monthly, "level": "galaxy"},
                  {"metric": plan.monthly, "parent": c, "format": "xml"}, {"parent": c},
                  {"metric": plan.monthly, "parent": c, "region": c}):
        get("api.values", _query("/api/v1/values", **query))

    # series: several metrics and regions, csv, errors
    for metric in (plan.monthly, plan.yearly, plan.metrics[2], plan.metrics[-1]):
        for region in (None, p, k, t):
            get("api.series", _query("/api/v1/series", metric=metric, region=region))
    get("api.series", _query("/api/v1/series", metric=plan.monthly, region=k, format="csv"))
    get("api.series", _query("/api/v1/series", metric=plan.yearly, region=c, format="csv"))
    for query in ({"metric": plan.monthly, "region": other}, {"metric": plan.monthly, "region": plan.other_county},
                  {"metric": plan.monthly, "region": "529999"}, {"metric": "no_such_metric", "region": k},
                  {"region": k}):
        get("api.series", _query("/api/v1/series", **query))

    # monitoring: warnings, board, checks, what-if, field sample (json, xlsx, pdf)
    mon = "/api/v1/monitoring/"
    for query in ({"region": c}, {"region": k}, {"region": t}, {"region": k, "min_score": 30},
                  {"region": k, "min_score": 70, "period": plan.month_back}, {"region": c, "risk_type": plan.risk_type},
                  {"region": c, "category": plan.category}, {"region": k, "township": t},
                  {"region": plan.other_county}, {"region": other}, {"region": k, "min_score": "high"},
                  {"region": k, "period": "2099-01"}, {}):
        get("api.monitoring.warnings", _query(mon + "warnings", **query))
    for route in ("board", "checks"):
        for query in ({"region": p}, {"region": k}, {"region": t}, {"region": other}, {}):
            get(f"api.monitoring.{route}", _query(mon + route, **query))
    for query in ({"region": k, "threshold": 8000}, {"region": c, "threshold": 10000}, {"region": k, "threshold": 12000,
                  "year": plan.year_first}, {"region": t, "threshold": 9000}, {"region": k},
                  {"region": k, "threshold": 999999}, {"region": other, "threshold": 9000}):
        get("api.monitoring.whatif", _query(mon + "whatif", **query))
    for query in ({"region": k}, {"region": k, "size": 40, "seed": 2}, {"region": t, "size": 12}, {"region": c},
                  {"region": k, "format": "xlsx"}, {"region": k, "format": "pdf"},
                  {"region": k, "size": 40, "seed": 2, "format": "pdf"}, {"region": t, "size": 12, "format": "xlsx"},
                  {"region": k, "size": 5}, {"region": k, "format": "docx"}, {"region": k, "size": 0}, {"region": other},
                  {}):
        get("api.monitoring.sample", _query(mon + "sample", **query))

    # templates, description, health
    for table in TABLES if who == "demo_admin" else TABLES[1:3]:
        get("api.templates", f"/api/v1/templates/{table}.xlsx")
    get("api.templates", "/api/v1/templates/no_such_table.xlsx")
    get("api.other", "/api/v1/openapi.json")
    get("api.other", "/api/v1/no/such/route")
    get("healthz", "/healthz")


def geo_requests(replay: Replay, who: str, client, plan: Plan) -> None:
    get = lambda path, **kw: replay.get(who, client, "geo", path, **kw)  # noqa: E731
    for layer in LAYERS:  # the whole country (township and village: 400, they need a parent)
        get(f"/geo/{layer}.geojson")
    get("/geo/city.geojson?parent=" + plan.province)
    get("/geo/county.geojson?parent=" + plan.city)
    get("/geo/township.geojson?parent=" + plan.county)
    get("/geo/township.geojson?parent=" + plan.other_county)
    get("/geo/village.geojson?parent=" + plan.township)
    get("/geo/village.geojson?parent=" + _full(plan.county))
    get("/geo/county.geojson?parent=" + plan.other_province)
    get("/geo/planet.geojson")  # 400: no such layer
    get("/geo/township.geojson?parent=529999")
    get("/geo/lines.geojson")
    get("/geo/township.geojson?parent=" + plan.county, headers={"Accept-Encoding": "gzip"})


def page_requests(replay: Replay, who: str, client, plan: Plan) -> None:
    get = lambda path: replay.get(who, client, "page", path)  # noqa: E731
    for path in ("/", f"/?region={plan.province}", f"/?region={plan.county}&metric={plan.yearly}&tier=national_key",
                 f"/?region={plan.other_province}", f"/region/{plan.county}", f"/region/{plan.city}",
                 f"/region/{plan.other_province}", f"/region/{plan.township}", "/monitoring",
                 f"/monitoring?region={plan.county}&period={plan.month_back}", f"/monitoring?region={plan.other_province}",
                 "/data", f"/data?region={plan.county}&table=members", f"/data?region={plan.other_province}",
                 f"/?region={plan.other_county}", f"/region/{plan.other_county}", f"/data?region={plan.other_county}",
                 f"/monitoring?region={plan.other_county}", "/upload", "/admin", "/no-such-page"):
        get(path)


def callback_requests(replay: Replay, who: str, client, plan: Plan, dash: Callbacks) -> None:
    p, c, k, t = plan.province, plan.city, plan.county, plan.township
    m0, yearly = plan.monthly, plan.yearly

    # the map page: content, then metric / period / tier changes and drills
    for region in (None, p, c, k, t, plan.other_county, plan.other_province):
        layout = dash.page("/", f"?region={region}" if region else "")
        store = (find_component(layout, "map-state") or {}).get("data") or {"region": _full(region), "lang": "zh"}
        where = f"region={region or 'nation'}"
        metrics = plan.metrics if region in (None, k) else (m0, yearly)
        for metric in metrics:
            dash.call("dash.map", f"map.update [metric] {where} metric={metric}", "map.figure",
                      [metric, None, "all"], [store], changed=0)
        dash.call("dash.map", f"map.update [period] {where} period={plan.month_back}", "map.figure",
                  [m0, plan.month_back, "all"], [store], changed=1)
        dash.call("dash.map", f"map.update [period] {where} yearly period={plan.year_first}", "map.figure",
                  [yearly, plan.year_first, "all"], [store], changed=1)
        for tier in TIERS[1:] if region in (None, c) else TIERS[1:2]:
            dash.call("dash.map", f"map.update [tier] {where} tier={tier}", "map.figure", [m0, None, tier], [store],
                      changed=2)
        dash.call("dash.map", f"map.period_choice {where} yearly<-month", "period.options",
                  [yearly, plan.month_last], [plan.month_last])
        dash.call("dash.map", f"map.period_choice {where} monthly<-year", "period.options",
                  [m0, plan.year_first], [plan.year_first])
        units = sorted(r["code"] for r in (_json(replay.get(who, client, "api.regions", _query(
            "/api/v1/regions", parent=region) if region else "/api/v1/regions?level=province")) or {}).get("regions", []))
        for code in units[:1] + ["999999999999"]:
            dash.call("dash.map", f"map.drill [map] {where} click={code}", "url.href",
                      [{"points": [{"location": code}]}, None], [store, m0, plan.month_back, "all"], changed=0)
        if units:
            dash.call("dash.map", f"map.drill [ranking] {where} click={units[-1]}", "url.href",
                      [None, {"points": [{"customdata": units[-1]}]}], [store, yearly, None, "national_key"],
                      changed=1, first_input="map")
    dash.call("dash.map", "map.update [metric] hidden metric", "map.figure", [plan.hidden_metric, None, "all"],
              [{"region": _full(k), "lang": "en"}])
    dash.call("dash.map", "map.update [metric] forged store", "map.figure", [m0, None, "all"],
              [{"region": ["52", "53"], "lang": 7}])

    # the region profile: content, map metric, downloads
    for region in (p, c, k, t, plan.village, plan.other_county, plan.other_province):
        layout = dash.page(f"/region/{region}")
        store = (find_component(layout, "profile-state") or {}).get("data") or {"region": _full(region), "lang": "zh"}
        for metric in (m0, yearly, plan.metrics[-1]):
            dash.call("dash.profile", f"profile.map region={region} metric={metric}", "profile-map.figure",
                      [metric], [store])
        buttons = all_ids(layout, "profile-download-button") if layout else []
        if not buttons:  # refused or absent: ask for one table as the page would
            buttons = [{"format": "csv", "table": "projects", "type": "profile-download-button"}]
        if region not in (k, p):
            buttons = buttons[:2]
        for button in buttons:  # one click: every button's n_clicks in layout order, the clicked one changed
            clicks = [{"id": b, "property": "n_clicks", "value": 1 if b == button else None} for b in buttons]
            dash.call("dash.profile", f"profile.download region={region} {button.get('table')}.{button.get('format')}",
                      "profile-download.data", [clicks], [store],
                      changed_prop=json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks")
    dash.page(f"/region/{k}", "?metric=" + yearly + "&lang=en")

    # the monitoring page: content, then the controls and a click on its map
    more = {"period": plan.month_back, "min_score": 30, "threshold": 9000, "size": 5, "seed": 3, "lang": "en"}
    for region, extra in ((None, {}), (p, {}), (k, {}), (t, {}), (k, more), (plan.other_county, {}),
                          (plan.other_province, {})):
        params = {"region": region, **extra}
        layout = dash.page("/monitoring", _query("", **params))
        store = (find_component(layout, "mon-state") or {}).get("data") or {"region": _full(region), "lang": "zh"}
        where = f"region={region or 'nation'}" + (" (period, cut, threshold, size, seed, en)" if extra else "")
        dash.call("dash.monitoring", f"monitoring.period {where}", "url.href", [None, plan.month_back, 50], [store],
                  changed=1, first_input="mon-map")
        dash.call("dash.monitoring", f"monitoring.min_score {where}", "url.href", [None, None, 65], [store],
                  changed=2, first_input="mon-map")
        units = sorted(r["code"] for r in (_json(replay.get(who, client, "api.regions", _query(
            "/api/v1/regions", parent=region) if region else "/api/v1/regions?level=province")) or {}).get("regions", []))
        if units:
            dash.call("dash.monitoring", f"monitoring.click {where} click={units[0]}", "url.href",
                      [{"points": [{"location": units[0]}]}, None, None], [store], changed=0, first_input="mon-map")
        for control, value in (("mon-threshold", 9500), ("mon-size", 4), ("mon-seed", 9)):
            dash.call("dash.monitoring", f"monitoring.{control} {where} value={value}", "url.href", [value], [store],
                      first_input=control)

    # the data page: counts and first rows of tables
    tables = TABLES[1:] if who in ("demo_admin", "demo_evaluator", "demo_collaboration") else ("households", "projects")
    for table in tables:
        dash.page("/data", f"?region={k}&table={table}")
    for region in (None, p, t, plan.other_province):
        dash.page("/data", f"?region={region}&table=members" if region else "")

    # the upload page (refused for roles that do not import) and its callbacks
    dash.page("/upload")
    dash.page("/upload", "?table=teams&lang=en")
    for table in ("teams", "no_such_table", None):
        dash.call("dash.upload", f"upload.template_link table={table}", "template-link.href", [table], [])
    dash.call("dash.upload", "upload.download_problems", "upload-download.data", [1],
              [[{"row": 2, "column": "village_code", "value": "110101000000 13912345678", "reason_zh": "x",
                 "reason_en": "y"}]])
    dash.call("dash.upload", "upload.download_problems none", "upload-download.data", [1], [[]])
    if who not in IMPORTERS:  # a permitted import would start a background job and change the data: not run
        dash.call("dash.upload", "upload.run_import (refused)", "upload-result.children",
                  ["data:text/csv;base64,YQ=="], ["x.csv", "teams", {"lang": "zh"}])

    # the admin page (administrators only)
    admin_callbacks(dash)


def admin_callbacks(dash: Callbacks) -> None:
    dash.page("/admin", clock=True)
    for action, outcome, user in ((None, None, None), ("refused", None, None), (None, "ok", "demo_county"),
                                  ("view_households", None, None), ("export", "ok", None), ("login", "failed", None),
                                  ("no_such_action", "maybe", "nobody")):
        dash.call("dash.admin", f"admin.audit action={action} outcome={outcome} user={user}", "admin-audit.data",
                  [action, outcome, user], [{"lang": "zh"}], clock=True)


def anonymous_requests(replay: Replay, plan_hint: dict | None = None) -> None:
    who, client = "anonymous", replay.client()
    for path in ("/healthz", "/api/v1/openapi.json", "/login", "/login?lang=en&next=%2Fmonitoring", "/assets/style.css",
                 "/api/v1/regions?level=province", "/api/v1/metrics", "/api/v1/values?metric=monitored_households",
                 "/geo/lines.geojson", "/geo/county.geojson", "/", "/?region=52", "/region/522728", "/monitoring",
                 "/data", "/upload", "/admin", "/_dash-layout", "/_dash-dependencies"):
        replay.get(who, client, "anonymous", path)
    replay.send(who, client, "anonymous", "POST", DASH, json={})
    replay.send(who, client, "anonymous", "POST", "/logout")
    # failed sign-ins (an unknown name; a wrong password: one failure, far from the lockout) and no CSRF token
    sign_in(replay, "nobody_here", "whatever password", expect=200)
    sign_in(replay, "demo_city", "a wrong password!", expect=200)
    replay.send(who, client, "anonymous", "POST", "/login", data={"name": "demo_city", "password": "x"})


def account_requests(replay: Replay, who: str, plan: Plan | None) -> Plan:
    client = sign_in(replay, who)
    replay.get(who, client, "dash.layout", "/_dash-layout")
    dependencies = _json(replay.get(who, client, "dash.dependencies", "/_dash-dependencies")) or []
    if plan is None:
        plan = discover(replay, who, client)
    mine = localise(replay, who, client, plan)
    api_requests(replay, who, client, mine)
    geo_requests(replay, who, client, mine)
    page_requests(replay, who, client, mine)
    callback_requests(replay, who, client, mine, Callbacks(replay, who, client, dependencies))
    # a callback without the CSRF header of the session: 400
    del client.environ_base["HTTP_X_CSRFTOKEN"]
    Callbacks(replay, who, client, dependencies).call("dash.map", "map.update without CSRF header", "map.figure",
                                                      [plan.monthly, None, "all"], [{"region": _full(mine.county)}])
    client.environ_base["HTTP_X_CSRFTOKEN"] = "forged"
    Callbacks(replay, who, client, dependencies).call("dash.map", "map.update with a forged CSRF header", "map.figure",
                                                      [plan.monthly, None, "all"], [{"region": _full(mine.county)}])
    cookie = client.get_cookie("_csrf_token")
    client.environ_base["HTTP_X_CSRFTOKEN"] = cookie.value if cookie else ""
    sign_out(replay, who, client)
    return plan


# -- a run ----------------------------------------------------------------------------------------------
def _project_path() -> None:
    """The project comes from PYTHONPATH, else the current directory (never this file's folder)."""
    if not os.environ.get("PYTHONPATH") and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    here = str(Path(__file__).resolve().parent)
    if here in sys.path and not (Path(here) / "dashboard").is_dir():
        sys.path.remove(here)


def run(database: str, out: Path, keep: bool, bodies: Path | None = None) -> int:
    work = Path(tempfile.mkdtemp(prefix="replay-"))
    meta = {"database": database, "started": time.strftime("%Y-%m-%dT%H:%M:%S")}
    if database.startswith("sqlite:///"):
        source = Path(database[len("sqlite:///"):])
        if not source.is_file():
            raise SystemExit(f"no such database file: {source}")
        copy = work / "db.sqlite"
        shutil.copyfile(source, copy)
        meta["database_sha256"] = _sha(source.read_bytes())
        url = f"sqlite:///{copy}"
    else:  # a server database cannot be copied here: the run writes audit rows and sessions into it
        print("warning: not SQLite; the database is used as it is, so a second run does not start from the same data",
              file=sys.stderr)
        url = database
    instance = work / "instance"  # a fresh geometry cache and job store for every run
    # Fixed settings, so that both runs are built alike (demo mode: the demo accounts sign in).
    os.environ.update(DASHBOARD_MODE="demo", SECRET_KEY=SECRET_KEY, ID_HASH_KEY=ID_HASH_KEY,
                      DASHBOARD_INSTANCE=str(instance), DATABASE_URL=url, LOGIN_RATE_LIMIT="100000 per minute",
                      TRUSTED_PROXIES="0")
    for name in ("REDIS_URL", "COOKIE_SECURE"):
        os.environ.pop(name, None)
    _project_path()
    import dashboard
    from dashboard.app import create_app
    from dashboard.config import Config
    meta["project"] = str(Path(dashboard.__file__).resolve().parent.parent)
    wanted = {"instance_dir": instance, "database_url": url, "mode": "demo", "secret_key": SECRET_KEY,
              "login_rate_limit": "100000 per minute", "redis_url": None, "trusted_proxies": 0}
    if dataclasses.is_dataclass(Config):  # (the environment above says the same to a Config without a field)
        names = {f.name for f in dataclasses.fields(Config)}
        wanted = {name: value for name, value in wanted.items() if name in names}
    config = Config(**wanted)
    app = create_app(config)
    if bodies is not None:
        bodies.mkdir(parents=True, exist_ok=True)
    replay = Replay(app, bodies)
    started = time.perf_counter()
    anonymous_requests(replay)
    plan = None
    for who in ACCOUNTS:
        plan = account_requests(replay, who, plan)
    # the administrator again, last: the users' sign-ins and the audit log every account has written
    client = sign_in(replay, "demo_admin")
    dependencies = _json(replay.get("demo_admin", client, "dash.dependencies", "/_dash-dependencies")) or []
    replay.get("demo_admin", client, "page", "/admin")
    admin_callbacks(Callbacks(replay, "demo_admin (end)", client, dependencies))
    meta["seconds"] = round(time.perf_counter() - started, 1)
    meta["plan"] = {k: v for k, v in vars(plan).items()}
    meta["requests"] = len(replay.records)
    with out.open("w", encoding="utf-8") as stream:
        stream.write(json.dumps({"meta": meta}, ensure_ascii=False, sort_keys=True) + "\n")
        for record in replay.records:
            stream.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    if keep:
        print(f"kept the database copy and instance folder in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    families = Counter(r["family"] for r in replay.records)
    statuses = Counter(r["status"] for r in replay.records)
    print(f"{len(replay.records)} requests in {meta['seconds']} s → {out}")
    print("by family: " + ", ".join(f"{f} {n}" for f, n in sorted(families.items())))
    print("by status: " + ", ".join(f"{s} {n}" for s, n in sorted(statuses.items(), key=lambda x: str(x[0]))))
    for record in replay.records:
        if record["status"] is None or record["status"] >= 500:
            print(f"  {record['status']}: {record['who']} {record['method']} {record['path']} "
                  f"{record.get('callback', '')}: {record.get('exception') or record['body'][:200]}")
    return 0


# -- comparing two runs ---------------------------------------------------------------------------------------
COMPARED = ("status", "content_type", "headers", "sha256")


def _load(path: Path) -> tuple[dict, dict]:
    meta, records, seen = {}, {}, Counter()
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            item = json.loads(line)
            if "meta" in item:
                meta = item["meta"]
                continue
            key = (item["who"], item["method"], item["path"], item.get("callback", ""))
            seen[key] += 1
            records[key + (seen[key],)] = item
    return meta, records


def _first_difference(a: str, b: str, width: int = 160) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(0, at - width // 2)
    return f"at char {at}:\n      A: …{a[start:at + width // 2]}…\n      B: …{b[start:at + width // 2]}…"


def compare(first: Path, second: Path) -> int:
    meta_a, a = _load(first)
    meta_b, b = _load(second)
    if meta_a.get("database_sha256") != meta_b.get("database_sha256"):
        print("warning: the two runs did not start from the same database file")
    same, differences = 0, []
    for key, record in a.items():
        other = b.get(key)
        if other is None:
            differences.append((key, "missing in B", record, None))
        elif all(record.get(f) == other.get(f) for f in COMPARED):
            same += 1
        else:
            differences.append((key, ", ".join(f for f in COMPARED if record.get(f) != other.get(f)), record, other))
    differences += [(key, "missing in A", None, record) for key, record in b.items() if key not in a]
    print(f"requests: {len(a)} in A ({first}), {len(b)} in B ({second})")
    print(f"identical: {same}")
    print(f"different: {len(differences)}")
    for key, what, x, y in differences:
        who, method, path, callback, occurrence = key
        print(f"- [{who}] {method} {path} {callback} (#{occurrence}): {what}")
        if x and y:
            for field in ("status", "content_type", "headers"):
                if x.get(field) != y.get(field):
                    print(f"    {field}: {x.get(field)!r} → {y.get(field)!r}")
            if x["sha256"] != y["sha256"]:
                files = [Path(r.get("body_file") or "") for r in (x, y)]
                if all(f.is_file() for f in files):  # both runs kept their bodies (--bodies)
                    print("    body " + _first_difference(*(f.read_text(encoding="utf-8") for f in files)))
                elif x["body"] != y["body"]:
                    print("    body " + _first_difference(x["body"], y["body"]))
                else:
                    print(f"    body differs after the first {BODY_CHARS} characters ({x['bytes']} → {y['bytes']} bytes; "
                          "run both with --bodies DIR to see where)")
    return 1 if differences else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="SQLAlchemy URL; a SQLite file is copied to a temporary folder first")
    parser.add_argument("--out", type=Path, help="JSON lines to write")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), help="compare two runs")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy of the database")
    parser.add_argument("--bodies", type=Path, metavar="DIR",
                        help="also write every normalised body in full to DIR (compare then shows where they differ)")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if not args.database or not args.out:
        parser.error("give --database URL --out FILE, or --compare A B")
    return run(args.database, args.out, args.keep, args.bodies)


if __name__ == "__main__":
    sys.exit(main())
