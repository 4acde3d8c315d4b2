"""The dashboard application: app factory, configuration, server entry point and command line."""
from dashboard.app import create_app

__all__ = ["create_app"]
