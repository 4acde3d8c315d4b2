"""Column mappings: a county's spreadsheet as it comes, matched to the contract's columns.

A county's files rarely carry the contract's headers (户编号 for 户编码, 证件号码 for 户主身份证号, 纳入监测时间 for
识别日期) and often hold one row per person with the household's fields repeated. Here, as data in one place:

* :data:`SYNONYMS`, the other names a contract column goes by, per table;
* :data:`VALUE_VARIANTS`, the other ways a value is written (是/否, 有/无, √/×, 男性, 劳动技能 terms …), besides
  the English code and the official Chinese term the importer accepts anyway (contract.LABELS_ZH);
* :func:`suggest`: for each source header the best column — an exact synonym (score 1), else the most similar
  name (difflib, score 0–1; below :data:`MIN_SCORE` none) — each column suggested once;
* :class:`Mapping`: source header → column (None: ignored, as the user said), value maps per column, and the
  layout :func:`signature` (the normalised, sorted headers), by which a saved mapping is found again.

:data:`PERSON_LEVEL` (``households+members``) is the layout of one row per person: the household's columns
repeated on each of its members' rows; the importer splits it into both tables in one import.
A mapping is configuration: it holds headers and value terms, never a value of a record.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from data.definitions import contract
from data.ingest.reader import IGNORED_HEADERS, header_names, normalise_header

PERSON_LEVEL = "households+members"  # one row per person, the household's fields repeated
PARTS = {PERSON_LEVEL: ("households", "members")}  # the tables such a file is split into, in write order
MIN_SCORE = 0.6  # a header less similar than this to every name of a column is not suggested for it
SPLIT = re.compile(r"[;；,，、/／|｜\s]+")  # between the values of a multi-valued column (risk types)

_ID = ("户编号", "户号", "户码", "家庭编号", "家庭编码", "农户编号", "农户编码", "户代码", "户id", "户主编号")
_VILLAGE = ("村编码", "行政村代码", "行政村编码", "村级代码", "村区划代码", "所在村代码", "村统计用区划代码",
            "行政区划代码", "区划代码")
_PERSON = ("人员编号", "成员编号", "成员编码", "个人编号", "个人编码", "人口编号", "人员id")
_COUNTY = ("县编码", "县级代码", "县区划代码", "所在县代码", "县级行政区划代码")
_YEAR = ("年份", "年", "实施年度", "统计年度")
_PERIOD = ("年月", "月度", "统计月份", "所属月份")
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "households": {
        "household_id": _ID,
        "village_code": _VILLAGE,
        "size": ("人口数", "家庭人口数", "家庭人数", "户人口数", "家庭成员数", "家庭人口（人）", "人口"),
        "labour_count": ("劳动力数", "劳动力", "家庭劳动力人数", "劳动力人口数", "劳力数"),
        "former_poor": ("脱贫户", "是否为脱贫户", "是否脱贫", "脱贫户标识", "是否脱贫人口"),
        "head_name": ("户主", "户主名称", "户主名字"),
        # the head's own names first: in a person-level file 证件号码 is often each member's
        "head_id_number": ("户主身份证号码", "户主证件号码", "户主身份证", "户主证件号", "户主公民身份号码",
                           "证件号码", "身份证号码", "身份证号", "公民身份号码"),
    },
    "members": {
        "person_id": _PERSON,
        "household_id": _ID,
        "age": ("周岁", "实际年龄", "年龄（周岁）"),
        "sex": ("性别（男/女）",),
        "labour_capacity": ("劳动技能", "劳动能力状况", "劳力状况", "劳动力状况"),
        "health": ("健康状态", "身体状况", "身体健康状况"),
        "schooling": ("在校生状况", "在校生情况", "就学情况", "在校状况", "学生状况", "就读情况"),
    },
    "monitoring": {
        "household_id": _ID,
        "category": ("监测对象类型", "监测类型", "监测户类型", "监测对象属性"),
        "identified_on": ("纳入监测时间", "纳入监测日期", "识别时间", "纳入时间", "确定为监测对象时间", "识别纳入时间"),
        "channel": ("识别途径", "发现方式", "识别渠道", "发现途径"),
        "risk_types": ("致贫风险", "返贫致贫风险", "主要风险类型", "风险类别", "致贫返贫风险", "返贫风险类型"),
        "risk_status": ("风险是否消除", "是否消除风险", "消除风险状态", "风险消除状态"),
        "eliminated_on": ("风险消除时间", "消除风险时间", "标注风险消除时间", "风险消除日期（时间）"),
        "signal_on": ("预警时间", "申报日期", "发现日期", "申请日期"),
        "verified_on": ("核实时间", "入户核实日期", "入户核实时间"),
    },
    "assistance": {
        "household_id": _ID,
        "measure": ("帮扶措施类型", "措施类型", "帮扶类型", "帮扶项目", "帮扶措施名称"),
        "started_on": ("帮扶开始时间", "开始时间", "落实时间", "享受时间", "落实日期"),
        "amount_yuan": ("帮扶金额", "补助金额", "资金", "金额（元）"),
    },
    "income": {
        "household_id": _ID,
        "year": _YEAR,
        "per_capita_net_income": ("家庭人均纯收入", "人均收入", "人均纯收入（元）"),
        "wage": ("务工收入", "工资收入"),
        "operating": ("生产经营性收入", "经营净收入", "经营收入"),
        "property": ("财产净收入", "财产收入"),
        "transfer": ("转移净收入", "转移收入"),
    },
    "expenses": {
        "household_id": _ID,
        "period": _PERIOD,
        "kind": ("支出类别", "支出项目", "支出种类"),
        "amount_yuan": ("支出金额", "自付金额", "负担金额"),
    },
    "employment": {
        "person_id": _PERSON,
        "household_id": _ID,
        "period": _PERIOD,
        "employed": ("是否务工就业", "是否就业", "务工状态", "是否外出务工"),
        "location": ("务工地区", "就业地点", "务工区域"),
        "mode": ("就业形式", "务工方式", "就业类型"),
        "monthly_wage": ("月收入", "月均工资", "月务工收入", "月均收入"),
    },
    "projects": {
        "project_id": ("项目编号", "项目代码"),
        "county_code": _COUNTY,
        "village_code": _VILLAGE,
        "name": ("项目名", "项目全称"),
        "type": ("项目类型", "项目类别"),
        "year": _YEAR,
        "fund_connection": ("衔接推进乡村振兴补助资金", "财政衔接资金", "衔接补助资金"),
        "fund_east_west": ("东西部协作资金投入", "东西协作资金"),
        "fund_targeted": ("定点帮扶资金投入", "中央定点帮扶资金"),
        "fund_social": ("社会帮扶资金", "其他资金"),
        "status": ("运营状态", "项目运行状态", "项目进展"),
        "jobs_created": ("带动就业人数", "吸纳就业人数"),
        "households_linked": ("带动农户数", "联农带农数", "带动脱贫户数"),
        "output_value": ("年产值", "产值（元）"),
    },
    "funds": {
        "county_code": _COUNTY,
        "year": _YEAR,
        "use": ("用途", "资金投向"),
        "allocated": ("下达资金", "下达资金额", "资金规模"),
        "spent": ("已支出", "支出资金", "已支出金额"),
    },
    "collaboration": {
        "east_region": ("东部协作地区", "帮扶方", "东部帮扶地区"),
        "west_code": ("受援地区代码", "西部区划代码"),
        "year": _YEAR,
        "fiscal_aid": ("财政帮扶资金", "东部财政援助资金"),
        "cadres_sent": ("选派党政干部", "选派干部人数"),
        "talent_sent": ("选派专业技术人才", "专技人才人数"),
        "enterprises_landed": ("落地企业数", "引导企业数"),
        "investment": ("投资额", "企业实际投资额"),
        "labour_transferred": ("帮助转移就业人数", "劳务协作人数"),
        "consumption_sales": ("消费帮扶额", "消费帮扶销售额"),
        # issue 18
        "social_aid": ("社会帮扶资金（元）", "捐赠款物", "社会捐赠款物"),
        "talent_received": ("西部赴东部挂职交流", "赴东部挂职交流人数"),
        "people_trained": ("培训干部人才", "培训人次"),
        "parks_built": ("共建园区", "共建产业园区数"),
        "workers_helped": ("帮助农村劳动力转移就业", "帮助就业人数"),
        "former_poor": ("其中脱贫劳动力", "脱贫人口就业人数"),
        "to_east": ("到东部地区就业", "赴东部就业"),
        "in_province": ("就近就业", "省内就业"),
        "consumption_bought": ("采购农产品金额", "采购脱贫地区农产品"),
        "consumption_sold": ("帮销农产品", "帮助销售农产品金额"),
        "pairings_township": ("乡镇结对数",), "pairings_village": ("村企结对", "村村结对"),
        "pairings_school": ("学校结对数",), "pairings_hospital": ("医院结对数",),
    },
    "pairings": {
        "east_region": ("东部协作地区", "帮扶方", "东部帮扶地区"),
        "west_code": ("受援地区代码", "西部区划代码", "结对地区代码"),
        "kind": ("帮扶类型", "结对类型"),
        "unit": ("定点帮扶单位", "帮扶单位名称", "中央单位"),
        "start_year": ("起始年度", "结对起始年份", "开始年度"),
        "end_year": ("终止年度", "结束年度", "截止年度"),
        "note": ("备注",),
    },
    "collaboration_targets": {
        "east_region": ("东部协作地区", "帮扶方", "东部帮扶地区"),
        "west_code": ("受援地区代码", "西部区划代码"),
        "year": _YEAR,
        "indicator": ("指标名称", "协议指标", "考核指标"),
        "target": ("目标任务", "协议目标", "任务数"),
    },
    "targeted_assistance": {
        "unit": ("定点帮扶单位", "帮扶单位名称", "中央单位"),
        "county_code": _COUNTY,
        "year": _YEAR,
        "funds_direct": ("直接投入资金", "投入帮扶资金"),
        "funds_introduced": ("引进资金", "引进帮扶资金（元）"),
        "cadres_seconded": ("挂职干部人数", "选派挂职干部"),
        "cadres_in_villages": ("驻村干部人数", "选派驻村干部"),
        "officials_trained": ("培训基层干部人数", "培训基层干部（人次）"),
        "technicians_trained": ("培训技术人员人数", "培训专业技术人员"),
        "produce_bought": ("直接购买农产品", "购买脱贫地区农产品"),
        "produce_sold": ("帮助销售农产品金额", "帮销脱贫地区农产品"),
        "projects": ("帮扶项目", "项目个数"),
    },
    "teams": {
        "village_code": _VILLAGE,
        "year": _YEAR,
        "first_secretary": ("第一书记姓名", "驻村第一书记"),
        "team_size": ("工作队员人数", "队员数", "驻村工作队人数"),
        "dispatch_level": ("派出单位级别", "选派单位层级"),
        "days_on_site": ("驻村天数", "在村天数"),
    },
    "thresholds": {
        "province_code": ("省份代码", "省级代码", "省编码"),
        "year": _YEAR,
        "threshold": ("监测标准", "监测范围", "防止返贫监测范围", "监测收入标准"),
        "source": ("文件依据", "来源", "文件"),
    },
    "events": {
        "event_id": ("事件编号", "灾害编号"),
        "region_code": ("县乡代码", "发生地代码", "受灾地区代码"),
        "kind": ("灾害类型", "事件类型", "灾种"),
        "started_on": ("发生日期", "开始时间", "发生时间"),
        "ended_on": ("结束时间",),
        "note": ("描述", "情况说明"),
    },
}

_TRUE = ("是", "有", "√", "✓", "✔", "y", "yes", "true", "1", "对")
_FALSE = ("否", "无", "×", "✗", "✘", "x", "n", "no", "false", "0", "不是", "没有")
BOOLEAN_VARIANTS = {**{v: "true" for v in _TRUE}, **{v: "false" for v in _FALSE}}
# Other terms for enumerated values, by column (the code and the official term need no entry).
VALUE_VARIANTS: dict[tuple[str, str], dict[str, str]] = {
    ("members", "sex"): {"男性": "male", "女性": "female", "m": "male", "f": "female"},
    ("members", "labour_capacity"): {  # the 劳动技能 terms of the monitoring system
        "普通劳动力": "full", "技能劳动力": "full", "有劳动力": "full", "弱劳动力或半劳动力": "weak",
        "弱劳动力": "weak", "半劳动力": "weak", "丧失劳动力": "none", "无劳动力": "none"},
    ("members", "health"): {"长期慢性病": "chronic", "慢性病": "chronic", "大病": "serious", "患大病": "serious",
                            "残疾人": "disabled", "健康状况良好": "healthy"},
    ("members", "schooling"): {"非在校": "not_in_school", "不在校": "not_in_school", "学前": "preschool",
                               "中职": "vocational", "中专": "vocational", "技校": "vocational",
                               "高职": "college", "大专": "college", "本科": "college", "大学": "college",
                               "研究生": "college"},
    ("monitoring", "category"): {"边缘户": "marginal", "边缘易致贫": "marginal", "脱贫不稳定": "unstable_former_poor",
                                 "突发困难户": "sudden_hardship", "突发严重困难": "sudden_hardship"},
    ("monitoring", "risk_status"): {"是": "eliminated", "已消除": "eliminated", "否": "not_eliminated",
                                    "未消除": "not_eliminated"},
    ("monitoring", "risk_types"): {"因意外": "accident", "意外事故": "accident", "因务工就业不稳定": "unstable_employment",
                                   "务工就业不稳": "unstable_employment", "因产业失败": "industry_failure",
                                   "产业项目失败": "industry_failure", "住房安全": "housing",
                                   "住房安全问题": "housing", "饮水安全": "drinking_water", "因缺劳力": "lack_of_labour",
                                   "缺劳力": "lack_of_labour", "因疫": "other"},
    ("employment", "location"): {"县外省内": "in_province", "省内": "in_province", "外省": "out_of_province"},
    ("pairings", "kind"): {"东西部扶贫协作": "east_west", "东西协作": "east_west", "定点扶贫": "targeted"},
}


def spec_for(table: str) -> contract.TableSpec:
    """The columns a file of ``table`` holds: a contract table's, or for :data:`PERSON_LEVEL` the household's
    and the member's together (户编码 once)."""
    if table not in PARTS:
        return contract.spec_of(table)
    households, members = (contract.TABLES[part] for part in PARTS[table])
    return contract.TableSpec(table, "农户及家庭成员（每人一行）", ("person_id",), households.columns + tuple(
        c for c in members.columns if c.name not in {h.name for h in households.columns}))


