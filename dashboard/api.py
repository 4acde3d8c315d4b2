"""The read-only JSON API under ``/api/v1`` (described for clients by ``/api/v1/openapi.json``).

Regions: ``regions?level=|parent=``, ``regions/<code>`` (the region, its lineage and key figures).
Figures: ``metrics`` (the catalog), ``values?metric=&level=&parent=&period=`` (a metric over the
children of a region, ranked, with the change on the previous period), ``series?metric=&region=``;
both answer ``format=csv`` (UTF-8 with BOM, for Excel). ``templates/<table>.xlsx`` is an empty
template. Monitoring (data/monitoring.py): ``monitoring/warnings?region=&min_score=&period=&risk_type=&
category=&township=``, ``monitoring/board?region=``, ``monitoring/checks?region=``,
``monitoring/whatif?region=&threshold=&year=``, ``monitoring/sample?region=&size=&seed=&format=json|xlsx|pdf``;
household lists are audited by the services. Every route reads through the caller's access (the signed-in user or the API token's user; a
region outside it gets 403, see dashboard/auth.py); bad parameters get 400/404 with a JSON message;
CSV downloads are audited.
"""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, jsonify, request, send_file

from dashboard.auth import reading, record
from dashboard.errors import api_error, json_errors
from dashboard.openapi import SPEC
from data.definitions import contract, metrics
from data.definitions.policy import WARNING_CUT
from data.ingest import checklist
from data.ingest.exporter import write_template
from data.read import cube, monitoring
from data.store.storage import Storage

FORMATS = ("json", "csv")
VALUE_COLUMNS = ("code", "name", "level", "period", "metric", "metric_zh", "unit", "value", "numerator",
                 "denominator", "previous_period", "previous", "change", "rank")
SERIES_COLUMNS = ("code", "name", "period", "metric", "metric_zh", "unit", "value", "numerator", "denominator")


