"""The frame every page shares: header with title, navigation, language switch and region breadcrumb."""
from __future__ import annotations

from urllib.parse import urlencode

from dash import dcc, html

from dashboard.i18n import t
from layouts import ids


def href(path: str, **params) -> str:
    """A link with the query parameters that are set (the shareable state of a page)."""
    query = urlencode({k: v for k, v in params.items() if v and not (k == "lang" and v == "zh")})
    return f"{path}?{query}" if query else path


def crumbs(lang: str, path: str, lineage: list[dict], state: dict) -> list:
    """The breadcrumb (全国 › 省 › 市 › 县 …), each link keeping the page's other state."""
    links = [dcc.Link(t("nation", lang), href=href(path, **{**state, "region": None, "lang": lang}))]
    for region in lineage:
        links += [html.Span("›", className="crumb-sep"),
                  dcc.Link(region["name"], href=href(path, **{**state, "region": region["code"], "lang": lang}))]
    return links


def language_href(lang: str, path: str, state: dict) -> str:
    return href(path, **{**state, "lang": "en" if lang == "zh" else "zh"})


def frame(children, lang: str, path: str, lineage: list[dict], state: dict) -> html.Div:
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
        html.Div(crumbs(lang, path, lineage, state), id=ids.BREADCRUMB, className="breadcrumb"),
        html.Main(children),
    ])
