"""The interface text (data/definitions/messages.py): two gettext catalogs, complete and consistent.

(a) every msgid in the source, extracted as ``make messages`` does (Babel, babel.cfg, keyword ``t``), has a
    translation in both catalogs, and the catalogs hold no other msgid (an update would make it obsolete);
(b) every catalog entry has both translations, with the same ``{placeholders}``;
(c) the msgids the code builds from a value exist for every value;
(d) no code outside messages.py chooses a text by comparing ``lang`` with "zh" or "en";
(e) a text that states a policy number renders the constant of data/definitions/policy.py.
"""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from data.definitions import codes, messages, policy
from data.definitions.messages import LANGUAGES, N_, language, localized, other_language, t

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {**DEFAULT_KEYWORDS, "t": None}  # what `pybabel extract -k t` looks for

# (c) msgids built from a value: family → the values the code builds them from
FAMILIES = {
    "level_{}": codes.LEVELS,  # map_page.caption: t(f"level_{view.layer}")
    "login_{}": ("wrong", "locked", "disabled"),  # dashboard/auth.py: LoginRefused.reason ("unknown" shows as wrong)
    "problem_{}": ("row", "column", "value", "reason_zh", "reason_en"),  # upload_page.PROBLEM_COLUMNS
    "log_{}": ("id", "table_name", "file_name", "imported_by", "imported_at", "rows_added", "rows_updated",
               "rows_unchanged", "rows_rejected", "status"),  # upload_page.import_log_table
    "peers_{}": ("tier", "province_counties", "province_counties_all", "cities", "provinces",
                 "siblings_township", "siblings_village"),  # figures.trend_label
    "profile_peers_{}": ("county", "county_all", "provinces", "siblings"),  # profile_tables.peers_header
    "flow_{}": ("identified", "eliminated"),  # figures.flow_figure
    "funds_{}": ("allocated", "spent"),  # figures.funds_figure
    "col_project_{}": ("project_id", "name", "type", "year", "status", "funds_total", "fund_connection",
                       "jobs_created", "households_linked", "output_value", "flagged"),  # profile_tables
    "col_funds_{}": ("year", "use", "allocated", "spent", "spend_rate"),  # profile_tables.FUNDS_COLUMNS
}


@pytest.fixture(scope="module")
def catalogs():
    return {lang: messages.read_catalog(lang) for lang in LANGUAGES}


@pytest.fixture(scope="module")
def extracted() -> dict[str, list[str]]:
    """msgid → where the source uses it, as Babel extracts it with the project's babel.cfg."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(ROOT / "babel.cfg"))
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_the_source_is_extracted_from_python_and_templates(extracted):
    assert len(extracted) > 200
    places = {where.split(":")[0] for wheres in extracted.values() for where in wheres}
    assert {"layouts/monitoring_page.py", "dashboard/templates/login.html", "dashboard/auth.py"} <= places
    assert "first_rows" in extracted  # t() inside an f-string
    assert {"login_incomplete", "login_expired"} <= set(extracted)  # t("a" if … else "b")


def test_every_msgid_of_the_source_is_translated_in_both_catalogs(extracted):
    for lang in LANGUAGES:
        missing = {msgid: where for msgid, where in extracted.items() if not messages.TEXTS[lang].get(msgid)}
        assert not missing, f"{lang}: msgids without a translation (run make messages, then write them): {missing}"


def test_the_catalogs_hold_only_msgids_of_the_source(extracted, catalogs):
    for lang, catalog in catalogs.items():
        unused = sorted(m.id for m in catalog if m.id and m.id not in extracted)
        assert not unused, f"{lang}: not in the source (mark a built msgid with N_ in messages.BUILT): {unused}"
        assert not catalog.obsolete, f"{lang}: obsolete entries left by an update: {list(catalog.obsolete)}"


def test_every_entry_has_both_translations_with_the_same_placeholders(catalogs):
    entries = {lang: {m.id: m for m in catalog if m.id} for lang, catalog in catalogs.items()}
    assert entries["zh"].keys() == entries["en"].keys()
    assert (catalogs["zh"].locale.language, catalogs["en"].locale.language) == ("zh", "en")
    for msgid, chinese in entries["zh"].items():
        english = entries["en"][msgid]
        for message in (chinese, english):
            assert message.string.strip() and not message.fuzzy, (msgid, message.string)
        assert _placeholders(chinese.string) == _placeholders(english.string), (msgid, chinese.string, english.string)


@pytest.mark.parametrize("family", FAMILIES)
def test_built_msgids_exist_for_every_value(family, extracted):
    for value in FAMILIES[family]:
        msgid = family.format(value)
        assert msgid in extracted, f"{msgid}: name it with N_ in messages.BUILT, or make messages drops it"
        for lang in LANGUAGES:
            assert messages.TEXTS[lang].get(msgid), (lang, msgid)


def _language_choices(tree: ast.AST) -> list[int]:
    """Lines of conditional expressions whose condition compares something with "zh" or "en"."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.IfExp):
            for compare in (c for c in ast.walk(node.test) if isinstance(c, ast.Compare)):
                if any(isinstance(side, ast.Constant) and side.value in LANGUAGES
                       for side in (compare.left, *compare.comparators)):
                    lines.append(node.lineno)
    return lines


