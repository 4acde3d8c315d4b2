"""The OpenAPI description of ``/api/v1/assessment/`` (the assessment workbench, issue 19), merged into
dashboard/openapi.py's SPEC by one line there (``SPEC["paths"].update(assessment_spec.paths(_SCHEMAS))``).

Imports nothing of dashboard/ at module level (openapi.py imports this module while it is being built);
the shared builders (_get, _query, _json, …) are read from dashboard.openapi when :func:`paths` runs, at the
end of that module. Closed sets come from the definitions (classes, grades, schemes) and the read service.
"""
from __future__ import annotations

from data.compute.assessment import CLASSES
from data.definitions import policy
from data.definitions.schemes import GRADES
from data.read.assessment import ALL_CLASSES, RECORD_KINDS, SAMPLES_MAX, WEIGHTS_PATTERN

FORMATS = ("json", "csv")
PACK_FORMATS = ("pdf", "xlsx")
SEED_MAX = 2 ** 32 - 1
LABEL_MAX = 120


def paths(schemas: dict) -> dict:
    """The paths of the workbench (adding its answer schemas to ``schemas``)."""
    from dashboard import openapi as o

    number, integer, string, boolean = o._NULLABLE_NUMBER, o._INTEGER, o._STRING, o._BOOLEAN
    nullable_int = {"type": ["integer", "null"]}
    obj = {"type": "object"}
    array = {"type": "array", "items": obj}
    schemas.update({
        "AssessmentSchemes": o._object(["count", "schemes"], {"count": integer, "schemes": {
            "type": "array", "items": o._object(["id", "version", "zh", "en", "dimensions", "indicators"], {
                "id": string, "version": integer, "zh": string, "en": string, "versions": array,
                "dimensions": array, "indicators": array, "grades": array, "grade_rule": obj})}}),
        "AssessmentCounty": o._object(["code", "name", "class", "composite", "coverage", "rank", "grade", "progress",
                                       "progress_rank"], {
            "code": string, "name": string, "class": {"type": "string", "enum": list(CLASSES)},
            "composite": number, "coverage": number, "graded": boolean, "rank": nullable_int,
            "rank_class": nullable_int, "rank_overall": nullable_int, "class_size": nullable_int,
            "percentile": number, "grade": {"type": ["string", "null"], "enum": [*GRADES, None]},
            "previous": number, "progress": number, "progress_rank": nullable_int,
            "dimensions": {"type": "object", "additionalProperties": o._object([], {
                "score": number, "coverage": number})}}),
        "AssessmentScores": o._object(["scheme", "data_version", "year", "partial", "class", "what_if", "dimensions",
                                       "indicators", "grades", "count", "counties"], {
            "scheme": o._object(["id", "version"], {"id": string, "version": integer}),
            "data_version": o._NULLABLE_STRING, "versions": obj, "year": string, "partial": boolean,
            "through": o._NULLABLE_STRING, "years": {"type": "array", "items": string},
            "class": string, "region": o._NULLABLE_STRING, "what_if": boolean, "weights": obj,
            "dimensions": array, "indicators": array, "grades": array, "grade_rule": obj, "rule": obj,
            "count": integer, "ungraded": integer,
            "counties": {"type": "array", "items": o._ref("AssessmentCounty")}}),
        "AssessmentRobustness": o._object(["year", "class", "samples", "seed", "concentration", "counties"], {
            "year": string, "class": string, "samples": integer, "seed": integer, "concentration": o._NUMBER,
            "what_if": boolean, "scheme": obj, "solid_cut": o._NUMBER,
            "counties": {"type": "array", "items": o._object(["code", "name", "rank_min", "rank_max",
                                                              "grade_probabilities"], {
                "code": string, "name": string, "class": string, "rank": nullable_int, "rank_min": nullable_int,
                "rank_p05": number, "rank_median": number, "rank_p95": number, "rank_max": nullable_int,
                "grade": o._NULLABLE_STRING, "solid": boolean,
                "grade_probabilities": {"type": "object", "additionalProperties": o._NUMBER}})}}),
        "AssessmentEvidence": o._object(["county", "year", "score", "dimensions"], {
            "county": o._object(["code", "name", "class"], {"code": string, "name": string, "class": string}),
            "year": string, "score": o._ref("AssessmentCounty"), "peers": integer,
            "indicator": o._NULLABLE_STRING,
            "dimensions": {"type": "array", "items": o._object(["code", "zh", "en", "score", "indicators"], {
                "code": string, "zh": string, "en": string, "score": number, "coverage": number,
                "peers_median": number, "indicators": {"type": "array", "items": o._object(
                    ["code", "metric", "value", "target", "trend", "peers"], {
                        "code": string, "metric": string, "value": number, "target": number,
                        "normalised": number, "share": o._NUMBER, "present": boolean, "trend": array,
                        "peers_trend": array, "peers": obj,
                        "records_kind": {"type": ["string", "null"], "enum": [*RECORD_KINDS, None]},
                        "records": o._object(["kind", "mode", "count", "rows"], {
                            "kind": o._NULLABLE_STRING, "mode": string, "count": integer, "rows": array})})}})}}),
        "AssessmentSample": o._object(["county", "seed", "design", "villages", "households"], {
            "county": o._ref("RegionRef"), "seed": integer, "design": obj, "villages": array, "households": array,
            "mode": string}),
        "AssessmentResults": o._object(["county", "seed", "rates"], {
            "county": o._ref("RegionRef"), "seed": integer, "visited": integer, "rates": array, "formula": obj}),
        "AssessmentRuns": o._object(["count", "runs"], {"count": integer, "runs": array}),
        "AssessmentRun": o._object(["id"], {"id": integer, "label": o._NULLABLE_STRING, "scheme": obj,
                                            "versions": obj, "counties": array}),
        "AssessmentRunAnswer": o._object(["run"], {"run": {"oneOf": [o._ref("AssessmentRun"), {"type": "null"}]}}),
        "AssessmentComparison": o._object(["first", "second", "rows"], {
            "first": {"type": ["object", "null"]}, "second": {"type": ["object", "null"]}, "rows": array,
            "scheme_changed": boolean, "data_changed": boolean}),
    })
    scheme = o._query("scheme", {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,39}$", "default": "default",
                                 "description": "考核方案编码（见 /api/v1/assessment/schemes） / the scheme id"})
    version = o._query("version", {"type": "integer", "minimum": 1, "maximum": 100000},
                       description="方案版本；缺省为最新 / the scheme version; latest when omitted")
    year = o._query("year", {"type": "integer", "minimum": 2000, "maximum": 2100},
                    description="考核年度；缺省为最近的完整年度 / the year; the last complete year when omitted")
    klass = o._query("class", {"type": "string", "enum": [ALL_CLASSES, *CLASSES], "default": CLASSES[0]},
                     description="同类县：国家重点帮扶县、省级重点帮扶县、其他县，或全部 / the class of counties")
    region = o._query("region", o._CODE, description="省或市，缺省为全部 / a province or prefecture; all when omitted")
    weights = [o._query(f"{kind}_weights", {"type": "string", "pattern": WEIGHTS_PATTERN, "maxLength": 1500},
                        description=f"模拟权重（不保存），如 code:30,code:20 / what-if {kind} weights, not saved: "
                                    "code:weight,…")
               for kind in ("dimension", "indicator")]
    tabular = o._query("format", {"type": "string", "enum": list(FORMATS), "default": "json"},
                       description="csv: UTF-8 with BOM, opens in Excel")
    county = o._query("county", o._CODE, required=True, description="县级代码 / a county code")
    seed = o._query("seed", {"type": "integer", "minimum": 0, "maximum": SEED_MAX, "default": policy.SAMPLE_SEED},
                    description="抽样轮次的种子，缺省为本轮 / the round's seed; this round's when omitted")
    run_parameters = [scheme, version, year, o._query("label", {"type": "string", "maxLength": LABEL_MAX},
                                                      description="说明（列表中按包含筛选） / a label (the list: runs "
                                                                  "whose label contains it)")]
    csv_ok = lambda name: o._with_files(o._json(name, name), "format=csv: text/csv", "text/csv")  # noqa: E731
    scoped = o._SCOPED
    return {
        "/api/v1/assessment/schemes": o._get(
            "考核方案 / the indicator schemes (latest version of each), their dimensions, indicators and grade rule",
            [], o._json("schemes", "AssessmentSchemes"), o._SIGNED_IN),
        "/api/v1/assessment/scores": o._get(
            "综合得分与排名 / every county of a class ranked: composite, dimensions, grade, progress rank, coverage; "
            "weights may be overridden for a what-if (nothing saved)",
            [scheme, version, year, klass, region, *weights, tabular], csv_ok("AssessmentScores"), scoped),
        "/api/v1/assessment/robustness": o._get(
            "稳健性 / ranks and grade probabilities over seeded Dirichlet weight draws around the chosen weights",
            [scheme, version, year, klass, region, *weights,
             o._query("samples", {"type": "integer", "minimum": 1, "maximum": SAMPLES_MAX, "default": 1000}),
             o._query("seed", {"type": "integer", "minimum": 0, "maximum": SEED_MAX},
                      description="缺省为政策常量 / the policy's seed when omitted"), tabular],
            csv_ok("AssessmentRobustness"), scoped),
        "/api/v1/assessment/evidence": o._get(
            "证据 / a county's score → dimensions → indicators (value, target, trend, peers) → with indicator, "
            "the records behind it within the caller's scope",
            [county, scheme, version, year,
             o._query("indicator", {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,63}$"},
                      description="方案中的指标编码 / an indicator of the scheme"), *weights],
            o._json("evidence", "AssessmentEvidence"), scoped),
        "/api/v1/assessment/samples": o._get(
            "实地核查抽样 / the seeded two-stage field-verification sample of a county (villages by stratum, then "
            "households); an evaluator's households from the fixed sample",
            [county, seed, tabular], csv_ok("AssessmentSample"), scoped),
        "/api/v1/assessment/results": o._get(
            "实地核查结果 / wrongful exits, missed households and approval from imported visit results, with "
            "design-weighted 95 % intervals against the thresholds",
            [county, seed], o._json("results", "AssessmentResults"), scoped),
        "/api/v1/assessment/runs": {
            **o._get("已保存的评估 / the frozen assessment runs, latest first (filtered by scheme, version, year, label)",
                     run_parameters, o._json("runs", "AssessmentRuns"), scoped),
            "post": {"summary": "保存评估（评估人员、管理员） / freeze a run of the caller's counties: scheme version, "
                                "data version, inputs and scores (evaluators and administrators)",
                     "parameters": run_parameters,
                     "responses": {"200": o._json("the saved run", "AssessmentRun"), **o._errors(*scoped)}}},
        "/api/v1/assessment/run": o._get(
            "一次评估 / one saved run as stored (the latest without id; null before any is saved)",
            [o._query("id", {"type": "integer", "minimum": 1, "maximum": 2 ** 31 - 1})],
            o._json("the run", "AssessmentRunAnswer"), scoped),
        "/api/v1/assessment/compare": o._get(
            "比较两次评估 / what moved between two runs, and why (data or weights); the two latest by default",
            [o._query("first", {"type": "integer", "minimum": 1, "maximum": 2 ** 31 - 1}),
             o._query("second", {"type": "integer", "minimum": 1, "maximum": 2 ** 31 - 1})],
            o._json("the comparison", "AssessmentComparison"), scoped),
    }
