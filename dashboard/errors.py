"""JSON error answers shared by the API and geometry routes: ``{"error": {"status", "message"}}``."""
from __future__ import annotations

from flask import jsonify


def api_error(status: int, message: str):
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    return response