def part_of(table: str, column: str) -> str:
    """The contract table whose column ``column`` of ``table`` is (the household's shared columns: households)."""
    for part in PARTS.get(table, (table,)):
        if column in {c.name for c in contract.spec_of(part).columns}:
            return part
    return table


def mappable() -> tuple[str, ...]:
    """The tables a mapping can be made for: every interchange table but regions, and :data:`PERSON_LEVEL`."""
    return tuple(t for t in contract.INTERCHANGE if t != "regions") + (PERSON_LEVEL,)


def synonyms(table: str) -> dict[str, tuple[str, ...]]:
    """Column → every name it goes by (English name, Chinese header, the synonyms)."""
    spec = spec_for(table)
    found = {}
    for column in spec.columns:
        listed = SYNONYMS.get(part_of(table, column.name), {}).get(column.name, ())
        found[column.name] = (column.name, column.zh, *listed)
    return found


def known_names(table: str) -> dict[str, str]:
    """Every normalised name (the reader's forms and the synonyms) → column: to find the header row."""
    names = {}
    for column, listed in synonyms(table).items():
        for name in listed:
            names.setdefault(normalise_header(name), column)
    names.update(header_names(spec_for(table)))
    return names


def signature(headers: list[str]) -> str:
    """The layout of a file: SHA-256 of its normalised headers, sorted (empty cells left out)."""
    keys = sorted(k for k in (normalise_header(h) for h in headers) if k)
    return hashlib.sha256("\x1f".join(keys).encode("utf-8")).hexdigest()


