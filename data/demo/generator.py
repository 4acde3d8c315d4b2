"""Realistic demo data for every table of the data contract, deterministic from a seed.

Household-level records are drawn for the counties in scope of a scale (see data/scales.py), at a
sampling ratio of about one household in ``SAMPLING_RATIO`` (a real village has ~350 households), in the
rural villages only (村民委员会, 城乡分类 2xx: ``data.demo.regions.rural_village``); urban communities (社区)
are units of the map without household records.
Calibration targets, from data/reference/thresholds.md, are checked by tests/test_generator.py:

* per-capita net income of poverty-exited counties ≈ 16,396 yuan in 2023 [T14], growing 6–9 % a year;
  former-poor households poorer, national key counties poorer than their neighbours;
* wage income ≈ 68.7 % of former-poor households' income [T14];
* a monitoring threshold per province and year, anchored on Yuanmou's 8,050 yuan in 2023 [G10] and
  rising ~4.5 % a year (no other provincial figures are published: see the gaps in thresholds.md);
* identification when income falls under the threshold or a shock (illness, accident, disaster, job
  loss, failed project, housing, water) hits a household that cannot absorb it; the first measure
  ≈ half a month later [T15], matched to the risk type; risk eliminated after ≥ 6 months of
  stability for ≈ 60 % of monitored households [T14][T15] (a few flagged cases break the rules on
  purpose, for the monitoring checks);
* monthly employment dipping in the Spring-Festival month and the farming season; a flood in a few
  counties in July–August 2025 raising 因灾 identifications;
* projects with a realistic mix of statuses, connection funds with an industry share around the
  55–60 % policy line (some counties below it), East–West rows for the pairs of
  data/reference/east_west_pairs.csv, village teams;
* (issue 18) the pairings of the reference file (every pair, resolved to the stored regions), with their
  start year (2021, the new stage, unless the file says since 1996 or 2010); the agreement's yearly target of
  each of ``DEMO_TARGET_INDICATORS`` per collaboration row, completed mostly 90–130 % and some under 80 %;
  more of every quantity for national key counties (``KEY_TILT``); labour flows that follow the employment
  records (``to_east`` = the paired-east labourers of the year × ``SAMPLING_RATIO``); one central unit's
  targeted assistance per national key county, the unit marked 示例 (illustrative).

Names and ID numbers are synthetic but shaped like real ones (valid check digits) and go through the
same masking as imported data before they are stored.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.definitions import personal
from data.definitions.contract import COLLABORATION_MONEY, TARGETED_QUANTITIES
from data.definitions.reference import REFERENCE_DIR
from data.demo.regions import rural_village

SAMPLING_RATIO = 100  # demo: 2–5 sampled households per real village, where a real village has ~350
HOUSEHOLDS_PER_VILLAGE = {"tiny": (12, 20), "demo": (2, 5), "large": (9, 13)}
FIRST_PERIOD, LAST_PERIOD = "2023-11", "2026-10"  # 36 months of monitoring and employment
INCOME_YEARS = (2023, 2024, 2025)
PROGRAMME_YEARS = (2024, 2025, 2026)  # funds, projects, collaboration, teams (2026: to October)
THRESHOLD_2023 = 8050  # Yuanmou, Yunnan, 2023 [G10]
THRESHOLD_GROWTH = 0.045
INCOME_MEDIAN_2023 = {"key": 14_000, "other": 17_000}
WAGE_SHARE = 0.687
FLOOD_MONTHS = ("2025-07", "2025-08")
SPRING_FESTIVAL = {"2024-02": 0.88, "2025-01": 0.88, "2026-02": 0.88}  # the month of 春节
SEASON = {1: 0.97, 2: 0.97, 4: 0.95, 5: 0.94, 9: 0.98, 10: 0.98}  # farming seasons and winter
END_DATE = dt.date(2026, 10, 31)

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华兰梅琴云海红玉林国建文辉兵春燕龙飞鹏志贵荣富福顺德成")
PROJECT_NAMES = {
    "planting": ["茶叶种植基地", "中药材种植基地", "食用菌种植基地", "蔬菜保供基地", "精品水果种植基地"],
    "breeding": ["肉牛养殖场", "生猪养殖场", "山羊养殖场", "蛋鸡养殖场"],
    "processing": ["农产品加工厂", "茶叶加工厂", "粮油加工厂"],
    "tourism": ["乡村旅游示范点", "民宿集群"],
    "ecommerce": ["电商服务中心", "农村电商直播基地"],
    "workshop": ["就业帮扶车间"],
    "other": ["村级光伏电站", "冷链仓储设施"],
}
RISK_MEASURES = {
    "illness": ["health", "temporary_relief"], "disability": ["special_support", "dibao"],
    "schooling": ["education"], "disaster": ["temporary_relief", "housing"], "accident": ["temporary_relief", "health"],
    "unstable_employment": ["employment", "public_welfare_post"], "lack_of_labour": ["dibao", "special_support"],
    "industry_failure": ["industry", "microcredit"], "housing": ["housing"], "drinking_water": ["drinking_water"],
    "other": ["temporary_relief"],
}
MEASURE_AMOUNT = {"industry": 3000, "employment": 1500, "dibao": 4800, "special_support": 6000,
                  "temporary_relief": 2000, "education": 2500, "health": 5000, "housing": 20000,
                  "drinking_water": 1500, "microcredit": 30000, "public_welfare_post": 6000, "work_relief": 4000,
                  "other": 1000}


def periods() -> list[str]:
    return [str(p) for p in pd.period_range(FIRST_PERIOD, LAST_PERIOD, freq="M")]


def threshold(province_code: str, year: int) -> int:
    """The monitoring threshold (yuan per person per year) of a province in a year, to 10 yuan."""
    factor = 0.94 + (int(province_code[:2]) % 7) * 0.02 if province_code[:2] != "53" else 1.0
    return int(round(THRESHOLD_2023 * factor * (1 + THRESHOLD_GROWTH) ** (year - 2023), -1))


@dataclass
class CountyContext:
    code: str
    name: str
    province_code: str
    province_name: str
    city_name: str
    key: bool
    villages: list[str]
    flooded: bool
    city_code: str = ""  # the prefecture (the pairs file may name it)


def read_pairs() -> list[dict]:
    with open(REFERENCE_DIR / "east_west_pairs.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def east_partner(county: CountyContext, pairs: list[dict]) -> str | None:
    """The most specific eastern partner named for a county: its own pair, its city's, its province's."""
    for level, name in (("county", county.name), ("city", county.city_name), ("province", county.province_name)):
        for pair in pairs:
            if pair["west_level"] == level and pair["west_region"] == name:
                return pair["east_region"]
    return None


def generate(contexts: list[CountyContext], scale: str, seed: int,
             places: list[tuple[str, str, str]] | None = None) -> dict[str, pd.DataFrame]:
    """Every table for the counties given, as DataFrames in contract columns, full personal values.
    ``places``: (level, name, code) of the provinces, prefectures and counties the pairs file may name (the
    whole country: every pair of the file is stored); by default those of the counties given."""
    pairs = read_pairs()
    parts: dict[str, list[pd.DataFrame]] = {}
    with_records = []
    for index, county in enumerate(contexts):
        county = dataclasses.replace(county, villages=[v for v in county.villages if rural_village(v)])
        if not county.villages:  # an urban district: communities only, no household records
            continue
        with_records.append(county)
        rng = np.random.default_rng([seed, index])
        # Draws added after the first release come from streams of their own, so that the earlier
        # tables stay the same for the same seed (issue 18's collaboration data: the third).
        extra = np.random.default_rng([seed, index, 1])
        more = np.random.default_rng([seed, index, 2])
        partner = east_partner(county, pairs)
        for name, frame in _county_tables(county, partner, scale, rng, extra, more).items():
            parts.setdefault(name, []).append(frame)
    frames = {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}
    if places is None:
        places = sorted({place for c in with_records for place in (
            ("county", c.name, c.code), ("city", c.city_name, c.city_code), ("province", c.province_name, c.province_code))
            if place[2]})
    frames["pairings"] = pd.concat([pd.DataFrame(east_west_pairings(places, pairs), columns=PAIRING_COLUMNS),
                                    targeted_pairings(frames["targeted_assistance"])], ignore_index=True)
    return frames


def _county_tables(county: CountyContext, partner: str | None, scale: str, rng, extra,
                   more) -> dict[str, pd.DataFrame]:
    households, members = _households(county, scale, rng)
    income = _income(county, households, members, rng)
    monitoring, assistance, shocks = _monitoring(county, households, members, income, rng, extra)
    employment = _employment(households, members, monitoring, partner is not None, rng)
    projects, funds = _projects(county, partner, rng), _funds(county, rng)
    collaboration = _collaboration_added(county, _collaboration(county, partner, rng), employment, more)
    return {
        "households": households.drop(columns=["key"]),
        "members": members,
        "income": income,
        "monitoring": monitoring,
        "assistance": assistance,
        "expenses": _expenses(county, households, members, income, shocks, extra),
        "employment": employment,
        "projects": projects,
        "funds": funds,
        "collaboration": collaboration,
        "collaboration_targets": _targets(county, collaboration, more),
        "targeted_assistance": _targeted(county, more),
        "teams": _teams(county, rng),
    }


def _name(rng, count: int) -> np.ndarray:
    surnames = rng.choice(SURNAMES, size=count)
    first = rng.choice(GIVEN, size=count)
    second = np.where(rng.random(count) < 0.6, rng.choice(GIVEN, size=count), "")
    return np.char.add(np.char.add(surnames, first), second)


def _id_numbers(county_code: str, ages: np.ndarray, male: np.ndarray, rng) -> list[str]:
    numbers = []
    for age, is_male, day, sequence in zip(ages, male, rng.integers(0, 365, len(ages)), rng.integers(0, 500, len(ages))):
        born = dt.date(2026 - int(age), 1, 1) + dt.timedelta(days=int(day))
        first17 = f"{county_code[:6]}{born:%Y%m%d}{sequence * 2 + (1 if is_male else 0):03d}"
        numbers.append(first17 + personal.check_digit(first17))
    return numbers


def _households(county: CountyContext, scale: str, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    low, high = HOUSEHOLDS_PER_VILLAGE[scale]
    per_village = rng.integers(low, high, endpoint=True, size=len(county.villages))
    village = np.repeat(county.villages, per_village)
    count = len(village)
    sequence = np.concatenate([np.arange(1, n + 1) for n in per_village])
    household_id = np.char.add(village.astype(str), np.char.zfill(sequence.astype(str), 4))
    size = rng.choice(np.arange(1, 8), size=count, p=[.12, .2, .22, .22, .14, .07, .03])
    former_poor = rng.random(count) < (0.32 if county.key else 0.18)

    member_household = np.repeat(household_id, size)
    position = np.concatenate([np.arange(s) for s in size])
    total = len(member_household)
    band = rng.choice(4, size=total, p=[.22, .55, .2, .03])
    age = np.select([band == 0, band == 1, band == 2], [rng.integers(0, 16, total), rng.integers(16, 60, total),
                                                        rng.integers(60, 80, total)], rng.integers(80, 96, total))
    age = np.where(position == 0, rng.integers(25, 81, total), age)
    male = np.where(position == 0, rng.random(total) < 0.85, rng.random(total) < 0.5)
    poor_member = np.repeat(former_poor, size)
    elderly = age >= 60
    draw = rng.random(total)
    serious_p = 0.03 + 0.02 * poor_member
    disabled_p = 0.05 + 0.03 * poor_member
    chronic_p = np.where(elderly, 0.30, 0.10)
    health = np.select([draw < serious_p, draw < serious_p + disabled_p, draw < serious_p + disabled_p + chronic_p],
                       ["serious", "disabled", "chronic"], "healthy")
    working_age = (age >= 16) & (age < 60)
    weak = (working_age & (health == "chronic") & (rng.random(total) < 0.5)) | \
           ((age >= 60) & (age < 70) & (health == "healthy")) | \
           (working_age & (health == "disabled") & (rng.random(total) < 0.4))
    full = working_age & ((health == "healthy") | (health == "chronic")) & ~weak
    labour = np.select([full, weak], ["full", "weak"], "none")
    schooling = np.select(
        [(age >= 3) & (age <= 5), (age >= 6) & (age <= 11), (age >= 12) & (age <= 14),
         (age >= 15) & (age <= 17) & (draw < 0.7), (age >= 15) & (age <= 17) & (draw < 0.9),
         (age >= 18) & (age <= 22) & (rng.random(total) < 0.3)],
        ["preschool", "primary", "junior", "senior", "vocational", "college"], "not_in_school")
    # Pupils are not labour, whatever their age.
    labour = np.where(np.isin(schooling, ["senior", "vocational", "college"]), "none", labour)
    members = pd.DataFrame({
        "person_id": np.char.add(member_household, np.char.zfill((position + 1).astype(str), 2)),
        "household_id": member_household, "age": age, "sex": np.where(male, "male", "female"),
        "labour_capacity": labour, "health": health, "schooling": schooling,
    })
    labour_count = (members["labour_capacity"] != "none").groupby(members["household_id"], sort=False).sum()
    heads = members[position == 0]
    households = pd.DataFrame({
        "household_id": household_id, "village_code": village, "size": size,
        "labour_count": labour_count.reindex(household_id).to_numpy(), "former_poor": former_poor,
        "head_name": _name(rng, count),
        "head_id_number": _id_numbers(county.code, heads["age"].to_numpy(), (heads["sex"] == "male").to_numpy(), rng),
        "key": county.key,
    })
    return households, members


def _income(county: CountyContext, households, members, rng) -> pd.DataFrame:
    count = len(households)
    flags = members.assign(serious=members["health"].isin(["serious", "disabled"]))
    sick = flags.groupby("household_id", sort=False)["serious"].any().reindex(households["household_id"]).to_numpy()
    labour_share = households["labour_count"].to_numpy() / households["size"].to_numpy()
    median = INCOME_MEDIAN_2023["key" if county.key else "other"] * rng.normal(1, 0.06)
    base = median * np.exp(rng.normal(0, 0.26, count)) * (0.78 + 0.45 * labour_share)
    base *= np.where(households["former_poor"], 0.86, 1.0) * np.where(sick, 0.82, 1.0)
    rows = []
    per_capita = base
    for year in INCOME_YEARS:
        if year > INCOME_YEARS[0]:
            per_capita = per_capita * (1 + rng.normal(0.075, 0.07, count))
        if county.flooded and year == 2025:
            per_capita = per_capita * np.where(rng.random(count) < 0.25, 0.7, 1.0)
        size = households["size"].to_numpy()
        total = np.maximum(per_capita, 1500) * size
        has_labour = households["labour_count"].to_numpy() > 0
        wage_share = np.where(has_labour, np.clip(rng.normal(WAGE_SHARE + 0.03, 0.12, count), 0.05, 0.95), 0.0)
        transfer_share = np.where(has_labour, np.clip(rng.normal(0.1, 0.04, count), 0.02, 0.4),
                                  np.clip(rng.normal(0.7, 0.12, count), 0.3, 0.95))
        property_share = np.clip(rng.normal(0.02, 0.01, count), 0, 0.08)
        wage = np.round(total * wage_share)
        transfer = np.round(total * transfer_share)
        property_income = np.round(total * property_share)
        operating = np.round(total) - wage - transfer - property_income
        summed = wage + transfer + property_income + operating
        rows.append(pd.DataFrame({
            "household_id": households["household_id"], "year": year,
            "per_capita_net_income": np.round(summed / size).astype(np.int64),
            "wage": wage.astype(np.int64), "operating": operating.astype(np.int64),
            "property": property_income.astype(np.int64), "transfer": transfer.astype(np.int64),
        }))
    return pd.concat(rows, ignore_index=True)


def _risk_types(flags: dict, labour_count: int, cause: str | None) -> list[str]:
    """The risk types of a case: the shock that hit, plus what the household's members bring."""
    risks = [cause] if cause else []
    for risk in ("illness", "disability", "schooling"):
        if flags[risk]:
            risks.append(risk)
    if labour_count == 0:
        risks.append("lack_of_labour")
    if not risks:
        risks.append("unstable_employment" if labour_count > 0 else "other")
    return sorted(set(risks), key=list(RISK_MEASURES).index)


