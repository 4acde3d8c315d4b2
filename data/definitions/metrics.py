"""The metric catalog: every figure the screens and the API show, declared once.

A metric is one of four kinds:

* ``count`` / ``sum``: additive. The pipeline computes it from records at its ``finest`` level
  (village for household records, county for projects, funds and collaboration) and every level above
  is the sum of its children.
* ``ratio``: ``factor × Σnumerator / Σdenominator`` where numerator and denominator are additive metrics
  of the catalog, summed at each level first — never an average of the children's ratios.
* ``growth``: the change of another metric against the previous period, in per cent.
* ``quantile``: a percentile of a distribution the pipeline keeps as a histogram at every level
  (histograms add up, so a county's median comes from its townships' histograms exactly).

``direction`` says whether a higher value is better or worse (None: neither), for colour scales and
rankings; ``target`` is a policy line, with its source in data/reference/thresholds.md.
"""
from __future__ import annotations

from dataclasses import dataclass

from data.definitions.contract import RISK_TYPES, TABLES, label_zh
from data.definitions.policy import (
    IDENTIFICATION_TARGET_DAYS,
    INDUSTRY_SHARE_LINE,
    MEASURE_TARGET_DAYS,
    WARNING_CUT,
)

THEMES = {"monitoring": ("监测帮扶", "Monitoring"), "warning": ("监测预警", "Early warning"), "income": ("收入", "Income"),
          "employment": ("务工就业", "Employment"), "industry": ("产业帮扶", "Industry"),
          "funds": ("衔接资金", "Connection funds"), "collaboration": ("东西部协作", "East–West collaboration"),
          "teams": ("驻村帮扶", "Village teams"), "targeted": ("定点帮扶", "Targeted assistance")}
UNITS = {"户": "households", "人": "people", "元": "yuan", "%": "%", "天": "days", "个": "projects",
         "支": "teams", "家": "enterprises", "元/人": "yuan per person", "百分点": "points",
         "处": "parks", "对": "pairs"}
# Records each theme is computed from, and the finest level at which it exists.
SOURCES = {"monitoring": (("households", "monitoring", "assistance"), "village"),
           "warning": (("households", "members", "income", "expenses", "employment", "monitoring"), "village"),
           "income": (("households", "income", "monitoring"), "village"),
           "employment": (("households", "employment"), "village"),
           "industry": (("projects",), "county"), "funds": (("funds",), "county"),
           "collaboration": (("collaboration",), "county"), "teams": (("teams",), "village"),
           "targeted": (("targeted_assistance",), "county")}
GRAIN = {"monitoring": "month", "warning": "month", "employment": "month", "income": "year", "industry": "year", "funds": "year",
         "collaboration": "year", "teams": "year", "targeted": "year"}
KINDS = ("count", "sum", "ratio", "growth", "quantile")
# Enumerations the metrics break down by, as the data contract declares them.
CATEGORIES = TABLES["monitoring"].column("category").values
CHANNELS = TABLES["monitoring"].column("channel").values
LOCATIONS = TABLES["employment"].column("location").values
MODES = TABLES["employment"].column("mode").values
STATUSES = TABLES["projects"].column("status").values


@dataclass(frozen=True)
class Metric:
    code: str
    zh: str
    en: str
    theme: str
    kind: str
    unit: str  # Chinese unit; UNITS gives the English
    definition_zh: str
    definition_en: str
    numerator: tuple[str, ...] = ()  # ratio: summed metrics; growth: the metric that changes
    denominator: tuple[str, ...] = ()
    factor: float = 1.0
    quantile: float | None = None
    distribution: str | None = None  # quantile: the histogram it reads
    direction: str | None = None  # "higher_better" | "higher_worse" | None
    target: float | None = None
    target_note: str = ""
    shown: bool = True  # offered in the metric picker (bases of ratios are API-only)

    @property
    def grain(self) -> str:
        return GRAIN[self.theme]

    @property
    def finest(self) -> str:
        return SOURCES[self.theme][1]

    @property
    def sources(self) -> tuple[str, ...]:
        return SOURCES[self.theme][0]

    @property
    def additive(self) -> bool:
        return self.kind in ("count", "sum")

    @property
    def decimals(self) -> int:
        return 0 if self.additive or self.kind == "quantile" else 2

    @property
    def unit_en(self) -> str:
        return UNITS[self.unit]

    def to_dict(self) -> dict:
        return {"code": self.code, "zh": self.zh, "en": self.en, "theme": self.theme,
                "theme_zh": THEMES[self.theme][0], "kind": self.kind, "unit": self.unit, "unit_en": self.unit_en,
                "grain": self.grain, "additive_from": self.finest if self.additive else None,
                "finest_level": self.finest, "definition_zh": self.definition_zh,
                "definition_en": self.definition_en, "numerator": list(self.numerator),
                "denominator": list(self.denominator), "direction": self.direction, "target": self.target,
                "target_note": self.target_note, "sources": list(self.sources), "shown": self.shown}