def test_no_code_but_the_message_layer_chooses_texts_by_language():
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0].startswith(".") or relative.parts[0] == "tests" or "__pycache__" in relative.parts:
            continue
        if relative == Path("data/definitions/messages.py"):
            continue
        lines = _language_choices(ast.parse(path.read_text(encoding="utf-8"), str(relative)))
        if lines:
            found[str(relative)] = lines
    assert not found, f"a text chosen with lang == 'zh'/'en' (use t() or localized()): {found}"
    for template in (ROOT / "dashboard/templates").glob("*.html"):
        assert not re.search(r"\blang\s*[!=]=", template.read_text(encoding="utf-8")), template.name


def test_the_scan_finds_a_language_choice():
    assert _language_choices(ast.parse('x = "图" if lang == "zh" else "map"')) == [1]
    assert _language_choices(ast.parse('x = a.en if "en" == lang else a.zh')) == [1]
    assert _language_choices(ast.parse('x = t("map", lang)')) == []


def test_the_api_of_the_message_layer():
    assert LANGUAGES == ("zh", "en")
    assert [language(v) for v in ("zh", "en", None, "fr", ["en"])] == ["zh", "en", "zh", "zh", "zh"]
    assert (t("nav_map"), t("nav_map", "zh"), t("nav_map", "en"), t("nav_map", None)) == ("一张图", "一张图", "Map", "一张图")
    assert (other_language("zh"), other_language("en"), other_language(None)) == ("en", "zh", "en")
    assert N_("nav_map") == "nav_map"
    unknown = "no_such_msgid"  # (a variable: extraction would take a literal for a msgid of the source)
    with pytest.raises(KeyError):
        t(unknown, "en")
    from data.definitions import tiers
    tier = tiers.get("national_key")
    assert (localized(tier, "zh"), localized(tier, "en")) == (tier.zh, tier.en)
    assert localized({"zh": "村", "en": "village"}, "en") == "village"
    assert localized({"category_zh": "脱贫户", "category": "poverty_exited"}, "zh", zh="category_zh", en="category") == "脱贫户"
    assert localized(("下达", "allocated"), "en") == "allocated"


# -- (e) policy numbers ------------------------------------------------------------------------------
POLICY_IN_WORDS = {  # how a policy number would read if written into a text instead of formatted
    "WARNING_CUT": (r"≥\s?{v}\b", r"\b{v} or more", r"\b{v}分"),
    "IDENTIFICATION_TARGET_DAYS": (r"\b{v} ?天", r"\b{v} days"),
    "MEASURE_TARGET_DAYS": (r"\b{v} ?天", r"\b{v} days"),
    "STABLE_MONTHS": (r"\b{v} ?个月", r"\b{v} months", r"six months", r"六个月"),
    "STABLE_DAYS": (r"\b{v} ?天", r"\b{v} days"),
    "INDUSTRY_SHARE_LINE": (r"\b{v} ?%",),
    "MAX_FAILED_LOGINS": (r"\b{v} ?次", r"\b{v} wrong", r"\bFive\b", r"五次"),
    "LOCK_MINUTES": (r"\b{v} ?分钟", r"\b{v} minutes"),
}


