"""Assessment storage (issue 19): saved versions of indicator schemes and frozen assessment runs.

* **Schemes** (table ``assessment_schemes``): administrators and evaluators save a new version of a scheme
  (a shipped one — version 1 of its id, data/definitions/schemes/*.json — or one of their own); a saved
  version is never changed, the next save of the id is the next version.
* **Runs** (table ``assessment_runs``): a published assessment stores what it rests on and what it shows —
  the scheme document and version, the data, records and cube versions, the indicator inputs, the classes
  and the scores by county and dimension — as one JSON document with its SHA-256. Reading a run returns
  exactly that document (the digest is checked), whatever was imported or rebuilt since; a caller sees the
  rows of the counties whose figures they may read (``access.figures``).

Computing and comparing runs is data/compute/assessment.py (``run_content``, ``compare_runs``).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

import sqlalchemy as sa

from data.definitions import schemes
from data.definitions.access import Access, NotAllowed, check
from data.definitions.schemes import Scheme, SchemeNotFound
from data.store.schema import assessment_runs, assessment_schemes
from data.store.storage import NotFound, writing

SAVERS = ("admin", "evaluator")  # roles that save scheme versions and runs
_ATTEMPTS = 3
_ROW_PARTS = ("counties", "dimensions", "indicators", "inputs")  # lists of rows, each with a county


def _require_saver(access: Access, action: str) -> None:
    if check(access).role.code not in SAVERS:
        raise NotAllowed(action)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


# -- schemes -------------------------------------------------------------------------------------------------
def _stored_versions(connection, scheme_id: str) -> list[int]:
    return list(connection.execute(sa.select(assessment_schemes.c.version).where(
        assessment_schemes.c.scheme_id == scheme_id).order_by(assessment_schemes.c.version)).scalars())


def save_scheme(engine, access: Access, document: dict) -> Scheme:
    """Validate ``document`` and save it as the next version of its id (administrators and evaluators):
    the version written in it is replaced by the next free one. :class:`schemes.SchemeInvalid` if invalid."""
    _require_saver(access, "save an indicator scheme")
    scheme_id = document.get("id") if isinstance(document, dict) else None
    schemes.validate({**document, "version": 1})  # every problem first, whatever version it states
    for attempt in range(_ATTEMPTS):
        try:
            with writing(engine) as connection:
                known = _stored_versions(connection, scheme_id)
                base = [1] if scheme_id in schemes.SHIPPED else []
                version = max(known + base, default=0) + 1
                scheme = schemes.validate({**document, "version": version})
                connection.execute(assessment_schemes.insert().values(
                    scheme_id=scheme.id, version=scheme.version,
                    document=json.dumps(scheme.to_dict(), ensure_ascii=False, sort_keys=True),
                    saved_by=access.user or "?", saved_at=_now()))
                return scheme
        except sa.exc.IntegrityError:  # another save took the version meanwhile
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def get_scheme(engine, access: Access, scheme_id: str, version: int | None = None) -> Scheme:
    """A scheme version (the latest if None): a saved one, or the shipped version 1; SchemeNotFound."""
    check(access)
    with engine.connect() as connection:
        query = sa.select(assessment_schemes.c.document).where(assessment_schemes.c.scheme_id == scheme_id)
        if version is not None:
            query = query.where(assessment_schemes.c.version == int(version))
        document = connection.execute(query.order_by(assessment_schemes.c.version.desc()).limit(1)).scalar()
    if document is not None:
        return schemes.validate(json.loads(document))
    if scheme_id in schemes.SHIPPED and version in (None, 1):
        return schemes.get_shipped(scheme_id)
    raise SchemeNotFound(scheme_id, version)


def scheme_versions(engine, access: Access, scheme_id: str) -> list[dict]:
    """Every version of a scheme, oldest first: id, version, titles, saved_by and saved_at (None: shipped)."""
    check(access)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(assessment_schemes).where(assessment_schemes.c.scheme_id == scheme_id)
                                  .order_by(assessment_schemes.c.version)).mappings().all()
    found = []
    if scheme_id in schemes.SHIPPED:
        shipped = schemes.get_shipped(scheme_id)
        found.append(_summary(shipped, None, None))
    for row in rows:
        found.append(_summary(schemes.validate(json.loads(row["document"])), row["saved_by"], row["saved_at"]))
    if not found:
        raise SchemeNotFound(scheme_id)
    return found


def list_schemes(engine, access: Access) -> list[dict]:
    """The latest version of every scheme (shipped first, then saved ids in order), as summaries."""
    check(access)
    with engine.connect() as connection:
        ids = list(connection.execute(sa.select(assessment_schemes.c.scheme_id).distinct()).scalars())
    return [scheme_versions(engine, access, scheme_id)[-1]
            for scheme_id in list(schemes.SHIPPED) + sorted(set(ids) - set(schemes.SHIPPED))]


def _summary(scheme: Scheme, saved_by, saved_at) -> dict:
    return {"id": scheme.id, "version": scheme.version, "title_zh": scheme.title_zh, "title_en": scheme.title_en,
            "shipped": saved_by is None, "saved_by": saved_by,
            "saved_at": saved_at.isoformat(timespec="seconds") if saved_at else None}


# -- runs ------------------------------------------------------------------------------------------------------
def save_run(engine, access: Access, scheme: Scheme, versions: dict, content: dict, label: str = "") -> int:
    """Freeze a run (administrators and evaluators): ``content`` as data/compute/assessment.run_content
    makes it (year, counties, dimensions, indicators, inputs, classes, rules), ``versions`` the data,
    records and cube versions it was computed from. Its id."""
    _require_saver(access, "save an assessment run")
    document = {**content, "scheme": scheme.to_dict(), "versions": dict(versions)}
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, allow_nan=False)
    with writing(engine) as connection:
        return connection.execute(assessment_runs.insert().values(
            label=(label or "")[:200], scheme_id=scheme.id, scheme_version=scheme.version, year=str(content["year"]),
            data_version=versions.get("data_version"), records_version=versions.get("records_version"),
            cube_version=versions.get("cube_version"), saved_by=access.user or "?", saved_at=_now(),
            content=text, digest=hashlib.sha256(text.encode()).hexdigest())).inserted_primary_key[0]


class RunCorrupted(RuntimeError):
    """A stored run whose content no longer matches its digest."""


def get_run(engine, access: Access, run_id: int) -> dict:
    """A frozen run as stored: id, label, saved_by, saved_at, digest and its document (scheme, versions,
    year, counties, dimensions, indicators, inputs, classes, rules), the rows limited to the counties whose
    figures the caller may read (``partial`` says whether any were left out). NotFound if there is none."""
    figures = check(access).figures
    with engine.connect() as connection:
        row = connection.execute(sa.select(assessment_runs).where(assessment_runs.c.id == int(run_id))).mappings().first()
    if row is None:
        raise NotFound(f"没有这个评估结果 / no such assessment run: {run_id}")
    if hashlib.sha256(row["content"].encode()).hexdigest() != row["digest"]:
        raise RunCorrupted(f"评估结果 {run_id} 已被改动 / assessment run {run_id} does not match its digest")
    document = json.loads(row["content"])
    partial = False
    if not figures.everything:
        for part in _ROW_PARTS:
            kept = [r for r in document.get(part, []) if figures.allows_code(r["county"])]
            partial = partial or len(kept) != len(document.get(part, []))
            document[part] = kept
        document["classes"] = {c: k for c, k in document.get("classes", {}).items() if figures.allows_code(c)}
    return {"id": row["id"], "label": row["label"], "saved_by": row["saved_by"],
            "saved_at": row["saved_at"].isoformat(timespec="seconds"), "digest": row["digest"], "partial": partial,
            **document}


def list_runs(engine, access: Access, scheme_id: str | None = None) -> list[dict]:
    """The frozen runs, newest first: id, label, scheme id and version, year, versions, saved_by, saved_at."""
    check(access)
    query = sa.select(*[assessment_runs.c[c] for c in ("id", "label", "scheme_id", "scheme_version", "year",
                                                        "data_version", "records_version", "cube_version",
                                                        "saved_by", "saved_at", "digest")])
    if scheme_id is not None:
        query = query.where(assessment_runs.c.scheme_id == scheme_id)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(assessment_runs.c.id.desc())).mappings().all()
    return [{**row, "saved_at": row["saved_at"].isoformat(timespec="seconds")} for row in rows]
