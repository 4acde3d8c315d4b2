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


def frame(children, lang: str, path: str, lineage: list[dict], state: dict) -> html.Div:
    """A page: header, breadcrumb (全国 › 省 › 市 › 县 …) and the page's own content."""
    crumbs = [dcc.Link(t("nation", lang), href=href(path, **{**state, "region": None, "lang": lang}))]
    for region in lineage:
        crumbs += [html.Span("›", className="crumb-sep"),
                   dcc.Link(region["name"], href=href(path, **{**state, "region": region["code"], "lang": lang}))]
    other = "en" if lang == "zh" else "zh"
    return html.Div(className="page", lang="zh-CN" if lang == "zh" else "en", children=[
        html.Header(className="header", children=[
            html.H1(t("app_title", lang)),
            html.Nav([dcc.Link(t("nav_map", lang), href=href("/", region=state.get("region"), lang=lang)),
                      dcc.Link(t("nav_data", lang), href=href("/data", region=state.get("region"), lang=lang)),
                      dcc.Link(t("nav_upload", lang), href=href("/upload", lang=lang))]),
            dcc.Link(t("switch_language", lang), id=ids.LANGUAGE_LINK, className="language",
                     href=href(path, **{**state, "lang": other})),
        ]),
        html.Div(crumbs, id=ids.BREADCRUMB, className="breadcrumb"),
        html.Main(children),
    ])