def _parameters(*allowed: str) -> dict[str, str | None]:
    """The query parameters of a route; unknown ones are refused so that a typo is not silently ignored."""
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        raise cube.BadParameter(f"未知参数 / unknown parameter(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    return {name: (request.args.get(name) or None) for name in allowed}


def _format(value: str | None) -> str:
    if (value or "json") not in FORMATS:
        raise cube.BadParameter(f"format 须为 json 或 csv / format must be json or csv, not {value!r}")
    return value or "json"


def _csv(storage: Storage, rows: list[dict], columns: tuple[str, ...], name: str, region: str | None) -> Response:
    """A CSV download (audited as an export)."""
    record(storage, "export", region=region, detail=f"api {name}.csv: {len(rows)} rows")
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 only with a BOM
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _number(value: str | None, name: str, default: float | None = None, integer: bool = False) -> float | None:
    if value is None:
        return default
    try:
        return int(value) if integer else float(value)
    except ValueError:
        raise cube.BadParameter(f"{name} 须为数字 / {name} must be a number, not {value!r}") from None


def _required_region(args: dict) -> str:
    if not args["region"]:
        raise cube.BadParameter("需要 region 参数 / give ?region=<code>")
    return args["region"]


def make_blueprint(storage: Storage) -> Blueprint:
    blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

    @blueprint.get("/openapi.json")
    def openapi():
        return jsonify(SPEC)

    @blueprint.get("/regions")
    def regions():
        args = _parameters("level", "parent")
        if args["level"] is None and args["parent"] is None:
            return api_error(400, "需要 level 或 parent 参数 / give ?level=<level> or ?parent=<code>")
        store, access = reading(storage)
        rows = store.regions(access, level=args["level"], parent=args["parent"])
        return jsonify({"count": len(rows), "regions": rows})

    @blueprint.get("/regions/<code>")
    def region(code: str):
        store, access = reading(storage)
        lineage = store.lineage(access, code)
        return jsonify({**lineage[-1], "lineage": [{"code": r["code"], "name": r["name"], "level": r["level"]}
                                                   for r in lineage],
                        "key_figures": cube.key_figures(store, access, lineage[-1]["code"])})

    @blueprint.get("/metrics")
    def metric_catalog():
        args = _parameters("theme")
        if args["theme"] and args["theme"] not in metrics.THEMES:
            return api_error(400, f"未知主题 / unknown theme {args['theme']!r}; one of {', '.join(metrics.THEMES)}")
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
        args = _parameters("metric", "level", "parent", "period", "format")
        output = _format(args["format"])
        if not args["metric"]:
            return api_error(400, "需要 metric 参数 / give ?metric=<code> (see /api/v1/metrics)")
        answer = cube.values(*reading(storage), args["metric"], args["level"], args["parent"], args["period"])
        if output == "csv":
            metric = answer["metric"]
            rows = [{**row, "period": answer["period"], "metric": metric["code"], "metric_zh": metric["zh"],
                     "unit": metric["unit"], "previous_period": answer["previous_period"]} for row in answer["values"]]
            where = answer["parent"]["code"] if answer["parent"] else "national"
            return _csv(storage, rows, VALUE_COLUMNS, f"{metric['code']}-{where}-{answer['level']}-{answer['period']}",
                        answer["parent"]["code"] if answer["parent"] else None)
        return jsonify(answer)

    @blueprint.get("/series")
    def series():
        args = _parameters("metric", "region", "format")
        output = _format(args["format"])
        if not args["metric"]:
            return api_error(400, "需要 metric 参数 / give ?metric=<code> (see /api/v1/metrics)")
        answer = cube.series(*reading(storage), args["metric"], args["region"])
        if output == "csv":
            metric, where = answer["metric"], answer["region"]
            rows = [{**point, "code": where["code"], "name": where["name"], "metric": metric["code"],
                     "metric_zh": metric["zh"], "unit": metric["unit"]} for point in answer["series"]]
            return _csv(storage, rows, SERIES_COLUMNS, f"{metric['code']}-{where['code']}-series", where["code"])
        return jsonify(answer)

    @blueprint.get("/monitoring/warnings")
    def monitoring_warnings():
        args = _parameters("region", "min_score", "period", "risk_type", "category", "township")
        answer = monitoring.warnings(*reading(storage), _required_region(args), period=args["period"],
                                     min_score=_number(args["min_score"], "min_score", WARNING_CUT),
                                     risk_type=args["risk_type"], category=args["category"], township=args["township"])
        return jsonify(answer)

    @blueprint.get("/monitoring/board")
    def monitoring_board():
        return jsonify(monitoring.board(*reading(storage), _required_region(_parameters("region"))))

    @blueprint.get("/monitoring/checks")
    def monitoring_checks():
        return jsonify(monitoring.checks(*reading(storage), _required_region(_parameters("region"))))

    @blueprint.get("/monitoring/whatif")
    def monitoring_whatif():
        args = _parameters("region", "threshold", "year")
        threshold = _number(args["threshold"], "threshold")
        if threshold is None:
            return api_error(400, "需要 threshold 参数（元）/ give ?threshold=<yuan>")
        return jsonify(monitoring.whatif(*reading(storage), _required_region(args), threshold,
                                         _number(args["year"], "year", integer=True)))

    @blueprint.get("/monitoring/sample")
    def monitoring_sample():
        args = _parameters("region", "size", "seed", "format")
        output = args["format"] or "json"
        if output not in ("json", "xlsx", "pdf"):
            return api_error(400, f"format 须为 json、xlsx 或 pdf / format must be json, xlsx or pdf, not {output!r}")
        answer = monitoring.field_sample(*reading(storage), _required_region(args),
                                         _number(args["size"], "size", None, integer=True),
                                         _number(args["seed"], "seed", 1, integer=True))
        if output == "json":
            return jsonify(answer)
        name = f"field-sample-{answer['region']['code']}-seed{answer['seed']}.{output}"
        try:
            body = checklist.to_xlsx(answer) if output == "xlsx" else checklist.to_pdf(answer)
        except checklist.NoFont as error:
            return api_error(503, str(error))
        mimetype = ("application/pdf" if output == "pdf" else
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return send_file(io.BytesIO(body), download_name=name, as_attachment=True, mimetype=mimetype)

    @blueprint.get("/templates/<table>.xlsx")
    def template(table: str):
        if table not in contract.INTERCHANGE:
            return api_error(404, f"没有这张表 / no such table {table!r}; one of {', '.join(contract.INTERCHANGE)}")
        buffer = io.BytesIO()
        write_template(table, buffer)
        return send_file(io.BytesIO(buffer.getvalue()), download_name=f"{table}-template.xlsx", as_attachment=True,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    return json_errors(blueprint, "接口")
