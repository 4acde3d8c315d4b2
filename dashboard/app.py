"""The app factory: one Dash app (with its Flask server) wired to a storage, a cache and its pages.

Everything the browser loads is served by this app (no CDN): Dash's own scripts, ``assets/`` and the
geometry routes. ``assets/plotly-dashboard.min.js`` (built by tools/plotly-bundle) defines ``window.Plotly``
before the graphs load, so Dash never fetches its full 4.8 MB plotly.js.
"""
from __future__ import annotations

import os

import dash
import diskcache
from dash import dcc, html
from flask import jsonify, request
from markupsafe import escape
from flask_caching import Cache
from werkzeug.middleware.proxy_fix import ProxyFix

import callbacks
from dashboard import api, assessment_api, auth, collaboration_api, collaboration_routes, geo_routes, headers, report_routes
from dashboard.cache import FallbackRedisCache
from dashboard.config import MAX_REQUEST_BYTES, PROJECT_DIR, Config
from dashboard.errors import RETRY_AFTER_SECONDS, api_error, fault_answers
from data.definitions import policy
from data.definitions.messages import localized, other_language, t
from data.store.storage import Storage, make_engine
from layouts import (
    admin_page,
    data_page,
    ids,
    map_page,
    monitoring_page,
    region_page,
    shell,
    upload_page,
)


def create_app(config: Config | None = None) -> dash.Dash:
    config = config or Config()
    if not config.demo and not os.environ.get("ID_HASH_KEY"):
        raise RuntimeError("生产模式须设置 ID_HASH_KEY / production mode needs ID_HASH_KEY: without a secret key the "
                           "hashes of ID numbers could be reversed (set DASHBOARD_MODE=demo for the demo database)")
    storage = Storage(make_engine(config.database_url))
    jobs = diskcache.Cache(str(config.instance_dir / "jobs"))  # background callbacks, shared by workers
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(PROJECT_DIR / "assets"),
        serve_locally=True,
        compress=True,  # callback answers and pages gzip/brotli-compressed (flask-compress)
        title=t("app_title"),
        update_title=None,
        suppress_callback_exceptions=True,
        background_callback_manager=dash.DiskcacheManager(jobs),
    )
    server = app.server
    if config.trusted_proxies:  # behind a reverse proxy: the client's address for rate limits and the audit log
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=config.trusted_proxies, x_proto=config.trusted_proxies)
    server.config["SECRET_KEY"] = config.secret_key
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES  # an upload at most (dashboard/config.py)
    server.config["DASHBOARD"] = config
    server.json.ensure_ascii = False  # Chinese stays readable in JSON answers
    server.jinja_env.globals.update(template_globals())  # the sign-in and refusal pages
    cache = Cache(server, config=config.cache_settings())
    auth.init(app, storage, config, callback_rights=callbacks.RIGHTS,
              page_rights={upload_page.PATH: "import", admin_page.PATH: "admin"},
              region_pages={map_page.PATH: "query", data_page.PATH: "query", monitoring_page.PATH: "query", region_page.PATH_PREFIX: "path"})
    server.register_blueprint(geo_routes.make_blueprint(storage, cache))
    server.register_blueprint(api.make_blueprint(storage))
    server.register_blueprint(collaboration_api.make_blueprint(storage))  # /api/v1/collaboration/ (issue 18)
    server.register_blueprint(report_routes.make_blueprint(storage))  # /region/<code>/report.pdf|xlsx

    fault_answers(server, auth.MACHINE)

    @server.get("/healthz")
    def healthz():
        """503 without the database; 200 "degraded" naming what is missing while the app works without it."""
        try:
            loaded = storage.is_loaded()
        except Exception as error:  # the database is unreachable: say so, with 503
            response = api_error(503, f"database unavailable: {error.__class__.__name__}")
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        degraded = [] if not isinstance(cache.cache, FallbackRedisCache) or cache.cache.reachable() else ["redis"]
        status = "empty" if not loaded else "degraded" if degraded else "ok"
        return jsonify({"status": status, "degraded": degraded,
                        "data_version": storage.data_version() if loaded else None})

    def page(layout):
        """A page's layout, given the request's storage snapshot and the caller's access."""
        return lambda **params: layout(*auth.reading(storage), **params)

    dash.register_page("map", path=map_page.PATH, name=t("nav_map"), layout=page(map_page.layout))
    dash.register_page("region", path_template=region_page.PATH_TEMPLATE, name=t("profile_title"),
                       layout=page(region_page.layout))
    dash.register_page("monitoring", path=monitoring_page.PATH, name=t("nav_monitoring"),
                       layout=page(monitoring_page.layout))
    dash.register_page("data", path=data_page.PATH, name=t("nav_data"), layout=page(data_page.layout))
    dash.register_page("upload", path=upload_page.PATH, name=t("nav_upload"), layout=page(upload_page.layout))
    dash.register_page("admin", path=admin_page.PATH, name=t("nav_admin"), layout=page(admin_page.layout))
    collaboration_routes.init(app, storage, page)  # /collaboration, its guard and report (issue 18)
    assessment_api.register(app, storage)  # /assessment, its API /api/v1/assessment/ and packs (issue 19)
    shell.localized_titles(dash.page_registry)  # each tab's title in the page's language
    _prefetch_geometry(app, storage)
    headers.init(app, config, scripts=(_PREFETCH,))
    app.layout = html.Div([dcc.Location(id=ids.URL, refresh="callback-nav"), dash.page_container])
    callbacks.register_all(app, storage, reading=lambda: auth.reading(storage),
                           upload_folder=config.instance_dir / "uploads",
                           access_in_job=lambda: auth.access_in_job(app.server, storage, config))
    app.storage = storage
    return app


def template_globals() -> dict:
    """What the templates use besides ``t`` (passed by dashboard/auth.py): data objects' names, links and the
    policy numbers their texts state."""
    return {"localized": localized, "other_language": other_language, "href": shell.href, "policy": policy}


# Starts the map's geometry download while Dash is still loading. The answer is handed to plotly (in
# PlotlyGeoAssets) only once it has arrived and only if plotly has not asked for it itself meanwhile; until
# then plotly fetches it as usual, so a slow or failed prefetch never stops the map from drawing. The page
# names the geometry in a meta tag: the script is the same text on every page, allowed by its hash
# (dashboard/headers.py).
_PREFETCH = """(function () {
  var meta = document.querySelector('meta[name="geometry-prefetch"]'), url = meta && meta.content;
  if (!url) { return; }
  fetch(url).then(function (r) { return r.ok ? r.json() : null; }).then(function (geojson) {
    var assets = window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
    if (geojson && !assets[url]) { assets[url] = geojson; }
  }, function () {});
})();"""


def _prefetch_geometry(app: dash.Dash, storage: Storage) -> None:
    """On the map page, the HTML names the geometry the figure will use, so its download starts at once."""
    interpolate = app.interpolate_index

    def with_prefetch(**parts):
        url = None
        if request.path == map_page.PATH and storage.is_loaded():
            url = map_page.geometry_url(*auth.reading(storage), request.args.get("region"))
        if url:
            parts["metas"] = (parts.get("metas", "") + f'<meta name="geometry-prefetch" content="{escape(url)}">'
                              f"<script>{_PREFETCH}</script>")
        return interpolate(**parts)

    app.interpolate_index = with_prefetch
