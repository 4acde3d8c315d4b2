"""The assessment workbench's routes (issue 19): the JSON API under ``/api/v1/assessment/`` and the evidence
pack of a county, ``/assessment/<county>/pack.pdf`` and ``.xlsx``; registered by :func:`register` (one line
in dashboard/app.py), described in dashboard/assessment_spec.py.

API: ``schemes``; ``scores?scheme=&version=&year=&class=&region=&dimension_weights=&indicator_weights=&format=``
(what-if weights as ``code:weight,…``, nothing saved); ``robustness?…&samples=&seed=``; ``evidence?county=&
indicator=…`` (with an indicator, the records behind it); ``samples?county=&seed=`` (the field-verification
design); ``results?county=&seed=`` (estimates from the imported visit results); ``runs`` (GET the list, POST
freeze one: evaluators and administrators), ``run?id=`` (one, the latest without id), ``compare?first=&second=``
(the two latest by default). Every answer is read
through the caller's access (data/read/assessment.py); parameters are checked against the description before
the route runs (400 with a message, never 500); a county outside the scope is 403, an unknown one 404; CSV
where tabular (audited as an export).
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, jsonify, request, send_file

from dashboard import auth
from dashboard.api import _csv, parameters_of, short_query
from dashboard.errors import api_error
from dashboard.openapi import SPEC
from data.definitions import codes, schemes
from data.definitions.messages import language
from data.read import assessment
from data.read.cube import BadParameter, NotBuilt
from data.store.storage import InvalidLevel, NotFound, Storage

PREFIX = "/api/v1/assessment"
SCORE_COLUMNS = ("rank", "code", "name", "class", "composite", "grade", "coverage", "graded", "previous", "progress",
                 "progress_rank", "rank_class", "rank_overall", "percentile", "scheme", "version", "year",
                 "data_version", "what_if")
ROBUST_COLUMNS = ("rank", "code", "name", "class", "grade", "solid", "rank_min", "rank_p05", "rank_median",
                  "rank_p95", "rank_max", "samples", "seed")
SAMPLE_COLUMNS = ("household_id", "head_name", "village_code", "village", "village_stratum", "household_stratum",
                  "probability", "weight")


def _operation(method: str) -> dict:
    rule = request.url_rule.rule.replace("<", "{").replace(">", "}")
    return SPEC["paths"][rule][method.lower()]


def _parameters() -> dict:
    return parameters_of(_operation(request.method))


def _weights(storage, access, args) -> dict | None:
    if not args.get("dimension_weights") and not args.get("indicator_weights"):
        return None
    scheme = assessment.scheme_of(storage, access, args["scheme"], args["version"])
    return assessment.parse_weights(scheme, args["dimension_weights"], args["indicator_weights"])


def make_api(storage: Storage) -> Blueprint:
    blueprint = Blueprint("assessment_api", __name__, url_prefix=PREFIX)
    blueprint.before_request(short_query)

    @blueprint.get("/schemes")
    def schemes():
        _parameters()
        found = assessment.scheme_list(*auth.reading(storage))
        return jsonify({"count": len(found), "schemes": found})

    @blueprint.get("/scores")
    def scores():
        args = _parameters()
        store, access = auth.reading(storage)
        answer = assessment.scores(store, access, args["scheme"], args["version"], args["year"], args["class"],
                                   args["region"], _weights(store, access, args))
        if args["format"] == "csv":
            head = {"scheme": answer["scheme"]["id"], "version": answer["scheme"]["version"], "year": answer["year"],
                    "data_version": answer["data_version"], "what_if": answer["what_if"]}
            rows = [{**row, **head, **{f"dim_{k}": v.get("score") for k, v in row["dimensions"].items()}}
                    for row in answer["counties"]]
            return _csv(storage, rows, SCORE_COLUMNS + tuple(f"dim_{d['code']}" for d in answer["dimensions"]),
                        f"assessment-{head['scheme']}-v{head['version']}-{answer['year']}-{answer['class']}",
                        answer["region"])
        return jsonify(answer)

    @blueprint.get("/robustness")
    def robustness():
        args = _parameters()
        store, access = auth.reading(storage)
        answer = assessment.robustness(store, access, args["scheme"], args["version"], args["year"], args["class"],
                                       args["region"], _weights(store, access, args), args["samples"], args["seed"])
        if args["format"] == "csv":
            rows = [{**row, "samples": answer["samples"], "seed": answer["seed"],
                     **{f"p_{g}": row["grade_probabilities"].get(g) for g in row["grade_probabilities"]}}
                    for row in answer["counties"]]
            grades = tuple(f"p_{g['code']}" for g in answer["grades"])
            return _csv(storage, rows, ROBUST_COLUMNS + grades,
                        f"robustness-{answer['scheme']['id']}-{answer['year']}-{answer['class']}-seed{answer['seed']}",
                        answer["region"])
        return jsonify(answer)

    @blueprint.get("/evidence")
    def evidence():
        args = _parameters()
        store, access = auth.reading(storage)
        return jsonify(assessment.evidence(store, access, args["county"], args["scheme"], args["version"],
                                           args["year"], args["indicator"], _weights(store, access, args)))

    @blueprint.get("/samples")
    def samples():
        args = _parameters()
        answer = assessment.field_design(*auth.reading(storage), args["county"], args["seed"])
        if args["format"] == "csv":
            return _csv(storage, answer["households"], SAMPLE_COLUMNS,
                        f"field-verification-{answer['county']['code']}-seed{answer['seed']}", answer["county"]["code"])
        return jsonify(answer)

    @blueprint.get("/results")
    def results():
        args = _parameters()
        return jsonify(assessment.field_results(*auth.reading(storage), args["county"], args["seed"]))

    @blueprint.get("/runs")
    def runs():
        args = _parameters()
        found = assessment.runs(*auth.reading(storage), args["scheme"] if "scheme" in request.args else None,
                                args["version"], args["year"], args["label"])
        return jsonify({"count": len(found), "runs": found})

    @blueprint.post("/runs")
    def save_run():
        args = _parameters()
        store, access = auth.reading(storage)
        return jsonify(assessment.save_run(store, access, args["scheme"], args["version"], args["year"], None,
                                           args["label"] or ""))

    @blueprint.get("/run")
    def one_run():
        args = _parameters()
        store, access = auth.reading(storage)
        if args["id"] is None:
            latest = assessment.runs(store, access)
            return jsonify({"run": assessment.run(store, access, latest[0]["id"]) if latest else None})
        return jsonify({"run": assessment.run(store, access, args["id"])})

    @blueprint.get("/compare")
    def compare():
        args = _parameters()
        return jsonify(assessment.compare(*auth.reading(storage), args["first"], args["second"]))

    return _errors(blueprint)


def _errors(blueprint: Blueprint) -> Blueprint:
    """The API's error answers (as dashboard/errors.json_errors, without its catch-all routes: an unknown path under
    /api/v1/assessment/ is answered 404 by the API's own catch-all)."""
    for error, status in ((codes.InvalidCode, 400), (InvalidLevel, 400), (BadParameter, 400), (NotFound, 404), (NotBuilt, 503),
                          (schemes.SchemeInvalid, 400)):
        blueprint.register_error_handler(error, lambda found, status=status: api_error(status, str(found)))
    return blueprint


