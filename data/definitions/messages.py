"""Interface text: one gettext catalog per language, managed with Babel; Chinese first, English second.

Every text the interface shows is a catalog entry with a symbolic msgid (``t("nav_map", lang)``), in
``locale/zh_CN/LC_MESSAGES/messages.po`` and ``locale/en/LC_MESSAGES/messages.po`` beside this file. The
catalogs are read at import (``babel.messages.pofile.read_po``): nothing is compiled, at run time or before.
``make messages`` extracts the msgids from the source (``t("…")``, ``N_("…")`` and the templates'
``t('…')``, see ``babel.cfg`` and :func:`extract`) into ``locale/messages.pot`` and updates both catalogs;
a new msgid comes in with an empty translation, which ``tests/test_messages.py`` refuses until both are
written.

* ``{placeholders}`` are filled with ``str.format`` at the call site; a text that states a policy number
  (data/definitions/policy.py) has a placeholder for it, never the number itself.
* A msgid that the code builds (``t(f"level_{layer}")``) is named once with ``N_`` in :data:`BUILT`, so
  that extraction keeps it.
* The names that data objects carry themselves (a metric's, tier's or role's ``zh`` and ``en``) are
  picked with :func:`localized`.

The lowest layer owns this module (layouts, callbacks, dashboard and data import it): it imports nothing
of the app's.
"""
from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("zh", "en")
LOCALES = {"zh": "zh_CN", "en": "en"}  # language → catalog folder under locale/
LOCALE_DIR = Path(__file__).resolve().with_name("locale")
DOMAIN = "messages"


def N_(key: str) -> str:
    """Marks ``key`` as a msgid where the text is looked up later, with ``t(key, lang)``."""
    return key


# msgids built by the code from a value (tests/test_messages.py checks each family against its values)
BUILT = (
    N_("level_province"), N_("level_city"), N_("level_county"), N_("level_township"), N_("level_village"),
    N_("login_wrong"), N_("login_locked"), N_("login_disabled"),
    N_("problem_row"), N_("problem_column"), N_("problem_value"), N_("problem_reason_zh"), N_("problem_reason_en"),
    N_("log_id"), N_("log_table_name"), N_("log_file_name"), N_("log_imported_by"), N_("log_imported_at"),
    N_("log_rows_added"), N_("log_rows_updated"), N_("log_rows_unchanged"), N_("log_rows_rejected"),
    N_("log_status"),
    N_("peers_tier"), N_("peers_province_counties"), N_("peers_province_counties_all"), N_("peers_cities"),
    N_("peers_provinces"), N_("peers_siblings_township"), N_("peers_siblings_village"),
    N_("profile_peers_county"), N_("profile_peers_county_all"), N_("profile_peers_provinces"),
    N_("profile_peers_siblings"),
    N_("flow_identified"), N_("flow_eliminated"), N_("funds_allocated"), N_("funds_spent"),
    N_("col_project_project_id"), N_("col_project_name"), N_("col_project_type"), N_("col_project_year"),
    N_("col_project_status"), N_("col_project_funds_total"), N_("col_project_fund_connection"),
    N_("col_project_jobs_created"), N_("col_project_households_linked"), N_("col_project_output_value"),
    N_("col_project_flagged"),
    N_("col_funds_year"), N_("col_funds_use"), N_("col_funds_allocated"), N_("col_funds_spent"),
    N_("col_funds_spend_rate"),
)


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / LOCALES[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str):
    """The Babel catalog of ``lang``, as stored."""
    with open(catalog_path(lang), "rb") as handle:
        return read_po(handle, locale=LOCALES[lang], domain=DOMAIN)


def _texts(lang: str) -> dict[str, str]:
    """msgid → translation; an empty or fuzzy translation is no translation."""
    return {m.id: m.string for m in read_catalog(lang) if m.id and m.string and not m.fuzzy}


TEXTS = {lang: _texts(lang) for lang in LANGUAGES}


def language(value) -> str:
    """``zh`` or ``en``: what a link or a store says, Chinese for anything else."""
    return value if value in LANGUAGES else "zh"


def other_language(lang: str) -> str:
    """The language the switch in the header leads to."""
    return "en" if language(lang) == "zh" else "zh"


def t(key: str, lang: str = "zh") -> str:
    """The text of msgid ``key`` in ``lang`` (KeyError for a msgid that neither catalog translates)."""
    return TEXTS[language(lang)][key]


# -- plurals (helper E, issue 17.7): "1 household", "2 households"; Chinese has one form ------------------
PLURAL_ORDER = ("zero", "one", "two", "few", "many", "other")  # CLDR's order of plural categories


def plural(text: str, n, lang: str) -> str:
    """The form of ``text`` (a catalog text with one form per plural category of the language, separated by
    ``|`` in CLDR's order: English ``household|households``; Chinese ``户``, one form) for the number ``n``,
    by the language's plural rule (CLDR, from Babel). Call it on ``t(...)``: ``plural(t("label_unit_households",
    lang), 1, lang)`` → ``household``; the number is given as shown (rounded: 1.0 shown as "1" is one)."""
    from babel import Locale

    forms = text.split("|")
    if len(forms) == 1:
        return text
    locale = Locale.parse(LOCALES[language(lang)])
    categories = [c for c in PLURAL_ORDER if c in locale.plural_form.tags or c == "other"]
    number = int(n) if isinstance(n, float) and n.is_integer() else n
    return forms[min(categories.index(locale.plural_form(abs(number))), len(forms) - 1)]


def localized(obj, lang: str, zh: str = "zh", en: str = "en") -> str:
    """A data object's own name in ``lang``: its ``en`` or ``zh`` field (an attribute, or a key of a mapping;
    ``zh=``/``en=`` name other fields), or one of a ``(zh, en)`` pair."""
    english = language(lang) == "en"
    if isinstance(obj, Mapping):
        return obj[en if english else zh]
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        chinese_text, english_text = obj
        return english_text if english else chinese_text
    return getattr(obj, en if english else zh)


def extract(fileobj, keywords, comment_tags, options):
    """Babel's extraction method for this project's Python source (named in babel.cfg).

    Babel's own ``python`` method reads tokens: it misses ``t("…")`` inside an f-string and glues the two
    msgids of ``t("a" if … else "b")`` into one. This one reads the syntax tree: every call of a keyword
    (``t``, ``N_``, …, and those babel.cfg adds under ``keywords``) whose first argument is a string, or a
    conditional between strings (both are msgids); a msgid built at run time (an f-string, a variable) is
    skipped, hence :data:`BUILT`."""
    tree = ast.parse(fileobj.read().decode(options.get("encoding", "utf-8")))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in keywords and node.args:
            rest = tuple(a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                         for a in node.args[1:])
            found += [(node.lineno, node.col_offset, node.func.id, (msgid, *rest)) for msgid in _strings(node.args[0])]
    for lineno, _, name, messages in sorted(found, key=lambda f: f[:2]):
        yield lineno, name, messages, []


def _strings(node) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []
