"""The read-only JSON API under ``/api/v1``.

``GET /api/v1/regions?parent=<code>|level=<level>`` lists regions (code, name, level, parent_code, flags,
boundary source); ``GET /api/v1/regions/<code>`` answers one region with its lineage;
``GET /api/v1/templates/<table>.xlsx`` is an empty template for filling in. Codes may be given as a full
12-digit code or a significant prefix. Bad parameters get 400/404 with a JSON message.
"""
from __future__ import annotations

import io

from flask import Blueprint, jsonify, request, send_file

from data import contract
from data.exporter import write_template

from data.storage import Storage
from dashboard.errors import api_error, json_errors


def make_blueprint(storage: Storage) -> Blueprint:
    blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

    @blueprint.get("/regions")
    def regions():
        level = request.args.get("level") or None
        parent = request.args.get("parent") or None
        if level is None and parent is None:
            return api_error(400, "需要 level 或 parent 参数 / give ?level=<level> or ?parent=<code>")
        rows = storage.regions(level=level, parent=parent)
        return jsonify({"count": len(rows), "regions": rows})

    @blueprint.get("/regions/<code>")
    def region(code: str):
        lineage = storage.lineage(code)
        return jsonify({**lineage[-1], "lineage": [{"code": r["code"], "name": r["name"], "level": r["level"]}
                                                   for r in lineage]})

    @blueprint.get("/templates/<table>.xlsx")
    def template(table: str):
        if table not in contract.INTERCHANGE:
            return api_error(404, f"没有这张表 / no such table {table!r}; one of {', '.join(contract.INTERCHANGE)}")
        buffer = io.BytesIO()
        write_template(table, buffer)
        return send_file(io.BytesIO(buffer.getvalue()), download_name=f"{table}-template.xlsx", as_attachment=True,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    return json_errors(blueprint, "接口")
