"""The read-only JSON API under ``/api/v1`` (described for clients by ``/api/v1/openapi.json``).

Regions: ``regions?level=|parent=``, ``regions/<code>`` (the region, its lineage and key figures).
Figures: ``metrics`` (the catalog), ``values?metric=&level=&parent=&period=`` (a metric over the
children of a region, ranked, with the change on the previous period), ``series?metric=&region=``;
both answer ``format=csv`` (UTF-8 with BOM, for Excel). ``templates/<table>.xlsx`` is an empty
template. Monitoring (data/read/monitoring.py): ``monitoring/warnings?region=&min_score=&period=&risk_type=&
category=&township=``, ``monitoring/board?region=``, ``monitoring/checks?region=``,
``monitoring/whatif?region=&threshold=&year=``, ``monitoring/sample?region=&size=&seed=&format=json|xlsx|pdf&lang=``;
household lists are audited by the services. ``brief?region=&period=&lang=``: the month in sentences
(data/read/brief.py), each with its numbers and links. Every route reads through the caller's access (the signed-in
user or the API token's user; a region outside it gets 403, see dashboard/auth.py).

Parameters are checked against the route's description (dashboard/openapi.py) before the route runs:
unknown, repeated and empty ones, missing required ones, and values of the wrong type, pattern, set or
range get 400 with a message; a query string over ``QUERY_LIMIT`` bytes gets 414. CSV downloads are audited.
"""
from __future__ import annotations

import io
import re

from flask import Blueprint, Response, jsonify, request, send_file

from dashboard.auth import reading, record
from dashboard.errors import api_error, json_errors
from dashboard.openapi import QUERY_LIMIT, SPEC, XLSX
from data.definitions import codes, metrics
from data.ingest import checklist, spreadsheet
from data.ingest.exporter import write_template
from data.read import brief as month_brief, cube, monitoring
from data.store.storage import NotFound, Storage

VALUE_COLUMNS = ("code", "name", "level", "period", "metric", "metric_zh", "unit", "value", "numerator",
                 "denominator", "previous_period", "previous", "change", "rank")
SERIES_COLUMNS = ("code", "name", "period", "metric", "metric_zh", "unit", "value", "numerator", "denominator")
# Each route's description, by its Flask rule (``/api/v1/regions/<code>`` is described as ``…/{code}``).
OPERATIONS = {path.replace("{", "<").replace("}", ">"): item["get"] for path, item in SPEC["paths"].items()}
# How numbers are written in a query: plain decimals (no spaces, signs other than minus, nan, inf or
# digits of other scripts, all of which Python's int() and float() would take).
_WRITTEN = {"integer": re.compile(r"-?[0-9]+"),
            "number": re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")}
_SHOWN = 40  # characters of a refused value repeated in the message


def _parameters() -> dict:
    return parameters_of(OPERATIONS[request.url_rule.rule])


def parameters_of(operation: dict) -> dict:
    """This request's parameters, checked against ``operation`` (its route's description; every blueprint
    under /api/v1 checks its own with this): unknown, repeated or empty ones are refused, required ones must
    be given, each value must have the described type, pattern, length, closed set and bounds. Numbers come
    back as int or float; an optional parameter left out is its described default, or None."""
    described = [p["name"] for p in operation["parameters"] if p["in"] == "query"]
    unknown = sorted(set(request.args) - set(described))
    if unknown:
        raise cube.BadParameter(f"未知参数 / unknown parameter(s) {', '.join(unknown)}; "
                                f"allowed: {', '.join(described) or 'none'}")
    values = {}
    for parameter in operation["parameters"]:
        name, schema = parameter["name"], parameter["schema"]
        given = request.args.getlist(name) if parameter["in"] == "query" else [request.view_args[name]]
        if len(given) > 1:
            raise cube.BadParameter(f"参数 {name} 重复 / parameter {name} is given more than once")
        if not given:
            if parameter["required"]:
                about = parameter.get("description") or schema.get("description")
                raise cube.BadParameter(f"需要 {name} 参数 / give ?{name}=…" + (f" ({about})" if about else ""))
            values[name] = schema.get("default")
        elif "maxLength" in schema and len(given[0]) > schema["maxLength"]:
            raise cube.BadParameter(f"{name} 过长 / {name} is longer than {schema['maxLength']} characters")
        else:
            values[name] = _value(name, given[0], schema, parameter["in"])
    return values


def _value(name: str, text: str, schema: dict, where: str):
    """One parameter's value, as its schema describes it (400 otherwise; a path naming nothing: 404)."""
    shown = repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "…")
    if text == "":
        raise cube.BadParameter(f"参数 {name} 为空 / parameter {name} is empty: give a value or leave it out")
    kind = schema.get("type")
    if kind in _WRITTEN:
        if not _WRITTEN[kind].fullmatch(text):
            zh, en = ("整数", "an integer") if kind == "integer" else ("数字", "a number")
            raise cube.BadParameter(f"{name} 须为{zh} / {name} must be {en}, not {shown}")
        try:
            value = int(text) if kind == "integer" else float(text)
        except ValueError:  # more digits than Python converts
            raise cube.BadParameter(f"{name} 太长 / {name} is too long") from None
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and not value >= low) or (high is not None and not value <= high):
            bounds = f"{low}–{high}" if low is not None and high is not None else (
                f"≥ {low}" if low is not None else f"≤ {high}")
            raise cube.BadParameter(f"{name} 须在 {bounds} 之间 / {name} must be within {bounds}, not {shown}")
        return value
    if "enum" in schema and text not in schema["enum"]:
        if where == "path":
            raise NotFound(f"没有这个 {name} / no such {name} {shown}; one of {', '.join(schema['enum'])}")
        options = schema["enum"]
        listed = ", ".join(options) if len(options) <= 12 else schema.get("description", "see /api/v1/openapi.json")
        raise cube.BadParameter(f"{name} 取值不对 / {name} must be one of {listed}, not {shown}")
    if "pattern" in schema and not re.fullmatch(schema["pattern"], text):
        raise cube.BadParameter(f"{name} 格式不对 / {name} is malformed, not {shown}: {schema.get('description', '')}")
    return text


