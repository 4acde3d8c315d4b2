"""The frame every page shares: header with title, navigation, language switch and region breadcrumb."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from dash import dcc, html
from flask_wtf.csrf import generate_csrf

from data.definitions.messages import language, localized, other_language, t
from layouts import ids


def text(value) -> str | None:
    """A query parameter or callback value as one string, or None: a repeated parameter (a list) gives its
    first value, anything else that is not a string is ignored."""
    if isinstance(value, list) and value:
        value = value[0]
    return value if isinstance(value, str) and value else None


def state_of(value) -> dict:
    """A page's store as sent back by the browser: a dict, or an empty one."""
    return value if isinstance(value, dict) else {}


def clicked_code(click) -> str | None:
    """The region code of a click on the map (``location``) or on a ranking bar (``customdata``)."""
    points = click.get("points") if isinstance(click, dict) else None
    point = points[0] if isinstance(points, list) and points else None
    if not isinstance(point, dict):
        return None
    code = point.get("location", point.get("customdata"))
    return code if isinstance(code, str) else None


def not_found(access, lang: str, path: str, what) -> html.Div:
    """The page for a region that does not exist or lies outside the caller's scope."""
    return frame(access, html.Div(className="card", children=[
        html.H2(f"{t('not_found', lang)}: {what}"),
        dcc.Link(t("back_to_nation", lang), href=href("/", lang=lang))]), lang, path, [], {})


def not_built(access, lang: str, path: str, lineage: list[dict], state: dict, error: Exception,
              crumb_path=None) -> html.Div:
    """The page shown before the figures are built (``python -m dashboard build``)."""
    return frame(access, html.Div(className="card", children=[html.H2(t("not_built", lang)), html.P(str(error))]),
                 lang, path, lineage, state, crumb_path)


def href(path: str, **params) -> str:
    """A link with the query parameters that are set (the shareable state of a page)."""
    query = urlencode({k: v for k, v in params.items() if v and not (k == "lang" and v == "zh")})
    return f"{path}?{query}" if query else path


def crumbs(access, lang: str, path: str, lineage: list[dict], state: dict, crumb_path=None) -> list:
    """The breadcrumb (全国 › 省 › 市 › 县 …), each link keeping the page's other state. With ``crumb_path``
    (region code or None → path) the region is in the path, not the query."""
    def link(code):
        if crumb_path:
            return href(crumb_path(code), **{**state, "region": None, "lang": lang})
        return href(path, **{**state, "region": code, "lang": lang})
    # Regions above the caller's scope are named but not linked (opening them would be refused).
    links = [dcc.Link(t("nation", lang), href=link(None)) if access.everything
             else html.Span(t("nation", lang))]
    for region in lineage:
        name = (dcc.Link(region["name"], href=link(region["code"])) if region.get("in_scope", True)
                else html.Span(region["name"], className="crumb-outside"))
        links += [html.Span("›", className="crumb-sep"), name]
    return links


def language_href(lang: str, path: str, state: dict) -> str:
    return href(path, **{**state, "lang": other_language(lang)})


def user_box(access, lang: str) -> html.Div:
    """Who is signed in (name and role) and the sign-out button (a POST form with the CSRF token)."""
    role = localized(access.role, lang)
    return html.Div(className="user-box", id=ids.USER_BOX, children=[
        html.Span(t("user_role", lang).format(user=access.user, role=role)),
        html.Form(action=href("/logout", lang=lang), method="post", children=[
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
            html.Button(t("logout", lang), type="submit", id=ids.LOGOUT)])])


def frame(access, children, lang: str, path: str, lineage: list[dict], state: dict, crumb_path=None) -> html.Div:
    """A page: header (navigation for what the role may open), breadcrumb and the page's own content."""
    nav = [dcc.Link(t("nav_map", lang), href=href("/", region=state.get("region"), lang=lang)),
           dcc.Link(t("nav_monitoring", lang), href=href("/monitoring", region=state.get("region"), lang=lang)),
           dcc.Link(t("nav_data", lang), href=href("/data", region=state.get("region"), lang=lang)),
           dcc.Link(t("assess_nav", lang), href=href("/assessment", lang=lang))]
    if access.role.levels is None or {"province", "city", "county"} & set(access.role.levels):  # the paired levels
        nav.append(dcc.Link(t("collab_nav", lang), href=href("/collaboration", lang=lang), id="nav-collaboration"))
    if access.role.can_import:
        nav.append(dcc.Link(t("nav_upload", lang), href=href("/upload", lang=lang)))
    if access.role.can_admin:
        nav.append(dcc.Link(t("nav_admin", lang), href=href("/admin", lang=lang)))
    return html.Div(className="page", lang=t("html_lang", lang), children=[
        html.Header(className="header", children=[
            html.H1(t("app_title", lang)),
            html.Nav(nav),
            dcc.Link(t("switch_language", lang), id=ids.LANGUAGE_LINK, className="language",
                     href=language_href(lang, path, state)),
            user_box(access, lang),
        ]),
        html.Div(crumbs(access, lang, path, lineage, state, crumb_path), id=ids.BREADCRUMB, className="breadcrumb"),
        html.Main(children),
    ])


# -- the browser tab's title in the page's language (issue 17.7) ------------------------------------------
TITLES = {"map": "nav_map", "region": "profile_title", "monitoring": "nav_monitoring", "data": "nav_data",
          "upload": "nav_upload", "admin": "nav_admin", "collaboration": "collab_nav",
          "assessment": "assess_title"}  # page (dash.page_registry) → msgid of its name


def request_language() -> str:
    """The language of the page being opened: ``?lang=`` of the address, or of the search the pages callback
    sends (``_pages_location.search``); Chinese otherwise."""
    from flask import has_request_context, request

    if not has_request_context():
        return language(None)
    lang = request.args.get("lang")
    body = request.get_json(silent=True) if request.method == "POST" else None
    for item in (body or {}).get("inputs", []) if isinstance(body, dict) else []:
        if isinstance(item, dict) and item.get("property") == "search" and isinstance(item.get("value"), str):
            lang = dict(parse_qsl(item["value"].lstrip("?"))).get("lang", lang)
    return language(lang)


def page_title(msgid: str | None):
    """A page's title as Dash asks for it (a function: the page's name and the app's, in the page's language)."""
    def title(**_path_variables) -> str:
        lang = request_language()
        return f"{t(msgid, lang)} · {t('app_title', lang)}" if msgid else t("app_title", lang)
    return title


def localized_titles(registry) -> None:
    """Every registered page titled in the language it is opened in (a page not named in :data:`TITLES`: the
    app's title)."""
    for name, entry in registry.items():
        entry["title"] = page_title(TITLES.get(name))