def make_pack(storage: Storage) -> Blueprint:
    """``/assessment/<county>/pack.pdf|xlsx`` (``?scheme=&version=&year=&lang=``): the county's evidence pack."""
    from layouts import assessment_report

    blueprint = Blueprint("assessment_pack", __name__)

    @blueprint.get("/assessment/<county>/pack.<fmt>")
    def pack(county: str, fmt: str):
        if fmt not in assessment_report.FORMATS:
            abort(404)
        snapshot, access = auth.reading(storage)
        year = request.args.get("year")
        version = request.args.get("version")
        try:
            made, data = assessment_report.render(
                snapshot, access, county, fmt, request.args.get("scheme"),
                int(version) if version and version.isdigit() else None,
                int(year) if year and year.isdigit() else None, language(request.args.get("lang")))
        except (codes.InvalidCode, NotFound, BadParameter):
            abort(404)
        except NotBuilt:
            abort(503)
        name = assessment_report.file_name(made, fmt)
        auth.record(storage, "export", region=made.region, detail=f"evidence pack {name}: {len(data)} bytes")
        response = send_file(io.BytesIO(data), mimetype=assessment_report.FORMATS[fmt], as_attachment=True,
                             download_name=name)
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @blueprint.get("/assessment/<county>/checklist.<fmt>")
    def checklist(county: str, fmt: str):
        """``?seed=&lang=``: the county's field-verification checklist, the design written on it."""
        if fmt not in assessment_report.FORMATS:
            abort(404)
        snapshot, access = auth.reading(storage)
        seed = request.args.get("seed")
        if seed is not None and not (seed.isdigit() and int(seed) < 2 ** 32):
            return api_error(400, "seed 须为 0–4294967295 的整数 / seed must be an integer within 0–4294967295")
        try:
            made, data = assessment_report.render_checklist(snapshot, access, county, fmt,
                                                            int(seed) if seed else None,
                                                            language(request.args.get("lang")))
        except (codes.InvalidCode, NotFound, BadParameter):
            abort(404)
        name = f"{made.region}-{made.title}.{fmt}"
        auth.record(storage, "export", region=made.region, detail=f"field checklist {name}: {len(data)} bytes")
        response = send_file(io.BytesIO(data), mimetype=assessment_report.FORMATS[fmt], as_attachment=True,
                             download_name=name)
        response.headers["Cache-Control"] = "private, no-store"
        return response

    return blueprint


def register(app, storage: Storage) -> None:
    """The workbench in the app: its API and pack routes, its page and its callbacks (dashboard/app.py calls
    this once)."""
    import dash

    import callbacks.assessment_callbacks as assessment_callbacks
    from layouts import assessment_page

    server = app.server
    server.register_blueprint(make_api(storage))
    server.register_blueprint(make_pack(storage))
    dash.register_page("assessment", path=assessment_page.PATH, name=assessment_page.title(),
                       layout=lambda **params: assessment_page.layout(*auth.reading(storage), **params))
    assessment_callbacks.register(app, reading=lambda: auth.reading(storage))
