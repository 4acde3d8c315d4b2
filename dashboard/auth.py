"""Signing in and out, sessions, API tokens, CSRF, and the answer to a refused request.

Every request except the sign-in page (with its stylesheet and icon), ``/healthz`` and the API description
needs a signed-in user (session cookie, Flask-Login) or an API token (``Authorization: Bearer npa_…``).
Without one, API, geometry and Dash requests get 401 and pages a redirect to ``/login``. A POST made
with a session cookie (every Dash callback, uploads, sign-out) must carry the CSRF token: Dash's
renderer sends the ``_csrf_token`` cookie back as the ``X-CSRFToken`` header (Flask-WTF checks it).
A region outside the caller's scope (:class:`OutOfScope`) or an action outside their role
(:class:`NotAllowed`) is answered with 403 and written to the audit log; pages are checked before Dash
renders them (their region, the right they need), callbacks for the right their outputs need.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlencode, urlsplit

import dash
from flask import (
    Flask,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
)
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from dashboard import throttle
from dashboard.config import Config
from dashboard.errors import api_error
from data.definitions import codes
from data.definitions.access import Access, NotAllowed, OutOfScope
from data.definitions.messages import LANGUAGES, language, t
from data.store import accounts, audit
from data.store.accounts import LoginRefused
from data.store.storage import NotFound, Snapshot, Storage

# Without signing in: the sign-in page's stylesheet and icon, /healthz and the API description; nothing that
# names a library's version (Dash's scripts, the plotly bundle).
PUBLIC = ("/assets/style.css", "/_favicon.ico", "/healthz", "/api/v1/openapi.json")
STATIC = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")  # files, not pages
MACHINE = ("/api/", "/geo/", "/_dash-", "/_reload-hash")  # answered with JSON, never redirected
CSRF_COOKIE = "_csrf_token"  # the name Dash's renderer reads
SESSION_HOURS = 8


class SignedIn(UserMixin):
    """The Flask-Login user: an :class:`Access`, with the session id (None for a token)."""

    def __init__(self, access: Access, session_id: str | None):
        self.access, self.session_id = access, session_id

    def get_id(self) -> str | None:
        return self.session_id


class LoginForm(FlaskForm):
    name = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


def current_access() -> Access | None:
    """The access of the request's user or token (None when nobody is signed in)."""
    user = current_user
    return user.access if user and user.is_authenticated else None


def safe_next(target: str | None) -> str:
    """Only a path of this app (no other host, no scheme, nothing a browser would drop) is followed."""
    if (not isinstance(target, str) or not target.startswith("/") or "\\" in target
            or any(ord(ch) <= 32 or ord(ch) == 127 for ch in target)):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc or target.startswith("//") else target


def language_param(value) -> dict[str, str]:
    """``{"lang": "en"}`` for a language other than the default, else nothing (links leave Chinese out)."""
    lang = language(value)
    return {} if lang == LANGUAGES[0] else {"lang": lang}


def language_of(target: str | None) -> str | None:
    """The ``lang`` a link's query names (the page a sign-in leads back to), or None."""
    if not isinstance(target, str):
        return None
    return next((value for key, value in parse_qsl(urlsplit(target).query) if key == "lang"), None)


def keeping_language(target: str, lang: str) -> str:
    """``target`` (a safe path) in the sign-in page's language: ``lang=en`` added unless it names one."""
    if language_of(target) is not None or not language_param(lang):
        return target
    return target + ("&" if urlsplit(target).query else "?") + urlencode(language_param(lang))


def _is_machine(path: str) -> bool:
    return path.startswith(MACHINE) or request.method not in ("GET", "HEAD")


def _callback_ids(body) -> list[str]:
    """The component ids a Dash callback request writes to (``..a.x...b.y..`` or ``a.x``)."""
    output = body.get("output") if isinstance(body, dict) else None
    if not isinstance(output, str):
        return []
    return [part.rsplit(".", 1)[0] for part in output.strip(".").split("...") if "." in part]


def via() -> str:
    if not has_request_context():  # a background callback
        return "web"
    token = request.headers.get("Authorization", "").startswith("Bearer ")
    return "api" if token or request.path.startswith("/api/") else "web"


def request_access() -> Access:
    """The caller of this request, resolved once (with channel and address, for the audit log)."""
    if not has_request_context():
        raise NotAllowed("read without signing in")
    if "access" not in g:
        access = current_access()
        if access is None:
            raise NotAllowed("read without signing in")
        g.access = access.sent_from(via(), request.remote_addr)
    return g.access


