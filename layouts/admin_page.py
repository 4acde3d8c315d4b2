"""The admin page (``/admin``, administrators only): the users with their roles and regions, and the
audit log, filtered by action, outcome and user. Users are managed with ``python -m dashboard users``.
"""
from __future__ import annotations

from dash import dash_table, dcc, html

from data.definitions.messages import N_, language, localized, t
from data.store import accounts, audit
from data.store.storage import Storage
from layouts import ids, shell

PATH = "/admin"
AUDIT_ROWS = 500
USER_COLUMNS = (("name", N_("user_col_name")), ("role", N_("user_col_role")), ("regions", N_("user_col_regions")),
                ("state", N_("user_col_state")), ("last_login", N_("user_col_last_login")),
                ("tokens", N_("user_col_tokens")))
AUDIT_COLUMNS = (("at", N_("audit_col_at")), ("user_name", N_("audit_col_user")), ("role", N_("audit_col_role")),
                 ("action", N_("audit_col_action")), ("outcome", N_("audit_col_outcome")),
                 ("region_code", N_("audit_col_region")), ("detail", N_("audit_col_detail")),
                 ("via", N_("audit_col_via")), ("address", N_("audit_col_address")))
TABLE_STYLE = {"style_cell": {"textAlign": "left", "fontSize": 13, "whiteSpace": "normal", "maxWidth": 480},
               "style_header": {"fontWeight": "bold", "backgroundColor": "#eef2f6"}}


def _columns(columns, lang: str) -> list[dict]:
    return [{"id": key, "name": t(msgid, lang)} for key, msgid in columns]


def user_rows(storage: Storage, access, lang: str) -> list[dict]:
    rows = []
    for user in accounts.list_users(storage, access):
        role = accounts.ROLES[user["role"]]
        state = [t("yes", lang) if user["active"] else t("user_disabled", lang)]
        state += [t("user_locked", lang)] if user["locked"] else []
        state += [t("user_demo", lang)] if user["demo"] else []
        rows.append({"name": user["name"], "role": localized(role, lang),
                     "regions": t("list_separator", lang).join(
                         t("label_with_note", lang).format(name=r["name"], note=r["code"]) for r in user["regions"])
                     or t("whole_country", lang),
                     "state": " ".join(state), "tokens": user["tokens"],
                     "last_login": f"{user['last_login']:%Y-%m-%d %H:%M}" if user["last_login"] else "—"})
    return rows


def audit_rows(storage: Storage, access, lang: str, action=None, outcome=None, user=None) -> list[dict]:
    rows = audit.entries(storage.engine, access, user=user, action=action, outcome=outcome, limit=AUDIT_ROWS)
    for row in rows:
        row["at"] = f"{row['at']:%Y-%m-%d %H:%M:%S}"
        row["action"] = localized(audit.ACTIONS[row["action"]], lang)
    return rows


def layout(storage: Storage, access, lang: str | None = None, **_ignored) -> html.Div:
    lang = language(shell.text(lang))
    access.require("admin")
    content = html.Div(className="admin-page", children=[
        html.H2(t("admin_users", lang)),
        dash_table.DataTable(id=ids.ADMIN_USERS, data=user_rows(storage, access, lang), columns=_columns(USER_COLUMNS, lang),
                             sort_action="native", page_size=20, **TABLE_STYLE),
        html.P(t("admin_users_note", lang), className="note"),
        html.H2(t("admin_audit", lang).format(n=AUDIT_ROWS)),
        html.Div(className="controls", children=[
            dcc.Dropdown(id=ids.ADMIN_ACTION, placeholder=t("audit_filter_action", lang), style={"width": 220},
                         options=[{"label": localized(names, lang), "value": key}
                                  for key, names in audit.ACTIONS.items()]),
            dcc.Dropdown(id=ids.ADMIN_OUTCOME, placeholder=t("audit_filter_outcome", lang), style={"width": 160},
                         options=[{"label": o, "value": o} for o in audit.OUTCOMES]),
            dcc.Input(id=ids.ADMIN_USER, placeholder=t("audit_filter_user", lang), debounce=True, type="text"),
        ]),
        dash_table.DataTable(id=ids.ADMIN_AUDIT, data=audit_rows(storage, access, lang), columns=_columns(AUDIT_COLUMNS, lang),
                             sort_action="native", page_size=25, **TABLE_STYLE),
        dcc.Store(id=ids.ADMIN_STATE, data={"lang": lang}),
    ])
    return shell.frame(access, content, lang, PATH, [], {})