def _township(store, access, region: str, township: str) -> str:
    """The 12-digit code of a township of ``region`` (400 if it is none; 404/403 as for any region)."""
    within = store.region(access, codes.normalize(region))
    code = codes.normalize(township)
    if not code.startswith(codes.significant(within["code"], within["level"])):
        raise cube.BadParameter(f"township 须在 region 之内 / township {township} is not within region {region}")
    if store.region(access, code)["level"] != "township":
        raise cube.BadParameter(f"township 须为乡镇代码 / township {township} is not a township")
    return code


def _csv(storage: Storage, rows: list[dict], columns: tuple[str, ...], name: str, region: str | None) -> Response:
    """A CSV download (audited as an export)."""
    record(storage, "export", region=region, detail=f"api {name}.csv: {len(rows)} rows")
    body = spreadsheet.rows_csv_bytes(rows, columns)  # UTF-8 with a BOM; no cell a spreadsheet would run
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def short_query():
    """414 for a query string over ``QUERY_LIMIT`` bytes (every blueprint under /api/v1 runs it first)."""
    if len(request.query_string) > QUERY_LIMIT:
        return api_error(414, f"查询串超过 {QUERY_LIMIT} 字节 / the query string is longer than {QUERY_LIMIT} "
                              f"bytes ({len(request.query_string)})")
    return None