def test_no_catalog_text_writes_a_policy_number_itself(catalogs):
    for lang, catalog in catalogs.items():
        for message in (m for m in catalog if m.id):
            for name, patterns in POLICY_IN_WORDS.items():
                for pattern in patterns:
                    hit = re.search(pattern.format(v=getattr(policy, name)), message.string)
                    assert not hit, f"{lang} {message.id}: {hit.group(0)!r} states policy.{name}: use a placeholder"


def _login_page(lang: str, message: str) -> str:
    """The sign-in page as dashboard/auth.py renders it, with the app's template globals."""
    from flask import Flask, render_template

    from dashboard.app import template_globals
    from dashboard.auth import LoginForm
    from data.definitions.access import ROLES

    app = Flask(__name__, template_folder=str(ROOT / "dashboard/templates"))
    app.config["SECRET_KEY"] = "test"
    app.jinja_env.globals.update(template_globals())
    with app.test_request_context(f"/login?lang={lang}"):
        return render_template("login.html", lang=lang, t=t, form=LoginForm(), message=message, demo=False,
                               roles=ROLES, demo_accounts=[])


@pytest.mark.parametrize("max_failed, lock_minutes", [(policy.MAX_FAILED_LOGINS, policy.LOCK_MINUTES), (7, 23)])
def test_the_sign_in_page_states_the_lockout_rule_of_the_policy(monkeypatch, max_failed, lock_minutes):
    monkeypatch.setattr(policy, "MAX_FAILED_LOGINS", max_failed)
    monkeypatch.setattr(policy, "LOCK_MINUTES", lock_minutes)
    for lang in LANGUAGES:
        wrong = _login_page(lang, t("login_wrong", lang))
        said = re.search(r'id="login-message" role="alert">([^<]*)<', wrong).group(1)
        assert re.findall(r"\d+", said) == [str(max_failed), str(lock_minutes)], said
        locked = _login_page(lang, t("login_locked", lang))
        said = re.search(r'id="login-message" role="alert">([^<]*)<', locked).group(1)
        assert re.findall(r"\d+", said) == [str(lock_minutes)], said
    assert f"连续 {max_failed} 次错误将锁定账号 {lock_minutes} 分钟" in _login_page("zh", t("login_wrong", "zh"))
    english = _login_page("en", t("login_wrong", "en"))
    assert f"{max_failed} wrong attempts in a row lock the account for {lock_minutes} minutes" in english
    assert '<html lang="en">' in english and 'href="/login?lang=zh"' in english


@pytest.mark.parametrize("cut", [policy.WARNING_CUT, 65])
def test_the_warning_trend_title_states_the_warning_cut(monkeypatch, cut):
    from layouts import figures

    monkeypatch.setattr(policy, "WARNING_CUT", cut)
    titles = {lang: figures.warning_trend_figure([], None, lang).layout.title.text for lang in LANGUAGES}
    assert titles == {"zh": f"预警户数（评分≥{cut}）", "en": f"Households warned (score ≥ {cut})"}
    assert t("warning_trend", "zh").format(cut=policy.WARNING_CUT) == f"预警户数（评分≥{policy.WARNING_CUT}）"


