"""Callbacks, one module per page, each registered by a function that receives its dependencies."""
from callbacks import map_callbacks, region_callbacks, upload_callbacks


def register_all(app, storage, upload_folder) -> None:
    map_callbacks.register(app, storage)
    region_callbacks.register(app, storage)
    upload_callbacks.register(app, storage, upload_folder)