def exact(table: str, headers: list[str]) -> bool:
    """Whether the reader takes these headers as they are (every header the contract's or ignorable, each
    column once, every required one present): no mapping is needed."""
    names = header_names(spec_for(table))
    mapped = []
    for header in headers:
        key = normalise_header(header)
        if key in names:
            mapped.append(names[key])
        elif not (key in IGNORED_HEADERS or key == "" or key.startswith("unnamed:")):
            return False
    required = [c.name for c in spec_for(table).all_columns if c.required]
    return len(mapped) == len(set(mapped)) and all(c in mapped for c in required)


@dataclass
class Suggestion:
    header: str
    column: str | None
    score: float  # 1: an exact name; else the similarity of the nearest name
    how: str  # exact | similar | none


def _similarity(key: str, name: str) -> float:
    if not key or not name:
        return 0.0
    ratio = difflib.SequenceMatcher(None, key, name).ratio()
    if len(name) >= 2 and (name in key or key in name):  # 户主身份证号码（18位） contains 户主身份证号
        ratio = max(ratio, 0.6 + 0.35 * min(len(key), len(name)) / max(len(key), len(name)))
    return ratio


def suggest(table: str, headers: list[str]) -> list[Suggestion]:
    """One suggestion per source header, in file order: each column goes to the header nearest it."""
    names = {column: [normalise_header(n) for n in listed] for column, listed in synonyms(table).items()}
    exact_names = header_names(spec_for(table))
    pairs = []  # (score, rank: the place of the name matched exactly in the column's list, header, column)
    for index, header in enumerate(headers):
        key = normalise_header(header)
        for column, listed in names.items():
            if key in listed or exact_names.get(key) == column:
                pairs.append((1.0, listed.index(key) if key in listed else 0, index, column))
            else:
                score = max(_similarity(key, name) for name in listed)
                if score >= MIN_SCORE:
                    pairs.append((round(score, 2), 0, index, column))
    chosen: dict[int, tuple[str, float]] = {}
    taken = set()
    for score, _rank, index, column in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if index not in chosen and column not in taken:
            chosen[index] = (column, score)
            taken.add(column)
    return [Suggestion(h, *chosen[i], "exact" if chosen[i][1] == 1.0 else "similar") if i in chosen
            else Suggestion(h, None, 0.0, "none") for i, h in enumerate(headers)]