# -- (e) the monitoring page's score weights and targets (issue 17 part 4) ------------------------------
def _strings(component) -> list[str]:
    """Every text of a layout as Dash serialises it (the page callback's JSON), in document order."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, list):
        return [s for child in component for s in _strings(child)]
    if isinstance(component, dict):
        props = component.get("props", component)
        return _strings(props.get("children")) if isinstance(props, dict) and "children" in props else []
    return []


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text.replace(",", ""))]


def _score_numbers(cut: int, chosen: float | None = None) -> list[int]:
    """The numbers the score text states, in order: the score's range, the number of rules, each rule's
    points (data/compute/risk.COMPONENTS), the cap ("above 100 counts as 100"), the map's cut and, when it
    differs, the list's cut."""
    from data.compute import risk

    return [0, 100, len(risk.COMPONENTS), *(c.points for c in risk.COMPONENTS), 100, 100, cut,
            *([int(chosen)] if chosen is not None and chosen != cut else [])]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_monitoring_page_states_the_score_weights_and_targets_it_computes_with(client, lang):
    """Rendered by the app for the tiny county: the score text's points are risk.COMPONENTS' (rigid
    expenses 45, not 25), its cut the warning cut; the board's targets are the ones the board counted with."""
    import json

    from data.compute import risk
    from tests.test_access import _page

    page = _page(client, "/monitoring", f"?region=522728&lang={lang}")
    assert page.status_code == 200
    texts = _strings(json.loads(page.data)["response"]["_pages_content"]["children"])
    opening = "风险评分" if lang == "zh" else "The risk score"
    score = next(s for s in texts if s.startswith(opening))
    assert _numbers(score) == _score_numbers(policy.WARNING_CUT), score
    expenses = next(c for c in risk.COMPONENTS if c.code == "expenses")
    assert str(expenses.points) in score
    board = next(s for s in texts if ("超期" in s if lang == "zh" else " overdue: " in s))
    assert _numbers(board)[-2:] == [policy.IDENTIFICATION_TARGET_DAYS, policy.MEASURE_TARGET_DAYS], board


def test_the_score_rule_names_every_component_of_the_score():
    """One placeholder a component (and the count): a component added to the score without a word in the
    text, or a text naming a component the score lacks, fails here."""
    from data.compute import risk

    for lang in LANGUAGES:
        assert _placeholders(t("mon_score_rule", lang)) == {"count", *(c.code for c in risk.COMPONENTS)}, lang


@pytest.mark.parametrize("points, cut, chosen, targets", [
    (None, policy.WARNING_CUT, None, None),
    ((31, 17, 25, 11, 9, 13, 7), 65, 40, (21, 23)),  # other weights, cuts and targets: the texts follow them
])
def test_the_monitoring_texts_are_formatted_from_the_constants(monkeypatch, points, cut, chosen, targets):
    import dataclasses
    import datetime as dt

    import pandas as pd

    from data.compute import risk
    from data.read import monitoring
    from layouts import monitoring_page

    if points:
        components = tuple(dataclasses.replace(c, points=p) for c, p in zip(risk.COMPONENTS, points))
        monkeypatch.setattr(risk, "COMPONENTS", components)
        monkeypatch.setattr(risk, "POINTS", {c.code: c.points for c in components})
    monkeypatch.setattr(policy, "WARNING_CUT", cut)
    if targets:
        monkeypatch.setattr(policy, "IDENTIFICATION_TARGET_DAYS", targets[0])
        monkeypatch.setattr(policy, "MEASURE_TARGET_DAYS", targets[1])
    for lang in LANGUAGES:
        assert _numbers(monitoring_page.score_note(lang, chosen)) == _score_numbers(cut, chosen), lang
        assert _numbers(monitoring_page.score_note(lang, cut)) == _score_numbers(cut), lang  # the default cut
    # The board counts with the targets its text states: a case 22 days from signal to identification, its
    # first measure 22 days after that, is overdue against a target below 22 days and on time against one above.
    case = pd.DataFrame([("h1", "marginal", "2025-03-01", "2025-03-10", "2025-03-23", "illness", "not_eliminated", None)],
                        columns=["household_id", "category", "signal_on", "verified_on", "identified_on", "risk_types",
                                 "risk_status", "eliminated_on"])
    frame = monitoring.timeline(case, pd.DataFrame([("h1", "health", "2025-04-14")], columns=["household_id", "measure",
                                                                                                "started_on"]),
                                pd.DataFrame({"household_id": ["h1"], "village_code": ["522728101001"],
                                              "head_name": ["张*"], "labour_count": [1]}), dt.date(2025, 6, 30))
    identification, measure = monitoring.targets()["identification_days"], monitoring.targets()["measure_days"]
    assert (identification, measure) == (policy.IDENTIFICATION_TARGET_DAYS, policy.MEASURE_TARGET_DAYS)
    assert bool(frame["overdue_identification"].iloc[0]) == (22 > identification)
    assert bool(frame["overdue_measure"].iloc[0]) == (22 > measure)
    result = {"cases": 1, "as_of": "2025-06-30", "overdue": int(frame["overdue"].sum()), "targets": monitoring.targets()}
    for lang in LANGUAGES:
        assert _numbers(monitoring_page.board_note(result, lang))[-2:] == [identification, measure], lang