def _member_flags(members: pd.DataFrame) -> pd.DataFrame:
    flags = pd.DataFrame({
        "household_id": members["household_id"],
        "illness": members["health"].isin(["serious", "chronic"]),
        "disability": members["health"] == "disabled",
        "schooling": members["schooling"].isin(["senior", "vocational", "college"]),
    })
    return flags.groupby("household_id", sort=False).any()


def _monitoring(county: CountyContext, households, members, income, rng, extra):
    """One monitoring case per identified household, the measures it received, and the shocks that hit
    households (identified or not: a household with means copes), for the expenses they cause."""
    flags = _member_flags(members).reindex(households["household_id"]).to_dict("records")
    start = dt.date(2023, 11, 1)
    window_days = (END_DATE - start).days
    income_2023 = income[income["year"] == 2023].set_index("household_id")["per_capita_net_income"]
    limit_2023 = threshold(county.province_code, 2023)
    count = len(households)
    pc = income_2023.reindex(households["household_id"]).to_numpy()
    # Who is identified, drawn for all households at once: the stock under the line, then shocks.
    stock = (pc < limit_2023 * 1.05) & (rng.random(count) < 0.78)
    hazards = {"disaster": 0.10 if county.flooded else 0.0,  # first: a flooded household's cause is the flood
               "illness": 0.025, "accident": 0.006, "unstable_employment": 0.012 * households["former_poor"].to_numpy(),
               "industry_failure": 0.004, "housing": 0.003, "drinking_water": 0.002}
    causes = list(hazards)
    hit = np.column_stack([rng.random(count) < np.asarray(p) * (1.6 if county.key else 1.0) for p in hazards.values()])
    shocked = ~stock & hit.any(axis=1)
    first_cause = hit.argmax(axis=1)
    copes = (pc > limit_2023 * 1.4) & (rng.random(count) < 0.7)
    chosen = np.flatnonzero(stock | (shocked & ~copes))
    cases, measures = [], []
    shocks = [{"household_id": households["household_id"].iat[i], "cause": causes[first_cause[i]],
               "date": _shock_date(causes[first_cause[i]], start, window_days, extra)}
              for i in np.flatnonzero(shocked & copes)]
    # The yearly income check: households found under the line after a year's incomes are in are
    # identified from January to April of the next year (the score sees the same incomes earlier).
    checked = {}
    for year in INCOME_YEARS[1:]:
        income_year = income[income["year"] == year].set_index("household_id")["per_capita_net_income"]
        below = income_year.reindex(households["household_id"]).to_numpy() < threshold(county.province_code, year)
        for index in np.flatnonzero(below & ~(stock | (shocked & ~copes)) & (extra.random(count) < 0.6)):
            checked.setdefault(int(index), dt.date(year + 1, 1, 10) + dt.timedelta(days=int(extra.integers(0, 110))))
    late = np.array(sorted(checked), dtype=int)
    rows = households.iloc[np.concatenate([chosen, late])].to_dict("records")
    for index, row in zip(np.concatenate([chosen, late]), rows):
        member_flags = flags[index]
        rng_case = extra if index in checked else rng
        if index in checked:
            cause = None
            identified = checked[index]
        elif stock[index]:
            cause = None
            identified = dt.date(2021, 6, 1) + dt.timedelta(days=int(rng.integers(0, 880)))
        else:
            cause = causes[first_cause[index]]
            if cause == "disaster":
                shock = dt.date(2025, 7, 1) + dt.timedelta(days=int(rng.integers(0, 62)))
            else:
                shock = start + dt.timedelta(days=int(rng.integers(0, window_days - 20)))
            identified = shock + dt.timedelta(days=int(rng.gamma(2.0, 5.0)))
            shocks.append({"household_id": row["household_id"], "cause": cause, "date": shock})
        pc_row = pc[index]
        if identified is None or identified > END_DATE:
            continue
        risks = _risk_types(member_flags, row["labour_count"], cause)
        category = ("sudden_hardship" if cause and pc_row >= limit_2023 else
                    "unstable_former_poor" if row["former_poor"] else "marginal")
        channel = rng_case.choice(["department_screening", "cadre_visit", "self_report"],
                             p=[0.45, 0.35, 0.2] if cause in ("illness", "disaster") else [0.2, 0.6, 0.2])
        first_measure = identified + dt.timedelta(days=int(rng_case.gamma(2.2, 6.5)))
        # The timeline before identification: the signal (a shock is noticed within days; the stock
        # under the line by a visit or screening), then the village's visit and review.
        signal = (min(shock + dt.timedelta(days=int(extra.gamma(1.2, 2.5))), identified) if cause else
                  identified - dt.timedelta(days=int(extra.gamma(2.0, 4.0))))
        verified = signal + dt.timedelta(days=int((identified - signal).days * extra.uniform(0.3, 0.8)))
        wanted = [m for risk in risks for m in RISK_MEASURES[risk][:1 + (rng_case.random() < 0.3)]]
        if row["labour_count"] > 0:
            wanted.append(rng_case.choice(["industry", "employment", "microcredit", "public_welfare_post"]))
        if rng_case.random() < 0.05:  # a mismatch, for the measure-matching check
            wanted = [rng_case.choice(["other", "drinking_water", "education"])]
        for offset, measure in enumerate(dict.fromkeys(wanted)):
            started = first_measure + dt.timedelta(days=int(offset * rng_case.integers(5, 40)))
            if started <= END_DATE:
                measures.append({"household_id": row["household_id"], "measure": measure, "started_on": started,
                                 "amount_yuan": int(round(MEASURE_AMOUNT[measure] * rng_case.uniform(0.6, 1.6), -1))})
        stable_after = first_measure + dt.timedelta(days=int(180 + rng_case.gamma(2.0, 60)))
        chance = 0.70 if row["labour_count"] > 0 else 0.48
        early = rng_case.random() < 0.03  # eliminated too early, for the exit check
        eliminated = None
        if early:
            eliminated = first_measure + dt.timedelta(days=int(rng_case.integers(30, 150)))
        elif stable_after <= END_DATE and rng_case.random() < chance:
            eliminated = stable_after
        if eliminated is not None and eliminated > END_DATE:
            eliminated = None
        cases.append({"household_id": row["household_id"], "category": category, "signal_on": signal,
                      "verified_on": verified, "identified_on": identified,
                      "channel": str(channel), "risk_types": ";".join(risks),
                      "risk_status": "eliminated" if eliminated else "not_eliminated", "eliminated_on": eliminated})
    columns = ["household_id", "category", "signal_on", "verified_on", "identified_on", "channel", "risk_types",
               "risk_status", "eliminated_on"]
    measure_columns = ["household_id", "measure", "started_on", "amount_yuan"]
    return (pd.DataFrame(cases, columns=columns), pd.DataFrame(measures, columns=measure_columns),
            pd.DataFrame(shocks, columns=["household_id", "cause", "date"]))


