"""The dashboard application: app factory, configuration, server entry point and command line."""

__all__ = ["create_app"]


def __getattr__(name: str):
    """``dashboard.create_app``, imported when first asked for: the command line (``python -m dashboard``
    imports this package first) then starts without loading Dash and every page (2–3 s a command)."""
    if name == "create_app":
        from dashboard.app import create_app

        return create_app
    raise AttributeError(f"module 'dashboard' has no attribute {name!r}")
