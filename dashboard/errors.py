"""JSON errors for the API and geometry routes: ``{"error": {"status", "message"}}``, and the answer to faults.

Bad codes, levels, periods, parameters and metrics raised anywhere below a route become 400, unknown
regions and periods 404, an unbuilt cube 503 — once, here. A database that cannot be reached (anywhere: the
sign-in guard, a route, a page layout, a callback) is 503 with ``Retry-After``: JSON for machines (API,
geometry, Dash requests), the page ``unavailable.html`` for people; any other server error on a machine path
is a JSON 500.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, current_app, jsonify, make_response, render_template, request
from sqlalchemy import exc as db_errors
from werkzeug.exceptions import InternalServerError, MethodNotAllowed, RequestEntityTooLarge

from data.definitions.codes import InvalidCode
from data.definitions.messages import language, t
from data.definitions.metrics import UnknownMetric
from data.ingest import limits
from data.read.cube import BadParameter, NotBuilt
from data.store.storage import InvalidLevel, NotFound

# the database is unreachable or was lost mid-request (not a bug in a query: those stay 500)
DATABASE_DOWN = (db_errors.OperationalError, db_errors.InterfaceError, db_errors.DisconnectionError,
                 db_errors.TimeoutError)
RETRY_AFTER_SECONDS = 30
DATABASE_DOWN_MESSAGE = "数据库暂时无法访问，请稍后再试 / the database is unavailable; try again shortly"

log = logging.getLogger(__name__)


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


def database_down(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_DOWN) or (isinstance(error, db_errors.DBAPIError)
                                                and error.connection_invalidated)


def fault_answers(server: Flask, machine_paths: tuple[str, ...]) -> None:
    """Register the answers to a database outage and, on ``machine_paths``, to any other server error."""

    def unavailable(error: Exception):
        log.warning("database unavailable on %s %s: %s", request.method, request.path,
                    str(error).splitlines()[0] if str(error) else error.__class__.__name__)
        login = getattr(current_app, "login_manager", None)
        if login is not None:  # the caller could not be read: nobody, for the rest of this request
            login._update_request_context_with_user()  # (else Flask-Login asks the database again)
        if request.path.startswith(machine_paths):
            response = api_error(503, DATABASE_DOWN_MESSAGE)
        else:
            lang = language(request.args.get("lang"))
            response = make_response(render_template("unavailable.html", lang=lang, t=t), 503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for error_class in DATABASE_DOWN:
        server.register_error_handler(error_class, unavailable)

    @server.errorhandler(RequestEntityTooLarge)  # over MAX_CONTENT_LENGTH (dashboard/config.py)
    def too_large(error: RequestEntityTooLarge):
        if request.path.startswith(machine_paths):
            size = limits.UPLOAD_BYTES >> 20
            return api_error(413, f"请求过大：上传的文件最大 {size} MB / request too large: an upload has at most {size} MB")
        return error

    @server.errorhandler(MethodNotAllowed)  # raised while routing, before any blueprint handler
    def wrong_method(error: MethodNotAllowed):
        if request.path.startswith(machine_paths):
            response = api_error(405, f"不支持的方法 {request.method} / method {request.method} not allowed")
            response.headers["Allow"] = ", ".join(error.valid_methods or ())
            return response
        return error

    @server.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        original = error.original_exception
        if database_down(original):  # a disconnect seen as another DBAPIError, or one in an after-request step
            return unavailable(original)
        if request.path.startswith(machine_paths):
            return api_error(500, "服务器内部错误 / internal server error")
        return error
