"""Callbacks, one module per page, each registered by a function that receives its dependencies.

``RIGHTS`` names the role right (import, admin) that the callbacks writing to a component need; the
request guard (dashboard/auth.py) refuses the others with 403 before a callback runs.
"""
from callbacks import (
    admin_callbacks,
    map_callbacks,
    monitoring_callbacks,
    region_callbacks,
    upload_callbacks,
)

RIGHTS = {**upload_callbacks.RIGHTS, **admin_callbacks.RIGHTS}


def register_all(app, storage, reading, upload_folder, access_in_job) -> None:
    """``reading()``: the request's storage snapshot and the caller's access; ``access_in_job()``: the access of
    the user who started a background job; both supplied by the entry point (dashboard/app.py)."""
    map_callbacks.register(app, reading)
    region_callbacks.register(app, reading)
    monitoring_callbacks.register(app, reading)
    upload_callbacks.register(app, storage, upload_folder, access_in_job)
    admin_callbacks.register(app, reading)
    from callbacks import collaboration_callbacks  # the East–West collaboration page (issue 18)
    collaboration_callbacks.register(app, reading)