def _shock_date(cause: str, start: dt.date, window_days: int, rng) -> dt.date:
    if cause == "disaster":
        return dt.date(2025, 7, 1) + dt.timedelta(days=int(rng.integers(0, 62)))
    return start + dt.timedelta(days=int(rng.integers(0, window_days - 20)))


# What a shock costs, as a share of the household's yearly income, and how it is recorded.
SHOCK_EXPENSES = {"disaster": ("disaster_loss", 0.25, 0.9), "illness": ("medical", 0.3, 1.2),
                  "accident": ("accident", 0.2, 0.8)}
MEDICAL_REPORTING_LINE = 3000  # medical insurance reports large out-of-pocket expenses only


def _expenses(county: CountyContext, households, members, income, shocks, rng) -> pd.DataFrame:
    """Rigid expenses by month: what shocks cost, the recurring medical costs of the seriously ill, the
    tuition of pupils beyond compulsory schooling, and the flood's smaller losses to other households."""
    months = periods()
    yearly = (income[income["year"] == INCOME_YEARS[0]].set_index("household_id")["per_capita_net_income"]
              * households.set_index("household_id")["size"]).reindex(households["household_id"])
    rows = []
    for shock in shocks.itertuples(index=False):
        if shock.cause in SHOCK_EXPENSES and FIRST_PERIOD <= f"{shock.date:%Y-%m}" <= LAST_PERIOD:
            kind, low, high = SHOCK_EXPENSES[shock.cause]
            rows.append((shock.household_id, f"{shock.date:%Y-%m}", kind,
                         yearly[shock.household_id] * rng.uniform(low, high)))
    if county.flooded:
        hit = set(shocks.loc[shocks["cause"] == "disaster", "household_id"])
        for household in households["household_id"]:
            if household not in hit and rng.random() < 0.3:
                rows.append((household, str(rng.choice(FLOOD_MONTHS)), "disaster_loss",
                             yearly[household] * rng.uniform(0.03, 0.15)))
    serious = members.loc[members["health"] == "serious", "household_id"].unique()
    for household in serious:
        for month in rng.choice(months, size=int(rng.integers(2, 7)), replace=False):
            rows.append((household, str(month), "medical", yearly[household] * rng.uniform(0.04, 0.15)))
    pupils = members[members["schooling"].isin(["senior", "vocational", "college"])]
    tuition = pupils["schooling"].map({"senior": 2500, "vocational": 2000, "college": 8000})
    for household, fee in tuition.groupby(pupils["household_id"]).sum().items():
        for month in (p for p in months if p.endswith("-09")):
            rows.append((household, month, "schooling", fee * rng.uniform(0.8, 1.3)))
    frame = pd.DataFrame(rows, columns=["household_id", "period", "kind", "amount_yuan"])
    frame["amount_yuan"] = frame["amount_yuan"].round(-1).astype(np.int64)
    frame = frame[(frame["kind"] != "medical") | (frame["amount_yuan"] >= MEDICAL_REPORTING_LINE)]
    return frame.groupby(["household_id", "period", "kind"], as_index=False)["amount_yuan"].sum()


