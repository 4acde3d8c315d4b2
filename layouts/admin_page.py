"""The admin page (``/admin``, administrators only): the users with their roles and regions, and the
audit log, filtered by action, outcome and user. Users are managed with ``python -m dashboard users``.
"""
from __future__ import annotations

from dash import dash_table, dcc, html

from data.store import accounts, audit
from data.store.storage import Storage
from dashboard.i18n import language, t
from layouts import ids, shell

PATH = "/admin"
AUDIT_ROWS = 500
USER_COLUMNS = (("name", "用户名", "user"), ("role", "角色", "role"), ("regions", "权限范围", "scope"),
                ("state", "状态", "state"), ("last_login", "最近登录（UTC）", "last sign-in (UTC)"),
                ("tokens", "接口令牌", "API tokens"))
AUDIT_COLUMNS = (("at", "时间（UTC）", "when (UTC)"), ("user_name", "用户", "user"), ("role", "角色", "role"),
                 ("action", "操作", "action"), ("outcome", "结果", "outcome"), ("region_code", "区划", "region"),
                 ("detail", "详情", "detail"), ("via", "途径", "via"), ("address", "地址", "address"))
TABLE_STYLE = {"style_cell": {"textAlign": "left", "fontSize": 13, "whiteSpace": "normal", "maxWidth": 480},
               "style_header": {"fontWeight": "bold", "backgroundColor": "#eef2f6"}}


def _columns(columns, lang: str) -> list[dict]:
    return [{"id": key, "name": zh if lang == "zh" else en} for key, zh, en in columns]


def user_rows(storage: Storage, access, lang: str) -> list[dict]:
    rows = []
    for user in accounts.list_users(storage, access):
        role = accounts.ROLES[user["role"]]
        state = [t("yes", lang) if user["active"] else ("停用" if lang == "zh" else "disabled")]
        state += ["锁定" if lang == "zh" else "locked"] if user["locked"] else []
        state += ["演示" if lang == "zh" else "demo"] if user["demo"] else []
        rows.append({"name": user["name"], "role": role.zh if lang == "zh" else role.en,
                     "regions": "，".join(f"{r['name']}（{r['code']}）" for r in user["regions"]) or t("whole_country", lang),
                     "state": " ".join(state), "tokens": user["tokens"],
                     "last_login": f"{user['last_login']:%Y-%m-%d %H:%M}" if user["last_login"] else "—"})
    return rows


def audit_rows(storage: Storage, access, lang: str, action=None, outcome=None, user=None) -> list[dict]:
    rows = audit.entries(storage.engine, access, user=user, action=action, outcome=outcome, limit=AUDIT_ROWS)
    for row in rows:
        row["at"] = f"{row['at']:%Y-%m-%d %H:%M:%S}"
        zh, en = audit.ACTIONS[row["action"]]
        row["action"] = zh if lang == "zh" else en
    return rows


def layout(storage: Storage, access, lang: str | None = None, **_ignored) -> html.Div:
    lang = language(shell.text(lang))
    access.require("admin")
    content = html.Div(className="admin-page", children=[
        html.H2(t("admin_users", lang)),
        dash_table.DataTable(id=ids.ADMIN_USERS, data=user_rows(storage, access, lang), columns=_columns(USER_COLUMNS, lang),
                             sort_action="native", page_size=20, **TABLE_STYLE),
        html.P("用户在服务器上以 python -m dashboard users add/list/disable/enable/password/token 管理。" if lang == "zh"
               else "Users are managed on the server with python -m dashboard users add/list/disable/enable/password/token.",
               className="note"),
        html.H2(t("admin_audit", lang)),
        html.Div(className="controls", children=[
            dcc.Dropdown(id=ids.ADMIN_ACTION, placeholder="操作 / action", style={"width": 220},
                         options=[{"label": zh if lang == "zh" else en, "value": key}
                                  for key, (zh, en) in audit.ACTIONS.items()]),
            dcc.Dropdown(id=ids.ADMIN_OUTCOME, placeholder="结果 / outcome", style={"width": 160},
                         options=[{"label": o, "value": o} for o in audit.OUTCOMES]),
            dcc.Input(id=ids.ADMIN_USER, placeholder="用户 / user", debounce=True, type="text"),
        ]),
        dash_table.DataTable(id=ids.ADMIN_AUDIT, data=audit_rows(storage, access, lang), columns=_columns(AUDIT_COLUMNS, lang),
                             sort_action="native", page_size=25, **TABLE_STYLE),
        dcc.Store(id=ids.ADMIN_STATE, data={"lang": lang}),
    ])
    return shell.frame(access, content, lang, PATH, [], {})
