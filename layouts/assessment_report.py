"""The evidence pack of a county (``/assessment/<county>/pack.pdf`` and ``.xlsx``, ``python -m dashboard pack``):
the assessment of one county as a document to hand over.

Assembled here, for the caller, from the same read service as the page (data/read/assessment.py): a cover
(county, class, scheme id, version and title, data version, year, generation time), the scores by dimension
against the class median with the composite, grade, ranks and coverage and the rules they rest on, one
section per dimension (named by the dimension's title) with every indicator's definition, value, target,
normalised score, weight, trend and peers, and the field verification (design and estimates against the
thresholds). Written as PDF (CJK font embedded) or XLSX by data/ingest/report.py.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from data.definitions.messages import N_, language, localized, t
from data.ingest import report as document_files
from data.ingest.report import Chart, Document, Section, Series, Table
from data.read import assessment
from layouts import figures_assessment as charts

FORMATS = {"pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
CLASS_NAMES = {"national_key": N_("assess_class_national_key"), "provincial_key": N_("assess_class_provincial_key"),
               "other": N_("assess_class_other"), "all": N_("assess_class_all")}
VERDICTS = {"meets": N_("assess_verdict_meets"), "fails": N_("assess_verdict_fails"),
            "undecided": N_("assess_verdict_undecided")}


def path(county: str, fmt: str) -> str:
    return f"/assessment/{county}/pack.{fmt}"


def _scores(found: dict, lang: str) -> Section:
    own = found["score"]
    summary = t("assess_county_summary", lang).format(
        county=found["county"]["name"], klass=t(CLASS_NAMES[found["county"]["class"]], lang),
        score=charts.number(own["composite"]), grade=charts.grade_name(found["grades"], own["grade"], lang),
        rank=own["rank"] or "—", n=found["peers"], progress=charts.number(own["progress"], signed=True),
        progress_rank=own["progress_rank"] or "—", coverage=charts.share(own["coverage"]))
    dims = found["dimensions"]
    frame = pd.DataFrame({
        t("assess_col_dimension", lang): [localized(d, lang) for d in dims],
        t("assess_col_share", lang): [f"{100 * d['share']:.1f}%" for d in dims],
        t("assess_col_score", lang): [d["score"] for d in dims],
        t("assess_class_median", lang): [d["peers_median"] for d in dims],
        t("assess_col_coverage", lang): [charts.share(d["coverage"]) for d in dims],
    })
    chart = Chart(title=t("assess_dimension_title", lang).format(county=found["county"]["name"]),
                  no_data=t("no_data_here", lang), series=[
                      Series(found["county"]["name"], [localized(d, lang) for d in dims], [d["score"] for d in dims]),
                      Series(t("assess_class_median", lang), [localized(d, lang) for d in dims],
                             [d["peers_median"] for d in dims], colour="#7f8c8d")])
    rules = found.get("rule") or {}
    notes = [localized(rules[k], lang) for k in ("reweighting", "coverage", "grade", "progress") if k in rules]
    return Section("scores", t("assess_pack_scores", lang), [summary, Table(frame, no_data=t("no_data_here", lang)),
                                                             chart, *notes])


def _trend_text(points: list[dict]) -> str:
    return "；".join(f"{p['period']}: {charts.number(p['value'], 2)}" for p in points)


def _dimension(dimension: dict, lang: str) -> Section:
    items = dimension["indicators"]
    frame = pd.DataFrame({
        t("assess_col_indicator", lang): [localized(i, lang) for i in items],
        t("assess_col_definition", lang): [localized(i, lang, zh="definition_zh", en="definition_en") for i in items],
        t("assess_col_unit", lang): [localized(i, lang, zh="unit", en="unit_en") for i in items],
        t("assess_col_value", lang): [i["value"] if i["present"] else t("assess_missing", lang) for i in items],
        t("assess_col_target", lang): [i["target"] for i in items],
        t("assess_col_normalised", lang): [i["normalised"] for i in items],
        t("assess_col_share", lang): [f"{100 * i['share']:.1f}%" for i in items],
        t("assess_col_trend", lang): [_trend_text(i["trend"]) for i in items],
        t("assess_col_peers", lang): [i["peers"]["median"] for i in items],
        t("assess_col_peer_rank", lang): [f"{i['peers']['rank'] or '—'} / {i['peers']['n']}" for i in items],
    })
    heading = t("assess_pack_dimension", lang).format(score=charts.number(dimension["score"]),
                                                      coverage=charts.share(dimension["coverage"]))
    notes = [f"{localized(i, lang)}：{localized(i, lang, zh='description_zh', en='description_en')}" for i in items
             if i.get("description_zh")]
    return Section(dimension["code"], localized(dimension, lang), [heading, Table(frame, no_data=t("no_data_here", lang)),
                                                                   *notes])


def _verification(storage, access, county: str, lang: str) -> Section:
    blocks: list = []
    try:
        design = assessment.field_design(storage, access, county)
        results = assessment.field_results(storage, access, county)
    except (assessment.BadRequest, LookupError, PermissionError) as error:
        return Section("verification", t("assess_verification", lang), [str(error)])
    blocks.append(t("assess_design_summary", lang).format(villages=len(design["villages"]),
                                                          households=design["size"], seed=design["seed"]))
    blocks.append(Table(pd.DataFrame({
        t("assess_col_village", lang): [v["village"] or v["village_code"] for v in design["villages"]],
        t("assess_col_stratum", lang): [v["stratum"] for v in design["villages"]],
        t("assess_col_population", lang): [v["population"] for v in design["villages"]],
        t("assess_col_sampled", lang): [v["sampled"] for v in design["villages"]],
        t("assess_col_probability", lang): [v["probability"] for v in design["villages"]],
    }), no_data=t("no_data_here", lang)))
    rates = [r for r in results["rates"] if r.get("threshold") is not None]
    if rates:
        blocks.append(Table(pd.DataFrame({
            t("assess_col_rate", lang): [t(charts.RATE_NAMES[r["code"]], lang) for r in rates],
            t("assess_estimate", lang): [None if r["estimate"] is None else round(r["estimate"], 2) for r in rates],
            t("assess_col_interval", lang): [f"{r['low']:.2f}–{r['high']:.2f}" if r["low"] is not None else "—"
                                             for r in rates],
            t("assess_threshold", lang): [r["threshold"] for r in rates],
            t("assess_col_answers", lang): [r["n"] for r in rates],
            t("assess_col_verdict", lang): [t(VERDICTS[r["verdict"]], lang) if r.get("verdict") in VERDICTS else "—"
                                            for r in rates],
        }), title=t("assess_verification_title", lang), no_data=t("no_data_here", lang)))
        blocks.append(localized(results["formula"], lang))
    else:
        blocks.append(t("assess_no_results", lang))
    return Section("verification", t("assess_verification", lang), blocks)


def document(storage, access, county: str, scheme: str | None = None, version: int | None = None,
             year: int | None = None, lang: str | None = None, now: dt.datetime | None = None) -> Document:
    """The evidence pack of ``county`` for the caller (NotFound / BadRequest / OutOfScope as the API)."""
    lang = language(lang)
    found = assessment.evidence(storage, access, county, scheme, version, year)
    sections = [_scores(found, lang), *[_dimension(d, lang) for d in found["dimensions"]],
                _verification(storage, access, found["county"]["code"], lang)]
    now = now or dt.datetime.now().astimezone()
    scheme_info = found["scheme"]
    year_text = found["year"] + (f"（{t('assess_year_to_date', lang).format(through=found['through'])}）"
                                 if found["partial"] else "")
    cover = [(t("report_region", lang), f"{found['county']['name']}（{found['county']['code']}）"),
             (t("assess_class", lang), t(CLASS_NAMES[found["county"]["class"]], lang)),
             (t("assess_scheme", lang), f"{localized(scheme_info, lang)}（{scheme_info['id']} v{scheme_info['version']}）"),
             (t("assess_year", lang), year_text),
             (t("report_data_version", lang), str(found["data_version"])),
             (t("assess_cube_version", lang), str((found.get("versions") or {}).get("cube_version") or "—")),
             (t("report_generated", lang), now.strftime("%Y-%m-%d %H:%M %z")),
             (t("report_generated_for", lang), access.user or "—")]
    title = t("assess_pack_title", lang).format(county=found["county"]["name"], year=found["year"])
    return Document(title=title, region=found["county"]["code"], cover=cover, sections=sections,
                    page_label=t("report_page", lang), creator=t("app_title", lang),
                    footer=f"{title} · {scheme_info['id']} v{scheme_info['version']} · "
                           f"{t('report_data_version', lang)} {found['data_version']}")


def render(storage, access, county: str, fmt: str, scheme: str | None = None, version: int | None = None,
           year: int | None = None, lang: str | None = None) -> tuple[Document, bytes]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown pack format {fmt!r}")
    made = document(storage, access, county, scheme, version, year, lang)
    return made, (document_files.to_pdf(made) if fmt == "pdf" else document_files.to_xlsx(made))


def file_name(made: Document, fmt: str) -> str:
    return f"{made.region}-{made.title}.{fmt}"


# -- the field-verification checklist (``/assessment/<county>/checklist.pdf|xlsx?seed=&lang=``) ----------
VILLAGE_STRATA = {"disaster": N_("assess_vstratum_disaster"), "monitored_many": N_("assess_vstratum_monitored_many"),
                  "former_poor_many": N_("assess_vstratum_former_poor_many"), "other": N_("assess_vstratum_other")}
HOUSEHOLD_STRATA = {"unstable_former_poor": N_("assess_hstratum_unstable_former_poor"),
                    "marginal": N_("assess_hstratum_marginal"), "sudden_hardship": N_("assess_hstratum_sudden_hardship"),
                    "outside_illness": N_("assess_hstratum_outside_illness"),
                    "outside_other": N_("assess_hstratum_outside_other")}
VISIT_COLUMNS = (N_("assess_check_correctly_identified"), N_("assess_check_should_be_monitored"),
                 N_("assess_check_wrongly_exited"), N_("assess_check_satisfied"), N_("assess_check_note"))
MODE_NOTES = {"sample": N_("assess_mode_sample"), "hidden": N_("assess_mode_hidden"),
              "outside": N_("assess_mode_outside")}


def stratum_name(code: str | None, lang: str) -> str:
    """A village or household stratum's name (a code the catalog does not know: the code itself)."""
    msgid = VILLAGE_STRATA.get(code) or HOUSEHOLD_STRATA.get(code)
    return t(msgid, lang) if msgid else str(code or "—")