def _m(code, zh, en, theme, kind, unit, definition_zh, definition_en, **more) -> Metric:
    return Metric(code, zh, en, theme, kind, unit, definition_zh, definition_en, **more)


WORSE, BETTER = "higher_worse", "higher_better"
MONITORED = "identified on or before the end of the month (a case stays monitored after its risk is eliminated)"
_monitoring = [
    _m("monitored_households", "监测对象户数", "Monitored households", "monitoring", "count", "户",
       "截至月末已识别纳入监测的户数（含风险已消除户）", f"Households {MONITORED}.", direction=WORSE),
    _m("monitored_people", "监测对象人数", "Monitored people", "monitoring", "sum", "人",
       "截至月末监测户的家庭人口合计", f"Members of households {MONITORED}.", direction=WORSE),
    *[_m(f"monitored_{category}", label_zh("monitoring", "category", category),
         f"Monitored households: {category.replace('_', ' ')}", "monitoring", "count", "户",
         f"截至月末监测对象中类别为“{label_zh('monitoring', 'category', category)}”的户数",
         f"Monitored households of category {category}.", direction=WORSE)
      for category in CATEGORIES],
    _m("risk_not_eliminated_households", "风险未消除户数", "Households with risk not yet eliminated", "monitoring",
       "count", "户", "截至月末已识别且风险尚未消除的监测户数",
       "Monitored households whose risk was not eliminated by the end of the month.", direction=WORSE),
    _m("risk_eliminated_households", "风险已消除户数", "Households with risk eliminated", "monitoring", "count",
       "户", "截至月末风险已消除的监测户数", "Monitored households whose risk was eliminated by the end of the month.",
       direction=BETTER),
    _m("risk_eliminated_share", "风险消除占比", "Share with risk eliminated", "monitoring", "ratio", "%",
       "风险已消除户数 ÷ 监测对象户数", "Households with risk eliminated ÷ monitored households.",
       numerator=("risk_eliminated_households",), denominator=("monitored_households",), factor=100,
       direction=BETTER),
    _m("newly_identified_households", "当月新识别监测户数", "Households newly identified this month", "monitoring",
       "count", "户", "识别日期在当月的监测户数", "Households whose identification date falls in the month.",
       direction=WORSE),
    *[_m(f"new_risk_{risk}", f"当月新识别（{label_zh('monitoring', 'risk_types', risk)}）",
         f"Newly identified, risk: {risk.replace('_', ' ')}", "monitoring", "count", "户",
         f"当月新识别且风险类型含“{label_zh('monitoring', 'risk_types', risk)}”的户数（一户可有多种风险）",
         f"Households newly identified in the month with risk type {risk} (a household may have several).",
         direction=WORSE) for risk in RISK_TYPES],
    *[_m(f"new_channel_{channel}", f"当月新识别（{label_zh('monitoring', 'channel', channel)}）",
         f"Newly identified through {channel.replace('_', ' ')}", "monitoring", "count", "户",
         f"当月经“{label_zh('monitoring', 'channel', channel)}”识别的户数",
         f"Households newly identified in the month through {channel}.")
      for channel in CHANNELS],
    _m("screening_share", "部门筛查预警发现占比", "Share found by departmental screening", "monitoring", "ratio",
       "%", "当月经部门筛查预警识别户数 ÷ 当月新识别户数",
       "Newly identified through departmental data screening ÷ all newly identified, in the month.",
       numerator=("new_channel_department_screening",), denominator=("newly_identified_households",), factor=100,
       direction=BETTER),
    _m("first_assisted_households", "当月落实首项帮扶措施户数", "Households given their first measure this month",
       "monitoring", "count", "户", "首项帮扶措施开始日期在当月的监测户数",
       "Monitored households whose first assistance measure started in the month.", direction=BETTER),
    _m("median_days_to_assistance", "识别到帮扶天数（中位数）", "Days from identification to first measure (median)",
       "monitoring", "quantile", "天",
       "当月落实首项措施的监测户，从识别到首项措施的天数中位数（偶数户时取较小的中间值）",
       "Median days from identification to the first measure, over households first assisted in the month "
       "(the lower middle value when the count is even).",
       quantile=0.5, distribution="days_to_assistance", direction=WORSE, target=MEASURE_TARGET_DAYS,
       target_note=f"识别后{MEASURE_TARGET_DAYS}天内落实首项帮扶措施（与超期看板同一口径）；"
                   f"“从发现到帮扶约半个月” [T15]; “识别认定时间缩短到{IDENTIFICATION_TARGET_DAYS}天以内” [T11]"),
    _m("p90_days_to_assistance", "识别到帮扶天数（90分位）", "Days from identification to first measure (90th pct.)",
       "monitoring", "quantile", "天", "同上，第90百分位数", "As above, the 90th percentile.",
       quantile=0.9, distribution="days_to_assistance", direction=WORSE),
]

