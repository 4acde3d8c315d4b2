"""Geometry routes: ``/geo/<layer>.geojson?parent=<code>`` and ``/geo/lines.geojson``.

Each answer is a FeatureCollection (feature ``id`` = 12-digit code), built once per data version from
the stored, already simplified outlines, gzipped and kept in the shared cache (Flask-Caching:
filesystem or Redis). Responses carry long cache headers and an ETag, so a browser fetches a layer
once. National views get the coarse outlines; views under a parent the fine ones.
"""
from __future__ import annotations

import gzip
import json

from flask import Blueprint, Response, request
from flask_caching import Cache

from data import codes
from data.schema import LAYERS
from data.storage import NotFound, Storage
from dashboard.errors import api_error

LAYERS_NEEDING_PARENT = ("township", "village")
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"


def feature_collection(rows: list[tuple[str, str, str]]) -> bytes:
    """A FeatureCollection from (code, name, geometry text) rows, geometry text passed through."""
    features = ",".join(
        f'{{"type":"Feature","id":"{code}","properties":{{"name":{json.dumps(name, ensure_ascii=False)}}},'
        f'"geometry":{geometry}}}' for code, name, geometry in rows)
    return f'{{"type":"FeatureCollection","features":[{features}]}}'.encode()


def lines_collection(lines: list[tuple[str, str]]) -> bytes:
    features = ",".join(
        f'{{"type":"Feature","properties":{{"name":{json.dumps(name, ensure_ascii=False)}}},"geometry":{geometry}}}'
        for name, geometry in lines)
    return f'{{"type":"FeatureCollection","features":[{features}]}}'.encode()


def make_blueprint(storage: Storage, cache: Cache) -> Blueprint:
    blueprint = Blueprint("geo", __name__, url_prefix="/geo")

    def _send(key: str, build) -> Response:
        version = storage.data_version()
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
        return _send("lines", lambda: lines_collection(storage.boundary_lines()))

    @blueprint.get("/<layer>.geojson")
    def layer_geojson(layer: str):
        if layer not in LAYERS:
            return api_error(404, f"未知图层 / unknown layer {layer!r}; one of {', '.join(LAYERS)}")
        parent = request.args.get("parent") or None
        if parent is None and layer in LAYERS_NEEDING_PARENT:
            return api_error(400, f"{layer} 图层需要 parent 参数 / the {layer} layer needs ?parent=<code>")
        try:
            full_parent = codes.normalize(parent) if parent else None
            if full_parent:
                storage.region(full_parent)
        except codes.InvalidCode as error:
            return api_error(400, str(error))
        except NotFound as error:
            return api_error(404, str(error))
        return _send(f"{layer}:{full_parent}",
                     lambda: feature_collection(storage.outlines(layer, full_parent, fine=full_parent is not None)))

    return blueprint