def checklist(storage, access, county: str, seed: int | None = None, lang: str | None = None,
              now: dt.datetime | None = None) -> Document:
    """The field-verification checklist of ``county`` in the round ``seed``: the design stated (villages by
    stratum with their probabilities, households inside and outside the monitoring register with their
    probabilities and weights, the seed and the sample id to draw it again), the villages drawn, then the
    households inside and outside the register with blank columns for the visit's answers (the columns of
    the contract's field verification results table)."""
    from data.compute import verification
    from data.definitions import policy

    lang = language(lang)
    design = assessment.field_design(storage, access, county, seed)
    place, drawn = design["county"], design["design"]
    sample_id = verification.sample_id(design["seed"], place["code"])
    statement = t("assess_checklist_design", lang).format(
        villages=drawn["villages_asked"], drawn=drawn["villages_drawn"], households=drawn["households_asked"],
        size=design["size"], population=design["population"], seed=design["seed"], sample_id=sample_id)
    strata = pd.DataFrame({
        t("assess_col_stratum", lang): [stratum_name(s["stratum"], lang) for s in drawn["strata"]],
        t("assess_col_villages", lang): [s["population"] for s in drawn["strata"]],
        t("assess_col_sampled", lang): [s["sampled"] for s in drawn["strata"]],
        t("assess_col_probability", lang): [round(s["probability"], 4) for s in drawn["strata"]]})
    villages = pd.DataFrame({
        t("assess_col_village", lang): [f"{v['village'] or ''}（{v['village_code']}）" for v in design["villages"]],
        t("assess_col_stratum", lang): [stratum_name(v["stratum"], lang) for v in design["villages"]],
        t("assess_col_population", lang): [v["population"] for v in design["villages"]],
        t("assess_col_sampled", lang): [v["sampled"] for v in design["villages"]],
        t("assess_col_probability", lang): [None if v["probability"] is None else round(v["probability"], 4)
                                            for v in design["villages"]]})
    notes = [t(MODE_NOTES[design["mode"]], lang).format(rate=f"{policy.SAMPLE_RATE:.0%}")] \
        if design.get("mode") in MODE_NOTES else []

    def households(inside: bool) -> Table:
        rows = [r for r in design["households"]
                if (r["household_stratum"] in verification.REGISTER_STRATA) == inside]
        frame = pd.DataFrame({
            t("assess_col_village", lang): [r["village"] or r["village_code"] for r in rows],
            t("assess_col_household", lang): [r["household_id"] for r in rows],
            t("assess_col_head", lang): [r["head_name"] or "" for r in rows],
            t("assess_col_stratum", lang): [stratum_name(r["household_stratum"], lang) for r in rows],
            t("assess_col_probability", lang): [r["probability"] for r in rows],
            t("assess_col_weight", lang): [r["weight"] for r in rows],
            **{t(c, lang): [""] * len(rows) for c in VISIT_COLUMNS}})
        return Table(frame, no_data=t("assess_checklist_none", lang))

    sections = [
        Section("design", t("assess_checklist_design_title", lang), [
            statement, t("assess_checklist_weights", lang), Table(strata, no_data=t("no_data_here", lang)),
            t("assess_checklist_answers", lang), *notes]),
        Section("villages", t("assess_checklist_villages", lang), [Table(villages, no_data=t("no_data_here", lang))]),
        Section("register", t("assess_checklist_register", lang), [households(True)]),
        Section("outside", t("assess_checklist_outside", lang), [households(False)]),
    ]
    now = now or dt.datetime.now().astimezone()
    title = t("assess_checklist_title", lang).format(county=place["name"], seed=design["seed"])
    cover = [(t("report_region", lang), f"{place['name']}（{place['code']}）"),
             (t("assess_sample_id", lang), sample_id), (t("assess_seed", lang), str(design["seed"])),
             (t("report_generated", lang), now.strftime("%Y-%m-%d %H:%M %z")),
             (t("report_generated_for", lang), access.user or "—")]
    return Document(title=title, region=place["code"], cover=cover, sections=sections,
                    page_label=t("report_page", lang), creator=t("app_title", lang),
                    footer=f"{title} · {sample_id}")


def render_checklist(storage, access, county: str, fmt: str, seed: int | None = None,
                     lang: str | None = None) -> tuple[Document, bytes]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown checklist format {fmt!r}")
    made = checklist(storage, access, county, seed, lang)
    return made, (document_files.to_pdf(made) if fmt == "pdf" else document_files.to_xlsx(made))
