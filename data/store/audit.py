"""The audit log: who did what, when, to which region, and whether it was allowed.

Written for sign-ins and sign-outs, refused requests (403), views of household lists, exports and
downloads, imports and every change to users and tokens; read by the admin page and
``python -m dashboard audit``. Each entry is its own transaction, so a refused or failed action is
recorded even though the action itself changed nothing. Every detail is scrubbed here, in :func:`record`,
whoever writes it: an ID or phone number in it (a refused request's query string, percent-encoded or
not) is kept masked only.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import unquote_plus

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data.definitions.access import Access, check
from data.definitions.personal import scrub
from data.store.schema import audit_log

ACTIONS = {
    "login": ("登录", "sign in"), "logout": ("退出", "sign out"), "refused": ("越权访问被拒", "refused"),
    "view_households": ("查看农户清单", "household list viewed"), "export": ("导出/下载", "export"),
    "import": ("导入", "import"), "user_add": ("新增用户", "user added"), "user_disable": ("停用用户", "user disabled"),
    "user_enable": ("启用用户", "user enabled"), "user_password": ("修改密码", "password changed"),
    "token_add": ("新建接口令牌", "API token made"), "token_revoke": ("吊销接口令牌", "API tokens revoked"),
    "backup": ("备份数据库", "database backed up"), "restore": ("恢复数据库", "database restored"),
}
OUTCOMES = ("ok", "refused", "failed")
COLUMNS = ("id", "at", "user_name", "role", "action", "outcome", "region_code", "detail", "via", "address")


def record(engine: Engine, action: str, outcome: str = "ok", user: str | None = None, role: str | None = None,
           region: str | None = None, detail: str | None = None, via: str = "web", address: str | None = None) -> None:
    if action not in ACTIONS or outcome not in OUTCOMES:
        raise ValueError(f"unknown audit action or outcome: {action!r}, {outcome!r}")
    with engine.begin() as connection:
        connection.execute(audit_log.insert().values(
            at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), user_name=user, role=role, action=action,
            outcome=outcome, region_code=region, detail=scrub_detail(detail or "")[:2000] or None, via=via,
            address=(address or "")[:64] or None))


def scrub_detail(detail: str) -> str:
    """``detail`` with its ID and phone numbers masked; decoded as a query string (``%EF%BC%95``, ``+``)
    when only the decoding shows a number."""
    detail = scrub(detail)
    decoded = unquote_plus(detail)
    return scrub(decoded) if decoded != detail and scrub(decoded) != decoded else detail


def record_for(engine: Engine, access: Access, action: str, outcome: str = "ok", region: str | None = None,
               detail: str | None = None) -> None:
    """An entry for what a service did for ``access`` (its user, role, channel and address)."""
    check(access)
    record(engine, action, outcome, user=access.user, role=access.role.code, region=region, detail=detail,
           via=access.via, address=access.address)


def households_viewed(engine: Engine, access: Access, region: str | None, what: str, rows: int) -> None:
    """The one place a view of household rows is audited (by the service that served them)."""
    if rows:
        record_for(engine, access, "view_households", region=region, detail=f"{what}: {rows} households")


def entries(engine: Engine, access: Access, user: str | None = None, action: str | None = None, outcome: str | None = None,
            since: dt.datetime | None = None, limit: int = 200) -> list[dict]:
    check(access).require("admin")
    """The latest entries first, filtered by user, action, outcome and time (UTC)."""
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(max(1, min(int(limit), 10_000)))
    for column, value in (("user_name", user), ("action", action), ("outcome", outcome)):
        if value:
            query = query.where(audit_log.c[column] == value)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]
