"""Which regions the caller of a request may see.

Every route and callback that reads data asks :func:`request_scope` and passes the answer to the data
layer (data/storage.py, data/cube.py), which refuses what lies outside it. Until accounts exist every
caller sees everything; the access-control issue binds this to the signed-in user or API token.
"""
from __future__ import annotations

from data.storage import EVERYTHING, Scope


def request_scope() -> Scope:
    return EVERYTHING
