"""JSON errors for the API and geometry routes: ``{"error": {"status", "message"}}``.

Bad codes, levels, periods, parameters and metrics raised anywhere below a route become 400, unknown
regions and periods 404, an unbuilt cube 503 — once, here.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from data.definitions.codes import InvalidCode
from data.definitions.metrics import UnknownMetric
from data.read.cube import BadParameter, NotBuilt
from data.store.storage import InvalidLevel, NotFound


def api_error(status: int, message: str):
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    return response


def json_errors(blueprint: Blueprint, name: str) -> Blueprint:
    """Register the shared error answers, and a JSON 404 for any other path under the blueprint."""
    blueprint.register_error_handler(InvalidCode, lambda error: api_error(400, str(error)))
    blueprint.register_error_handler(InvalidLevel, lambda error: api_error(400, str(error)))
    blueprint.register_error_handler(BadParameter, lambda error: api_error(400, str(error)))
    blueprint.register_error_handler(UnknownMetric, lambda error: api_error(400, str(error)))
    blueprint.register_error_handler(NotFound, lambda error: api_error(404, str(error)))
    blueprint.register_error_handler(NotBuilt, lambda error: api_error(503, str(error)))

    def unknown(anything: str = ""):
        return api_error(404, f"没有这个{name} / no such {name} route: {blueprint.url_prefix}/{anything}")

    blueprint.add_url_rule("/", "unknown_root", unknown)
    blueprint.add_url_rule("/<path:anything>", "unknown", unknown)
    return blueprint
