"""Pure figure builders of the assessment workbench (``/assessment``, the evidence pack): data in, plotly
figure dicts or table rows out, unit-tested on hand-made answers (tests/test_assessment_api.py).

They draw what data/read/assessment.py answers (the same dicts the API serves): the ranking of every
county of a class with its composite, grade and progress rank; the robustness view (each county's range
of ranks over the seeded weight draws, and the probability of each grade); a county's dimension scores
against the class median; an indicator's trend against its peers' median and its target; the field
verification estimates with their confidence intervals against the thresholds. Plain dicts, as the map's
(validated with ``go.Figure`` in the tests). Labels come from the catalogs and the objects' own names.
"""
from __future__ import annotations

from data.definitions.messages import N_, localized, t
from layouts.figures import FONT, SERIES_COLOURS, period_date

GRADE_COLOURS = {"good": "#1d7a36", "fairly_good": "#5fa8d3", "average": "#f0ad4e", "poor": "#c0392b"}
RATE_NAMES = {"wrongly_exited": N_("assess_rate_wrongly_exited"), "missed": N_("assess_rate_missed"),
              "approval": N_("assess_rate_approval"), "identified": N_("assess_rate_identified")}
OTHER_COLOUR = "#7f8c8d"
MISSING = "—"
BAR_HEIGHT = 24


def _layout(title: str, height: int, **more) -> dict:
    return {"title": {"text": title, "font": {"size": 14}}, "height": height, "font": FONT,
            "margin": {"l": 8, "r": 24, "t": 44, "b": 28}, "paper_bgcolor": "#fff", "plot_bgcolor": "#fff",
            "dragmode": False, "legend": {"orientation": "h", "y": -0.12}, **more}


def grade_name(grades: list[dict], code: str | None, lang: str) -> str:
    """A grade's name (好 / 较好 / …) from the scheme's grade list; — for none."""
    found = next((g for g in grades if g["code"] == code), None)
    return localized(found, lang) if found else MISSING


def number(value, decimals: int = 1, signed: bool = False) -> str:
    if value is None:
        return MISSING
    return f"{value:{'+' if signed else ''},.{decimals}f}"


def share(value) -> str:
    return MISSING if value is None else f"{100 * value:.0f}%"


def dimension_score(county: dict, code: str) -> float | None:
    """A county's score in a dimension (the answer holds {score, coverage} per dimension, or a number)."""
    found = (county.get("dimensions") or {}).get(code)
    return found.get("score") if isinstance(found, dict) else found


def ranked(counties: list[dict]) -> list[dict]:
    """Counties in rank order (1 first), those without a score last, then by code."""
    return sorted(counties, key=lambda c: (c.get("rank") is None, c.get("rank") or 0, c["code"]))


# -- the ranking ---------------------------------------------------------------------------------------
RANKING_COLUMNS = ("rank", "name", "composite", "grade", "progress", "progress_rank", "coverage")


def ranking_columns(scores: dict, lang: str) -> list[dict]:
    """The ranking table's columns: rank, county, composite, grade, progress, progress rank, coverage and
    one per dimension (DataTable column dicts; ids are the answer's keys, ``dim:<code>`` for a dimension)."""
    names = {"rank": t("assess_col_rank", lang), "name": t("assess_col_county", lang),
             "composite": t("assess_col_composite", lang), "grade": t("assess_col_grade", lang),
             "progress": t("assess_col_progress", lang), "progress_rank": t("assess_col_progress_rank", lang),
             "coverage": t("assess_col_coverage", lang)}
    columns = [{"name": names[c], "id": c, **({"type": "numeric"} if c in ("rank", "progress_rank") else {})}
               for c in RANKING_COLUMNS]
    columns += [{"name": localized(d, lang), "id": f"dim:{d['code']}"} for d in scores["dimensions"]]
    return columns


