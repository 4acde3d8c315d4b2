"""The region report: ``GET /region/<code>/report.pdf`` and ``/region/<code>/report.xlsx`` (``?lang=en``).

The profile of ``/region/<code>`` as one file (layouts/report.py assembles it, data/ingest/report.py writes
it), for the signed-in caller: a region outside their scope is refused with 403 by the one handler of
dashboard/auth.py, an unknown one is 404, figures not yet built 503. Each report is audited as an export.
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, request, send_file

from dashboard import auth
from data.definitions import codes
from data.definitions.messages import language
from data.read.cube import NotBuilt
from data.store.storage import NotFound, Storage
from layouts import report


def make_blueprint(storage: Storage) -> Blueprint:
    blueprint = Blueprint("report", __name__)

    @blueprint.get("/region/<code>/report.<fmt>")
    def region_report(code: str, fmt: str):
        if fmt not in report.FORMATS:
            abort(404)
        snapshot, access = auth.reading(storage)
        try:
            made, data = report.render(snapshot, access, code, fmt, language(request.args.get("lang")))
        except (codes.InvalidCode, NotFound):
            abort(404)
        except NotBuilt:
            abort(503)
        name = report.file_name(made, fmt)
        auth.record(storage, "export", region=made.region, detail=f"report {name}: {len(data)} bytes")
        response = send_file(io.BytesIO(data), mimetype=report.FORMATS[fmt], as_attachment=True, download_name=name)
        response.headers["Cache-Control"] = "private, no-store"
        return response

    return blueprint
