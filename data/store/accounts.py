"""Accounts: roles, users and the regions each may see, passwords, lockout, API tokens, demo accounts.

What a signed-in user or a token holds is an :class:`~data.definitions.access.Access` (defined with the
roles in data/definitions/access.py), which every function of the data layer requires. Passwords are kept as argon2id hashes, tokens as SHA-256
digests (a token is shown once, when made). Five failed logins in a row lock an account for 15 minutes.
Demo accounts (``demo=True``) exist only in a demo database and can sign in only when the app runs in
demo mode.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.dialects import postgresql, sqlite

from data.definitions import codes
from data.definitions.access import (
    ROLES,
    Access,
    Role,
    Scope,
    check,
    system_access,
)
from data.definitions.codes import NATION
from data.definitions.personal import hash_key
from data.definitions.policy import LOCK_MINUTES
from data.definitions.policy import MAX_FAILED_LOGINS as MAX_FAILURES
from data.store import membership
from data.store.schema import api_tokens, data_tables, login_failures, user_scopes, users
from data.store.storage import NotFound, Storage

MIN_PASSWORD = 10
TOKEN_PREFIX = "npa_"
TOKEN_USE_RESOLUTION = dt.timedelta(minutes=5)  # how precisely a token's last use is recorded
FORGET_UNKNOWN = dt.timedelta(days=30)  # failures under a name that is no account, unlocked, kept this long
NAME_RE = re.compile(r"^[\w.@-]{2,64}$")
_SETUP = system_access("accounts")  # resolving a user's regions and scope reads the whole hierarchy
_hasher = PasswordHasher()  # argon2id with the library's current defaults (RFC 9106 low-memory profile)
_DUMMY_HASH = _hasher.hash("not a password: evens out the time of a login for an unknown name")


class AccountError(ValueError):
    """A user, role, region or password that cannot be accepted (message in Chinese and English)."""


class LoginRefused(Exception):
    """A login that did not succeed; ``reason`` is wrong, locked or disabled, the same for a name that is no
    user (``known`` False: such a name is not to be kept, it may be a mistyped password). The message never
    says which of name and password was wrong, nor whether the name is an account."""

    def __init__(self, reason: str, until: dt.datetime | None = None, known: bool = True):
        super().__init__(reason)
        self.reason, self.until, self.known = reason, until, known


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


# -- passwords ---------------------------------------------------------------------------------------
def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符 / a password has at least {MIN_PASSWORD} characters")
    return password


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def fingerprint(row) -> str:
    """A short digest of the password hash and the session epoch: a session made before a password change
    or a sign-out stops working."""
    return hashlib.sha256(f"{row['password_hash'] or ''}:{row['session_epoch']}".encode()).hexdigest()[:16]


def end_sessions(storage: Storage, name: str) -> None:
    """Sign the user out everywhere (their session cookies stop working, even a copied one)."""
    with storage.engine.begin() as connection:
        connection.execute(users.update().where(users.c.name == name).values(session_epoch=users.c.session_epoch + 1))


# -- users -------------------------------------------------------------------------------------------
def _resolve_regions(storage: Storage, role: Role, wanted: list[str]) -> list[str]:
    """The 12-digit codes a user of ``role`` gets for the regions named; an East–West office named by its
    eastern region gets that region's paired western regions."""
    if role.levels is None:
        if wanted:
            raise AccountError(f"{role.zh}不限区划，不能指定 --region / an {role.en.lower()} sees the whole country: "
                               "give no --region")
        return []
    if not wanted:
        raise AccountError(f"{role.zh}须至少指定一个区划 / a {role.en.lower()} needs at least one --region")
    found: list[str] = []
    for code in wanted:
        try:
            region = storage.region(_SETUP, code)
        except (codes.InvalidCode, NotFound) as error:
            raise AccountError(str(error)) from error
        partners = membership.west_partners(storage, _SETUP, region["code"]) if role.code == "collaboration" else []
        if partners:  # an eastern region: its western partners
            found += [p for p in partners if p not in found]
            continue
        if region["level"] not in role.levels:
            raise AccountError(f"{role.zh}的区划须为{'/'.join(role.levels)}级，{region['name']}是{region['level']}级 / "
                               f"a {role.en.lower()} needs a {' or '.join(role.levels)}, not a {region['level']}")
        if region["code"] not in found:
            found.append(region["code"])
    return found