def _employment(households, members, monitoring, paired: bool, rng) -> pd.DataFrame:
    """Monthly employment of labourers in former-poor and monitored households."""
    covered = set(households.loc[households["former_poor"], "household_id"]) | set(monitoring["household_id"])
    labourers = members[members["household_id"].isin(covered) & (members["labour_capacity"] != "none")]
    months = periods()
    n, m = len(labourers), len(months)
    if n == 0:
        return pd.DataFrame(columns=["person_id", "household_id", "period", "employed", "location", "mode",
                                     "monthly_wage"])
    propensity = np.where(labourers["labour_capacity"].to_numpy() == "full", 0.9, 0.55) * rng.uniform(0.85, 1.05, n)
    season = np.array([SPRING_FESTIVAL.get(p, 1.0) * SEASON.get(int(p[5:]), 1.0) for p in months])
    trend = 1 + 0.012 * np.arange(m) / 12
    employed = rng.random((n, m)) < np.clip(propensity[:, None] * season[None, :] * trend[None, :], 0, 0.98)
    locations = np.array(["in_county", "in_province", "out_of_province", "paired_east"])
    weights = [0.3, 0.32, 0.28, 0.10] if paired else [0.3, 0.35, 0.35, 0.0]
    location = rng.choice(locations, size=n, p=weights)
    weak = labourers["labour_capacity"].to_numpy() == "weak"
    local_mode = np.where(weak, rng.choice(["public_post", "workshop", "local"], size=n, p=[0.5, 0.3, 0.2]),
                          rng.choice(["local", "workshop", "public_post", "work_relief", "self_employed"], size=n,
                                     p=[0.55, 0.15, 0.1, 0.08, 0.12]))
    mode = np.where(location == "in_county", local_mode,
                    np.where(rng.random(n) < 0.92, "outbound", "self_employed"))
    base_wage = pd.Series(location).map({"in_county": 2800, "in_province": 4000, "out_of_province": 4800,
                                         "paired_east": 5200}).to_numpy()
    base_wage = np.where(mode == "public_post", 800, np.where(mode == "workshop", 2400, base_wage))
    base_wage = base_wage * rng.uniform(0.8, 1.2, n)
    growth = 1.04 ** (np.arange(m) / 12)
    wage = np.round(base_wage[:, None] * growth[None, :] * rng.uniform(0.95, 1.05, (n, m)), -1)
    frame = pd.DataFrame({
        "person_id": np.repeat(labourers["person_id"].to_numpy(), m),
        "household_id": np.repeat(labourers["household_id"].to_numpy(), m),
        "period": np.tile(months, n),
        "employed": employed.ravel(),
        "location": np.repeat(location, m),
        "mode": np.repeat(mode, m),
        "monthly_wage": wage.ravel().astype(np.int64),
    })
    frame.loc[~frame["employed"], ["location", "mode"]] = None
    frame["monthly_wage"] = frame["monthly_wage"].astype("Int64").where(frame["employed"])
    return frame