def ranking_rows(scores: dict, lang: str) -> list[dict]:
    """One row per county in rank order, numbers as shown (a missing score is —, never 0)."""
    rows = []
    for county in ranked(scores["counties"]):
        row = {"id": county["code"], "code": county["code"], "rank": county.get("rank"), "name": county["name"],
               "composite": number(county.get("composite")),
               "grade": grade_name(scores["grades"], county.get("grade"), lang),
               "progress": number(county.get("progress"), signed=True),
               "progress_rank": county.get("progress_rank"), "coverage": share(county.get("coverage"))}
        for dimension in scores["dimensions"]:
            row[f"dim:{dimension['code']}"] = number(dimension_score(county, dimension["code"]))
        rows.append(row)
    return rows


def ranking_figure(scores: dict, lang: str) -> dict:
    """Horizontal bars of the composite, rank 1 on top, coloured by grade; each bar says its grade and
    progress rank. Counties without a composite are listed as such in the title's note, not drawn as 0."""
    shown = [c for c in ranked(scores["counties"]) if c.get("composite") is not None]
    missing = len(scores["counties"]) - len(shown)
    grades = scores["grades"]
    bars = {"type": "bar", "orientation": "h", "x": [c["composite"] for c in shown],
            "y": [f"{c['rank']}. {c['name']}" for c in shown], "customdata": [c["code"] for c in shown],
            "marker": {"color": [GRADE_COLOURS.get(c.get("grade"), OTHER_COLOUR) for c in shown]},
            "text": [t("assess_bar_text", lang).format(score=number(c["composite"]),
                                                        grade=grade_name(grades, c.get("grade"), lang),
                                                        progress=c.get("progress_rank") or MISSING)
                     for c in shown],
            "textposition": "outside", "cliponaxis": False, "outsidetextfont": {"color": "#1f2d3d"},
            "hovertemplate": "%{y}: %{text}<extra></extra>"}
    title = t("assess_ranking_title", lang).format(year=scores["year"], n=len(shown))
    if missing:
        title += " · " + t("assess_ranking_missing", lang).format(n=missing)
    layout = _layout(title, max(220, 70 + BAR_HEIGHT * len(shown)),
                     xaxis={"range": [0, 130], "fixedrange": True, "title": {"text": t("assess_score_axis", lang)}},
                     yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True, "type": "category"},
                     clickmode="event")
    if not shown:
        layout["annotations"] = [_no_data(lang)]
    return {"data": [bars], "layout": layout}


# -- robustness ----------------------------------------------------------------------------------------
def robustness_figure(robust: dict, lang: str) -> dict:
    """Each county's rank under the chosen weights (a dot) and the range of its ranks over the seeded weight
    draws (a bar from the 5th to the 95th percentile, whiskers to the extremes)."""
    counties = ranked(robust["counties"])
    shown = [c for c in counties if c.get("rank") is not None and c.get("rank_min") is not None]
    names = [c["name"] for c in shown]
    spread = {"type": "scatter", "mode": "markers", "x": [c["rank"] for c in shown], "y": names,
              "name": t("assess_rank_chosen", lang), "marker": {"color": SERIES_COLOURS["region"], "size": 9},
              "error_x": {"type": "data", "symmetric": False, "color": "#1f5fa8", "thickness": 6, "width": 0,
                          "array": [max(0.0, c["rank_p95"] - c["rank"]) for c in shown],
                          "arrayminus": [max(0.0, c["rank"] - c["rank_p05"]) for c in shown]},
              "customdata": [[c["rank_p05"], c["rank_p95"], c["rank_min"], c["rank_max"]] for c in shown],
              "hovertemplate": "%{y}: " + t("assess_rank_hover", lang).format(
                  rank="%{x}", low="%{customdata[0]}", high="%{customdata[1]}", min="%{customdata[2]}",
                  max="%{customdata[3]}") + "<extra></extra>"}
    extremes = {"type": "scatter", "mode": "markers", "y": names * 2, "name": t("assess_rank_extremes", lang),
                "x": [c["rank_min"] for c in shown] + [c["rank_max"] for c in shown],
                "marker": {"symbol": "line-ns-open", "size": 12, "color": "#7f8c8d"}, "hoverinfo": "skip"}
    title = t("assess_robust_title", lang).format(samples=robust["samples"], seed=robust["seed"])
    most = max([c["rank_max"] for c in shown], default=1)
    layout = _layout(title, max(240, 80 + BAR_HEIGHT * len(shown)),
                     xaxis={"range": [0.5, most + 0.5], "dtick": 1 if most <= 30 else None, "fixedrange": True,
                            "title": {"text": t("assess_rank_axis", lang)}},
                     yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True, "type": "category"})
    if not shown:
        layout["annotations"] = [_no_data(lang)]
    return {"data": [extremes, spread], "layout": layout}