def add_user(storage: Storage, name: str, role: str, regions: list[str], password: str | None,
             demo: bool = False, note: str | None = None) -> dict:
    """Create a user; ``password`` None makes an account that signs in only with API tokens."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise AccountError("用户名为 2–64 个字母、数字或 _ . @ - / a user name has 2–64 letters, digits or _ . @ -")
    if role not in ROLES:
        raise AccountError(f"未知角色 / unknown role {role!r}; one of {', '.join(ROLES)}")
    codes_given = _resolve_regions(storage, ROLES[role], list(regions))
    hashed = _hasher.hash(check_password(password)) if password is not None else None
    with storage.engine.begin() as connection:
        if connection.execute(sa.select(users.c.id).where(users.c.name == name)).first():
            raise AccountError(f"用户已存在 / the user {name!r} exists")
        user_id = connection.execute(users.insert().values(
            name=name, role=role, password_hash=hashed, active=True, demo=demo, failed_logins=0, session_epoch=0,
            created_at=_now(), note=note)).inserted_primary_key[0]
        if codes_given:
            connection.execute(user_scopes.insert(), [{"user_id": user_id, "region_code": c} for c in codes_given])
    return describe(storage, _SETUP, name)


def _row(connection, name: str):
    row = connection.execute(sa.select(users).where(users.c.name == name)).mappings().first()
    if row is None:
        raise AccountError(f"没有这个用户 / no such user {name!r}")
    return row


def describe(storage: Storage, access: Access, name: str) -> dict:
    return next(u for u in list_users(storage, access) if u["name"] == name)


def list_users(storage: Storage, access: Access) -> list[dict]:
    """Every user with role, regions (code and name), state and token count, by name (administrators)."""
    check(access).require("admin")
    with storage.engine.connect() as connection:
        rows = connection.execute(sa.select(users).order_by(users.c.name)).mappings().all()
        scopes = connection.execute(sa.select(user_scopes.c.user_id, user_scopes.c.region_code)
                                    .order_by(user_scopes.c.region_code)).all()
        tokens = dict(connection.execute(sa.select(api_tokens.c.user_id, sa.func.count())
                                         .where(~api_tokens.c.revoked).group_by(api_tokens.c.user_id)).all())
    names = {r["code"]: r["name"] for r in storage.regions_by_codes(access, sorted({c for _, c in scopes}))}
    now = _now()
    out = []
    for row in rows:
        mine = [c for user_id, c in scopes if user_id == row["id"]]
        out.append({"name": row["name"], "role": row["role"], "role_zh": ROLES[row["role"]].zh,
                    "regions": [{"code": c, "name": names.get(c, "?")} for c in mine],
                    "active": bool(row["active"]), "demo": bool(row["demo"]),
                    "locked": bool(row["locked_until"] and row["locked_until"] > now),
                    "last_login": row["last_login"], "created_at": row["created_at"], "tokens": tokens.get(row["id"], 0),
                    "password": row["password_hash"] is not None})
    return out


def set_active(storage: Storage, name: str, active: bool) -> None:
    with storage.engine.begin() as connection:
        row = _row(connection, name)
        connection.execute(users.update().where(users.c.id == row["id"]).values(
            active=active, failed_logins=0, locked_until=None))


def set_password(storage: Storage, name: str, password: str) -> None:
    hashed = _hasher.hash(check_password(password))
    with storage.engine.begin() as connection:
        row = _row(connection, name)
        connection.execute(users.update().where(users.c.id == row["id"]).values(
            password_hash=hashed, failed_logins=0, locked_until=None))


# -- signing in --------------------------------------------------------------------------------------
def authenticate(storage: Storage, name: str, password: str, demo_mode: bool) -> tuple[Access, str]:
    """The access of ``name`` and a session id (user id and fingerprint); raises :class:`LoginRefused`.

    Each attempt is reserved in the database before the password is checked, so at most ``MAX_FAILURES``
    attempts in a row are ever checked, however many arrive at once; the last failure locks the account for
    ``LOCK_MINUTES``. A name that is no account is counted and locked the same way (by a keyed digest, in
    ``login_failures``) and its password checked against a dummy hash: the answers, and their time, do not
    tell whether an account exists. A disabled account says so only to whoever knows its password."""
    now = _now()
    with storage.engine.begin() as connection:
        row = connection.execute(sa.select(users).where(users.c.name == name)).mappings().first()
        if row is not None:
            attempts = (users, users.c.id == row["id"])
        else:
            attempts = (login_failures, login_failures.c.name_digest == _unknown_name(connection, name, now))
        reserved = _reserve(connection, *attempts, now)
    if not reserved:
        raise LoginRefused("locked", row["locked_until"] if row is not None else None, known=row is not None)
    if row is None or not _verify(row["password_hash"], password):
        if row is None:
            _verify(None, password)  # the time of a wrong password
        locked = now + dt.timedelta(minutes=LOCK_MINUTES) if reserved >= MAX_FAILURES else None
        if locked:
            table, which = attempts
            with storage.engine.begin() as connection:
                connection.execute(table.update().where(which).values(failed_logins=0, locked_until=locked))
        raise LoginRefused("locked" if locked else "wrong", locked, known=row is not None)
    if not _usable(row, demo_mode):
        raise LoginRefused("disabled")
    values = {"failed_logins": 0, "locked_until": None, "last_login": now}
    if _hasher.check_needs_rehash(row["password_hash"]):
        values["password_hash"] = _hasher.hash(password)
    with storage.engine.begin() as connection:
        connection.execute(users.update().where(users.c.id == row["id"]).values(**values))
    row = {**row, **values}
    return access_of(storage, row), f"{row['id']}:{fingerprint(row)}"


def _reserve(connection, table: sa.Table, which, now: dt.datetime) -> int | None:
    """One more attempt under a name (``which`` row of ``table``), or None: the name is locked."""
    return connection.execute(
        table.update().where(which, table.c.failed_logins < MAX_FAILURES,
                             sa.or_(table.c.locked_until.is_(None), table.c.locked_until <= now))
        .values(failed_logins=table.c.failed_logins + 1, locked_until=None)
        .returning(table.c.failed_logins)).scalar_one_or_none()


def _unknown_name(connection, name: str, now: dt.datetime) -> str:
    """The digest under which attempts with a name that is no account are counted (its row made if new);
    rows unlocked and untouched for ``FORGET_UNKNOWN`` are dropped."""
    digest = hmac.new(hash_key(), b"sign-in name:" + name.encode(), hashlib.sha256).hexdigest()
    connection.execute(login_failures.delete().where(
        login_failures.c.last_failed < now - FORGET_UNKNOWN,
        sa.or_(login_failures.c.locked_until.is_(None), login_failures.c.locked_until <= now)))
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    connection.execute(insert(login_failures).values(name_digest=digest, failed_logins=0, last_failed=now)
                       .on_conflict_do_update(index_elements=["name_digest"], set_={"last_failed": now}))
    return digest


def _usable(row, demo_mode: bool) -> bool:
    return bool(row["active"]) and (demo_mode or not row["demo"])


def load_session(storage: Storage, session_id: str, demo_mode: bool) -> Access | None:
    """The access of a session id made by :func:`authenticate` (None if the user is gone, disabled, or has
    changed password since)."""
    user_id, _, print_ = str(session_id).partition(":")
    if not user_id.isdigit():
        return None
    with storage.engine.connect() as connection:
        row = connection.execute(sa.select(users).where(users.c.id == int(user_id))).mappings().first()
    if row is None or not _usable(row, demo_mode) or not hmac.compare_digest(fingerprint(row), print_):
        return None
    return access_of(storage, row)


def access_of(storage: Storage, row) -> Access:
    role = ROLES[row["role"]]
    if role.levels is None:
        return Access(row["name"], role, Scope())
    with storage.engine.connect() as connection:
        roots = [c for (c,) in connection.execute(
            sa.select(user_scopes.c.region_code).where(user_scopes.c.user_id == row["id"])
            .order_by(user_scopes.c.region_code))]
    above = frozenset(storage.with_ancestors(_SETUP, roots)) - frozenset(roots)
    own = storage.regions_by_codes(_SETUP, roots)
    prefixes = frozenset(codes.significant(r["code"], r["level"]) for r in own)
    scope = Scope(frozenset(roots), frozenset(), above, prefixes)
    if role.code == "collaboration":  # the paired regions' parents (the nation for a province) for comparison
        levels = {r["level"] for r in own}
        scope = Scope(scope.roots, scope.above | ({NATION} if "province" in levels else set()), scope.above, prefixes)
    return Access(row["name"], role, scope, tuple(roots))


# -- API tokens --------------------------------------------------------------------------------------
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_token(storage: Storage, name: str, label: str | None = None) -> str:
    """A new token for ``name`` (shown once; only its digest is kept)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with storage.engine.begin() as connection:
        row = _row(connection, name)
        connection.execute(api_tokens.insert().values(user_id=row["id"], token_sha256=_digest(token), label=label,
                                                      created_at=_now(), revoked=False))
    return token