# The early-warning score (data/risk.py) in 10-point bands, so that the backtest and calibration of any
# region at any cut are sums of the cube: precision and recall at the default cut are ratios of bands.
BANDS = tuple(range(10))
HORIZON = 3  # months: a warning is borne out when the household is identified within this many months
WARNING_CUT_BAND = WARNING_CUT // 10  # the warning cut as a band (bands are 10 points wide)
_SCORED = "未纳入监测（月初不在监测中）的农户"
_warning = [
    _m("warning_scored_households", "参与预警评分户数", "Households scored", "warning", "count", "户",
       f"当月{_SCORED}数", "Households not under monitoring at the start of the month (the ones scored).",
       shown=False),
    _m("warning_households", "预警户数", "Early-warning households", "warning", "count", "户",
       f"当月风险评分≥50分的{_SCORED}数", "Households not under monitoring whose risk score is 50 or more.",
       direction=WORSE),
    *[_m(f"risk_band_{b}", f"评分{b * 10}–{b * 10 + 9}分户数", f"Households scoring {b * 10}–{b * 10 + 9}",
         "warning", "count", "户", f"风险评分在{b * 10}–{b * 10 + 9}分的{_SCORED}数",
         f"Households not under monitoring scoring {b * 10}–{b * 10 + 9}.", shown=False) for b in BANDS],
    *[_m(f"risk_band_{b}_identified", f"评分{b * 10}–{b * 10 + 9}分且随后{HORIZON}个月内识别户数",
         f"Scoring {b * 10}–{b * 10 + 9}, identified within {HORIZON} months", "warning", "count", "户",
         f"当月评分在该段、并在随后{HORIZON}个月内被识别为监测对象的户数",
         f"Households in the band identified in the next {HORIZON} months.", shown=False) for b in BANDS],
    *[_m(f"identified_prior_band_{b}", f"当月新识别且此前{HORIZON}个月最高评分{b * 10}–{b * 10 + 9}分户数",
         f"Newly identified, highest earlier score {b * 10}–{b * 10 + 9}", "warning", "count", "户",
         f"当月新识别、此前{HORIZON}个月内曾参与评分且最高评分在该段的户数",
         f"Households identified in the month whose highest score in the {HORIZON} months before falls in the band.",
         shown=False) for b in BANDS],
    _m("warning_share", "预警户占比", "Share of households warned", "warning", "ratio", "%",
       "预警户数 ÷ 参与预警评分户数", "Early-warning households ÷ households scored.",
       numerator=("warning_households",), denominator=("warning_scored_households",), factor=100, direction=WORSE),
    _m("warning_precision", "预警准确率（回测）", "Warning precision (backtest)", "warning", "ratio", "%",
       f"当月预警户中随后{HORIZON}个月内被识别的比例（最近{HORIZON}个月尚未到期，偏低）",
       f"Share of the month's warned households identified in the next {HORIZON} months (incomplete for the "
       f"last {HORIZON} months).",
       numerator=tuple(f"risk_band_{b}_identified" for b in BANDS if b >= WARNING_CUT_BAND),
       denominator=tuple(f"risk_band_{b}" for b in BANDS if b >= WARNING_CUT_BAND), factor=100, direction=BETTER),
    _m("warning_recall", "预警覆盖率（回测）", "Warning recall (backtest)", "warning", "ratio", "%",
       f"当月新识别户中此前{HORIZON}个月内曾被预警（≥50分）的比例",
       f"Share of the month's newly identified households warned (score ≥ 50) in the {HORIZON} months before.",
       numerator=tuple(f"identified_prior_band_{b}" for b in BANDS if b >= WARNING_CUT_BAND),
       denominator=tuple(f"identified_prior_band_{b}" for b in BANDS), factor=100, direction=BETTER),
]

_income = [
    _m("former_poor_people", "脱贫人口数", "People in former-poor households", "income", "sum", "人",
       "有当年收入记录的脱贫户家庭人口合计", "Members of former-poor households with an income record for the year.",
       shown=False),
    _m("former_poor_income_total", "脱贫户纯收入合计", "Net income of former-poor households", "income", "sum", "元",
       "脱贫户当年工资性、经营性、财产性、转移性收入合计", "Wage + operating + property + transfer income, former-poor.",
       shown=False),
    _m("former_poor_wage_income", "脱贫户工资性收入合计", "Wage income of former-poor households", "income", "sum",
       "元", "脱贫户当年工资性收入合计", "Wage income of former-poor households.", shown=False),
    _m("former_poor_transfer_income", "脱贫户转移性收入合计", "Transfer income of former-poor households", "income",
       "sum", "元", "脱贫户当年转移性收入合计", "Transfer income of former-poor households.", shown=False),
    _m("income_per_capita_former_poor", "脱贫户人均纯收入", "Per-capita net income, former-poor", "income", "ratio",
       "元/人", "脱贫户纯收入合计 ÷ 脱贫人口数", "Net income of former-poor households ÷ their members.",
       numerator=("former_poor_income_total",), denominator=("former_poor_people",), direction=BETTER),
    _m("income_growth_former_poor", "脱贫户人均纯收入增长", "Growth of per-capita net income, former-poor", "income",
       "growth", "%", "较上年增长（%）", "Change on the previous year, per cent.",
       numerator=("income_per_capita_former_poor",), direction=BETTER),
    _m("wage_share_former_poor", "脱贫户工资性收入占比", "Wage share of former-poor income", "income", "ratio", "%",
       "工资性收入 ÷ 纯收入（脱贫户）", "Wage income ÷ net income, former-poor households.",
       numerator=("former_poor_wage_income",), denominator=("former_poor_income_total",), factor=100),
    _m("transfer_share_former_poor", "脱贫户转移性收入占比", "Transfer share of former-poor income", "income", "ratio",
       "%", "转移性收入 ÷ 纯收入（脱贫户），反映对政策性收入的依赖",
       "Transfer income ÷ net income, former-poor households (dependence on transfers).",
       numerator=("former_poor_transfer_income",), denominator=("former_poor_income_total",), factor=100,
       direction=WORSE),
    _m("monitored_people_income", "监测户人口数（有收入记录）", "People in monitored households with income", "income",
       "sum", "人", "当年末前已识别的监测户中有当年收入记录者的家庭人口",
       "Members of households identified by the end of the year, with an income record.", shown=False),
    _m("monitored_income_total", "监测户纯收入合计", "Net income of monitored households", "income", "sum", "元",
       "当年末前已识别的监测户的当年纯收入合计", "Net income of households identified by the end of the year.",
       shown=False),
    _m("income_per_capita_monitored", "监测户人均纯收入", "Per-capita net income, monitored households", "income",
       "ratio", "元/人", "监测户纯收入合计 ÷ 监测户人口数", "Net income of monitored households ÷ their members.",
       numerator=("monitored_income_total",), denominator=("monitored_people_income",), direction=BETTER),
    _m("households_below_threshold", "人均纯收入低于监测线户数", "Households below the monitoring threshold", "income",
       "count", "户", "当年人均纯收入低于本省当年防止返贫监测线的农户数",
       "Households whose per-capita net income is below their province's monitoring threshold for the year.",
       direction=WORSE),
    _m("people_below_threshold", "人均纯收入低于监测线人数", "People below the monitoring threshold", "income", "sum",
       "人", "上述农户的家庭人口合计", "Members of those households.", direction=WORSE),
]

