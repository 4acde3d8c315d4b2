"""Geometry routes: ``/geo/<layer>.geojson?parent=<code>`` and ``/geo/lines.geojson``.

Each answer is a FeatureCollection (feature ``id`` = 12-digit code), built once per data version from
the stored, already simplified outlines, gzipped and kept in the shared cache (Flask-Caching:
filesystem or Redis, the filesystem standing in while Redis is away: dashboard/cache.py). Responses
carry long cache headers and an ETag, so a browser fetches a layer once. National views get the coarse
outlines; views under a parent the fine ones. A layer holds only the units within the caller's scope (a
parent outside it is refused with 403), so answers are cached per scope and marked private.
"""
from __future__ import annotations

import gzip
import hashlib
import json

from flask import Blueprint, Response, request
from flask_caching import Cache

from dashboard.auth import reading
from dashboard.errors import api_error, json_errors
from data.definitions import codes
from data.definitions.access import Scope
from data.store.storage import Storage, check_layer

LAYERS_NEEDING_PARENT = ("township", "village")
LONG_CACHE = "private, max-age=31536000, immutable"
SHORT_CACHE = "private, max-age=300"


def _feature(code: str | None, name: str, geometry: str, illustrative: bool = False) -> str:
    identity = f'"id":"{code}",' if code else ""
    properties = json.dumps({"name": name, **({"illustrative": True} if illustrative else {})}, ensure_ascii=False)
    return f'{{"type":"Feature",{identity}"properties":{properties},"geometry":{geometry}}}'


def _collection(features: list[tuple]) -> bytes:
    """A FeatureCollection from (id or None, name, geometry text[, illustrative]); geometry text is passed
    through; an illustrative outline (drawn, not surveyed) says so in its properties."""
    return f'{{"type":"FeatureCollection","features":[{",".join(_feature(*f) for f in features)}]}}'.encode()


def scope_key(scope: Scope) -> str:
    """A short name of a scope for cache keys (``all`` for the whole country)."""
    if scope.everything:
        return "all"
    return hashlib.sha256(",".join(sorted(scope.roots)).encode()).hexdigest()[:12]


def make_blueprint(storage: Storage, cache: Cache) -> Blueprint:
    blueprint = Blueprint("geo", __name__, url_prefix="/geo")

    def _send(key: str, build) -> Response:
        version = reading(storage)[0].data_version()
        etag = f'"{version}-{key}"'
        if etag in request.headers.get("If-None-Match", ""):
            return Response(status=304, headers={"ETag": etag})
        cache_key = f"geo:{version}:{key}"
        body = cache.get(cache_key)
        if body is None:
            body = gzip.compress(build(), compresslevel=9)
            cache.set(cache_key, body)
        headers = {"ETag": etag, "Vary": "Accept-Encoding",
                   "Cache-Control": LONG_CACHE if request.args.get("v") == version else SHORT_CACHE}
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            headers["Content-Encoding"] = "gzip"
        else:
            body = gzip.decompress(body)
        return Response(body, mimetype="application/geo+json", headers=headers)

    @blueprint.get("/lines.geojson")
    def lines():
        return _send("lines", lambda: _collection([(None, name, geometry) for name, geometry in storage.boundary_lines()]))

    @blueprint.get("/<layer>.geojson")
    def layer_geojson(layer: str):
        check_layer(layer)
        parent = request.args.get("parent") or None
        if parent is None and layer in LAYERS_NEEDING_PARENT:
            return api_error(400, f"{layer} 图层需要 parent 参数 / the {layer} layer needs ?parent=<code>")
        full_parent = codes.normalize(parent) if parent else None
        store, access = reading(storage)
        return _send(f"{layer}:{full_parent}:{scope_key(access.scope)}", lambda: _collection(
            store.outlines(access, layer, full_parent, fine=full_parent is not None, flagged=True)))

    return json_errors(blueprint, "图层")