def revoke_tokens(storage: Storage, name: str) -> int:
    with storage.engine.begin() as connection:
        row = _row(connection, name)
        return connection.execute(api_tokens.update().where(
            api_tokens.c.user_id == row["id"], ~api_tokens.c.revoked).values(revoked=True)).rowcount


def access_for_token(storage: Storage, token: str, demo_mode: bool) -> Access | None:
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
        return None
    with storage.engine.connect() as connection:
        found = connection.execute(
            sa.select(users, api_tokens.c.id.label("token_id"), api_tokens.c.last_used.label("token_used"))
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(api_tokens.c.token_sha256 == _digest(token), ~api_tokens.c.revoked)).mappings().first()
    if found is None or not _usable(found, demo_mode):
        return None
    now = _now()
    if found["token_used"] is None or now - found["token_used"] > TOKEN_USE_RESOLUTION:  # not a write per request
        with storage.engine.begin() as connection:
            connection.execute(api_tokens.update().where(api_tokens.c.id == found["token_id"]).values(last_used=now))
    return access_of(storage, found)


# -- demo accounts -----------------------------------------------------------------------------------
DEMO_PASSWORD = "{role}-demo-2026"  # printed on the login page in demo mode only


def demo_accounts(storage: Storage) -> list[dict]:
    """One account per role over the demo's first national key county with data (and its township,
    prefecture, province, its eastern partner and the central unit assisting it: that unit's counties)."""
    in_scope = json.loads(storage.facts().get("counties_in_scope", "[]"))
    chosen = storage.regions_by_codes(_SETUP, in_scope)
    county = next((c for c in chosen if c["national_key_county"]), chosen[0] if chosen else None)
    if county is None:
        return []
    township = _township_with_households(storage, county["code"]) or storage.units(_SETUP, "township", county["code"])
    east = membership.east_partner_regions(storage, _SETUP, county["code"])
    regions = {"admin": [], "evaluator": [], "province": [county["ancestors"]["province"]],
               "city": [county["ancestors"].get("city", county["ancestors"]["province"])], "county": [county["code"]],
               "township": [township[0][0]] if township else [], "data_clerk": [county["code"]],
               "collaboration": east[:1], "central_unit": _central_unit_counties(storage, county["code"])}
    names = {r["code"]: r["name"] for r in storage.regions_by_codes(_SETUP, sorted({c for v in regions.values() for c in v}))}
    return [{"name": f"demo_{role}", "role": role, "regions": regions[role],
             "region_names": [names.get(c, c) for c in regions[role]], "password": DEMO_PASSWORD.format(role=role)}
            for role in ROLES if ROLES[role].levels is None or regions[role]]


