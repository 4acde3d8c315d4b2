"""The month in sentences (issue 17 part 8): a short brief of a region's month, written from the figures.

Every sentence is a template of the message catalogs (``brief_*``) filled with figures read here, through
the caller's :class:`~data.definitions.access.Access`, from the cube (:mod:`data.read.cube`), the one peer
rule (:mod:`data.read.peers`, as the profile applies it: :func:`data.read.profile.comparison`) and the
overdue board (:func:`data.read.monitoring.overdue`). Nothing is invented: a figure that is missing is
said to be missing, a sentence whose figures are missing is left out. Each sentence carries its numbers
(the raw value, as ``/api/v1/values`` and ``/api/v1/series`` serve it, and the text it is written as, at
the metric's decimals with its unit) and links to the page behind it (the map of the region with that
metric and period, or the monitoring page's overdue board).

The month's figures are the monthly headline figures of the profile (:data:`METRICS`, from
``cube.KEY_FIGURES``). The rules, stated to the reader too (``rules`` in the answer):

* **The month's largest change** is the figure whose relative change on the previous month,
  ``|value − previous| / |previous|``, is the largest; figures without a previous value or with a previous
  value of 0 (no relative change) take no part; a tie goes to the earlier figure of :data:`METRICS`.
* **Unusual against the peers**: the region's value is the worst (or the best, by the metric's direction)
  among its peers with a value, when at least :data:`MIN_PEERS` of them (the region included) have one and
  its value is not their median; worst before best, at most :data:`MAX_PEER_SENTENCES` sentences.

The page (layouts/region_page.py) shows it at the top of the profile, the API serves it at
``/api/v1/brief``, and the report (issue 17 part 3) may open with it: call :func:`brief` (or
:func:`lines` for the plain texts).
"""
from __future__ import annotations

import statistics
from urllib.parse import urlencode

from data.definitions import labels, metrics
from data.definitions.access import Access, check
from data.definitions.messages import LANGUAGES, language, localized, t
from data.read import cube, monitoring, profile
from data.store.storage import Storage

METRICS = tuple(code for code in cube.KEY_FIGURES if metrics.get(code).grain == "month")
MIN_PEERS = 3  # peers with a value (the region included) before "the best" or "the worst" means anything
MAX_PEER_SENTENCES = 3
DAYS_METRIC = "median_days_to_assistance"  # the month's figure with a time limit (its target)
MAP_PATH, MONITORING_PATH = "/", "/monitoring"  # the pages the sentences link to (layouts/*_page.PATH)
# What the answer holds (described for clients in dashboard/openapi.py)
KINDS = ("largest", "largest_none", "change", "peer_worst", "peer_best", "peers_few", "peers_none", "days_target",
         "overdue", "no_data")
NUMBERS = ("value", "previous", "change", "last_year", "change_year", "relative", "peers_median", "peers_with_data",
           "target", "overdue", "cases", "identification_days", "measure_days")
LINKS = ("map", "monitoring")


# -- numbers and links --------------------------------------------------------------------------------
def number_text(value: float, metric: metrics.Metric, lang: str, change: bool = False) -> str:
    """A value written with the metric's decimals and unit (a change of a percentage in points; the unit's
    singular for a count of one, by data/definitions/labels.unit_text); the sign is the sentence's words, not
    the number's."""
    text = f"{abs(value) if change else value:,.{metric.decimals}f}"
    if metric.unit == "%":
        return f"{text}{t('signed_points', lang)}" if change else f"{text}%"
    # singular or plural as the number shown asks (1 household, 2 households; 户): the catalogs' unit forms
    unit = labels.unit_text(metric.unit, float(text.replace(",", "")), lang) if metric.unit in labels.UNIT_TEXTS \
        else localized(metric, lang, zh="unit", en="unit_en")
    return f"{text} {unit}"


def relative_text(relative: float) -> str:
    return f"{relative:+.1f}%"


def _number(name: str, value, text: str, metric: str | None, region: str, period: str | None) -> dict:
    return {"name": name, "value": value, "text": text, "metric": metric, "region": region, "period": period}


def _url(path: str, lang: str, **params) -> str:
    shown = {**params, "lang": None if lang == LANGUAGES[0] else lang}  # links leave the default language out
    query = urlencode({k: v for k, v in shown.items() if v})
    return f"{path}?{query}" if query else path


def map_link(region: str, metric: str, period: str, lang: str) -> dict:
    return {"kind": "map", "url": _url(MAP_PATH, lang, region=region, metric=metric, period=period)}


def monitoring_link(region: str, period: str, lang: str) -> dict:
    return {"kind": "monitoring", "url": _url(MONITORING_PATH, lang, region=region, period=period)}


