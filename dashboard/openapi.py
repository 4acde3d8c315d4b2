"""The OpenAPI 3.1 description of ``/api/v1``, served at ``/api/v1/openapi.json``, and the closed sets and
limits of its parameters that dashboard/api.py enforces.

Written by hand next to the routes it describes; closed sets (levels, metrics, themes, risk types,
categories, tables) are read from the catalogs in data/definitions. tests/test_api.py checks that every
route is described and that routes and description agree on names, required values and files;
tests/test_api_fuzz.py runs schemathesis against it (no server error, no answer outside the description).
"""
from __future__ import annotations

from data.compute import risk
from data.definitions import contract, metrics
from data.definitions.codes import LEVELS
from data.definitions.messages import LANGUAGES
from data.definitions.policy import WARNING_CUT
from data.read import brief as month_brief
from data.read.monitoring import SAMPLE_DEFAULT, SAMPLE_MAX, WHATIF_RANGE

FORMATS = ("json", "csv")  # values, series
SAMPLE_FORMATS = ("json", "xlsx", "pdf")  # the field sample
QUERY_LIMIT = 2048  # bytes of query string (as sent, percent-encoded) an /api request may carry; more: 414
SEED_LIMIT = 2 ** 32  # the field sample's seed is below this
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a warning's drivers point to: a risk type of the contract, or the score's own ("income").
WARNING_RISK_TYPES = (*contract.RISK_TYPES, *risk.RISK_LABELS)

_CODE = {"type": "string", "pattern": "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$",
         "examples": ["522728", "11"],  # a county with households, a province without any (in the demo)
         "description": "区划代码：12位，或其有效前缀（2/4/6/9位） / a 12-digit code or its significant prefix"}
_PERIOD = {"type": "string", "pattern": "^[0-9]{4}(-(0[1-9]|1[0-2]))?$",
           "description": "YYYY-MM（按月指标）或 YYYY（按年指标）；缺省为最新 / YYYY-MM for monthly metrics, YYYY for "
                          "yearly ones; latest when omitted"}
_MONTH = {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$",
          "description": "YYYY-MM，须为有数据的月份；缺省为最新 / a month with data; latest when omitted"}
_METRIC = {"type": "string", "enum": list(metrics.CATALOG), "description": "指标代码，见 /api/v1/metrics"}
_LEVEL = {"type": "string", "enum": list(LEVELS)}


