"""The frame every page shares: header with title, navigation, language switch and region breadcrumb."""
from __future__ import annotations

from urllib.parse import urlencode

from dash import dcc, html

from dashboard.i18n import t
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


def not_found(lang: str, path: str, what) -> html.Div:
    """The page for a region that does not exist or lies outside the caller's scope."""
    return frame(html.Div(className="card", children=[
        html.H2(f"{t('not_found', lang)}: {what}"),
        dcc.Link(t("back_to_nation", lang), href=href("/", lang=lang))]), lang, path, [], {})


def not_built(lang: str, path: str, lineage: list[dict], state: dict, error: Exception, crumb_path=None) -> html.Div:
    """The page shown before the figures are built (``python -m dashboard build``)."""
    return frame(html.Div(className="card", children=[html.H2(t("not_built", lang)), html.P(str(error))]),
                 lang, path, lineage, state, crumb_path)


def href(path: str, **params) -> str:
    """A link with the query parameters that are set (the shareable state of a page)."""
    query = urlencode({k: v for k, v in params.items() if v and not (k == "lang" and v == "zh")})
    return f"{path}?{query}" if query else path


def crumbs(lang: str, path: str, lineage: list[dict], state: dict, crumb_path=None) -> list:
    """The breadcrumb (全国 › 省 › 市 › 县 …), each link keeping the page's other state. With ``crumb_path``
    (region code or None → path) the region is in the path, not the query."""
    def link(code):
        if crumb_path:
            return href(crumb_path(code), **{**state, "region": None, "lang": lang})
        return href(path, **{**state, "region": code, "lang": lang})
    links = [dcc.Link(t("nation", lang), href=link(None))]
    for region in lineage:
        links += [html.Span("›", className="crumb-sep"), dcc.Link(region["name"], href=link(region["code"]))]
    return links


def language_href(lang: str, path: str, state: dict) -> str:
    return href(path, **{**state, "lang": "en" if lang == "zh" else "zh"})


def frame(children, lang: str, path: str, lineage: list[dict], state: dict, crumb_path=None) -> html.Div:
    """A page: header, breadcrumb and the page's own content."""
    return html.Div(className="page", lang="zh-CN" if lang == "zh" else "en", children=[
        html.Header(className="header", children=[
            html.H1(t("app_title", lang)),
            html.Nav([dcc.Link(t("nav_map", lang), href=href("/", region=state.get("region"), lang=lang)),
                      dcc.Link(t("nav_data", lang), href=href("/data", region=state.get("region"), lang=lang)),
                      dcc.Link(t("nav_upload", lang), href=href("/upload", lang=lang))]),
            dcc.Link(t("switch_language", lang), id=ids.LANGUAGE_LINK, className="language",
                     href=language_href(lang, path, state)),
        ]),
        html.Div(crumbs(lang, path, lineage, state, crumb_path), id=ids.BREADCRUMB, className="breadcrumb"),
        html.Main(children),
    ])