# -- the rules (pure functions of the figures) ----------------------------------------------------------
def relative_change(value: float | None, previous: float | None) -> float | None:
    """The change on ``previous`` in per cent, at one decimal (None without both, or from 0)."""
    if value is None or previous is None or previous == 0:
        return None
    return round(100 * (value - previous) / abs(previous), 1)


def largest_change(figures: list[dict]) -> dict | None:
    """The figure (dicts with ``value`` and ``previous``, in :data:`METRICS` order) with the largest relative
    change on the previous period; None if none has one. Ties: the earlier one."""
    best, best_size = None, -1.0
    for figure in figures:
        if relative_change(figure["value"], figure["previous"]) is None:
            continue
        size = abs(figure["value"] - figure["previous"]) / abs(figure["previous"])
        if size > best_size:
            best, best_size = figure, size
    return best


def standing(rows: list[dict], code: str, direction: str | None) -> str | None:
    """``worst`` or ``best`` if the region ``code`` holds the worst or the best value of ``rows`` (code,
    value) by ``direction``, among at least :data:`MIN_PEERS` values, and its value is not their median (an
    end that half the group shares is no exception); else None."""
    present = {r["code"]: r["value"] for r in rows if r["value"] is not None}
    if direction not in ("higher_better", "higher_worse") or code not in present or len(present) < MIN_PEERS:
        return None
    low, high = min(present.values()), max(present.values())
    if present[code] == statistics.median(present.values()):
        return None
    worst, best = (low, high) if direction == "higher_better" else (high, low)
    return "worst" if present[code] == worst else "best" if present[code] == best else None


# -- the brief --------------------------------------------------------------------------------------------
def same_month_last_year(period: str) -> str:
    return f"{int(period[:4]) - 1:04d}{period[4:]}"


def latest_month(cube_info: cube.CubeInfo) -> str | None:
    """The last month of any of the month's figures (their themes' latest)."""
    found = [cube_info.latest_of(metrics.get(code)) for code in METRICS]
    return max((p for p in found if p), default=None)


def brief(storage: Storage, access: Access, code: str, period: str | None = None, lang: str = "zh") -> dict:
    """The brief of region ``code`` (within the caller's records, as its profile: OutOfScope otherwise) for
    the month ``period`` (YYYY-MM; the latest if None) in ``lang``: ``sentences``, each with its ``kind``,
    ``text``, ``metric``, ``numbers`` and ``links``. A month without figures gives one sentence saying so."""
    lang = language(lang)
    place = profile.region(storage, check(access), code)
    region = {k: place[k] for k in ("code", "name", "level")}
    cube_info = cube.info(storage)
    if period is not None and not cube.PERIOD_FORMAT["month"].match(period):
        raise cube.BadParameter(f"期间格式为 YYYY-MM / period must look like YYYY-MM, not {period!r}")
    month = period or latest_month(cube_info)
    answer = {"region": region, "period": month, "lang": lang, "has_data": False, "previous_period": None,
              "same_month_last_year": None, "rules": {"largest": t("brief_rule_largest", lang),
                                                      "unusual": t("brief_rule_unusual", lang).format(
                                                          minimum=MIN_PEERS)},
              "sentences": []}
    if month is None or month not in cube_info.periods["month"]:
        answer["sentences"] = [_no_data(month or "—", t("brief_no_data", lang))]
        return answer
    figures = _figures(storage, access, cube_info, place, month)
    if all(f["value"] is None for f in figures):
        answer["sentences"] = [_no_data(month, t("brief_no_data_region", lang))]
        return answer
    last_year = same_month_last_year(month)
    answer.update(has_data=True, previous_period=cube_info.previous(metrics.get(METRICS[0]), month),
                  same_month_last_year=last_year if last_year in cube_info.periods["month"] else None)
    largest = largest_change(figures)
    sentences = [_largest(largest, month, lang) if largest else
                 {**_sentence("largest_none", t("brief_largest_none", lang).format(period=month)),
                  "links": [map_link(region["code"], METRICS[0], month, lang)]}]
    sentences += [_change(f, lang) for f in figures if f is not largest]
    sentences += _peer_sentences(storage, access, place, month, lang)
    days = next((f for f in figures if f["metric"].code == DAYS_METRIC), None)
    if days is not None and days["value"] is not None and days["metric"].target is not None:
        sentences.append(_days(days, lang))
    sentences.append(_overdue(storage, access, region["code"], month, lang))
    answer["sentences"] = sentences
    return answer


def lines(storage: Storage, access: Access, code: str, period: str | None = None, lang: str = "zh") -> list[str]:
    """The brief's sentences as plain texts (for a document's first page)."""
    return [s["text"] for s in brief(storage, access, code, period, lang)["sentences"]]


def _sentence(kind: str, text: str, metric: str | None = None, numbers: list | None = None) -> dict:
    return {"kind": kind, "text": text, "metric": metric, "numbers": numbers or [], "links": []}


def _no_data(period: str, template: str) -> dict:
    return _sentence("no_data", template.format(period=period))


def _figures(storage: Storage, access: Access, cube_info: cube.CubeInfo, place: dict, month: str) -> list[dict]:
    """Each of the month's figures for the region: this month, the previous one and the same month last year."""
    unit = [{"code": place["code"], "name": place["name"], "level": place["level"]}]
    last_year = same_month_last_year(month)
    known = cube_info.periods["month"]
    found = []
    for code in METRICS:
        metric = metrics.get(code)
        if code not in cube_info.layouts["month"]:
            continue
        available = cube.available(cube_info, metric)
        now = cube.unit_values(storage, access, code, unit, month)
        row = now["rows"][0] if month in available else {"value": None, "previous": None}
        before = (cube.unit_values(storage, access, code, unit, last_year)["rows"][0]["value"]
                  if last_year in known and last_year in available else None)
        value = row["value"]
        previous = row["previous"] if now["previous_period"] in available else None
        found.append({"metric": metric, "region": place["code"], "period": month, "value": value,
                      "previous_period": now["previous_period"], "previous": previous,
                      "change": None if value is None or previous is None else round(value - previous, 2),
                      "last_year_period": last_year, "last_year": before,
                      "change_year": None if value is None or before is None else round(value - before, 2)})
    return found


def _phrase(change: float | None, up: str, down: str, same: str, none: str, amount: str | None,
            **more) -> str:
    if change is None:
        return none.format(**more)
    template = up if change > 0 else down if change < 0 else same
    return template.format(amount=amount, **more)


def _comparisons(figure: dict, lang: str) -> tuple[str, str, list[dict]]:
    """The phrases "on last month" and "on the same month last year", with their numbers."""
    metric, region, code = figure["metric"], figure["region"], figure["metric"].code
    numbers = []
    month_amount = year_amount = None
    if figure["change"] is not None:  # (no change written when there is none: "unchanged")
        month_amount = number_text(figure["change"], metric, lang, change=True)
        numbers += [_number("previous", figure["previous"], number_text(figure["previous"], metric, lang), code,
                            region, figure["previous_period"])]
        numbers += [_number("change", figure["change"], month_amount, code, region, figure["period"])] \
            if figure["change"] else []
    if figure["change_year"] is not None:
        year_amount = number_text(figure["change_year"], metric, lang, change=True)
        numbers += [_number("last_year", figure["last_year"], number_text(figure["last_year"], metric, lang), code,
                            region, figure["last_year_period"])]
        numbers += [_number("change_year", figure["change_year"], year_amount, code, region, figure["period"])] \
            if figure["change_year"] else []
    on_month = _phrase(figure["change"], t("brief_month_up", lang), t("brief_month_down", lang),
                       t("brief_month_same", lang), t("brief_month_none", lang), month_amount,
                       previous=numbers[0]["text"] if figure["change"] is not None else "")
    year_previous = next((n["text"] for n in numbers if n["name"] == "last_year"), "")
    on_year = _phrase(figure["change_year"], t("brief_year_up", lang), t("brief_year_down", lang),
                      t("brief_year_same", lang), t("brief_year_none", lang), year_amount,
                      period=figure["last_year_period"], previous=year_previous)
    return on_month, on_year, numbers


def _value_number(figure: dict, lang: str) -> dict:
    return _number("value", figure["value"], number_text(figure["value"], figure["metric"], lang),
                   figure["metric"].code, figure["region"], figure["period"])


def _largest(figure: dict, month: str, lang: str) -> dict:
    on_month, on_year, numbers = _comparisons(figure, lang)
    value = _value_number(figure, lang)
    relative = relative_change(figure["value"], figure["previous"])
    shown = relative_text(relative)
    text = t("brief_largest", lang).format(period=month, metric=localized(figure["metric"], lang),
                                           value=value["text"], month=on_month, relative=shown, year=on_year)
    sentence = _sentence("largest", text, figure["metric"].code, [
        value, *numbers, _number("relative", relative, shown, figure["metric"].code, figure["region"], month)])
    sentence["links"] = [map_link(figure["region"], figure["metric"].code, month, lang)]
    return sentence


def _change(figure: dict, lang: str) -> dict:
    name = localized(figure["metric"], lang)
    if figure["value"] is None:
        sentence = _sentence("change", t("brief_metric_no_data", lang).format(metric=name), figure["metric"].code)
    else:
        on_month, on_year, numbers = _comparisons(figure, lang)
        value = _value_number(figure, lang)
        sentence = _sentence("change", t("brief_change", lang).format(metric=name, value=value["text"],
                                                                       month=on_month, year=on_year),
                             figure["metric"].code, [value, *numbers])
    sentence["links"] = [map_link(figure["region"], figure["metric"].code, figure["period"], lang)]
    return sentence


def _peers_name(compare: profile.Comparison, lang: str) -> str:
    group = compare.peers
    if group.kind == "province_counties":
        return t("brief_peers_tier", lang).format(tier=localized(group.tier, lang)) if group.tier_applies \
            else t("brief_peers_counties", lang)
    if group.kind == "cities":
        return t("brief_peers_cities", lang)
    if group.kind == "provinces":
        return t("brief_peers_provinces", lang)
    return t("brief_peers_siblings", lang)


def _peer_sentences(storage: Storage, access: Access, place: dict, month: str, lang: str) -> list[dict]:
    """The month's figures in which the region is the worst or the best of its peers (see :func:`standing`);
    if none, one sentence saying so (or that too few peers have figures)."""
    compare = profile.comparison(storage, access, place)
    units = compare.peers.units()
    if not any(u["code"] == place["code"] for u in units):
        units.append({"code": place["code"], "name": place["name"], "level": place["level"]})
    group = _peers_name(compare, lang)
    cube_info = cube.info(storage)
    found, most = {"worst": [], "best": []}, 0
    for code in METRICS:
        metric = metrics.get(code)
        if month not in cube.available(cube_info, metric):
            continue
        rows = cube.unit_values(storage, access, code, units, month)["rows"]
        present = [r for r in rows if r["value"] is not None]
        most = max(most, len(present))
        where = standing(rows, place["code"], metric.direction)
        if where is None:
            continue
        own = next(r["value"] for r in present if r["code"] == place["code"])
        median = cube.median_of([r["value"] for r in present], metric)
        numbers = [_number("value", own, number_text(own, metric, lang), code, place["code"], month),
                   _number("peers_median", median, number_text(median, metric, lang), code, None, month),
                   _number("peers_with_data", len(present), f"{len(present)}", code, None, month)]
        template = t("brief_peer_worst", lang) if where == "worst" else t("brief_peer_best", lang)
        sentence = _sentence(f"peer_{where}", template.format(
            metric=localized(metric, lang), peers=group, count=numbers[2]["text"], value=numbers[0]["text"],
            median=numbers[1]["text"]), code, numbers)
        sentence["peers"] = sorted(r["code"] for r in present)
        sentence["links"] = [map_link(place["code"], code, month, lang)]
        found[where].append(sentence)
    chosen = (found["worst"] + found["best"])[:MAX_PEER_SENTENCES]
    if chosen:
        return chosen
    count = _number("peers_with_data", most, f"{most}", None, None, month)
    if most < MIN_PEERS:
        return [_sentence("peers_few", t("brief_peers_few", lang).format(peers=group, count=count["text"],
                                                                         minimum=MIN_PEERS), None, [count])]
    return [_sentence("peers_none", t("brief_peers_none", lang).format(peers=group, count=count["text"]),
                      None, [count])]


def _days(figure: dict, lang: str) -> dict:
    metric = figure["metric"]
    value = _value_number(figure, lang)
    target = _number("target", metric.target, number_text(metric.target, metric, lang), metric.code, None, None)
    over = t("brief_days_over", lang) if figure["value"] > metric.target else t("brief_days_within", lang)
    text = t("brief_days", lang).format(period=figure["period"], value=value["text"],
                                        limit=over.format(target=target["text"]))
    sentence = _sentence("days_target", text, metric.code, [value, target])
    sentence["links"] = [map_link(figure["region"], metric.code, figure["period"], lang)]
    return sentence


def _overdue(storage: Storage, access: Access, code: str, month: str, lang: str) -> dict:
    """The overdue board's count (cases identified or first assisted late), as of its date."""
    board = monitoring.overdue(storage, access, code)
    days = metrics.get(DAYS_METRIC)
    numbers = [_number("overdue", board["overdue"], f"{board['overdue']:,}", None, code, board["as_of"]),
               _number("cases", board["cases"], f"{board['cases']:,}", None, code, board["as_of"]),
               _number("identification_days", board["targets"]["identification_days"],
                       number_text(board["targets"]["identification_days"], days, lang), None, None, None),
               _number("measure_days", board["targets"]["measure_days"],
                       number_text(board["targets"]["measure_days"], days, lang), None, None, None)]
    text = t("brief_overdue", lang).format(date=board["as_of"], overdue=numbers[0]["text"], cases=numbers[1]["text"],
                                           identification=numbers[2]["text"], measure=numbers[3]["text"])
    sentence = _sentence("overdue", text, None, numbers)
    sentence["links"] = [monitoring_link(code, month, lang)]
    return sentence