def request_storage(storage: Storage) -> Snapshot:
    """The storage as this request sees it: facts and regions read once (a new snapshot outside a request)."""
    if not has_request_context():
        return storage.snapshot()
    if "snapshot" not in g:
        g.snapshot = storage.snapshot()
    return g.snapshot


def reading(storage: Storage) -> tuple[Snapshot, Access]:
    """What a route, page or callback passes down: the request's snapshot and the caller's access."""
    return request_storage(storage), request_access()


def record(storage: Storage, action: str, outcome: str = "ok", region: str | None = None, detail: str | None = None,
           access: Access | None = None) -> None:
    """An audit entry for the request's user, or for ``access`` (in a background callback: no address)."""
    access = access or current_access()
    audit.record(storage.engine, action, outcome, user=access.user if access else None,
                 role=access.role.code if access else None, region=region, detail=detail, via=via(),
                 address=request.remote_addr if has_request_context() else None)


def init(app: dash.Dash, storage: Storage, config: Config, callback_rights: dict[str, str],
         page_rights: dict[str, str], region_pages: dict[str, str]) -> None:
    """Sign-in routes, the guard before every request and the 401/403 answers.

    ``callback_rights``: component id of a callback output → the right it needs (import, admin);
    ``page_rights``: page path → right; ``region_pages``: page path → ``query`` (its region is ``?region=``),
    or a path prefix ending in ``/`` → ``path`` (the region follows the prefix)."""
    server: Flask = app.server
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=config.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SECURE=config.secure_cookies,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in the guard, for session (not token) requests
        WTF_CSRF_TIME_LIMIT=None,  # valid as long as the session
        RATELIMIT_HEADERS_ENABLED=True, **throttle.settings(config.instance_dir / "limits", config.redis_url))
    manager = LoginManager(server)
    csrf = CSRFProtect(server)
    limiter = Limiter(get_remote_address, app=server, default_limits=[])

    @manager.user_loader
    def from_session(session_id: str):
        access = accounts.load_session(storage, session_id, config.demo)
        return SignedIn(access, session_id) if access else None

    @manager.request_loader
    def from_token(req):
        header = req.headers.get("Authorization", "")
        access = accounts.access_for_token(storage, header[7:].strip(), config.demo) \
            if header.startswith("Bearer ") else None
        return SignedIn(access, None) if access else None

    @server.before_request
    def guard():
        path = request.path
        if path.startswith(PUBLIC) or path in ("/login", "/logout"):
            return None
        if not current_user.is_authenticated:
            if _is_machine(path):
                return api_error(401, "请先登录 / sign in first, or send Authorization: Bearer <token>")
            return redirect("/login?" + urlencode({"next": request.full_path.rstrip("?"),
                                                   **language_param(request.args.get("lang"))}))
        if request.method not in ("GET", "HEAD", "OPTIONS") and current_user.session_id is not None:
            csrf.protect()
        access = current_access()
        if path == "/_dash-update-component" and request.method == "POST":
            for component in _callback_ids(request.get_json(silent=True)):
                if component in callback_rights:
                    access.require(callback_rights[component])
        if request.method == "GET":
            if path in page_rights:
                access.require(page_rights[path])
            code = _page_region(path, region_pages)
            if code:
                try:
                    request_storage(storage).region(access, code)
                except (codes.InvalidCode, NotFound):
                    pass  # the page says so itself
        return None

    @server.after_request
    def headers(response):
        if request.path.startswith("/api/") and request.path != "/api/v1/openapi.json":
            response.headers["Cache-Control"] = "private, no-store"
        page = request.path == "/login" or (request.method == "GET"
                                            and not request.path.startswith(PUBLIC + STATIC + MACHINE))
        if page and current_user and current_user.is_authenticated and current_user.session_id is not None:
            response.set_cookie(CSRF_COOKIE, generate_csrf(), samesite="Lax", secure=config.secure_cookies,
                                httponly=False)  # Dash's renderer reads it and sends it back as X-CSRFToken
        return response

    def refused(error: PermissionError):
        region = getattr(error, "code", None)
        detail = f"{request.method} {request.path}"
        if request.path == "/_dash-update-component":
            detail += " → " + ", ".join(_callback_ids(request.get_json(silent=True)))
        elif request.query_string:
            detail += "?" + request.query_string.decode(errors="replace")[:300]
        record(storage, "refused", "refused", region=region, detail=f"{detail}: {error}")
        if _is_machine(request.path):
            return api_error(403, str(error))
        return render_template("refused.html", lang=language(request.args.get("lang")), t=t, message=str(error)), 403

    server.register_error_handler(OutOfScope, refused)
    server.register_error_handler(NotAllowed, refused)

    @server.errorhandler(CSRFError)
    def bad_csrf(error: CSRFError):
        record(storage, "refused", "refused", detail=f"{request.method} {request.path}: CSRF {error.description}")
        return api_error(400, f"请求缺少有效的 CSRF 令牌，请刷新页面 / {error.description}; reload the page")

    @server.route("/login", methods=["GET", "POST"])
    @limiter.limit(config.login_rate_limit, methods=["POST"])
    def login():
        lang = language(request.args.get("lang") or language_of(request.args.get("next")))
        form = LoginForm()
        message = None
        if request.method == "GET":
            form.next.data = safe_next(request.args.get("next"))
        elif form.validate_on_submit():
            name = form.name.data.strip()
            try:
                access, session_id = accounts.authenticate(storage, name, form.password.data, config.demo)
            except LoginRefused as refusal:  # (a name that is no user is not kept: it may be a mistyped password)
                audit.record(storage.engine, "login", "failed", user=name if refusal.known else None,
                             detail=refusal.reason, address=request.remote_addr)
                message = t(f"login_{refusal.reason}", lang)
            else:
                session.clear()  # nothing from before the sign-in is carried over, not even the CSRF token
                g.pop("csrf_token", None)  # (Flask-WTF keeps this request's token in g)
                session.permanent = True
                login_user(SignedIn(access, session_id))
                record(storage, "login", access=access)
                return redirect(keeping_language(safe_next(form.next.data), lang))
        else:
            message = t("login_incomplete" if "csrf_token" not in form.errors else "login_expired", lang)
        return _login_page(lang, form, message)  # 200 with the message: the form is simply shown again

    def _login_page(lang: str, form: LoginForm, message: str | None) -> str:
        return render_template("login.html", lang=lang, t=t, form=form, message=message, demo=config.demo,
                               roles=accounts.ROLES,
                               demo_accounts=accounts.demo_accounts(storage) if config.demo else [])

    @server.errorhandler(RateLimitExceeded)
    def too_many(_error):
        audit.record(storage.engine, "login", "refused", detail="throttled", address=request.remote_addr)
        lang = language(request.args.get("lang"))
        return _login_page(lang, LoginForm(next=safe_next(request.form.get("next"))), t("login_throttled", lang)), 429

    @server.post("/logout")
    def logout():
        access = current_access()
        if access is not None and current_user.session_id is not None:
            csrf.protect()
            accounts.end_sessions(storage, access.user)  # a copied cookie stops working too
            record(storage, "logout", access=access)
        logout_user()
        session.clear()
        query = urlencode(language_param(request.args.get("lang")))  # the sign-in page in the page's language
        response = redirect(f"/login?{query}" if query else "/login")
        response.delete_cookie(CSRF_COOKIE)
        return response


def _page_region(path: str, region_pages: dict[str, str]) -> str | None:
    for page, where in region_pages.items():
        if where == "query" and path == page:
            return request.args.get("region") or None
        if where == "path" and page.endswith("/") and path.startswith(page) and len(path) > len(page):
            return path[len(page):]
    return None


def access_in_job(server: Flask, storage: Storage, config: Config) -> Access | None:
    """The access of the user who started a background callback (which runs outside any request): read
    again from the session cookie or token of the request that started it."""
    context = dash.callback_context
    header = (context.headers or {}).get("Authorization", "") or (context.headers or {}).get("authorization", "")
    if header.startswith("Bearer "):
        return accounts.access_for_token(storage, header[7:].strip(), config.demo)
    cookie = (context.cookies or {}).get(server.config.get("SESSION_COOKIE_NAME", "session"))
    serializer = server.session_interface.get_signing_serializer(server)
    if not cookie or serializer is None:
        return None
    try:
        data = serializer.loads(cookie, max_age=int(server.permanent_session_lifetime.total_seconds()))
    except Exception:  # a bad or expired cookie is simply nobody
        return None
    session_id = data.get("_user_id")
    return accounts.load_session(storage, session_id, config.demo) if session_id else None