def grade_probability_figure(robust: dict, grades: list[dict], lang: str) -> dict:
    """Stacked bars per county: the share of weight draws giving each grade (a solid grade is one colour)."""
    shown = [c for c in ranked(robust["counties"]) if c.get("rank") is not None]
    names = [c["name"] for c in shown]
    grades = [*grades, {"code": "ungraded", "zh": t("assess_ungraded", "zh"), "en": t("assess_ungraded", "en")}]
    traces = [{"type": "bar", "orientation": "h", "name": localized(g, lang), "y": names,
               "x": [round(100 * (c.get("grade_probabilities") or {}).get(g["code"], 0.0), 1) for c in shown],
               "marker": {"color": GRADE_COLOURS.get(g["code"], OTHER_COLOUR)},
               "hovertemplate": f"%{{y}} · {localized(g, lang)}: %{{x:.1f}}%<extra></extra>"} for g in grades]
    layout = _layout(t("assess_grade_prob_title", lang), max(240, 80 + BAR_HEIGHT * len(shown)), barmode="stack",
                     xaxis={"range": [0, 100], "ticksuffix": "%", "fixedrange": True},
                     yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True, "type": "category"})
    if not shown:
        layout["annotations"] = [_no_data(lang)]
    return {"data": traces, "layout": layout}


def solid_grades(robust: dict, cut: float = 0.9) -> list[str]:
    """The codes of counties whose likeliest grade holds in at least ``cut`` of the draws."""
    return [c["code"] for c in robust["counties"]
            if max((c.get("grade_probabilities") or {}).values(), default=0) >= cut]


# -- a county's evidence -------------------------------------------------------------------------------
def dimension_figure(evidence: dict, lang: str) -> dict:
    """The county's score in each dimension beside the median of its class (grouped bars, 0–100)."""
    dimensions = evidence["dimensions"]
    names = [localized(d, lang) for d in dimensions]
    traces = [
        {"type": "bar", "name": evidence["county"]["name"], "x": names, "y": [d.get("score") for d in dimensions],
         "marker": {"color": SERIES_COLOURS["region"]}, "customdata": [d["code"] for d in dimensions],
         "text": [number(d.get("score")) for d in dimensions], "textposition": "outside",
         "outsidetextfont": {"color": "#1f2d3d"}, "hovertemplate": "%{x}: %{text}<extra></extra>"},
        {"type": "bar", "name": t("assess_class_median", lang), "x": names,
         "y": [d.get("peers_median") for d in dimensions], "marker": {"color": SERIES_COLOURS["peers"]},
         "customdata": [d["code"] for d in dimensions], "hovertemplate": "%{x}: %{y:.1f}<extra></extra>"},
    ]
    layout = _layout(t("assess_dimension_title", lang).format(county=evidence["county"]["name"]), 300,
                     barmode="group", yaxis={"range": [0, 115], "fixedrange": True, "automargin": True},
                     xaxis={"fixedrange": True, "automargin": True}, clickmode="event")
    return {"data": traces, "layout": layout}