def _projects(county: CountyContext, partner: str | None, rng) -> pd.DataFrame:
    rows = []
    types = list(PROJECT_NAMES)
    for year in PROGRAMME_YEARS:
        for number in range(int(rng.integers(8, 16 if county.key else 10, endpoint=True))):
            kind = str(rng.choice(types, p=[0.32, 0.22, 0.14, 0.1, 0.08, 0.08, 0.06]))
            village = str(rng.choice(county.villages)) if rng.random() < 0.7 else None
            status = str(rng.choice(["construction", "operating", "idle", "failed"],
                                    p=[0.5, 0.45, 0.03, 0.02] if year == 2026 else [0.05, 0.77, 0.11, 0.07]))
            connection = int(round(rng.uniform(0.5, 5.0) * 1e6, -3))
            east_west = int(round(rng.uniform(0, 2.0) * 1e6, -3)) if partner and rng.random() < 0.4 else 0
            total = connection + east_west
            jobs = int(total / rng.uniform(60_000, 150_000)) if status in ("operating", "idle") else \
                int(total / 400_000) if status == "construction" else 0
            rows.append({
                "project_id": f"{county.code[:6]}{year}{number + 1:03d}", "county_code": county.code,
                "village_code": village,
                "name": f"{county.name}{rng.choice(PROJECT_NAMES[kind])}（{year}）",
                "type": kind, "year": year, "fund_connection": connection, "fund_east_west": east_west,
                "fund_targeted": int(round(rng.uniform(0, 0.5) * 1e6, -3)) if rng.random() < 0.25 else 0,
                "fund_social": int(round(rng.uniform(0, 3.0) * 1e6, -3)) if rng.random() < 0.35 else 0,
                "status": status, "jobs_created": jobs,
                "households_linked": int(total / rng.uniform(20_000, 60_000)) if status != "failed" else 0,
                "output_value": int(round(total * rng.uniform(0.8, 2.5), -3)) if status == "operating" else
                int(round(total * rng.uniform(0, 0.3), -3)) if status == "idle" else 0,
            })
    return pd.DataFrame(rows)