def make_blueprint(storage: Storage) -> Blueprint:
    blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
    blueprint.before_request(short_query)

    @blueprint.get("/openapi.json")
    def openapi():
        _parameters()
        return jsonify(SPEC)

    @blueprint.get("/regions")
    def regions():
        args = _parameters()
        if args["level"] is None and args["parent"] is None:
            return api_error(400, "需要 level 或 parent 参数 / give ?level=<level> or ?parent=<code>")
        store, access = reading(storage)
        rows = store.regions(access, level=args["level"], parent=args["parent"])
        return jsonify({"count": len(rows), "regions": rows})

    @blueprint.get("/regions/<code>")
    def region(code: str):
        _parameters()
        store, access = reading(storage)
        lineage = store.lineage(access, code)
        return jsonify({**lineage[-1], "lineage": [{"code": r["code"], "name": r["name"], "level": r["level"]}
                                                   for r in lineage],
                        "key_figures": cube.key_figures(store, access, lineage[-1]["code"])})

    @blueprint.get("/metrics")
    def metric_catalog():
        args = _parameters()
        chosen = [m.to_dict() for m in metrics.CATALOG.values() if args["theme"] in (None, m.theme)]
        try:
            periods = cube.info(reading(storage)[0]).periods
        except cube.NotBuilt:
            periods = {"month": [], "year": []}
        return jsonify({"count": len(chosen), "themes": {k: {"zh": zh, "en": en} for k, (zh, en) in
                                                         metrics.THEMES.items()},
                        "periods": periods, "metrics": chosen})

    @blueprint.get("/values")
    def values():
        args = _parameters()
        answer = cube.values(*reading(storage), args["metric"], args["level"], args["parent"], args["period"])
        if args["format"] == "csv":
            metric = answer["metric"]
            rows = [{**row, "period": answer["period"], "metric": metric["code"], "metric_zh": metric["zh"],
                     "unit": metric["unit"], "previous_period": answer["previous_period"]} for row in answer["values"]]
            where = answer["parent"]["code"] if answer["parent"] else "national"
            return _csv(storage, rows, VALUE_COLUMNS, f"{metric['code']}-{where}-{answer['level']}-{answer['period']}",
                        answer["parent"]["code"] if answer["parent"] else None)
        return jsonify(answer)

    @blueprint.get("/series")
    def series():
        args = _parameters()
        answer = cube.series(*reading(storage), args["metric"], args["region"])
        if args["format"] == "csv":
            metric, where = answer["metric"], answer["region"]
            rows = [{**point, "code": where["code"], "name": where["name"], "metric": metric["code"],
                     "metric_zh": metric["zh"], "unit": metric["unit"]} for point in answer["series"]]
            return _csv(storage, rows, SERIES_COLUMNS, f"{metric['code']}-{where['code']}-series", where["code"])
        return jsonify(answer)

    @blueprint.get("/monitoring/warnings")
    def monitoring_warnings():
        args = _parameters()
        store, access = reading(storage)
        township = args["township"] and _township(store, access, args["region"], args["township"])
        return jsonify(monitoring.warnings(store, access, args["region"], period=args["period"],
                                           min_score=args["min_score"], risk_type=args["risk_type"],
                                           category=args["category"], township=township))

    @blueprint.get("/monitoring/board")
    def monitoring_board():
        return jsonify(monitoring.board(*reading(storage), _parameters()["region"]))

    @blueprint.get("/monitoring/checks")
    def monitoring_checks():
        return jsonify(monitoring.checks(*reading(storage), _parameters()["region"]))

    @blueprint.get("/monitoring/whatif")
    def monitoring_whatif():
        args = _parameters()
        return jsonify(monitoring.whatif(*reading(storage), args["region"], args["threshold"], args["year"]))

    @blueprint.get("/monitoring/sample")
    def monitoring_sample():
        args = _parameters()
        answer = monitoring.field_sample(*reading(storage), args["region"], args["size"], args["seed"])
        if args["format"] == "json":
            return jsonify(answer)
        name = f"field-sample-{answer['region']['code']}-seed{answer['seed']}.{args['format']}"
        try:
            writer = checklist.to_xlsx if args["format"] == "xlsx" else checklist.to_pdf
            body = writer(answer, lang=args["lang"])
        except checklist.NoFont as error:
            return api_error(503, str(error))
        return send_file(io.BytesIO(body), download_name=name, as_attachment=True,
                         mimetype="application/pdf" if args["format"] == "pdf" else XLSX)

    @blueprint.get("/brief")
    def brief():  # the month in sentences (data/read/brief.py, issue 17 part 8)
        args = _parameters()
        return jsonify(month_brief.brief(*reading(storage), args["region"], args["period"], args["lang"]))

    @blueprint.get("/templates/<table>.xlsx")
    def template(table: str):
        _parameters()  # an unknown table: 404
        buffer = io.BytesIO()
        write_template(table, buffer)
        return send_file(io.BytesIO(buffer.getvalue()), download_name=f"{table}-template.xlsx", as_attachment=True,
                         mimetype=XLSX)

    return json_errors(blueprint, "接口")
