"""The interchange tables of docs/data-contract.md, declared once.

Each :class:`TableSpec` names its canonical English columns with the Chinese header, the type and the
allowed values, and the key that makes an import idempotent. The storage schema, validation, header
matching of imports, exports and templates all read these declarations.
"""
from __future__ import annotations

from dataclasses import dataclass, field

RISK_TYPES = ("illness", "disability", "schooling", "disaster", "accident", "unstable_employment",
              "lack_of_labour", "industry_failure", "housing", "drinking_water", "other")
MEASURES = ("industry", "employment", "dibao", "special_support", "temporary_relief", "education", "health",
            "housing", "drinking_water", "microcredit", "public_welfare_post", "work_relief", "other")
# Rigid expenses that departments report (medical insurance, education, emergency management) or
# households declare: the "rigid expense beyond capacity" trigger of identification.
EXPENSE_KINDS = ("medical", "schooling", "disaster_loss", "accident")
# Disasters and emergencies a county or township reports (the events table): what the monitoring page names
# when warnings rise. Terms: the natural-disaster classes of GB/T 28921-2012 and 疫情 for an epidemic.
EVENT_KINDS = ("flood", "drought", "earthquake", "landslide", "epidemic", "other")


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    kind: str  # str | code | int | money | bool | date | period | enum | enums (';'-separated) | year
    required: bool = True
    values: tuple[str, ...] = ()
    minimum: float | None = 0
    maximum: float | None = None
    personal: bool = False  # stored masked; never exported whole
    note: str = ""
    # An identifier or key (household, person, project, ID number): read as NFKC text, stripped; never in
    # scientific notation, never a spreadsheet number of more than 15 digits (Excel has rounded it).
    identifier: bool = False
    length: int = 64  # the most characters of a str value (free text such as a note or a source: longer)
    # What an empty cell means, where it is not "missing": a key column that one kind of row leaves empty
    # (pairings: the unit of an East–West pair, the eastern region of a central unit's) is stored as this.
    default: str | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    zh: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    extra_exported: tuple[Column, ...] = field(default=())  # stored-only columns a round trip needs

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return self.columns + self.extra_exported

    def column(self, name: str) -> Column:
        return next(c for c in self.all_columns if c.name == name)


YEAR = dict(minimum=2000, maximum=2100)
VERDICTS = ("true", "false", "unknown")  # a field-check answer (issue 19): empty is unknown too (not asked, not applicable)
# The collaboration table's quantities added by issue 18 (DATA_CONTRACT.md), after the seven it had.
_COLLABORATION_ADDED = (
    ("social_aid", "社会帮扶资金", "money", "social donations of money and goods (社会帮扶资金/捐赠款物), yuan"),
    ("talent_received", "西部赴东部挂职/交流", "int", "western cadres and professionals sent east"),
    ("people_trained", "培训人数", "int", "cadres and technical staff trained"),
    ("parks_built", "共建产业园区", "int", "industrial parks built together"),
    ("workers_helped", "帮助农村劳动力就业", "int", "rural workers helped into jobs: to the east, in the "
                                                 "province and elsewhere"),
    ("former_poor", "其中脱贫人口", "int", "of the workers helped: former-poor people"),
    ("to_east", "到东部就业", "int", "of the workers helped: into jobs in the eastern partner"),
    ("in_province", "省内就近就业", "int", "of the workers helped: into jobs within their own province"),
    ("consumption_bought", "采购农产品", "money", "western produce bought (消费帮扶), yuan"),
    ("consumption_sold", "帮助销售农产品", "money", "western produce helped to sell, yuan"),
    ("pairings_township", "乡镇结对", "int", "township pairs (乡镇结对)"),
    ("pairings_village", "村企/村村结对", "int", "village–enterprise and village–village pairs"),
    ("pairings_school", "学校结对", "int", "school pairs"),
    ("pairings_hospital", "医院结对", "int", "hospital pairs"),
)
COLLABORATION_QUANTITIES = ("fiscal_aid", "cadres_sent", "talent_sent", "enterprises_landed", "investment",
                            "labour_transferred", "consumption_sales", *(c[0] for c in _COLLABORATION_ADDED))
COLLABORATION_MONEY = ("fiscal_aid", "investment", "consumption_sales", "social_aid", "consumption_bought",
                       "consumption_sold")
