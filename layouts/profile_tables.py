"""The labels of the profile's tables: the code-keyed frames of data/read/profile.py as the page shows them
and the downloads send them. In Chinese: bilingual headers (Chinese / English), enumerations in the official
Chinese terms, metrics by their Chinese names; in English: English headers, enumerations, metric names and
units (data/definitions/labels.py, from the catalogs; only region names and stored free text stay as
written). Labels are attached here only, when drawing; the frames stay keyed by codes."""
from __future__ import annotations

import pandas as pd

from data.definitions import labels, metrics
from data.definitions.messages import language, localized, t
from data.read.peers import Peers

FLAGGED = "flagged"  # the column whose non-empty cells mark a row that needs attention
PROJECT_COLUMNS = ("project_id", "name", "type", "year", "status", "funds_total", "fund_connection", "jobs_created",
                   "households_linked", "output_value", FLAGGED)
FUNDS_COLUMNS = ("year", "use", "allocated", "spent", "spend_rate")


def bilingual(key: str, lang: str = "zh") -> str:
    """A header: in Chinese in both languages, as the spreadsheets of the users are written (no space after a
    full-width bracket); in English, English alone."""
    zh, en = t(key, "zh"), t(key, "en")
    return localized((f"{zh}{'/' if zh.endswith('）') else ' /'} {en}", en), lang)


def peers_header(group: Peers, lang: str = "zh") -> str:
    """What the peers' median is taken over, in both languages (in English: in English)."""
    if group.kind == "province_counties":
        key = "profile_peers_county" if group.tier_applies else "profile_peers_county_all"
    else:
        key = "profile_peers_provinces" if group.kind == "provinces" else "profile_peers_siblings"
    english = t(key, "en").format(tier=group.tier.en)
    return localized((f"{t(key, 'zh').format(tier=group.tier.zh)} / {english}", english), lang)


def _series(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A series table: the period, then each metric under its name (Chinese, or English in English)."""
    names = {"period": bilingual("col_period", lang),
             "risk_eliminated_in_month": t("col_risk_eliminated_in_month", language(lang))}
    return frame.rename(columns=lambda c: names.get(c) or localized(metrics.get(c), lang))


def _unit(unit: str, value, lang: str) -> str:
    """The unit of a key figure in ``lang`` (户; in English singular or plural as the value: household)."""
    return labels.unit_text(unit, 0 if value is None or value != value else value, lang)


def _key_figures(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    compare = frame.attrs["comparison"]
    names = [metrics.get(code) for code in frame["metric"]]
    parent = compare.parent["name"] if compare.parent else "—"
    return pd.DataFrame({
        "metric": frame["metric"],
        bilingual("col_indicator", lang): [localized((f"{m.zh} / {m.en}", m.en), lang) for m in names],
        bilingual("col_unit", lang): [_unit(u, v, lang) for u, v in zip(frame["unit"], frame["value"])],
        bilingual("col_period", lang): frame["period"],
        bilingual("col_value", lang): frame["value"], bilingual("col_change", lang): frame["change"],
        localized((f"{parent} / {t('col_parent', 'en')}",
                   t("label_with_note", "en").format(name=t("col_parent", "en"), note=parent)), lang): frame["parent"],
        peers_header(compare.peers, lang): frame["peers_median"], bilingual("profile_col_rank", lang): frame["rank"],
        bilingual("col_ranked", lang): frame["ranked"],
    })


def _projects(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    flag = bilingual("project_flag", lang)
    terms = {"type": lambda v: labels.value_label("projects", "type", v, lang),
             "status": lambda v: labels.value_label("projects", "status", v, lang),
             FLAGGED: lambda v: flag if v else ""}
    return pd.DataFrame({bilingual(f"col_project_{c}", lang): [terms[c](v) for v in frame[c]] if c in terms
                         else frame[c] for c in PROJECT_COLUMNS})


def _funds(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({bilingual(f"col_funds_{c}", lang): [labels.value_label("funds", "use", v, lang)
                                                          for v in frame[c]]
                         if c == "use" else frame[c] for c in FUNDS_COLUMNS})


def labelled(name: str, frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Table ``name`` of the profile (profile.TABLES) with its labels in ``lang``, as shown and downloaded."""
    if frame.empty:
        return frame
    if name == "key_figures":
        return _key_figures(frame, lang)
    if name == "projects":
        return _projects(frame, lang)
    if name == "funds":
        return _funds(frame, lang)
    return _series(frame, lang)


def flagged_column(name: str, lang: str = "zh") -> str | None:
    """The labelled column that flags rows needing attention (idle and failed projects), if any."""
    return bilingual(f"col_project_{FLAGGED}", lang) if name == "projects" else None