def indicator_trend_figure(indicator: dict, lang: str) -> dict:
    """An indicator's metric over the years for the county and the median of its class peers, with the
    scheme's target as a dashed line."""
    trend = indicator.get("trend") or []
    peers = indicator.get("peers_trend") or []
    unit = localized(indicator, lang, zh="unit", en="unit_en") if "unit_en" in indicator else indicator.get("unit", "")
    traces = [
        {"type": "scatter", "mode": "lines+markers", "name": t("assess_this_county", lang),
         "x": [period_date(str(p["period"])) for p in trend], "y": [p["value"] for p in trend],
         "line": {"color": SERIES_COLOURS["region"], "width": 3}, "customdata": [str(p["period"]) for p in trend],
         "hovertemplate": f"%{{customdata}}: %{{y:,.2f}} {unit}<extra></extra>"},
        {"type": "scatter", "mode": "lines+markers", "name": t("assess_class_median", lang),
         "x": [period_date(str(p["period"])) for p in peers], "y": [p["value"] for p in peers],
         "line": {"color": SERIES_COLOURS["peers"], "dash": "dot"}, "customdata": [str(p["period"]) for p in peers],
         "hovertemplate": f"%{{customdata}}: %{{y:,.2f}} {unit}<extra></extra>"},
    ]
    layout = _layout(t("assess_trend_title", lang).format(indicator=localized(indicator, lang), unit=unit), 280,
                     xaxis={"type": "date", "tickformat": "%Y", "dtick": "M12", "fixedrange": True},
                     yaxis={"fixedrange": True, "automargin": True}, shapes=[], annotations=[])
    if indicator.get("target") is not None:
        layout["shapes"].append({"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y",
                                 "y0": indicator["target"], "y1": indicator["target"],
                                 "line": {"dash": "dash", "color": "#a61b1b", "width": 1}})
        layout["annotations"].append({"xref": "x domain", "x": 0, "yref": "y", "y": indicator["target"],
                                      "showarrow": False, "xanchor": "left", "yanchor": "bottom",
                                      "text": t("assess_target_line", lang).format(target=indicator["target"])})
    if not any(p["value"] is not None for p in trend):
        layout["annotations"].append(_no_data(lang))
    return {"data": traces, "layout": layout}


# -- field verification --------------------------------------------------------------------------------
def verification_figure(results: dict, lang: str) -> dict:
    """Each field rate (wrongful exits, missed households, approval; per cent) as a point with its
    design-weighted 95 % interval and the threshold as a marker; green where the whole interval lies on the
    right side of it, red where it lies on the wrong side, amber when undecided."""
    rates = [r for r in results.get("rates", []) if r.get("estimate") is not None and r.get("threshold") is not None]
    names = [t(RATE_NAMES[r["code"]], lang) for r in rates]
    points = {"type": "scatter", "mode": "markers", "x": [r["estimate"] for r in rates], "y": names,
              "name": t("assess_estimate", lang),
              "marker": {"size": 11, "color": [_verdict_colour(r.get("verdict")) for r in rates]},
              "error_x": {"type": "data", "symmetric": False, "color": "#1f5fa8", "thickness": 2,
                          "array": [r["high"] - r["estimate"] for r in rates],
                          "arrayminus": [r["estimate"] - r["low"] for r in rates]},
              "customdata": [[round(r["low"], 1), round(r["high"], 1), r.get("n")] for r in rates],
              "hovertemplate": "%{y}: %{x:.1f}% (95% CI %{customdata[0]}–%{customdata[1]}%, n=%{customdata[2]})"
                               "<extra></extra>"}
    lines = {"type": "scatter", "mode": "markers", "x": [r["threshold"] for r in rates], "y": names,
             "name": t("assess_threshold", lang), "marker": {"symbol": "line-ns-open", "size": 18, "color": "#a61b1b"},
             "hovertemplate": "%{y}: " + t("assess_threshold", lang) + " %{x:.0f}%<extra></extra>"}
    layout = _layout(t("assess_verification_title", lang), max(220, 90 + 40 * len(rates)),
                     xaxis={"range": [0, 100], "ticksuffix": "%", "fixedrange": True},
                     yaxis={"automargin": True, "fixedrange": True, "type": "category"})
    if not rates:
        layout["annotations"] = [_no_data(lang)]
    return {"data": [points, lines], "layout": layout}


def _verdict_colour(verdict: str | None) -> str:
    return {"meets": "#1d7a36", "fails": "#c0392b"}.get(verdict or "", "#f0ad4e")


def _no_data(lang: str) -> dict:
    return {"text": t("no_data_here", lang), "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5,
            "y": 0.5, "font": {"size": 14, "color": "#5d6b7a"}}
