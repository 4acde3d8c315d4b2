"""The East–West collaboration page's entry points (issue 18): the page ``/collaboration`` registered with
Dash, the refusal of another pair's ledger on the page's own request, and the report for the leadership,
``GET /collaboration/report.pdf`` and ``/collaboration/report.xlsx`` (``?east=&year=&lang=``).

The page's partner is in its query string (``?east=``): a partner none of whose western regions is the
caller's is refused with 403 before the page is served — by the one handler of dashboard/auth.py, which
audits it — as the read service refuses it (data/read/collaboration.py, ``OtherPair``). The report is
assembled by layouts/collaboration_report.py and written by data/ingest/report.py; each is audited as an
export; unknown partner or year 404, a bad parameter 400.
"""
from __future__ import annotations

import io

import dash
from flask import Blueprint, abort, request, send_file
from flask_login import current_user

from dashboard import auth
from data.definitions import codes
from data.definitions.messages import language, t
from data.read import collaboration as collab
from data.read.cube import BadParameter, NotBuilt
from data.store.storage import NotFound, Storage
from layouts import collaboration_page, collaboration_report


def init(app: dash.Dash, storage: Storage, page) -> None:
    """Register the page (``page``: the app factory's wrapper giving a layout the request's snapshot and
    access), its guard and the report routes."""
    dash.register_page("collaboration", path=collaboration_page.PATH, name=t("collab_nav"),
                       layout=page(collaboration_page.layout))
    app.server.register_blueprint(make_blueprint(storage))


def _named(partners, east: str) -> bool:
    """Whether ``east`` (a code or a name, as the page's link carries it) is one of the caller's partners."""
    try:
        code = codes.normalize(east)
    except codes.InvalidCode:
        code = None
    return any(east in (row.east_code, row.east_region, row.east_name) or (code and code == row.east_code)
               for row in partners.itertuples(index=False))


def make_blueprint(storage: Storage) -> Blueprint:
    blueprint = Blueprint("collaboration", __name__)

    @blueprint.before_app_request
    def refuse_another_pair():
        """On the page's own request: another pair's ledger is refused (403, audited) before it is served."""
        if request.method != "GET" or request.path != collaboration_page.PATH or not current_user.is_authenticated:
            return None
        east = request.args.get("east")
        if not east:
            return None
        snapshot, access = auth.reading(storage)
        if _named(collab.partners(snapshot, access), east):
            return None
        try:
            collab.ledger(snapshot, access, east)  # OtherPair (403, audited by the handler) if it is another pair's
        except (NotFound, codes.InvalidCode, BadParameter):
            pass  # the page says so itself
        return None

    @blueprint.get(f"{collaboration_page.PATH}/report.<fmt>")
    def report(fmt: str):
        if fmt not in collaboration_report.FORMATS:
            abort(404)
        east = request.args.get("east") or None
        year = request.args.get("year") or None
        if year is not None and not (year.isdigit() and len(year) == 4):
            abort(400, description="year: YYYY")
        snapshot, access = auth.reading(storage)
        try:
            made, data = collaboration_report.render(snapshot, access, east, int(year) if year else None, fmt,
                                                     language(request.args.get("lang")))
        except (NotFound, codes.InvalidCode):
            abort(404)
        except BadParameter as error:
            abort(400, description=str(error))
        except NotBuilt:
            abort(503)
        name = collaboration_report.file_name(made, fmt)
        auth.record(storage, "export", region=made.region, detail=f"collaboration report {name}: {len(data)} bytes")
        response = send_file(io.BytesIO(data), mimetype=collaboration_report.FORMATS[fmt], as_attachment=True,
                             download_name=name)
        response.headers["Cache-Control"] = "private, no-store"
        return response

    return blueprint
