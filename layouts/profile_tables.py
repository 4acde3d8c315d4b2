"""The labels of the profile's tables: the code-keyed frames of data/read/profile.py as the page shows them
and the downloads send them — bilingual headers (Chinese / English), enumerations in the official Chinese
terms, metrics by name. Labels are attached here only, when drawing; the frames stay keyed by codes."""
from __future__ import annotations

import pandas as pd

from data.definitions import contract, metrics
from data.definitions.messages import t
from data.read.peers import Peers

FLAGGED = "flagged"  # the column whose non-empty cells mark a row that needs attention
PROJECT_COLUMNS = ("project_id", "name", "type", "year", "status", "funds_total", "fund_connection", "jobs_created",
                   "households_linked", "output_value", FLAGGED)
FUNDS_COLUMNS = ("year", "use", "allocated", "spent", "spend_rate")


def bilingual(key: str) -> str:
    """A header in both languages, as the spreadsheets of the users are written (no space after a
    full-width bracket)."""
    zh, en = t(key, "zh"), t(key, "en")
    return f"{zh}{'/' if zh.endswith('）') else ' /'} {en}"


def peers_header(group: Peers) -> str:
    """What the peers' median is taken over, in both languages."""
    if group.kind == "province_counties":
        key = "profile_peers_county" if group.tier_applies else "profile_peers_county_all"
    else:
        key = "profile_peers_provinces" if group.kind == "provinces" else "profile_peers_siblings"
    return f"{t(key, 'zh').format(tier=group.tier.zh)} / {t(key, 'en').format(tier=group.tier.en)}"


def _series(frame: pd.DataFrame) -> pd.DataFrame:
    """A series table: the period, then each metric under its Chinese name."""
    names = {"period": bilingual("col_period"), "risk_eliminated_in_month": t("col_risk_eliminated_in_month", "zh")}
    return frame.rename(columns=lambda c: names.get(c) or metrics.get(c).zh)


def _key_figures(frame: pd.DataFrame) -> pd.DataFrame:
    compare = frame.attrs["comparison"]
    names = [metrics.get(code) for code in frame["metric"]]
    return pd.DataFrame({
        "metric": frame["metric"], bilingual("col_indicator"): [f"{m.zh} / {m.en}" for m in names],
        bilingual("col_unit"): frame["unit"], bilingual("col_period"): frame["period"],
        bilingual("col_value"): frame["value"], bilingual("col_change"): frame["change"],
        f"{compare.parent['name'] if compare.parent else '—'} / {t('col_parent', 'en')}": frame["parent"],
        peers_header(compare.peers): frame["peers_median"], bilingual("profile_col_rank"): frame["rank"],
        bilingual("col_ranked"): frame["ranked"],
    })


def _projects(frame: pd.DataFrame) -> pd.DataFrame:
    labels = {"type": lambda v: contract.label_zh("projects", "type", v),
              "status": lambda v: contract.label_zh("projects", "status", v),
              FLAGGED: lambda v: bilingual("project_flag") if v else ""}
    return pd.DataFrame({bilingual(f"col_project_{c}"): [labels[c](v) for v in frame[c]] if c in labels else frame[c]
                         for c in PROJECT_COLUMNS})


def _funds(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({bilingual(f"col_funds_{c}"): [contract.label_zh("funds", "use", v) for v in frame[c]]
                         if c == "use" else frame[c] for c in FUNDS_COLUMNS})


def labelled(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Table ``name`` of the profile (profile.TABLES) with its labels, as shown and downloaded."""
    if frame.empty:
        return frame
    if name == "key_figures":
        return _key_figures(frame)
    if name == "projects":
        return _projects(frame)
    if name == "funds":
        return _funds(frame)
    return _series(frame)


def flagged_column(name: str) -> str | None:
    """The labelled column that flags rows needing attention (idle and failed projects), if any."""
    return bilingual(f"col_project_{FLAGGED}") if name == "projects" else None