PAIRING_KINDS = ("east_west", "targeted")
_TARGETED = (
    ("funds_direct", "直接投入帮扶资金", "money"), ("funds_introduced", "引进帮扶资金", "money"),
    ("cadres_seconded", "挂职干部", "int"), ("cadres_in_villages", "驻村干部", "int"),
    ("officials_trained", "培训基层干部", "int"), ("technicians_trained", "培训技术人员", "int"),
    ("produce_bought", "购买农产品", "money"), ("produce_sold", "帮助销售农产品", "money"),
    ("projects", "帮扶项目数", "int"),
)
TARGETED_QUANTITIES = tuple(c[0] for c in _TARGETED)
TABLES: dict[str, TableSpec] = {t.name: t for t in (
    TableSpec("households", "农户", ("household_id",), (
        Column("household_id", "户编码", "str", identifier=True),
        Column("village_code", "村代码", "code"),
        Column("size", "家庭人口", "int", minimum=1, maximum=30),
        Column("labour_count", "劳动力人数", "int", maximum=30),
        Column("former_poor", "是否脱贫户", "bool"),
        Column("head_name", "户主姓名", "str", personal=True, note="stored masked: 张*"),
        Column("head_id_number", "户主身份证号", "str", personal=True, identifier=True,
               note="a full 18-digit number is checked, then stored masked (first 6 + ******** + last 4)"),
    ), extra_exported=(Column("head_id_hash", "身份证号哈希", "str", required=False,
                              note="HMAC-SHA256 of the full number, for matching without storing it"),)),
    TableSpec("members", "家庭成员", ("person_id",), (
        Column("person_id", "人员编码", "str", identifier=True),
        Column("household_id", "户编码", "str", identifier=True),
        Column("age", "年龄", "int", maximum=120),
        Column("sex", "性别", "enum", values=("male", "female")),
        Column("labour_capacity", "劳动能力", "enum", values=("full", "weak", "none")),
        Column("health", "健康状况", "enum", values=("healthy", "chronic", "serious", "disabled")),
        Column("schooling", "在校情况", "enum",
               values=("not_in_school", "preschool", "primary", "junior", "senior", "vocational", "college")),
    )),
    TableSpec("monitoring", "监测对象", ("household_id", "identified_on"), (
        Column("household_id", "户编码", "str", identifier=True),
        Column("category", "监测对象类别", "enum", values=("unstable_former_poor", "marginal", "sudden_hardship")),
        Column("identified_on", "识别日期", "date"),
        Column("channel", "识别方式", "enum", values=("self_report", "cadre_visit", "department_screening")),
        Column("risk_types", "风险类型", "enums", values=RISK_TYPES),
        Column("risk_status", "风险状态", "enum", values=("not_eliminated", "eliminated")),
        Column("eliminated_on", "风险消除日期", "date", required=False),
        Column("signal_on", "预警日期", "date", required=False,
               note="when the risk first came to notice: the household's application, a cadre's report or a "
                    "department's data warning (the 15-day identification target counts from here)"),
        Column("verified_on", "核实日期", "date", required=False, note="the village's household visit and review"),
    )),
    TableSpec("assistance", "帮扶措施", ("household_id", "measure", "started_on"), (
        Column("household_id", "户编码", "str", identifier=True),
        Column("measure", "帮扶措施", "enum", values=MEASURES),
        Column("started_on", "开始日期", "date"),
        Column("amount_yuan", "金额", "money"),
    )),
    TableSpec("income", "收入", ("household_id", "year"), (
        Column("household_id", "户编码", "str", identifier=True),
        Column("year", "年度", "year", **YEAR),
        Column("per_capita_net_income", "人均纯收入", "money", minimum=None),
        Column("wage", "工资性收入", "money"),
        Column("operating", "经营性收入", "money", minimum=None, note="may be negative (a loss)"),
        Column("property", "财产性收入", "money"),
        Column("transfer", "转移性收入", "money"),
    )),
    TableSpec("expenses", "刚性支出", ("household_id", "period", "kind"), (
        Column("household_id", "户编码", "str", identifier=True),
        Column("period", "月份", "period"),
        Column("kind", "支出类型", "enum", values=EXPENSE_KINDS),
        Column("amount_yuan", "金额", "money", note="what the household bears, after insurance and relief"),
    )),
    TableSpec("employment", "务工就业", ("person_id", "period"), (
        Column("person_id", "人员编码", "str", identifier=True),
        Column("household_id", "户编码", "str", identifier=True),
        Column("period", "月份", "period"),
        Column("employed", "是否务工", "bool"),
        Column("location", "务工地点", "enum", required=False,
               values=("in_county", "in_province", "out_of_province", "paired_east")),
        Column("mode", "就业方式", "enum", required=False,
               values=("outbound", "local", "workshop", "public_post", "work_relief", "self_employed")),
        Column("monthly_wage", "月工资", "money", required=False),
    )),
    TableSpec("projects", "产业项目", ("project_id",), (
        Column("project_id", "项目编码", "str", identifier=True),
        Column("county_code", "县代码", "code"),
        Column("village_code", "村代码", "code", required=False),
        Column("name", "项目名称", "str"),
        Column("type", "产业类型", "enum",
               values=("planting", "breeding", "processing", "tourism", "ecommerce", "workshop", "other")),
        Column("year", "年度", "year", **YEAR),
        Column("fund_connection", "衔接资金", "money"),
        Column("fund_east_west", "东西部协作资金", "money"),
        Column("fund_targeted", "定点帮扶资金", "money"),
        Column("fund_social", "社会资金", "money"),
        Column("status", "项目状态", "enum", values=("construction", "operating", "idle", "failed")),
        Column("jobs_created", "带动就业", "int"),
        Column("households_linked", "联农带农户数", "int"),
        Column("output_value", "产值", "money"),
    )),
    TableSpec("funds", "衔接资金", ("county_code", "year", "use"), (
        Column("county_code", "县代码", "code"),
        Column("year", "年度", "year", **YEAR),
        Column("use", "资金用途", "enum", values=("industry", "employment", "infrastructure", "other")),
        Column("allocated", "下达金额", "money"),
        Column("spent", "支出金额", "money"),
    )),
    TableSpec("collaboration", "东西部协作", ("east_region", "west_code", "year"), (
        Column("east_region", "东部地区", "str"),
        Column("west_code", "西部地区代码", "code"),
        Column("year", "年度", "year", **YEAR),
        Column("fiscal_aid", "财政援助资金", "money"),
        Column("cadres_sent", "选派干部", "int"),
        Column("talent_sent", "专业技术人才", "int"),
        Column("enterprises_landed", "引导落地企业", "int"),
        Column("investment", "实际投资额", "money"),
        Column("labour_transferred", "劳务协作转移就业", "int"),
        Column("consumption_sales", "消费帮扶金额", "money"),
        # Added by issue 18: optional, so that a file of the seven quantities above still imports.
        *[Column(name, zh, kind, required=False, note=note) for name, zh, kind, note in _COLLABORATION_ADDED],
    )),
    # Issue 18: who is paired with whom since when, what the agreements promise, what central units do.
    TableSpec("pairings", "结对关系", ("east_region", "west_code", "kind", "unit"), (
        Column("east_region", "东部地区", "str", required=False, default="",
               note="a name (广东省, 广东省佛山市) or a code, as the collaboration table writes it; empty for a "
                    "central unit's targeted assistance"),
        Column("west_code", "西部地区代码", "code", note="a province, prefecture or county (targeted: a county)"),
        Column("kind", "协作类型", "enum", values=PAIRING_KINDS),
        Column("unit", "帮扶单位", "str", required=False, default="", length=100,
               note="targeted assistance: the central unit's name; empty for an East–West pair"),
        # East–West pairing began in 1996 (闽宁, 沪滇): a pairing's years reach back before the records' 2000.
        Column("start_year", "结对起始年度", "year", minimum=1990, maximum=2100),
        Column("end_year", "结对终止年度", "year", required=False, minimum=1990, maximum=2100,
               note="empty: still in force"),
        Column("note", "说明", "str", required=False, length=200, note="source or remark (free text)"),
    )),
    TableSpec("collaboration_targets", "协作协议指标", ("east_region", "west_code", "year", "indicator"), (
        Column("east_region", "东部地区", "str"),
        Column("west_code", "西部地区代码", "code"),
        Column("year", "年度", "year", **YEAR),
        Column("indicator", "指标", "enum", values=COLLABORATION_QUANTITIES,
               note="a quantity of the collaboration table (its English column name or Chinese header)"),
        Column("target", "目标值", "money",
               note="in the indicator's unit: yuan for funds, investment and sales, else people or units"),
    )),
    TableSpec("targeted_assistance", "定点帮扶", ("unit", "county_code", "year"), (
        Column("unit", "帮扶单位", "str", length=100, note="the central unit's name"),
        Column("county_code", "县代码", "code"),
        Column("year", "年度", "year", **YEAR),
        *[Column(name, zh, kind) for name, zh, kind in _TARGETED],
    )),
    TableSpec("teams", "驻村工作队", ("village_code", "year"), (
        Column("village_code", "村代码", "code"),
        Column("year", "年度", "year", **YEAR),
        Column("first_secretary", "第一书记", "str", personal=True, note="stored masked: 张*"),
        Column("team_size", "队员人数", "int", minimum=1, maximum=50),
        Column("dispatch_level", "派出单位层级", "enum", values=("central", "province", "city", "county")),
        Column("days_on_site", "在岗天数", "int", maximum=366),
    )),
    # What a deployment brings besides its records: reference data that refers to regions only.
    TableSpec("thresholds", "防止返贫监测标准", ("province_code", "year"), (
        Column("province_code", "省代码", "code", note="a province (2-digit code or 12 digits)"),
        Column("year", "年度", "year", **YEAR),
        Column("threshold", "监测标准（元/人·年）", "money", minimum=1, maximum=100_000,
               note="yuan per person per year: the province's monitoring range (防止返贫监测范围) of the year"),
        Column("source", "依据", "str", length=200, note="the province's document (title and number) or where "
                                                          "the figure was read"),
    )),
    TableSpec("events", "灾害和突发事件", ("event_id",), (
        Column("event_id", "事件编码", "str", identifier=True),
        Column("region_code", "区划代码", "code", note="a county or a township"),
        Column("kind", "类型", "enum", values=EVENT_KINDS),
        Column("started_on", "开始日期", "date"),
        Column("ended_on", "结束日期", "date", required=False, note="empty: still going on"),
        Column("note", "说明", "str", required=False, length=200,
               note="free text (an ID or phone number in it is stored masked)"),
    )),
    # Issue 19: what the field check found in each household of a sample (data/compute/verification.py).
    TableSpec("field_verification", "实地核查结果", ("sample_id", "household_id"), (
        Column("sample_id", "样本编码", "str", identifier=True, note="names the field check (one sample of a county)"),
        Column("household_id", "户编码", "str", identifier=True),
        Column("visited_on", "核查日期", "date"),
        *[Column(name, zh, "enum", required=False, values=VERDICTS, note=note) for name, zh, note in (
            ("correctly_identified", "识别准确", "a household in the register: rightly identified"),
            ("should_be_monitored", "应纳未纳", "a household outside the register that should be monitored (漏评)"),
            ("wrongly_exited", "错误退出", "a household whose risk was eliminated: wrongly exited (错退)"),
            ("satisfied", "群众认可", "the household approves of the assistance work (认可度)"))],
        Column("note", "说明", "str", required=False, length=200,
               note="free text (an ID or phone number in it is stored masked)"),
    )),
)}
# The urban-rural classification codes (统计用城乡划分代码, 国家统计局《统计上划分城乡的规定》): 1xx urban (111 主城区,
# 112 城乡结合区, 121 镇中心区, 122 镇乡结合区, 123 特殊区域), 2xx rural (210 乡中心区, 220 村庄).
URBAN_RURAL = ("111", "112", "121", "122", "123", "210", "220")
# The regions table: names, flags and urban-rural codes of regions, and new townships and villages of a known
# county (a code list: geo/codelist.py, which draws their illustrative cells; outlines come with boundaries).
# Stored in ``regions``, not in a table of its own, so it is kept apart from TABLES.
REGIONS = TableSpec("regions", "区划", ("code",), (
    Column("code", "区划代码", "code"),
    Column("name", "名称", "str"),
    Column("level", "级别", "enum", values=("province", "city", "county", "township", "village")),
    Column("parent_code", "上级代码", "code", required=False),
    Column("national_key_county", "国家乡村振兴重点帮扶县", "bool"),
    Column("provincial_key_county", "省级重点帮扶县", "bool"),
    Column("former_poverty_county", "脱贫县", "bool"),
    Column("urban_rural", "城乡分类代码", "enum", required=False, values=URBAN_RURAL,
           note="the code list's 城乡分类代码 of a township or village (111 主城区 … 220 村庄); empty: not given"),
), extra_exported=(Column("flag_source", "标记来源", "str", required=False, length=200,  # as stored (schema.regions)
                          note="where the flags come from; an import records its file"),))