class MappingError(ValueError):
    """A mapping that does not fit its file or table: ``problems`` as (zh, en)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(en for _, en in problems))


@dataclass
class Mapping:
    """Source header → column (None: the column is ignored), and value maps per column (source term → code)."""
    table: str
    headers: dict[str, str | None]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    id: int | None = None  # once saved (column_mappings)

    @property
    def signature(self) -> str:
        return signature(list(self.headers))

    def names(self) -> dict[str, str | None]:
        """For the reader: normalised source header → column or None."""
        return {normalise_header(h): c for h, c in self.headers.items() if normalise_header(h)}

    def as_json(self) -> str:
        return json.dumps({"table": self.table, "signature": self.signature, "headers": self.headers,
                           "values": self.values}, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str | bytes, mapping_id: int | None = None) -> Mapping:
        try:
            data = json.loads(text)
        except ValueError as error:
            raise MappingError([(f"映射文件不是有效的 JSON：{error}", f"the mapping is not valid JSON: {error}")])
        if not isinstance(data, dict) or not isinstance(data.get("headers"), dict) \
                or not isinstance(data.get("table"), str) or not isinstance(data.get("values", {}), dict):
            raise MappingError([("映射文件应含 table、headers（表头 → 列名或 null）和可选的 values",
                                 "a mapping holds table, headers (header → column or null) and optionally values")])
        headers = {str(h): (None if c is None else str(c)) for h, c in data["headers"].items()}
        values = {str(c): {str(k): str(v) for k, v in m.items()} for c, m in data.get("values", {}).items()
                  if isinstance(m, dict)}
        return cls(data["table"], headers, values, mapping_id)

    @classmethod
    def suggested(cls, table: str, headers: list[str]) -> Mapping:
        return cls(table, {s.header: s.column for s in suggest(table, headers) if s.header})


def check(mapping: Mapping, table: str, headers: list[str]) -> list[tuple[str, str]]:
    """What keeps ``mapping`` from reading a file of ``table`` with ``headers``: (zh, en) problems."""
    problems = []
    if mapping.table != table:
        problems.append((f"映射用于 {mapping.table} 表，不是 {table} 表", f"the mapping is for {mapping.table}, not {table}"))
    spec = spec_for(table)
    columns = {c.name for c in spec.columns}
    given = {normalise_header(h) for h in mapping.headers}
    missing = [h for h in headers if normalise_header(h) and normalise_header(h) not in given]
    if missing:
        problems.append(("映射中没有这些表头（请指定列名，或写 null 表示忽略）：" + "、".join(missing),
                         "headers not in the mapping (name a column, or null to ignore them): " + ", ".join(missing)))
    keys = [normalise_header(h) for h in headers if normalise_header(h)]
    twice = sorted({h for h in headers if normalise_header(h) and keys.count(normalise_header(h)) > 1})
    if twice:
        problems.append(("文件中有同名的列（请改名后再导入）：" + "、".join(twice),
                         "the file has several columns of the same name (rename them): " + ", ".join(twice)))
    present = [normalise_header(h) for h in headers]
    mapped = [c for h, c in mapping.headers.items() if c is not None and normalise_header(h) in present]
    unknown = sorted({c for c in mapped if c not in columns})
    if unknown:
        problems.append((f"{table} 表没有这些列：" + "、".join(unknown), f"{table} has no columns " + ", ".join(unknown)))
    duplicated = sorted({c for c in mapped if mapped.count(c) > 1})
    if duplicated:
        problems.append(("多个表头映射到同一列：" + "、".join(duplicated),
                         "several headers are mapped to the same column: " + ", ".join(duplicated)))
    absent = [c for c in spec.columns if c.required and c.name not in mapped]
    if absent:
        problems.append(("缺少必填列：" + "、".join(f"{c.zh}（{c.name}）" for c in absent),
                         "required columns not mapped: " + ", ".join(c.name for c in absent)))
    wrong_values = sorted(set(mapping.values) - columns)
    if wrong_values:
        problems.append(("取值映射指向不存在的列：" + "、".join(wrong_values),
                         "value maps for columns that do not exist: " + ", ".join(wrong_values)))
    return problems


# -- value variants --------------------------------------------------------------------------------------
def _term(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lower()


def value_map(table: str, column: contract.Column, mapping: Mapping) -> dict[str, str]:
    """Source term (NFKC, lower case) → what the importer reads, for one column: the mapping's own maps first,
    then the built-in variants."""
    found: dict[str, str] = {}
    part = part_of(table, column.name)
    if column.kind == "bool":
        found.update(BOOLEAN_VARIANTS)
    found.update({_term(k): v for k, v in VALUE_VARIANTS.get((part, column.name), {}).items()})
    found.update({_term(k): v for k, v in mapping.values.get(column.name, {}).items()})
    return found


def apply_values(table: str, frame: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """The chunk with every variant term of a boolean or enumerated column replaced by what the importer
    reads; a multi-valued column (risk types) is split at 、，,;； and each part mapped."""
    frame = frame.copy()
    for column in spec_for(table).columns:
        if column.name not in frame or column.kind not in ("bool", "enum", "enums"):
            continue
        terms = value_map(table, column, mapping)
        if not terms:
            continue
        if column.kind == "enums":
            def convert(value, terms=terms):
                parts = [p for p in SPLIT.split(value) if p] if isinstance(value, str) else None
                return ";".join(terms.get(_term(p), p) for p in parts) if parts else value
        else:
            def convert(value, terms=terms):
                return terms.get(_term(value), value) if isinstance(value, str) else value
        unique = {v: convert(v) for v in frame[column.name].dropna().unique()}
        frame[column.name] = frame[column.name].map(lambda v: unique.get(v, v) if isinstance(v, str) else v)
    return frame


def distinct_counts(path, headers: list[str], limit: int = 5000) -> dict[str, int]:
    """How many distinct values each source column holds in the first ``limit`` rows — counts only: the page
    shows no value of a record."""
    from data.ingest.reader import FileProblem, read_chunks

    keys = {normalise_header(h): f"c{i}" for i, h in enumerate(headers) if normalise_header(h)}
    spec = contract.TableSpec("layout", "", (), tuple(contract.Column(c, c, "str", required=False) for c in keys.values()))
    counts: dict[str, set] = {c: set() for c in keys.values()}
    try:
        chunk = next(iter(read_chunks(path, spec, names=keys)), None)
    except FileProblem:
        chunk = None
    if chunk is not None:
        for column in counts:
            counts[column].update(chunk[column].head(limit).dropna())
    return {h: len(counts[keys[normalise_header(h)]]) for h in headers if normalise_header(h) in keys}
