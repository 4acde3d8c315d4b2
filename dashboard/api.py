"""The read-only JSON API under ``/api/v1``.

``GET /api/v1/regions?parent=<code>|level=<level>`` lists regions (code, name, level, parent_code, flags,
boundary source); ``GET /api/v1/regions/<code>`` answers one region with its lineage. Codes may be
given as a full 12-digit code or a significant prefix. Bad parameters get 400/404 with a JSON message.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

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

    return json_errors(blueprint, "接口")
