"""The OpenAPI 3.1 description of ``/api/v1``, served at ``/api/v1/openapi.json``.

Written by hand next to the routes it describes (dashboard/api.py); tests/test_api.py checks that every
route is described and that the examples answer as documented.
"""
from __future__ import annotations

from data.definitions import metrics
from data.definitions.codes import LEVELS

_ERROR = {"description": "错误 / error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_CODE = {"type": "string", "pattern": "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$",
         "description": "区划代码：12位，或其有效前缀（2/4/6/9位） / a 12-digit code or its significant prefix"}
_PERIOD = {"type": "string", "pattern": "^[0-9]{4}(-(0[1-9]|1[0-2]))?$",
           "description": "YYYY-MM（按月指标）或 YYYY（按年指标）；缺省为最新 / YYYY-MM for monthly metrics, YYYY for "
                          "yearly ones; latest when omitted"}
_METRIC = {"type": "string", "enum": list(metrics.CATALOG), "description": "指标代码，见 /api/v1/metrics"}
_FORMAT = {"type": "string", "enum": ["json", "csv"], "default": "json",
           "description": "csv: UTF-8 with BOM, opens in Excel"}


def _query(name: str, schema: dict, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def _ok(description: str, schema: dict | None = None, csv: bool = False) -> dict:
    content = {"application/json": {"schema": schema or {"type": "object"}}}
    if csv:
        content["text/csv"] = {"schema": {"type": "string"}}
    return {"description": description, "content": content}


def _errors(*statuses: int) -> dict:
    return {str(status): _ERROR for status in statuses}


SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "常态化精准帮扶监测分析平台 API", "version": "1",
             "description": "Regions, the metric catalog and the metric cube (region × period × metric). "
                            "Every answer is limited to the caller's scope. Errors are JSON: "
                            "{\"error\": {\"status\", \"message\"}} in Chinese and English."},
    "paths": {
        "/api/v1/regions": {"get": {
            "summary": "区划列表 / regions on a level or under a parent",
            "parameters": [_query("level", {"type": "string", "enum": list(LEVELS)}), _query("parent", _CODE)],
            "responses": {"200": _ok("regions"), **_errors(400, 404)}}},
        "/api/v1/regions/{code}": {"get": {
            "summary": "区划画像 / one region: flags, lineage and key figures",
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": _CODE}],
            "responses": {"200": _ok("the region"), **_errors(400, 404)}}},
        "/api/v1/metrics": {"get": {
            "summary": "指标目录 / the metric catalog and the periods with data",
            "parameters": [_query("theme", {"type": "string", "enum": list(metrics.THEMES)})],
            "responses": {"200": _ok("the catalog"), **_errors(400)}}},
        "/api/v1/values": {"get": {
            "summary": "指标分布 / a metric over the children of a region, ranked, with the change on the "
                       "previous period",
            "parameters": [_query("metric", _METRIC, required=True),
                           _query("level", {"type": "string", "enum": list(LEVELS)}), _query("parent", _CODE),
                           _query("period", _PERIOD), _query("format", _FORMAT)],
            "responses": {"200": _ok("values", {"$ref": "#/components/schemas/Values"}, csv=True),
                          **_errors(400, 404, 503)}}},
        "/api/v1/series": {"get": {
            "summary": "时间序列 / a metric for one region over time (the whole country without region)",
            "parameters": [_query("metric", _METRIC, required=True), _query("region", _CODE),
                           _query("format", _FORMAT)],
            "responses": {"200": _ok("series", {"$ref": "#/components/schemas/Series"}, csv=True),
                          **_errors(400, 404, 503)}}},
        "/api/v1/openapi.json": {"get": {
            "summary": "本说明 / this description", "responses": {"200": _ok("OpenAPI 3.1")}}},
        "/api/v1/templates/{table}.xlsx": {"get": {
            "summary": "导入模板 / an empty XLSX template of an interchange table",
            "parameters": [{"name": "table", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "XLSX"}, **_errors(404)}}},
        "/api/v1/monitoring/warnings": {"get": {
            "summary": "风险预警名单 / households not under monitoring scoring at least min_score, with drivers (masked)",
            "parameters": [_query("region", _CODE, required=True),
                           _query("min_score", {"type": "number", "minimum": 0, "maximum": 100, "default": 50}),
                           _query("period", _PERIOD), _query("risk_type", {"type": "string"}),
                           _query("category", {"type": "string"}), _query("township", _CODE)],
            "responses": {"200": _ok("warnings"), **_errors(400, 403, 404)}}},
        "/api/v1/monitoring/board": {"get": {
            "summary": "识别到帮扶进度 / per-township days and overdue cases",
            "parameters": [_query("region", _CODE, required=True)],
            "responses": {"200": _ok("board"), **_errors(400, 403, 404)}}},
        "/api/v1/monitoring/checks": {"get": {
            "summary": "措施匹配与风险消除核查 / measure mismatches and exits to review",
            "parameters": [_query("region", _CODE, required=True)],
            "responses": {"200": _ok("checks"), **_errors(400, 403, 404)}}},
        "/api/v1/monitoring/whatif": {"get": {
            "summary": "监测线测算 / households and people under a hypothetical threshold (nothing stored)",
            "parameters": [_query("region", _CODE, required=True),
                           _query("threshold", {"type": "number", "minimum": 1000, "maximum": 50000}, required=True),
                           _query("year", {"type": "integer"})],
            "responses": {"200": _ok("what-if"), **_errors(400, 403, 404)}}},
        "/api/v1/monitoring/sample": {"get": {
            "summary": "入户核查抽样 / a seeded sample stratified by township and category",
            "parameters": [_query("region", _CODE, required=True), _query("size", {"type": "integer", "minimum": 1}),
                           _query("seed", {"type": "integer", "minimum": 0}),
                           _query("format", {"type": "string", "enum": ["json", "xlsx", "pdf"]})],
            "responses": {"200": _ok("the sample"), **_errors(400, 403, 404, 503)}}},
    },
    "components": {"schemas": {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["status", "message"],
            "properties": {"status": {"type": "integer"}, "message": {"type": "string"}}}}},
        "Value": {"type": "object", "required": ["code", "name", "value"], "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}, "level": {"type": "string"},
            "value": {"type": ["number", "null"]}, "numerator": {"type": ["number", "null"]},
            "denominator": {"type": ["number", "null"]}, "previous": {"type": ["number", "null"]},
            "change": {"type": ["number", "null"]}, "rank": {"type": "integer",
                                                             "description": "1 = the largest value"}}},
        "Values": {"type": "object", "required": ["metric", "period", "values"], "properties": {
            "metric": {"type": "object"}, "period": {"type": "string"}, "previous_period": {"type": ["string", "null"]},
            "level": {"type": ["string", "null"]}, "parent": {"type": ["object", "null"]},
            "count": {"type": "integer"}, "with_data": {"type": "integer"},
            "values": {"type": "array", "items": {"$ref": "#/components/schemas/Value"}}}},
        "Series": {"type": "object", "required": ["metric", "region", "series"], "properties": {
            "metric": {"type": "object"}, "region": {"type": "object"},
            "series": {"type": "array", "items": {"type": "object", "properties": {
                "period": {"type": "string"}, "value": {"type": ["number", "null"]}}}}}},
    }},
}
