"""The East–West collaboration and targeted-assistance API under ``/api/v1/collaboration/`` (issue 18), the
JSON twins of the ``/collaboration`` page, and the OpenAPI description of its paths.

``pairs`` (the pairings the caller is party to), ``partners`` (the eastern partners whose ledger she may
open), ``ledger?east=&year=`` (targets against results per western region and indicator, totals, the key
counties' share), ``trends?east=&indicator=``, ``ranking?east=&indicator=&year=&measure=&order=``,
``targeted?county=&year=`` (central units × counties), ``flows?west=&year=`` (where the workers went),
``outcomes?east=`` (paired counties against their peers, with the caveat); the tabular ones answer
``format=csv`` (UTF-8 with BOM, audited as an export). Every answer is read by data/read/collaboration.py for
the caller: another pair's ledger is refused with 403 and audited (``OtherPair``, dashboard/auth.py).

Parameters are checked against :func:`openapi_paths` (the description merged into dashboard/openapi.py's SPEC
by one line there) before a route runs: 400 with a message, never 500. This module imports nothing of
dashboard/openapi.py or dashboard/api.py at load time (openapi.py imports it while it is being built).
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from dashboard import auth
from dashboard.errors import api_error
from data.definitions import contract
from data.definitions.codes import InvalidCode
from data.definitions.metrics import UnknownMetric
from data.read import collaboration as collab
from data.read.cube import BadParameter, NotBuilt
from data.store.storage import InvalidLevel, NotFound, Storage

PREFIX = "/api/v1/collaboration"
FORMATS = ("json", "csv")
YEAR = {"type": "integer", "minimum": 2000, "maximum": 2100,
        "description": "年度；缺省为有数据的最近一年 / a year; the latest with rows when omitted"}


def _operation() -> dict:
    from dashboard.openapi import SPEC

    return SPEC["paths"][request.url_rule.rule.replace("<", "{").replace(">", "}")]["get"]


def _parameters() -> dict:
    from dashboard.api import parameters_of

    return parameters_of(_operation())


def _csv(storage: Storage, frame, name: str, region: str | None):
    from dashboard.api import _csv as csv_answer

    return csv_answer(storage, collab._records(frame), tuple(frame.columns), name, region)


def make_blueprint(storage: Storage) -> Blueprint:
    from dashboard.api import short_query

    blueprint = Blueprint("collaboration_api", __name__, url_prefix=PREFIX)
    for error, status in ((InvalidCode, 400), (InvalidLevel, 400), (BadParameter, 400), (UnknownMetric, 400),
                          (NotFound, 404), (NotBuilt, 503)):
        blueprint.register_error_handler(error, lambda e, status=status: api_error(status, str(e)))

    blueprint.before_request(short_query)

    @blueprint.get("/pairs")
    def pairs():
        args = _parameters()
        frame = collab.pairs(*auth.reading(storage))
        if args["format"] == "csv":
            return _csv(storage, frame, "collaboration-pairs", None)
        return jsonify({"count": len(frame), "pairs": collab._records(frame)})

    @blueprint.get("/partners")
    def partners():
        _parameters()
        frame = collab.partners(*auth.reading(storage))
        return jsonify({"count": len(frame), "partners": collab._records(frame)})

    @blueprint.get("/ledger")
    def ledger():
        args = _parameters()
        found = collab.ledger(*auth.reading(storage), args["east"], args["year"])
        if args["format"] == "csv":
            return _csv(storage, found.wide(), f"collaboration-ledger-{found.east['code'] or 'east'}-{found.year}",
                        found.east["code"])
        return jsonify(found.to_dict())

    @blueprint.get("/trends")
    def trends():
        args = _parameters()
        frame = collab.trends(*auth.reading(storage), args["east"], args["indicator"])
        if args["format"] == "csv":
            return _csv(storage, frame, f"collaboration-trends-{frame.attrs['east']['code']}-{args['indicator']}",
                        frame.attrs["east"]["code"])
        return jsonify({"east": frame.attrs["east"], "indicator": args["indicator"], "count": len(frame),
                        "points": collab._records(frame)})

    @blueprint.get("/ranking")
    def ranking():
        args = _parameters()
        frame = collab.ranking(*auth.reading(storage), args["east"], args["indicator"], args["year"],
                               args["measure"], args["order"])
        east = frame.attrs["east"]
        if args["format"] == "csv":
            return _csv(storage, frame, f"collaboration-ranking-{east['code']}-{args['indicator']}-{frame.attrs['year']}",
                        east["code"])
        return jsonify({"east": east, "year": frame.attrs["year"], "indicator": args["indicator"],
                        "measure": args["measure"], "order": args["order"], "count": len(frame),
                        "ranking": collab._records(frame)})

    @blueprint.get("/targeted")
    def targeted():
        args = _parameters()
        found = collab.targeted(*auth.reading(storage), args["county"], args["year"])
        if args["format"] == "csv":
            where = found.region["code"] if found.region else "all"
            return _csv(storage, found.wide(), f"targeted-assistance-{where}-{found.year}",
                        found.region["code"] if found.region else None)
        return jsonify(found.to_dict())

    @blueprint.get("/flows")
    def flows():
        args = _parameters()
        return jsonify(collab.flows(*auth.reading(storage), args["west"], args["year"]).to_dict())

    @blueprint.get("/outcomes")
    def outcomes():
        args = _parameters()
        return jsonify(collab.outcomes(*auth.reading(storage), args["east"]).to_dict())

    return blueprint


# -- the description (merged into dashboard/openapi.py's SPEC) -------------------------------------------
def openapi_paths(schemas: dict) -> dict:
    """The paths of ``/api/v1/collaboration/`` (adding their answer schemas to ``schemas``)."""
    from dashboard import openapi as o

    number, integer, string, boolean = o._NULLABLE_NUMBER, o._INTEGER, o._STRING, o._BOOLEAN
    nullable_int, nullable_string = {"type": ["integer", "null"]}, o._NULLABLE_STRING
    east_ref = o._object(["code", "name"], {"code": nullable_string, "name": string, "level": nullable_string,
                                            "east_region": string})
    measures = o._object(list(collab.MEASURES), {
        **{m: number for m in collab.MEASURES if m != "under_target"}, "under_target": boolean})
    targeted_measures = o._object(list(collab.TARGETED_MEASURES), {m: number for m in collab.TARGETED_MEASURES})
    indicator = {"type": "string", "enum": list(collab.INDICATORS),
                 "description": "协作指标（东西部协作表的数量列） / a quantity of the collaboration table"}
    schemas.update({
        "CollaborationPairs": o._object(["count", "pairs"], {"count": integer, "pairs": {"type": "array", "items": o._object(
            ["kind", "west_code", "west_name"], {
                "kind": {"type": "string", "enum": list(contract.PAIRING_KINDS)}, "east_region": string,
                "east_code": nullable_string, "east_name": nullable_string, "unit": string, "west_code": string,
                "west_name": string, "west_level": string, "start_year": nullable_int, "end_year": nullable_int,
                "note": nullable_string, "illustrative": boolean})}}),
        "CollaborationPartners": o._object(["count", "partners"], {"count": integer, "partners": {
            "type": "array", "items": o._object(["east_name", "regions", "years"], {
                "east_code": nullable_string, "east_name": string, "east_region": string, "regions": integer,
                "years": {"type": "array", "items": integer}, "latest": nullable_int})}}),
        "CollaborationLedger": o._object(["east", "year", "years", "indicators", "count", "regions", "totals",
                                          "key_share"], {
            "east": east_ref, "year": nullable_int, "years": {"type": "array", "items": integer},
            "months": {"type": ["integer", "null"], "description": "当年已过月数（目标按月折算） / months of the year "
                                                                     "under way (targets pro-rated)"},
            "indicators": {"type": "array", "items": o._object(["code", "money"], {
                "code": indicator, "money": boolean, "unit": nullable_string})},
            "count": integer,
            "regions": {"type": "array", "items": o._object(["west_code", "west_name", "indicators"], {
                "west_code": string, "west_name": string, "west_level": string, "national_key": boolean,
                "start_year": nullable_int, "indicators": {"type": "object", "additionalProperties": measures}})},
            "totals": {"type": "object", "additionalProperties": measures},
            "key_share": o._object(["tilt", "indicators"], {
                "tilt": o._NUMBER, "indicators": {"type": "object", "additionalProperties": o._object(
                    ["share", "required", "below"], {"key_result": number, "result": number, "share": number,
                                                     "required": number, "below": boolean})}},
                description="流向国家乡村振兴重点帮扶县的占比与倾斜要求 / the share to national key counties against "
                            "the tilt (tilt × their share of the regions)")}),
        "CollaborationTrends": o._object(["east", "indicator", "count", "points"], {
            "east": east_ref, "indicator": indicator, "count": integer,
            "points": {"type": "array", "items": o._object(["west_code", "year"], {
                "west_code": string, "west_name": string, "year": integer, "target": number, "result": number,
                "completion": number})}}),
        "CollaborationRanking": o._object(["east", "year", "indicator", "measure", "order", "count", "ranking"], {
            "east": east_ref, "year": nullable_int, "indicator": indicator, "measure": string, "order": string,
            "count": integer, "ranking": {"type": "array", "items": o._object(["rank", "west_code", "value"], {
                "rank": nullable_int, "west_code": string, "west_name": string, "national_key": boolean,
                "value": number, "target": number, "result": number, "completion": number,
                "under_target": boolean})}}),
        "TargetedAssistance": o._object(["region", "year", "years", "quantities", "count", "rows", "totals"], {
            "region": {"oneOf": [o._ref("RegionRef"), {"type": "null"}]}, "year": nullable_int,
            "years": {"type": "array", "items": integer}, "months": nullable_int,
            "quantities": {"type": "array", "items": {"type": "string", "enum": list(collab.TARGETED)}},
            "count": integer, "rows": {"type": "array", "items": o._object(["unit", "county_code", "quantities"], {
                "unit": string, "county_code": string, "county_name": string, "national_key": boolean,
                "start_year": nullable_int, "illustrative": boolean,
                "quantities": {"type": "object", "additionalProperties": targeted_measures}})},
            "totals": {"type": "object", "additionalProperties": targeted_measures}}),
        "CollaborationFlows": o._object(["west", "year", "months", "employment", "reported"], {
            "west": o._ref("RegionRef"), "year": nullable_int, "months": {"type": "array", "items": string},
            "employment": {"type": "array", "items": o._object(["west_code", "destination", "people"], {
                "west_code": string, "west_name": string,
                "destination": {"type": "string", "enum": list(collab.DESTINATIONS)},
                "destination_code": nullable_string, "destination_name": nullable_string,
                "people": {"type": "number", "description": "月均务工人数 / labourers employed, monthly average"},
                "months": integer})},
            "reported": {"type": "array", "items": o._object(["west_code", "destination", "people"], {
                "west_code": string, "west_name": string, "east_code": nullable_string, "east_name": string,
                "destination": {"type": "string", "enum": list(collab.REPORTED)}, "people": integer})}}),
        "CollaborationOutcomes": o._object(["east", "start_year", "paired", "peers", "peer_rule", "caveat", "metrics",
                                            "comparison", "series", "summary"], {
            "east": east_ref, "start_year": nullable_int, "paired": {"type": "array", "items": string},
            "peers": {"type": "array", "items": string},
            "peer_rule": {"type": "string", "enum": list(collab.PEER_RULES)},
            "caveat": {"type": "string", "description": "说明文字的键（比较而非因果估计） / the key of the caveat text"},
            "metrics": {"type": "array", "items": string},
            "comparison": {"type": "string", "enum": list(collab.COMPARISONS), "description":
                           "before_after：结对起始年度在数据期内，比较结对前后；since_data：结对早于数据起始，比较两组"
                           "自有数据的第一期到最新一期的变化及变化之差 / before_after: the start year lies inside "
                           "the data; since_data: the pair is older than the data, so each group's change from the "
                           "first period with data to the latest and the difference of the changes compare"},
            "data_start": nullable_string, "data_end": nullable_string,
            "series": {"type": "array", "items": o._object(["metric", "period", "group", "value"], {
                "metric": string, "period": string, "group": {"type": "string", "enum": ["paired", "peers"]},
                "value": number, "count": integer})},
            "summary": {"type": "array", "items": o._object(["metric", "group", "before", "after"], {
                "metric": string, "group": {"type": "string", "enum": ["paired", "peers"]}, "before": number,
                "after": number, "change": number, "before_periods": integer, "after_periods": integer,
                "basis": {"type": "string", "enum": ["before_after", "since_data"]}, "first": number,
                "latest": number, "first_period": nullable_string, "latest_period": nullable_string,
                "difference": number})}}),
    })
    form = o._query("format", {"type": "string", "enum": list(FORMATS), "default": "json"},
                    description="csv: UTF-8 with BOM, opens in Excel")
    east = o._query("east", {**o._CODE, "examples": ["44", "440000000000"]}, required=True,
                    description="东部协作方的区划代码 / the eastern partner's region code")
    year = o._query("year", YEAR)

    def tabular(name: str, schema: str) -> dict:
        return o._with_files(o._json(name, schema), "format=csv: text/csv", "text/csv")

    return {
        f"{PREFIX}/pairs": o._get("结对关系 / the pairings the caller is party to (East–West and targeted)",
                                  [form], tabular("pairs", "CollaborationPairs"), o._SIGNED_IN),
        f"{PREFIX}/partners": o._get("可查看台账的东部协作方 / the eastern partners whose ledger the caller may open",
                                     [], o._json("partners", "CollaborationPartners"), o._SIGNED_IN),
        f"{PREFIX}/ledger": o._get(
            "协作台账 / a partner's ledger: per western region and indicator the target, result, completion, last "
            "year and change; totals; the share to national key counties; cells under target flagged",
            [east, year, form], tabular("the ledger", "CollaborationLedger"), o._SCOPED),
        f"{PREFIX}/trends": o._get(
            "指标趋势 / one indicator's yearly target and result for every western region (small multiples)",
            [east, o._query("indicator", indicator, required=True), form], tabular("trends", "CollaborationTrends"),
            o._SCOPED),
        f"{PREFIX}/ranking": o._get(
            "排名 / every western region ranked by one indicator (1 = best), best or worst first",
            [east, o._query("indicator", indicator, required=True), year,
             o._query("measure", {"type": "string", "enum": list(collab.RANKED_BY), "default": "completion"}),
             o._query("order", {"type": "string", "enum": list(collab.ORDERS), "default": "best"}), form],
            tabular("the ranking", "CollaborationRanking"), o._SCOPED),
        f"{PREFIX}/targeted": o._get(
            "定点帮扶台账 / central units × counties: each quantity, last year and the change",
            [o._query("county", o._CODE, description="县（或其上级：其下各县）；缺省为调用者的全部县 / a county, or a "
                                                     "prefecture/province (its counties); all of the caller's when "
                                                     "omitted"), year, form],
            tabular("targeted assistance", "TargetedAssistance"), o._SCOPED),
        f"{PREFIX}/flows": o._get(
            "劳务流向 / where the western counties' workers went: the paired east, their county, their province, "
            "elsewhere (employment figures), and the pair's reported workers helped",
            [o._query("west", o._CODE, required=True, description="西部地区（县、市或省） / a western county, "
                                                                   "prefecture or province"), year],
            o._json("flows", "CollaborationFlows"), o._SCOPED),
        f"{PREFIX}/outcomes": o._get(
            "成效对比 / paired counties against peers of the same province and tier, before and after the pair's "
            "start (a comparison, not a causal estimate)",
            [east], o._json("outcomes", "CollaborationOutcomes"), o._SCOPED),
    }
