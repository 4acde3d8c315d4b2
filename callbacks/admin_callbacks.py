"""Admin page callbacks: filter the audit log. Administrators only (``RIGHTS``; refused with 403 otherwise)."""
from __future__ import annotations

from dash import Input, Output, State

from data.definitions.messages import language
from data.store import audit
from layouts import admin_page, ids, shell

RIGHTS = {ids.ADMIN_AUDIT: "admin"}


def register(app, reading) -> None:
    """``reading()`` gives the request's storage snapshot and the caller's access (dashboard/auth.py)."""
    @app.callback(Output(ids.ADMIN_AUDIT, "data"), Input(ids.ADMIN_ACTION, "value"), Input(ids.ADMIN_OUTCOME, "value"),
                  Input(ids.ADMIN_USER, "value"), State(ids.ADMIN_STATE, "data"), prevent_initial_call=True)
    def filter_audit(action, outcome, user, state):
        lang = language(shell.text(shell.state_of(state).get("lang")))
        action, outcome = shell.text(action), shell.text(outcome)
        return admin_page.audit_rows(*reading(), lang, action if action in audit.ACTIONS else None,
                                     outcome if outcome in audit.OUTCOMES else None, shell.text(user))
