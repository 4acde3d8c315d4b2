"""The security headers of every answer: a Content-Security-Policy the pages satisfy, HSTS outside demo mode,
no content sniffing, no framing, referrers kept to this site.

Scripts come only from this app (``'self'``) or are inline scripts allowed one by one by their hash: the ones
Dash writes (its renderer's start and the clientside callbacks, hashed by ``Dash.csp_hashes``) and the app's
own (``scripts``: the map's geometry prefetch). Neither ``'unsafe-inline'`` nor ``'unsafe-eval'`` for scripts:
neither Dash's bundles nor the plotly bundle evaluate strings. Styles do allow ``'unsafe-inline'``: Dash's
renderer and components insert their CSS as ``<style>`` elements from script (about 30 on a page, some from
chunks loaded later) and plotly writes ``style`` attributes (its colour bar); without it Chromium refuses
each of them. An inline style cannot run script. Everything else (data,
geometry, fonts, images) is this app's own; ``data:``/``blob:`` images are plotly's and the downloads'.
HSTS is sent outside demo mode only, where the app is served over HTTPS (the demo runs on plain HTTP).
"""
from __future__ import annotations

import base64
import hashlib

import dash
from flask import Response

from dashboard.config import Config

HSTS = "max-age=31536000; includeSubDomains"  # a year


def script_hash(script: str) -> str:
    """The CSP source that allows an inline script with exactly this text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def policy(app: dash.Dash, scripts: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy of ``app``, with the inline ``scripts`` of our own besides Dash's."""
    hashes = sorted(set(app.csp_hashes()) | {script_hash(script) for script in scripts})
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def init(app: dash.Dash, config: Config, scripts: tuple[str, ...] = ()) -> None:
    """Send the headers on every answer of ``app``'s server; ``scripts``: our own inline scripts."""

    @app.server.after_request
    def security_headers(response: Response) -> Response:
        # computed per answer: Dash adds inline scripts until its first request (the pages' title callback)
        response.headers.setdefault("Content-Security-Policy", policy(app, scripts))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")  # (frame-ancestors, for older browsers)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not config.demo:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
