"""Which regions the caller of a request may see, and what their role allows.

Every route and callback that reads data asks :func:`request_scope` (or :func:`request_access`) and passes
the answer to the data layer (data/storage.py, data/cube.py, data/records.py), which refuses what lies
outside it. The answer comes from the signed-in user or API token (dashboard/auth.py); with nobody signed
in, or outside a request, nothing is allowed.
"""
from __future__ import annotations

from flask import has_request_context

from dashboard.auth import current_access
from data.store.accounts import Access, NotAllowed
from data.store.storage import Scope


def request_access() -> Access:
    access = current_access() if has_request_context() else None
    if access is None:
        raise NotAllowed("read without signing in")
    return access


def request_scope() -> Scope:
    return request_access().scope