_employment = [
    _m("labourers_tracked", "脱贫劳动力人数", "Former-poor labourers tracked", "employment", "count", "人",
       "当月有务工监测记录的脱贫劳动力人数", "Former-poor labourers with an employment record for the month."),
    _m("labourers_employed", "脱贫劳动力务工就业人数", "Former-poor labourers employed", "employment", "count", "人",
       "当月务工就业的脱贫劳动力人数（务工规模）", "Former-poor labourers employed in the month.", direction=BETTER,
       target_note="全国务工规模稳定在3000万人以上 [T16]"),
    _m("employment_rate", "脱贫劳动力务工就业率", "Employment rate of former-poor labourers", "employment", "ratio",
       "%", "务工就业人数 ÷ 脱贫劳动力人数", "Labourers employed ÷ labourers tracked.",
       numerator=("labourers_employed",), denominator=("labourers_tracked",), factor=100, direction=BETTER),
    _m("employed_change", "务工就业人数环比", "Labourers employed, change on last month", "employment", "growth", "%",
       "较上月增减（%）", "Change on the previous month, per cent.", numerator=("labourers_employed",),
       direction=BETTER),
    *[_m(f"employed_{location}", f"务工就业人数（{label_zh('employment', 'location', location)}）",
         f"Labourers employed: {location.replace('_', ' ')}", "employment", "count", "人",
         f"当月务工地点为“{label_zh('employment', 'location', location)}”的脱贫劳动力人数",
         f"Former-poor labourers employed in the month, location {location}.") for location in LOCATIONS],
    _m("paired_east_share", "在东部结对省份务工占比", "Share employed in the paired eastern province", "employment",
       "ratio", "%", "在东西部协作结对省份务工人数 ÷ 务工就业人数",
       "Employed in the paired eastern province ÷ all employed.", numerator=("employed_paired_east",),
       denominator=("labourers_employed",), factor=100, direction=BETTER),
    _m("out_of_province_share", "省外务工占比", "Share employed out of the province", "employment", "ratio", "%",
       "省外务工人数（含东部结对省份）÷ 务工就业人数", "Employed out of the province (paired east included) ÷ all employed.",
       numerator=("employed_out_of_province", "employed_paired_east"), denominator=("labourers_employed",),
       factor=100),
    *[_m(f"mode_{mode}", f"务工就业人数（{label_zh('employment', 'mode', mode)}）",
         f"Labourers employed: {mode.replace('_', ' ')}", "employment", "count", "人",
         f"当月就业方式为“{label_zh('employment', 'mode', mode)}”的脱贫劳动力人数",
         f"Former-poor labourers employed in the month, mode {mode}.") for mode in MODES],
    _m("wage_bill", "月工资合计", "Monthly wages, total", "employment", "sum", "元", "当月务工脱贫劳动力月工资合计",
       "Monthly wages of the employed former-poor labourers.", shown=False),
    _m("labourers_with_wage", "有工资记录的务工人数", "Employed labourers with a wage recorded", "employment",
       "count", "人", "当月务工且填报了月工资的脱贫劳动力人数", "Employed former-poor labourers whose wage is recorded.",
       shown=False),
    _m("average_monthly_wage", "务工人员月均工资", "Average monthly wage", "employment", "ratio", "元",
       "月工资合计 ÷ 有工资记录的务工人数", "Monthly wages ÷ employed labourers with a wage recorded.",
       numerator=("wage_bill",), denominator=("labourers_with_wage",), direction=BETTER),
]

_industry = [
    _m("projects", "产业项目数", "Industry projects", "industry", "count", "个", "当年产业项目个数",
       "Industry projects of the year."),
    *[_m(f"projects_{status}", f"{label_zh('projects', 'status', status)}项目数", f"Projects {status}", "industry",
         "count", "个", f"当年状态为“{label_zh('projects', 'status', status)}”的项目个数", f"Projects of the year, {status}.",
         direction=WORSE if status in ("idle", "failed") else None) for status in STATUSES],
    _m("idle_failed_share", "闲置和失败项目占比", "Share of projects idle or failed", "industry", "ratio", "%",
       "（闲置 + 失败项目数）÷ 项目数", "(Idle + failed projects) ÷ projects.",
       numerator=("projects_idle", "projects_failed"), denominator=("projects",), factor=100, direction=WORSE),
    _m("project_funds", "项目资金", "Project funds", "industry", "sum", "元",
       "衔接资金、东西部协作资金、定点帮扶资金、社会资金之和", "Connection + East–West + targeted + social funds."),
    _m("project_jobs", "项目带动就业人数", "Jobs created by projects", "industry", "sum", "人", "项目带动就业人数合计",
       "Jobs created by the projects.", direction=BETTER),
    _m("project_households_linked", "联农带农户数", "Households linked to projects", "industry", "sum", "户",
       "项目联农带农户数合计", "Households linked to the projects' benefits (farmer-linking).", direction=BETTER),
    _m("project_output", "项目产值", "Output value of projects", "industry", "sum", "元", "项目产值合计",
       "Output value of the projects.", direction=BETTER),
]