# -- English complete (issue 17 part 7, helper E): the contract's labels, units in the plural, targets in words --
CJK_TEXT = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def test_every_table_field_and_value_of_the_contract_has_both_labels():
    """data/definitions/labels.py: the Chinese catalog says what the contract says; English is written."""
    from data.definitions import contract, labels

    for table in contract.INTERCHANGE:
        spec = contract.spec_of(table)
        named = [(f"label_table_{table}", spec.zh)]
        for column in spec.all_columns:
            named.append((f"label_field_{table}_{column.name}", column.zh))
            named += [(f"label_value_{table}_{column.name}_{v}", contract.label_zh(table, column.name, v))
                      for v in column.values]
        for msgid, chinese in named:
            assert msgid in labels.MSGIDS, f"{msgid}: add it to labels.MSGIDS and to both catalogs"
            assert messages.TEXTS["zh"].get(msgid) == chinese, (msgid, messages.TEXTS["zh"].get(msgid), chinese)
            english = messages.TEXTS["en"].get(msgid)
            assert english and not CJK_TEXT.search(english), (msgid, english)
    assert labels.value_label("monitoring", "category", "marginal", "en") == "marginal household at risk of poverty"
    assert labels.cell_label("monitoring", "risk_types", "illness;disaster", "en") == "illness, disaster"
    assert labels.cell_label("monitoring", "risk_types", "illness;disaster", "zh") == "因病、因灾"
    assert labels.cell_label("households", "former_poor", True, "en") == "yes"
    assert labels.field_label("households", "head_name", "en") == "Head of household"


def test_units_say_one_household_and_two_households():
    from data.definitions import labels, metrics
    from layouts import figures

    for unit in metrics.UNITS:
        assert labels.unit_text(unit, 1, "zh") == labels.unit_text(unit, 2, "zh") == unit
        one, two = labels.unit_text(unit, 1, "en"), labels.unit_text(unit, 2, "en")
        assert two == metrics.UNITS[unit] or (unit, two) == ("元/人", "yuan per person"), (unit, two)
        assert not CJK_TEXT.search(one) and "|" not in one + two
    households = metrics.get("monitored_households")
    assert [figures.format_value(v, households, "en") for v in (1, 2, 0, 1.0)] == [
        "1 household", "2 households", "0 households", "1 household"]
    assert figures.format_value(1, households, "en", signed=True) == "+1 household"
    assert figures.format_value(1, households, "zh") == "1 户"
    assert figures.format_value(1, metrics.get("labourers_employed"), "en") == "1 person"
    assert messages.plural("household|households", 1, "en") == "household"
    assert messages.plural("household|households", 21, "en") == "households"
    assert messages.plural("户", 1, "zh") == "户"


def test_the_targets_in_words_are_the_metric_catalogs_in_both_languages():
    from data.definitions import labels, metrics

    noted = [m for m in metrics.CATALOG.values() if m.target_note]
    assert {m.code for m in noted} == set(labels.TARGET_NOTES)
    for metric in noted:
        assert labels.target_note(metric, "zh") == metric.target_note, metric.code
        english = labels.target_note(metric, "en")
        assert english and not CJK_TEXT.search(english.replace("“", "").replace("”", "")), english
    days = metrics.get("median_days_to_assistance")
    assert f"within {policy.MEASURE_TARGET_DAYS} days" in labels.target_note(days, "en")


def test_no_english_text_is_written_in_chinese():
    """Every English catalog text is English; the language switch alone names Chinese in Chinese."""
    chinese = {msgid: text for msgid, text in messages.TEXTS["en"].items() if CJK_TEXT.search(text)}
    assert chinese == {"switch_language": "中文"}, chinese