def _query(name: str, schema: dict, required: bool = False, description: str | None = None) -> dict:
    parameter = {"name": name, "in": "query", "required": required, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


def _path(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


_ATTACHMENT = {"Content-Disposition": {"description": "attachment; filename=\"…\"",
                                       "schema": {"type": "string", "pattern": "^attachment"}}}


def _file(media_type: str) -> dict:
    return {"schema": {"type": "string", "contentMediaType": media_type}}


def _with_files(ok: dict, files: str, *media_types: str) -> dict:
    """A 200 answer that is JSON or, as ``files`` says, a file of one of ``media_types`` (an attachment)."""
    return {**ok, "content": {**ok["content"], **{media_type: _file(media_type) for media_type in media_types}},
            "headers": _ATTACHMENT, "description": f"{ok['description']}; {files} (Content-Disposition: attachment)"}


_STATUS = {
    400: "参数错误（未知、重复、为空、格式或取值不对） / a parameter unknown, repeated, empty, malformed or out of range",
    401: "未登录：需要会话 cookie 或 Authorization: Bearer 令牌 / not signed in: send the session cookie or a bearer token",
    403: "超出调用者的范围或权限（已记入审计日志） / outside the caller's scope or role (written to the audit log)",
    404: "没有这个地区、时期或表 / no such region, period or table",
    414: f"查询串超过 {QUERY_LIMIT} 字节 / the query string is longer than {QUERY_LIMIT} bytes",
    503: "数据尚未生成，或数据库不可用 / the figures are not built yet, or the database is unavailable",
}


def _errors(*statuses: int) -> dict:
    return {str(status): {"description": _STATUS[status], "content": {"application/json": {"schema": _ref("Error")}}}
            for status in statuses}


# What every route behind the sign-in may answer besides its own: not signed in, a long query, an outage.
_SIGNED_IN = (400, 401, 414, 503)
_SCOPED = (400, 401, 403, 404, 414, 503)


def _get(summary: str, parameters: list[dict], ok: dict, statuses: tuple[int, ...], **more) -> dict:
    return {"get": {"summary": summary, "parameters": parameters, "responses": {"200": ok, **_errors(*statuses)},
                    **more}}


def _object(required: list[str], properties: dict, **more) -> dict:
    return {"type": "object", "required": required, "properties": properties, **more}


_STRING, _INTEGER, _NUMBER, _BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
_NULLABLE_NUMBER, _NULLABLE_STRING = {"type": ["number", "null"]}, {"type": ["string", "null"]}
_MODE = {"type": "string", "description": "full: every household row; sample: a seeded sample of rows; hidden: none "
                                          "(the caller's role decides)"}
_HOUSEHOLD_ROW = _object(["household_id", "head_name"], {"household_id": _STRING, "head_name": _STRING},
                         description="姓名已脱敏 / the head's name masked")

_SCHEMAS = {
    "Error": _object(["error"], {"error": _object(["status", "message"], {
        "status": _INTEGER, "message": {"type": "string", "description": "中文 / English"}})}),
    "RegionRef": _object(["code", "name"], {"code": _STRING, "name": _STRING, "level": _STRING}),
    "Region": _object(["code", "name", "level"], {
        "code": _STRING, "name": _STRING, "level": _STRING, "parent_code": _NULLABLE_STRING,
        "ancestors": {"type": "object", "additionalProperties": _STRING},
        "layers": {"type": "array", "items": _STRING}, "national_key_county": _BOOLEAN,
        "provincial_key_county": _BOOLEAN, "former_poverty_county": _BOOLEAN, "illustrative": _BOOLEAN,
        "urban_rural": {"type": ["string", "null"], "description": "城乡分类代码 (111 … 220) / urban-rural code"}}),
    "Regions": _object(["count", "regions"], {"count": _INTEGER,
                                              "regions": {"type": "array", "items": _ref("Region")}}),
    "Profile": {"allOf": [_ref("Region"), _object(["lineage", "key_figures"], {
        "lineage": {"type": "array", "items": _ref("RegionRef")},
        "key_figures": {"type": "array", "items": _object(["metric", "value"], {
            "metric": _STRING, "period": _NULLABLE_STRING, "value": _NULLABLE_NUMBER,
            "previous_period": _NULLABLE_STRING, "previous": _NULLABLE_NUMBER, "change": _NULLABLE_NUMBER,
            "target": _NULLABLE_NUMBER})}})]},
    "Metric": _object(["code", "zh", "en", "theme", "kind", "unit", "grain"], {
        "code": _STRING, "zh": _STRING, "en": _STRING, "theme": {"type": "string", "enum": list(metrics.THEMES)},
        "kind": _STRING, "unit": _STRING, "grain": {"type": "string", "enum": ["month", "year"]},
        "numerator": {"type": "array", "items": _STRING}, "denominator": {"type": "array", "items": _STRING},
        "target": _NULLABLE_NUMBER}),
    "Catalog": _object(["count", "themes", "periods", "metrics"], {
        "count": _INTEGER,
        "themes": {"type": "object", "additionalProperties": _object(["zh", "en"], {"zh": _STRING, "en": _STRING})},
        "periods": _object(["month", "year"], {"month": {"type": "array", "items": _STRING},
                                               "year": {"type": "array", "items": _STRING}}),
        "metrics": {"type": "array", "items": _ref("Metric")}}),
    "Value": _object(["code", "name", "value"], {
        "code": _STRING, "name": _STRING, "level": _STRING, "value": _NULLABLE_NUMBER,
        "numerator": _NULLABLE_NUMBER, "denominator": _NULLABLE_NUMBER, "previous": _NULLABLE_NUMBER,
        "change": _NULLABLE_NUMBER, "rank": {"type": "integer", "minimum": 1, "description": "1 = the largest value"}}),
    "Values": _object(["metric", "period", "values"], {
        "metric": _ref("Metric"), "period": _STRING, "previous_period": _NULLABLE_STRING,
        "level": _NULLABLE_STRING, "parent": {"oneOf": [_ref("RegionRef"), {"type": "null"}]},
        "count": _INTEGER, "with_data": _INTEGER, "values": {"type": "array", "items": _ref("Value")}}),
    "Series": _object(["metric", "region", "series"], {
        "metric": _ref("Metric"), "region": _ref("RegionRef"),
        "series": {"type": "array", "items": _object(["period", "value"], {
            "period": _STRING, "value": _NULLABLE_NUMBER, "numerator": _NULLABLE_NUMBER,
            "denominator": _NULLABLE_NUMBER})}}),
    "Warnings": _object(["region", "period", "min_score", "scored_households", "count", "new", "mode", "households",
                         "by_village"], {
        "region": _ref("RegionRef"), "period": _STRING, "min_score": _NUMBER, "scored_households": _INTEGER,
        "count": _INTEGER, "new": _INTEGER, "mode": _MODE,
        "households": {"type": "array", "items": {"allOf": [_HOUSEHOLD_ROW, _object(["score", "risk_types"], {
            "village_code": _STRING, "score": _NUMBER, "previous_score": _NULLABLE_NUMBER, "new": _BOOLEAN,
            "category": {"type": "string", "enum": list(metrics.CATEGORIES)},
            "risk_types": {"type": "array", "items": {"type": "string", "enum": list(WARNING_RISK_TYPES)}},
            "drivers": {"type": "array", "items": {"type": "object"}}})]}},
        "by_village": {"type": "object", "additionalProperties": _INTEGER}}),
    "Board": _object(["region", "as_of", "targets", "cases", "overdue", "townships", "heat", "mode", "overdue_cases"], {
        "region": _ref("RegionRef"), "as_of": {"type": "string", "format": "date"},
        "targets": _object(["identification_days", "measure_days"], {"identification_days": _INTEGER,
                                                                     "measure_days": _INTEGER}),
        "cases": _INTEGER, "overdue": _INTEGER, "townships": {"type": "array", "items": {"type": "object"}},
        "heat": {"type": "array", "items": {"type": "object"}}, "mode": _MODE,
        "overdue_cases": {"type": "array", "items": _HOUSEHOLD_ROW}}),
    "Checks": _object(["region", "mode", "cases_with_measures", "mismatched", "eliminated", "exit_flagged",
                       "mismatches", "exits"], {
        "region": _ref("RegionRef"), "mode": _MODE, "cases_with_measures": _INTEGER, "mismatched": _INTEGER,
        "eliminated": _INTEGER, "exit_flagged": _INTEGER, "mismatches": {"type": "array", "items": _HOUSEHOLD_ROW},
        "exits": {"type": "array", "items": _HOUSEHOLD_ROW}}),
    "WhatIf": _object(["region", "year", "threshold", "stored_threshold", "households", "people", "households_now",
                       "people_now", "children"], {
        "region": _ref("RegionRef"), "year": _INTEGER, "threshold": _NUMBER, "stored_threshold": _NULLABLE_NUMBER,
        "households_with_income": _INTEGER, "households": _INTEGER, "people": _INTEGER, "households_now": _INTEGER,
        "people_now": _INTEGER, "children": {"type": "array", "items": _object(["code", "households", "people"], {
            "code": _STRING, "name": _STRING, "households": _INTEGER, "people": _INTEGER,
            "households_now": _INTEGER, "people_now": _INTEGER})}}),
    "Sample": _object(["region", "size", "seed", "mode", "population", "design", "strata", "households"], {
        "region": _ref("RegionRef"), "size": _INTEGER, "seed": _INTEGER, "mode": _MODE, "population": _INTEGER,
        "design": _object(["method", "asked", "capped", "values", "text"], {
            "method": {"type": "string", "enum": ["stratified", "pps"],
                       "description": "stratified: every stratum at least one household; pps: strata drawn with "
                                      "probability proportional to size, then households inside them"},
            "asked": _INTEGER, "capped": _BOOLEAN, "values": {"type": "object"},
            "text": _object(["zh", "en"], {"zh": _STRING, "en": _STRING}),
            "notice": {"type": ["object", "null"]}}),
        "strata": {"type": "array", "items": _object(
            ["population", "sampled", "stratum_probability", "probability", "weight"], {
                "population": _INTEGER, "sampled": _INTEGER, "stratum_probability": _NUMBER,
                "probability": {"type": "number", "description": "每户入样概率 / each household's inclusion "
                                                                 "probability"},
                "weight": _NULLABLE_NUMBER})},
        "households": {"type": "array", "items": _HOUSEHOLD_ROW}}),
}

_DESCRIPTION = (
    "Regions, the metric catalog, the metric cube (region × period × metric) and monitoring. Every answer is "
    "limited to the caller's scope. Sign in with the session cookie of the web app, or send an API token "
    "(`python -m dashboard users token NAME`) as `Authorization: Bearer npa_…`. Parameters: an unknown, "
    "repeated or empty one is refused with 400 (leave an optional parameter out instead of sending it "
    f"empty); a query string over {QUERY_LIMIT} bytes gets 414 (the server in front, gunicorn, refuses "
    "request lines over 4,094 bytes with its own 414). Errors are JSON: {\"error\": {\"status\", \"message\"}}, "
    "the message in Chinese and English.")

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "常态化精准帮扶监测分析平台 API", "version": "1", "description": _DESCRIPTION},
    "security": [{"session": []}, {"bearerToken": []}],
    "paths": {
        "/api/v1/regions": _get(
            "区划列表 / regions on a level or under a parent (give level, parent or both)",
            [_query("level", _LEVEL), _query("parent", _CODE)], _json("regions", "Regions"), _SCOPED),
        "/api/v1/regions/{code}": _get(
            "区划画像 / one region: flags, lineage and key figures",
            [_path("code", _CODE)], _json("the region", "Profile"), _SCOPED),
        "/api/v1/metrics": _get(
            "指标目录 / the metric catalog and the periods with data",
            [_query("theme", {"type": "string", "enum": list(metrics.THEMES)})], _json("the catalog", "Catalog"),
            _SIGNED_IN),
        "/api/v1/values": _get(
            "指标分布 / a metric over the children of a region, ranked, with the change on the previous period",
            [_query("metric", _METRIC, required=True), _query("level", _LEVEL), _query("parent", _CODE),
             _query("period", _PERIOD), _query("format", {"type": "string", "enum": list(FORMATS), "default": "json"},
                                               description="csv: UTF-8 with BOM, opens in Excel")],
            _with_files(_json("values", "Values"), "format=csv: text/csv", "text/csv"), _SCOPED),
        "/api/v1/series": _get(
            "时间序列 / a metric for one region over time (the whole country without region)",
            [_query("metric", _METRIC, required=True), _query("region", _CODE),
             _query("format", {"type": "string", "enum": list(FORMATS), "default": "json"},
                    description="csv: UTF-8 with BOM, opens in Excel")],
            _with_files(_json("series", "Series"), "format=csv: text/csv", "text/csv"), _SCOPED),
        "/api/v1/openapi.json": {"get": {
            "summary": "本说明 / this description", "security": [], "parameters": [],
            "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {
                "schema": {"type": "object", "required": ["openapi", "paths"]}}}}, **_errors(400, 414)}}},
        "/api/v1/templates/{table}.xlsx": _get(
            "导入模板 / an empty XLSX template of an interchange table",
            [_path("table", {"type": "string", "enum": list(contract.INTERCHANGE)})],
            {"description": "XLSX (Content-Disposition: attachment)", "headers": _ATTACHMENT,
             "content": {XLSX: _file(XLSX)}},
            (400, 401, 404, 414, 503)),
        "/api/v1/monitoring/warnings": _get(
            "风险预警名单 / households not under monitoring scoring at least min_score, with drivers (masked)",
            [_query("region", _CODE, required=True),
             _query("min_score", {"type": "number", "minimum": 0, "maximum": 100, "default": WARNING_CUT}),
             _query("period", _MONTH),
             _query("risk_type", {"type": "string", "enum": list(WARNING_RISK_TYPES)}),
             _query("category", {"type": "string", "enum": list(metrics.CATEGORIES)}),
             _query("township", {**_CODE, "examples": ["522728101", "522728101000"]},
                    description="区域内的乡镇 / a township of the region")],
            _json("warnings", "Warnings"), _SCOPED),
        "/api/v1/monitoring/board": _get(
            "识别到帮扶进度 / per-township days and overdue cases",
            [_query("region", _CODE, required=True)], _json("board", "Board"), _SCOPED),
        "/api/v1/monitoring/checks": _get(
            "措施匹配与风险消除核查 / measure mismatches and exits to review",
            [_query("region", _CODE, required=True)], _json("checks", "Checks"), _SCOPED),
        "/api/v1/monitoring/whatif": _get(
            "监测线测算 / households and people under a hypothetical threshold (nothing stored)",
            [_query("region", _CODE, required=True),
             _query("threshold", {"type": "number", "minimum": WHATIF_RANGE[0], "maximum": WHATIF_RANGE[1]},
                    required=True, description="元/人·年 / yuan per person and year"),
             _query("year", {"type": "integer"}, description="有收入数据的年份；缺省为最新 / a year with income data; "
                                                             "latest when omitted")],
            _json("what-if", "WhatIf"), _SCOPED),
        "/api/v1/monitoring/sample": _get(
            "入户核查抽样 / a seeded sample stratified by township and category (strata drawn with probability "
            "proportional to size when the size is below the number of strata; the design in the answer)",
            [_query("region", _CODE, required=True),
             _query("size", {"type": "integer", "minimum": 1, "maximum": SAMPLE_MAX},
                    description=f"任意户数（≥1）；超过总体时抽取全部；缺省 {SAMPLE_DEFAULT} 或每层 1 户 / any size "
                                f"from 1; above the population all of it; default {SAMPLE_DEFAULT} or one per stratum"),
             _query("seed", {"type": "integer", "minimum": 0, "maximum": SEED_LIMIT - 1, "default": 1}),
             _query("format", {"type": "string", "enum": list(SAMPLE_FORMATS), "default": "json"}),
             _query("lang", {"type": "string", "enum": list(LANGUAGES), "default": LANGUAGES[0]},
                    description="清单的语言（JSON 两种语言皆有）/ the checklist's language (the JSON carries both)")],
            _with_files(_json("the sample", "Sample"), "format=xlsx or pdf: the checklist to print", XLSX,
                        "application/pdf"), _SCOPED),
    },
    "components": {
        "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "session",
                        "description": "网页登录后的会话 / the web app's session cookie, after signing in at /login"},
            "bearerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "npa_…",
                            "description": "API 令牌 / an API token: python -m dashboard users token NAME"},
        },
        "schemas": _SCHEMAS,
    },
}


