"""Property-based fuzzing of /api/v1 against its own description (schemathesis, through the WSGI app).

Every operation of /api/v1/openapi.json gets generated requests — values the description allows
(positive) and values it rules out (negative), in schemathesis' examples, coverage and fuzzing phases —
sent as an administrator (API token) and as a county user (session cookie). Every answer must be no
server error, a documented status with a documented content type and, for JSON, a body matching its
schema; a request the description rules out must be refused (4xx). The seed is fixed, so a failure
comes back on the next run; the number of generated requests per operation is bounded (EXAMPLES).

The PDF renderer is replaced by a stub here (it takes seconds per file, and is tested with the sample in
tests/test_monitoring.py): what is fuzzed is the route — parameters, status, content type, headers.
"""
from __future__ import annotations

import json

from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from dashboard.openapi import SPEC
from data.ingest import checklist
from data.store import accounts
from tests.conftest import sign_in

EXAMPLES = 25  # generated requests per operation and mode in the fuzzing phase (examples and coverage add theirs)
CONFIG = schemathesis.Config.from_dict({
    "seed": 15,
    "generation": {"mode": "all", "max-examples": EXAMPLES, "with-security-parameters": False},
    "phases": {"stateful": {"enabled": False}},
    # what the app refuses a request with (a long query string: 414, see dashboard/openapi.py QUERY_LIMIT)
    "checks": {"negative_data_rejection": {"expected-statuses": ["400", "401", "403", "404", "405", "414"]}},
})


@schemathesis.check
def refuses_a_value_ruled_out(ctx, response, case):
    """A coverage case that varies one query parameter to a value the description rules out (or repeats
    it) must be refused with 4xx. (schemathesis 4.32's negative_data_rejection excuses such a case whenever
    another query parameter is valid, so the varied parameter is judged here by the text actually sent.)"""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative or meta.phase.name != TestPhase.COVERAGE:
        return None
    name = getattr(meta.phase.data, "parameter", None)
    parameter = case.operation.query.get(name) if name else None
    sent = parse_qs(urlsplit(response.request.url).query, keep_blank_values=True).get(name) if parameter else None
    if sent is None:  # not a query parameter, or an optional one left out
        return None
    if len(sent) == 1 and parameter.get_validator().is_valid(_as_read(sent[0], parameter.definition["schema"])):
        return None
    assert 400 <= response.status_code < 500, (
        f"{name}={sent!r} is ruled out by the description, yet answered {response.status_code}")
    return None


def _as_read(text: str, schema: dict):
    """A query value as a number parameter reads it (a JSON number), else the text itself."""
    if schema.get("type") in ("integer", "number"):
        try:
            value = json.loads(text)
        except ValueError:
            return text
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else text
    return text


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection, refuses_a_value_ruled_out, unsupported_method]
# The test client would get gzip/brotli answers (flask-compress) that schemathesis' WSGI transport does not decode.
PLAIN = {"Accept-Encoding": "identity"}

schema = schemathesis.openapi.from_dict(SPEC, config=CONFIG)


@pytest.fixture(scope="module")
def callers(app):
    """How each caller signs in: the administrator with an API token, the county user with a session."""
    token = accounts.make_token(app.storage, "demo_admin", label="tests/test_api_fuzz.py")
    county = sign_in(app.server.test_client(), "demo_county")
    return {"admin": {"headers": {**PLAIN, "Authorization": f"Bearer {token}"}},
            "county": {"headers": PLAIN, "cookies": {"session": county.get_cookie("session").value}}}


@pytest.fixture(scope="module")
def quick_pdf():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checklist, "to_pdf", lambda sample, lang="zh": b"%PDF-1.4\n% stub\n%%EOF\n")
        yield


@schema.parametrize()
def test_every_answer_is_as_described(case, app, callers, quick_pdf):
    # The coverage phase walks each parameter through its bounds, its set and what it rules out: how a
    # parameter is checked is the same for every caller, so that phase is sent once, as the administrator.
    coverage = case.meta is not None and case.meta.phase.name == TestPhase.COVERAGE
    for name, caller in callers.items():
        if name == "admin" or not coverage:
            case.call_and_validate(app=app.server, checks=CHECKS, headers=caller["headers"],
                                   cookies=caller.get("cookies"))