_funds = [
    _m("funds_allocated", "衔接资金下达金额", "Connection funds allocated", "funds", "sum", "元",
       "当年下达的衔接推进乡村振兴补助资金", "Connection funds allocated for the year."),
    _m("funds_spent", "衔接资金支出金额", "Connection funds spent", "funds", "sum", "元", "当年已支出金额",
       "Connection funds spent in the year."),
    _m("funds_spend_rate", "衔接资金支出进度", "Spend rate of connection funds", "funds", "ratio", "%",
       "支出金额 ÷ 下达金额", "Spent ÷ allocated.", numerator=("funds_spent",), denominator=("funds_allocated",),
       factor=100, direction=BETTER),
    _m("funds_industry_allocated", "用于产业发展的衔接资金", "Connection funds for industry", "funds", "sum", "元",
       "用途为产业发展的下达金额", "Allocated for industry.", shown=False),
    _m("funds_industry_share", "衔接资金用于产业发展比重", "Industry share of connection funds", "funds", "ratio", "%",
       "产业发展资金 ÷ 下达金额", "Allocated for industry ÷ allocated.", numerator=("funds_industry_allocated",),
       denominator=("funds_allocated",), factor=100, direction=BETTER, target=INDUSTRY_SHARE_LINE,
       target_note=f"2024年“稳定在{INDUSTRY_SHARE_LINE}%以上” [T14]；2022年不低于55% [G26]"),
]

# The contract's collaboration figures; the English name and unit of each (the Chinese is the contract's).
COLLABORATION = tuple(c.name for c in TABLES["collaboration"].columns if c.kind in ("int", "money"))
_COLLABORATION_EN = {"fiscal_aid": ("Fiscal aid", "元"), "cadres_sent": ("Cadres sent", "人"),
                     "talent_sent": ("Technical talent sent", "人"),
                     "enterprises_landed": ("Enterprises landed", "家"), "investment": ("Investment landed", "元"),
                     "labour_transferred": ("Labour transferred into jobs", "人"),
                     "consumption_sales": ("Consumption assistance sales", "元"),
                     # issue 18
                     "social_aid": ("Social assistance funds", "元"),
                     "talent_received": ("Western cadres and talent received in the east", "人"),
                     "people_trained": ("People trained", "人"), "parks_built": ("Industrial parks built together", "处"),
                     "workers_helped": ("Rural workers helped into jobs", "人"),
                     "former_poor": ("Of which former-poor people", "人"),
                     "to_east": ("Workers into jobs in the east", "人"),
                     "in_province": ("Workers into jobs in their own province", "人"),
                     "consumption_bought": ("Western produce bought", "元"),
                     "consumption_sold": ("Western produce helped to sell", "元"),
                     "pairings_township": ("Township pairs", "对"), "pairings_village": ("Village–enterprise and village pairs", "对"),
                     "pairings_school": ("School pairs", "对"), "pairings_hospital": ("Hospital pairs", "对")}
_collaboration = [
    *[_m(f"ew_{field}", zh, en, "collaboration", "count" if unit in ("人", "家") else "sum", unit,
         f"东西部协作：{zh}（结对到地市的记录计入地市及以上）",
         f"East–West collaboration: {en[0].lower() + en[1:]} (pairs with a prefecture count from the prefecture up).",
         direction=BETTER)
      for field, zh, (en, unit) in ((f, TABLES["collaboration"].column(f).zh, _COLLABORATION_EN[f]) for f in COLLABORATION)],
    _m("ew_former_poor_share", "协作帮助就业中脱贫人口占比", "Share of former-poor people among workers helped",
       "collaboration", "ratio", "%", "其中脱贫人口 ÷ 帮助农村劳动力就业",
       "Of which former-poor people ÷ rural workers helped into jobs.", numerator=("ew_former_poor",),
       denominator=("ew_workers_helped",), factor=100, direction=BETTER),
    _m("ew_to_east_share", "协作帮助就业中到东部就业占比", "Share of workers helped into jobs in the east",
       "collaboration", "ratio", "%", "到东部就业 ÷ 帮助农村劳动力就业",
       "Workers into jobs in the east ÷ rural workers helped into jobs.", numerator=("ew_to_east",),
       denominator=("ew_workers_helped",), factor=100),
]