def _central_unit_counties(storage: Storage, county_code: str) -> list[str]:
    """The counties of the first central unit (by name) assisting ``county_code``: its targeted-assistance
    pairings and rows (none: [])."""
    pairings, assisted = data_tables["pairings"], data_tables["targeted_assistance"]
    with storage.engine.connect() as connection:
        named = [u for (u,) in connection.execute(sa.select(pairings.c.unit).where(
            pairings.c.kind == "targeted", pairings.c.west_code == county_code))]
        named += [u for (u,) in connection.execute(sa.select(assisted.c.unit).where(
            assisted.c.county_code == county_code))]
        if not named:
            return []
        unit = min(named)
        found = {c for (c,) in connection.execute(sa.select(pairings.c.west_code).where(
            pairings.c.kind == "targeted", pairings.c.unit == unit))}
        found |= {c for (c,) in connection.execute(sa.select(assisted.c.county_code).where(assisted.c.unit == unit))}
    return sorted(found)


def _township_with_households(storage: Storage, county_code: str) -> list[tuple[str, str, str]]:
    """The county's first township holding household records, as ``Storage.units`` lists it (none: []). The
    real code lists start with 街道 (urban communities, no household records), so the demo's township account
    goes to the first township with rural villages."""
    households = data_tables["households"]
    with storage.engine.connect() as connection:
        village = connection.execute(sa.select(sa.func.min(households.c.village_code))
                                     .where(households.c.village_code.like(county_code[:6] + "%"))).scalar()
    return [u for u in storage.units(_SETUP, "township", county_code) if village and u[0][:9] == village[:9]]


def create_demo_accounts(storage: Storage) -> list[dict]:
    """Replace the demo accounts (the database is a demo one); returns what was created."""
    created = []
    with storage.engine.begin() as connection:
        connection.execute(users.delete().where(users.c.demo))
    for account in demo_accounts(storage):
        add_user(storage, account["name"], account["role"], account["regions"], account["password"], demo=True,
                 note="demo account")
        created.append(account)
    return created
