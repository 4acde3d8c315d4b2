"""Callbacks, one module per page, each registered by a function that receives its dependencies."""
from callbacks import map_callbacks


def register_all(app, storage) -> None:
    map_callbacks.register(app, storage)