# Central units' targeted assistance (定点帮扶, issue 18): the contract's quantities, per county and year.
TARGETED = tuple(c.name for c in TABLES["targeted_assistance"].columns if c.kind in ("int", "money"))
_TARGETED_EN = {"funds_direct": ("Funds put in directly", "元"), "funds_introduced": ("Funds brought in", "元"),
                "cadres_seconded": ("Cadres seconded", "人"), "cadres_in_villages": ("Cadres stationed in villages", "人"),
                "officials_trained": ("Grassroots cadres trained", "人"),
                "technicians_trained": ("Technical staff trained", "人"),
                "produce_bought": ("Produce bought", "元"), "produce_sold": ("Produce helped to sell", "元"),
                "projects": ("Assistance projects", "个")}
_targeted = [
    _m(f"ta_{field}", f"定点帮扶：{zh}", f"Targeted assistance: {en[0].lower() + en[1:]}", "targeted",
       "count" if unit == "人" else "sum", unit, f"中央单位定点帮扶：{zh}（各帮扶单位合计）",
       f"Central units' targeted assistance: {en[0].lower() + en[1:]} (all units together).", direction=BETTER)
    for field, zh, (en, unit) in ((f, TABLES["targeted_assistance"].column(f).zh, _TARGETED_EN[f]) for f in TARGETED)]

_teams = [
    _m("village_teams", "驻村工作队数", "Village-resident teams", "teams", "count", "支", "当年有驻村工作队的村数",
       "Villages with a resident work team in the year.", direction=BETTER),
    _m("team_members", "驻村队员人数", "Team members", "teams", "sum", "人", "驻村工作队队员人数合计",
       "Members of the village teams.", direction=BETTER),
    _m("team_days_total", "驻村在岗天数合计", "Days on site, total", "teams", "sum", "天", "各队在岗天数合计",
       "Days on site of all teams.", shown=False),
    _m("team_days_average", "驻村工作队平均在岗天数", "Average days on site per team", "teams", "ratio", "天",
       "在岗天数合计 ÷ 驻村工作队数", "Days on site ÷ teams.", numerator=("team_days_total",),
       denominator=("village_teams",), direction=BETTER),
    _m("teams_upper_level", "中央和省级派驻工作队数", "Teams sent by central or provincial units", "teams", "count",
       "支", "派出单位为中央或省级的驻村工作队数", "Teams dispatched by central or provincial units."),
]

CATALOG: dict[str, Metric] = {m.code: m for m in
                              (*_monitoring, *_warning, *_income, *_employment, *_industry, *_funds, *_collaboration, *_teams,
                               *_targeted)}
DISTRIBUTIONS = {"days_to_assistance": "monitoring"}  # histograms the pipeline keeps, by theme


def get(code: str) -> Metric:
    """The metric with this code; :class:`UnknownMetric` otherwise."""
    try:
        return CATALOG[code]
    except KeyError:
        raise UnknownMetric(code) from None


class UnknownMetric(LookupError):
    def __init__(self, code: str):
        super().__init__(f"未知指标 / unknown metric {code!r}; see /api/v1/metrics")


def of_grain(grain: str) -> list[Metric]:
    """The metrics of a period grain, in catalog order (the cube's column layout)."""
    return [m for m in CATALOG.values() if m.grain == grain]


def additive(grain: str | None = None) -> list[Metric]:
    return [m for m in CATALOG.values() if m.additive and (grain is None or m.grain == grain)]


def check() -> None:
    """The catalog's internal rules (run by the tests): references exist, ratio parts are additive."""
    for metric in CATALOG.values():
        assert metric.kind in KINDS, metric.code
        for part in metric.numerator + metric.denominator:
            assert part in CATALOG, (metric.code, part)
            if metric.kind == "ratio":
                assert CATALOG[part].additive and CATALOG[part].theme == metric.theme, (metric.code, part)
        assert (metric.kind == "quantile") == (metric.distribution in DISTRIBUTIONS), metric.code
        assert metric.unit in UNITS, metric.code