def spec_of(name: str) -> TableSpec:
    return REGIONS if name == "regions" else TABLES[name]


# Import order: a table's references are loaded before it.
INTERCHANGE = ("regions", "households", "members", "monitoring", "assistance", "income", "expenses", "employment",
               "projects", "funds", "collaboration", "pairings", "collaboration_targets", "targeted_assistance",
               "teams", "thresholds", "events", "field_verification")
LOAD_ORDER = INTERCHANGE[1:]

# The official Chinese term of every enumerated value (reference/glossary.csv where it has one). Imports
# accept either the English code or this term; screens show the term.
LABELS_ZH = {
    "male": "男", "female": "女",
    "full": "有劳动能力", "weak": "弱劳动能力", "none": "无劳动能力",
    "healthy": "健康", "chronic": "长期慢性病", "serious": "患有大病", "disabled": "残疾",
    "not_in_school": "非在校生", "preschool": "学前教育", "primary": "小学", "junior": "初中", "senior": "高中",
    "vocational": "中职（中专）", "college": "高职（高专）及以上",
    "unstable_former_poor": "脱贫不稳定户", "marginal": "边缘易致贫户", "sudden_hardship": "突发严重困难户",
    "self_report": "农户自主申报", "cadre_visit": "基层干部排查", "department_screening": "部门筛查预警",
    "illness": "因病", "disability": "因残", "schooling": "因学", "disaster": "因灾", "accident": "因意外事故",
    "unstable_employment": "因务工就业不稳", "lack_of_labour": "缺劳动力", "industry_failure": "因产业项目失败",
    "housing": "住房出现安全问题", "drinking_water": "饮水安全问题", "other": "其他",
    "not_eliminated": "风险未消除", "eliminated": "风险已消除",
    "industry": "产业帮扶", "employment": "就业帮扶", "dibao": "最低生活保障", "special_support": "特困人员救助供养",
    "temporary_relief": "临时救助", "education": "教育帮扶", "health": "健康帮扶", "microcredit": "脱贫人口小额信贷",
    "public_welfare_post": "乡村公益性岗位", "work_relief": "以工代赈",
    "in_county": "县内", "in_province": "省内县外", "out_of_province": "省外", "paired_east": "东西部协作结对省份",
    "outbound": "外出务工", "local": "就地就近就业", "workshop": "就业帮扶车间", "public_post": "乡村公益性岗位",
    "self_employed": "自主创业", "planting": "特色种植", "breeding": "养殖", "processing": "加工",
    "tourism": "乡村旅游", "ecommerce": "电子商务",
    "construction": "在建", "operating": "运营", "idle": "闲置", "failed": "失败",
    "infrastructure": "基础设施", "central": "中央单位", "province": "省级", "city": "市级", "county": "县级",
    "township": "乡级", "village": "村级",
}
# Where one English code stands in several enumerations, the term depends on the column.
LABELS_BY_COLUMN_ZH = {
    ("expenses", "kind"): {"medical": "医疗支出", "schooling": "教育支出", "disaster_loss": "因灾损失",
                           "accident": "意外事故支出"},
    ("assistance", "measure"): {"housing": "住房安全保障", "drinking_water": "饮水安全保障", "other": "其他"},
    ("funds", "use"): {"industry": "产业发展", "employment": "就业", "other": "其他"},
    ("projects", "type"): {"workshop": "帮扶车间", "other": "其他"},
    ("regions", "level"): {"province": "省", "city": "市", "county": "县", "township": "乡", "village": "村"},
    ("regions", "urban_rural"): {"111": "主城区", "112": "城乡结合区", "121": "镇中心区", "122": "镇乡结合区",
                                 "123": "特殊区域", "210": "乡中心区", "220": "村庄"},
    ("pairings", "kind"): {"east_west": "东西部协作", "targeted": "定点帮扶"},
    # An agreement's indicator is a collaboration column: its header is the term (in_province: 省内就近就业).
    ("collaboration_targets", "indicator"): {q: TABLES["collaboration"].column(q).zh for q in COLLABORATION_QUANTITIES},
    ("events", "kind"): {"flood": "洪涝灾害", "drought": "干旱灾害", "earthquake": "地震灾害", "landslide": "滑坡灾害",
                         "epidemic": "疫情", "other": "其他"},
    **{("field_verification", c): {"true": "是", "false": "否", "unknown": "不详"}
       for c in ("correctly_identified", "should_be_monitored", "wrongly_exited", "satisfied")},
}


def label_zh(table: str, column: str, value: str) -> str:
    return LABELS_BY_COLUMN_ZH.get((table, column), {}).get(value) or LABELS_ZH.get(value, value)