def _funds(county: CountyContext, rng) -> pd.DataFrame:
    rows = []
    industry_share_level = rng.normal(0.58, 0.035)
    for year in PROGRAMME_YEARS:
        total = rng.uniform(1.2e8, 2.8e8) if county.key else rng.uniform(0.5e8, 1.3e8)
        industry = float(np.clip(industry_share_level + rng.normal(0, 0.015), 0.45, 0.72))
        shares = {"industry": industry, "employment": 0.07, "infrastructure": (1 - industry - 0.07) * 0.8}
        shares["other"] = 1 - sum(shares.values())
        spend_rate = rng.uniform(0.6, 0.8) if year == 2026 else rng.uniform(0.9, 1.0)
        for use, share in shares.items():
            allocated = int(round(total * share, -3))
            rows.append({"county_code": county.code, "year": year, "use": use, "allocated": allocated,
                         "spent": int(round(allocated * min(1.0, spend_rate * rng.uniform(0.96, 1.04)), -3))})
    return pd.DataFrame(rows)


def _collaboration(county: CountyContext, partner: str | None, rng) -> pd.DataFrame:
    if partner is None:
        return pd.DataFrame(columns=["east_region", "west_code", "year", "fiscal_aid", "cadres_sent", "talent_sent",
                                     "enterprises_landed", "investment", "labour_transferred", "consumption_sales"])
    rows = []
    weight = 1.5 if county.key else 1.0
    for year in PROGRAMME_YEARS:
        part = 10 / 12 if year == 2026 else 1.0
        rows.append({
            "east_region": partner, "west_code": county.code, "year": year,
            "fiscal_aid": int(round(rng.uniform(1.0e7, 3.0e7) * weight * part, -3)),
            "cadres_sent": int(rng.integers(4, 14) * weight), "talent_sent": int(rng.integers(20, 70) * weight),
            "enterprises_landed": int(rng.integers(1, 9) * part), "investment": int(round(rng.uniform(0.5e8, 4e8) * part, -3)),
            "labour_transferred": int(rng.integers(400, 2500) * part),
            "consumption_sales": int(round(rng.uniform(0.3e8, 2.5e8) * weight * part, -3)),
        })
    return pd.DataFrame(rows)


