"""Callbacks, one module per page, each registered by a function that receives its dependencies.

``RIGHTS`` names the role right (import, admin) that the callbacks writing to a component need; the
request guard (dashboard/auth.py) refuses the others with 403 before a callback runs.
"""
from callbacks import admin_callbacks, map_callbacks, monitoring_callbacks, region_callbacks, upload_callbacks

RIGHTS = {**upload_callbacks.RIGHTS, **admin_callbacks.RIGHTS}


def register_all(app, storage, config) -> None:
    map_callbacks.register(app, storage)
    region_callbacks.register(app, storage)
    monitoring_callbacks.register(app, storage)
    upload_callbacks.register(app, storage, config)
    admin_callbacks.register(app, storage)
