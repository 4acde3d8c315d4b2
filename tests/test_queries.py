"""Each read once per request: a metric change on the map reads the cube's metadata at most once and
resolves the selected region once (counted with SQLAlchemy events on the app's engine)."""
from __future__ import annotations

import contextlib
import re

import sqlalchemy as sa

from layouts import ids
from tests.conftest import sign_in


@contextlib.contextmanager
def counted(engine):
    statements: list[tuple[str, object]] = []

    def before(_connection, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def _update(client, region: str, metric: str):
    """The map's update callback, as the browser posts it after a metric change."""
    dependency = next(d for d in client.get("/_dash-dependencies").get_json()
                      if d["output"].startswith(f"..{ids.MAP}.figure"))
    outputs = dependency["output"].strip(".").split("...")
    values = {ids.METRIC: metric, ids.PERIOD: None, ids.TIER: "all"}
    body = {"output": dependency["output"],
            "outputs": [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]} for o in outputs],
            "inputs": [{**spec, "value": values[spec["id"]]} for spec in dependency["inputs"]],
            "state": [{**spec, "value": {"region": region, "lang": "zh"}} for spec in dependency["state"]],
            "changedPropIds": [f"{ids.METRIC}.value"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def test_a_metric_change_reads_the_meta_once_and_resolves_the_region_once(app):
    client = sign_in(app.server.test_client())
    engine = app.storage.engine
    with engine.connect() as connection:
        county = connection.execute(sa.text(
            "SELECT county_code FROM regions WHERE level = 'township' ORDER BY code LIMIT 1")).scalar_one()
    _update(client, county, "monitored_households")  # warms the process-wide caches (tier membership)
    with counted(engine) as statements:
        _update(client, county, "employment_rate")
    meta_reads = [s for s, _ in statements if re.search(r"\bFROM meta\b", s)]
    region_reads = [s for s, p in statements if re.search(r"FROM regions\s+WHERE regions\.code = ", s)
                    and county in (p.values() if isinstance(p, dict) else p)]
    assert len(meta_reads) <= 1, meta_reads
    assert len(region_reads) == 1, region_reads