# -- East–West collaboration and targeted assistance (issue 18) ------------------------------------------
NEW_STAGE = 2021  # the new stage of East–West collaboration and targeted assistance (the 2021 adjustment)
SINCE = re.compile(r"since (\d{4})")
PAIRING_COLUMNS = ["east_region", "west_code", "kind", "unit", "start_year", "end_year", "note"]
PAIRS_NOTE = "演示：结对关系取自参考文件 east_west_pairs.csv {refs}，起始年度按其说明（未说明者记{year}年新一轮协作）"
# The quantities an agreement sets a target for in the demo (the collaboration table's; completion is result ÷ target).
DEMO_TARGET_INDICATORS = ("fiscal_aid", "social_aid", "cadres_sent", "talent_sent", "people_trained",
                          "enterprises_landed", "investment", "workers_helped", "to_east", "consumption_bought",
                          "consumption_sold", "pairings_village")
# Completion of a target: most between 90 and 130 %, a few just short, some well under 80 %.
COMPLETION = ((0.72, 0.92, 1.30), (0.14, 0.80, 0.92), (0.14, 0.45, 0.80))  # (share, low, high)
KEY_TILT = 1.5  # agreements tilt toward national key counties: more of every quantity goes there
# Central units in the style of those assigned to targeted assistance; in the demo each is marked 示例: the
# pairing of a unit with a county is illustrative, not the real assignment (a deployment imports its own).
TARGETED_UNITS = ("农业农村部", "教育部", "国家卫生健康委员会", "人力资源和社会保障部", "商务部", "水利部",
                  "交通运输部", "自然资源部", "住房和城乡建设部", "文化和旅游部", "国家林业和草原局", "中国农业银行",
                  "国家开发银行", "中国农业发展银行", "国家电网有限公司", "中国移动通信集团有限公司")
ILLUSTRATIVE_UNIT = "（示例）"
TARGETED_NOTE = "示例单位：演示数据中的定点帮扶关系为示意，并非真实安排 / illustrative unit, not the real assignment"


def pair_start_year(pair: dict) -> int:
    """When a pair of the reference file began: the year its note says it has run since, else the new stage."""
    found = SINCE.search(pair.get("notes") or "")
    return int(found.group(1)) if found else NEW_STAGE


def east_west_pairings(places, pairs: list[dict]) -> list[dict]:
    """The pairs of the reference file whose western region is one of ``places`` ((level, name, code): a
    province, a prefecture or a county, matched by name at the level the file names), with their start year."""
    by_name: dict[tuple[str, str], list[str]] = {}
    for level, name, code in places:
        by_name.setdefault((level, name), []).append(code)
    found = {}
    for pair in pairs:
        refs = "".join(re.findall(r"\[E\d+\]", pair.get("notes") or ""))
        for code in by_name.get((pair["west_level"], pair["west_region"]), []):
            found[(pair["east_region"], code)] = {
                "east_region": pair["east_region"], "west_code": code, "kind": "east_west", "unit": "",
                "start_year": pair_start_year(pair), "end_year": None,
                "note": PAIRS_NOTE.format(refs=refs, year=NEW_STAGE)}
    return [found[key] for key in sorted(found)]


def targeted_pairings(targeted: pd.DataFrame) -> pd.DataFrame:
    """One pairing of kind targeted per unit and county of the targeted-assistance rows."""
    rows = targeted[["unit", "county_code"]].drop_duplicates().sort_values(["unit", "county_code"])
    return pd.DataFrame({"east_region": "", "west_code": rows["county_code"].to_numpy(), "kind": "targeted",
                         "unit": rows["unit"].to_numpy(), "start_year": NEW_STAGE, "end_year": None,
                         "note": TARGETED_NOTE}, columns=PAIRING_COLUMNS)


def labour_of(employment: pd.DataFrame, location: str) -> dict[int, int]:
    """Labourers of the records employed at ``location`` in at least one month of each year."""
    rows = employment[employment["employed"].astype(bool) & (employment["location"] == location)]
    return rows.groupby(rows["period"].str[:4].astype(int))["person_id"].nunique().to_dict()


