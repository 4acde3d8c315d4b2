"""The read-only JSON API under ``/api/v1``.

``GET /api/v1/regions?parent=<code>|level=<level>`` lists regions (code, name, level, parent_code, flags,
boundary source); ``GET /api/v1/regions/<code>`` answers one region with its lineage. Codes may be
given as a full 12-digit code or a significant prefix. Bad parameters get 400/404 with a JSON message.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from data import codes
from data.schema import LAYERS
from data.storage import NotFound, Storage
from dashboard.errors import api_error


def make_blueprint(storage: Storage) -> Blueprint:
    blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

    @blueprint.get("/regions")
    def regions():
        level = request.args.get("level") or None
        parent = request.args.get("parent") or None
        if level is None and parent is None:
            return api_error(400, "需要 level 或 parent 参数 / give ?level=<level> or ?parent=<code>")
        if level is not None and level not in LAYERS:
            return api_error(400, f"未知级别 / unknown level {level!r}; one of {', '.join(LAYERS)}")
        try:
            rows = storage.regions(level=level, parent=parent)
        except codes.InvalidCode as error:
            return api_error(400, str(error))
        except NotFound as error:
            return api_error(404, str(error))
        return jsonify({"count": len(rows), "regions": rows})

    @blueprint.get("/regions/<code>")
    def region(code: str):
        try:
            lineage = storage.lineage(code)
        except codes.InvalidCode as error:
            return api_error(400, str(error))
        except NotFound as error:
            return api_error(404, str(error))
        return jsonify({**lineage[-1], "lineage": [{"code": r["code"], "name": r["name"], "level": r["level"]}
                                                   for r in lineage]})

    @blueprint.route("/<path:anything>")
    def unknown(anything: str):
        return api_error(404, f"没有这个接口 / no such API route: /api/v1/{anything}")

    return blueprint