# -- the month in sentences (data/read/brief.py; issue 17 part 8) ------------------------------------------
_SCHEMAS["Brief"] = _object(["region", "period", "lang", "has_data", "rules", "sentences"], {
    "region": _ref("RegionRef"), "period": {"type": "string", "description": "YYYY-MM（无数据时为“—”） / the month"},
    "previous_period": _NULLABLE_STRING, "same_month_last_year": _NULLABLE_STRING,
    "lang": {"type": "string", "enum": list(LANGUAGES)}, "has_data": _BOOLEAN,
    "rules": _object(["largest", "unusual"], {"largest": _STRING, "unusual": _STRING},
                     description="变化最大与同类比较的规则 / how the largest change and the peers' ends are chosen"),
    "sentences": {"type": "array", "items": _object(["kind", "text", "metric", "numbers", "links"], {
        "kind": {"type": "string", "enum": list(month_brief.KINDS)}, "text": _STRING,
        "metric": {"type": ["string", "null"], "enum": [*metrics.CATALOG, None]},
        "numbers": {"type": "array", "items": _object(["name", "value", "text"], {
            "name": {"type": "string", "enum": list(month_brief.NUMBERS)}, "value": _NUMBER,
            "text": {"type": "string", "description": "as written in the sentence, with the metric's unit"},
            "metric": _NULLABLE_STRING, "region": _NULLABLE_STRING, "period": _NULLABLE_STRING})},
        "links": {"type": "array", "items": _object(["kind", "url"], {
            "kind": {"type": "string", "enum": list(month_brief.LINKS)},
            "url": {"type": "string", "pattern": "^/", "description": "a page of the app"}})},
        "peers": {"type": "array", "items": _STRING, "description": "the peers with figures (peer sentences)"}})}})
SPEC["paths"]["/api/v1/brief"] = _get(
    "本月要点 / the month in sentences: changes on last month and on the same month last year, the largest "
    "change, the ends among the peers, overdue cases; each sentence with its numbers and links",
    [_query("region", _CODE, required=True), _query("period", _MONTH),
     _query("lang", {"type": "string", "enum": list(LANGUAGES), "default": LANGUAGES[0]})],
    _json("the brief", "Brief"), _SCOPED)
from dashboard import collaboration_api as _collaboration  # noqa: E402 (issue 18: East–West collaboration)
SPEC["paths"].update(_collaboration.openapi_paths(_SCHEMAS))
from dashboard import assessment_spec as _assessment  # noqa: E402 (issue 19: the assessment workbench)
SPEC["paths"].update(_assessment.paths(_SCHEMAS))