def _collaboration_added(county: CountyContext, collaboration: pd.DataFrame, employment: pd.DataFrame,
                         rng) -> pd.DataFrame:
    """Issue 18's quantities of a county's collaboration rows. Labour flows follow the employment records:
    ``to_east`` is the county's labourers employed in the paired eastern province in the year, scaled by
    ``SAMPLING_RATIO`` (the records sample one household in that many); ``labour_transferred`` (the old total)
    is ``workers_helped`` and ``consumption_sales`` is bought + sold."""
    if collaboration.empty:
        return collaboration
    east, province = labour_of(employment, "paired_east"), labour_of(employment, "in_province")
    weight = KEY_TILT if county.key else 1.0
    rows = []
    for row in collaboration.to_dict("records"):
        year = int(row["year"])
        part = 10 / 12 if year == PROGRAMME_YEARS[-1] else 1.0
        to_east = east.get(year, 0) * SAMPLING_RATIO
        in_province = int(round(province.get(year, 0) * SAMPLING_RATIO * rng.uniform(0.25, 0.45)))
        elsewhere = int(round((to_east + in_province) * rng.uniform(0.05, 0.15)))
        helped = to_east + in_province + elsewhere
        bought = int(round(rng.uniform(0.2e8, 1.2e8) * weight * part, -3))
        sold = int(round(rng.uniform(0.3e8, 1.8e8) * weight * part, -3))
        rows.append({**row, "labour_transferred": helped, "consumption_sales": bought + sold,
                     "social_aid": int(round(rng.uniform(1e6, 8e6) * weight * part, -3)),
                     "talent_received": int(rng.integers(5, 26) * weight),
                     "people_trained": int(rng.integers(300, 3000) * weight * part),
                     "parks_built": int(rng.choice([0, 1, 1, 2]) if county.key else rng.choice([0, 0, 1])),
                     "workers_helped": helped, "former_poor": int(round(helped * rng.uniform(0.55, 0.75))),
                     "to_east": to_east, "in_province": in_province,
                     "consumption_bought": bought, "consumption_sold": sold,
                     "pairings_township": int(rng.integers(2, 13)), "pairings_village": int(rng.integers(10, 60) * weight),
                     "pairings_school": int(rng.integers(2, 11)), "pairings_hospital": int(rng.integers(1, 6))})
    return pd.DataFrame(rows)


def completion(rng, size: int | None = None):
    """Completion ratios (result ÷ target) drawn from :data:`COMPLETION`."""
    shares = [c[0] for c in COMPLETION]
    band = rng.choice(len(COMPLETION), size=size, p=shares)
    low = np.array([c[1] for c in COMPLETION])[band]
    high = np.array([c[2] for c in COMPLETION])[band]
    return rng.uniform(low, high)


def _targets(county: CountyContext, collaboration: pd.DataFrame, rng) -> pd.DataFrame:
    """The agreement's target of every demo indicator for each collaboration row: the full-year result ÷ a
    completion ratio (for the current year, whose results run to October, the year's whole target)."""
    columns = ["east_region", "west_code", "year", "indicator", "target"]
    rows = []
    for row in collaboration.to_dict("records"):
        part = 10 / 12 if int(row["year"]) == PROGRAMME_YEARS[-1] else 1.0
        ratios = completion(rng, len(DEMO_TARGET_INDICATORS))
        for indicator, ratio in zip(DEMO_TARGET_INDICATORS, ratios):
            full_year = float(row[indicator]) / part
            target = full_year / ratio
            target = round(target, -4) if indicator in COLLABORATION_MONEY else round(target)
            rows.append({"east_region": row["east_region"], "west_code": row["west_code"], "year": row["year"],
                         "indicator": indicator, "target": int(max(target, 1))})
    return pd.DataFrame(rows, columns=columns)


def _targeted(county: CountyContext, rng) -> pd.DataFrame:
    """One central unit's targeted assistance of a national key county, by year (none for other counties)."""
    columns = ["unit", "county_code", "year", *TARGETED_QUANTITIES]
    if not county.key:
        return pd.DataFrame(columns=columns)
    unit = f"{rng.choice(TARGETED_UNITS)}{ILLUSTRATIVE_UNIT}"
    rows = []
    for year in PROGRAMME_YEARS:
        part = 10 / 12 if year == PROGRAMME_YEARS[-1] else 1.0
        rows.append({"unit": unit, "county_code": county.code, "year": year,
                     "funds_direct": int(round(rng.uniform(1e6, 6e6) * part, -3)),
                     "funds_introduced": int(round(rng.uniform(2e6, 2e7) * part, -3)),
                     "cadres_seconded": int(rng.integers(1, 4)), "cadres_in_villages": int(rng.integers(1, 5)),
                     "officials_trained": int(rng.integers(300, 2000) * part),
                     "technicians_trained": int(rng.integers(200, 1500) * part),
                     "produce_bought": int(round(rng.uniform(1e6, 8e6) * part, -3)),
                     "produce_sold": int(round(rng.uniform(3e6, 3e7) * part, -3)),
                     "projects": int(rng.integers(3, 16))})
    return pd.DataFrame(rows, columns=columns)


def _teams(county: CountyContext, rng) -> pd.DataFrame:
    villages = [v for v in county.villages if county.key or rng.random() < 0.7]
    rows = []
    for village in villages:
        secretary = str(_name(rng, 1)[0])
        level = str(rng.choice(["central", "province", "city", "county"], p=[0.05, 0.15, 0.3, 0.5]))
        for year in PROGRAMME_YEARS:
            if year > PROGRAMME_YEARS[0] and rng.random() < 0.3:  # teams rotate
                secretary = str(_name(rng, 1)[0])
            days = int(rng.integers(200, 290) * (10 / 12 if year == 2026 else 1))
            rows.append({"village_code": village, "year": year, "first_secretary": secretary,
                         "team_size": int(rng.integers(3, 6)), "dispatch_level": level, "days_on_site": days})
    return pd.DataFrame(rows)
