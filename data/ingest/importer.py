"""Importing interchange tables: all or nothing, idempotent, every problem reported, every import logged.

A file is read in chunks (data/reader.py); each chunk is parsed into typed values, checked with a
pandera schema built from the contract (ranges, allowed values, row rules), checked against the
database (codes, households, members, a household moved to another village, income sources against
household size) and compared with the stored rows, reading only; what it changes is spooled to a temporary
file. Any problem anywhere and nothing is written: the database is as it was, and the log records the
rejection with its problems. Otherwise one short write transaction applies the spooled rows, once it has
checked that no other import or rollback changed the records since they were read (else the file is read
again), so that sign-ins and the audit log are not kept waiting by a long file. An accepted import records
the key of each row it added and the previous values of each row it changed, so that ``rollback`` can
undo it.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import itertools
import json
import pickle
import re
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import sqlalchemy as sa

from data.compute.build import counties_of_records, mark_pending
from data.definitions import codes, contract, personal
from data.definitions.access import Access, Scope
from data.definitions.access import check as check_access
from data.ingest import mapping as column_mapping
from data.ingest import spreadsheet
from data.ingest.reader import NUMERIC, ROW, FileProblem, header_names, read_chunks
from data.store import records
from data.store.membership import covering_pairings
from data.store.schema import data_tables, import_changes, import_log, meta
from data.store.schema import regions as regions_table
from data.store.storage import Storage, writing

MAX_PROBLEMS = 1000
NAME_COLUMNS = ("head_name", "first_secretary")
TRUE = {"true", "1", "是", "yes", "y", "t"}
FALSE = {"false", "0", "否", "no", "n", "f"}
PERIOD = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})月?$")
SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]\d+$")  # as Excel writes it: 5.22728E+15 (a signed exponent)
EXCEL_DIGITS = 15  # the digits a spreadsheet number keeps


@dataclass
class Problem:
    row: int  # file row; 0 for the file as a whole
    column: str
    value: str
    zh: str
    en: str

    def __post_init__(self):  # a report never carries a whole ID or phone number, or a whole name
        if self.column in NAME_COLUMNS and self.value:
            self.value = personal.mask_name(self.value)
        elif self.column == "head_id_number" and self.value:  # even a mistyped one: never whole
            self.value = personal.mask_id(self.value) if len(self.value) >= 12 else "*" * len(self.value)
        else:
            self.value = personal.scrub(self.value)

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason_zh": self.zh, "reason_en": self.en}

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}={self.value!r}: {self.zh} / {self.en}"


class ImportRejected(ValueError):
    def __init__(self, problems: list[Problem], import_id: int | None = None):
        self.problems, self.import_id = problems, import_id
        super().__init__(f"{len(problems)} problems; first: {problems[0] if problems else ''}")


@dataclass
class ImportResult:
    import_id: int
    table: str
    added: int
    updated: int
    unchanged: int
    counties: list[str] = field(default_factory=list)  # whose figures the file feeds (to rebuild)
    parts: list[ImportResult] = field(default_factory=list)  # a file written into several tables: each one's
    mapping_id: int | None = None  # the saved column mapping the file was read through


# -- parsing -------------------------------------------------------------------------------------
def _enum_lookup(table: str, column: contract.Column) -> dict[str, str]:
    lookup = {v.lower(): v for v in column.values}
    lookup.update({contract.label_zh(table, column.name, v): v for v in column.values})
    return lookup


def parse(table: str, frame: pd.DataFrame, spec: contract.TableSpec | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Strings → typed values; every value that cannot be read is a problem. ``frame[NUMERIC]`` (workbooks)
    names per row the identifier columns whose cell was a number. ``spec``: the columns read, if not the
    table's contract (a code list: geo/codelist.py)."""
    spec = spec or contract.spec_of(table)
    problems: list[Problem] = []
    out = pd.DataFrame({ROW: frame[ROW]})
    numeric = frame[NUMERIC] if NUMERIC in frame else itertools.repeat(())
    for column in spec.all_columns:
        raw = frame[column.name] if column.name in frame else pd.Series(None, index=frame.index, dtype=object)
        values = []
        for row, value, numbers in zip(frame[ROW], raw, numeric):
            if (value is None or (isinstance(value, float) and pd.isna(value))) and column.default is not None:
                values.append(column.default)  # an empty cell that means something (pairings: no unit)
                continue
            if value is None or (isinstance(value, float) and pd.isna(value)):
                if column.required or column.name in spec.key:
                    problems.append(Problem(row, column.name, "", "必填项为空", "required value is empty"))
                values.append(None)
                continue
            try:
                values.append(_parse_value(table, column, str(value), number=bool(numbers) and column.name in numbers))
            except ValueError as error:
                zh, en = error.args if len(error.args) == 2 else ("格式错误", str(error))
                problems.append(Problem(row, column.name, str(value), zh, en))
                values.append(None)
        out[column.name] = pd.Series(values, index=frame.index, dtype=object)
    return out, problems


def _parse_value(table: str, column: contract.Column, value: str, number: bool = False):
    """One value of ``column``; ``number``: it was a number cell of a workbook."""
    kind = column.kind
    if kind == "str":
        value = spreadsheet.restore(value)  # an exported "'=…" is the text "=…" (data/ingest/spreadsheet.py)
        if column.identifier:
            value = _identifier(value, number)
        if len(value) > column.length:
            raise ValueError(f"超过 {column.length} 个字符", f"longer than {column.length} characters")
        return value
    value = unicodedata.normalize("NFKC", value).strip()  # full-width digits, letters and signs
    if kind == "code":
        try:
            return codes.normalize(value)
        except codes.InvalidCode:
            raise ValueError("区划代码格式错误（应为 2/4/6/9/12 位数字）", "malformed region code (2/4/6/9/12 digits)")
    if kind in ("int", "money", "year"):
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            raise ValueError("不是数字", "not a number")
        if kind != "money" and not number.is_integer():
            raise ValueError("应为整数", "not a whole number")
        return int(round(number))
    if kind == "bool":
        text = value.lower()
        if text in TRUE or text in FALSE:
            return text in TRUE
        raise ValueError("应为 是/否（true/false）", "expected true/false (是/否)")
    if kind == "date":
        try:
            return dt.date.fromisoformat(value.replace("/", "-").replace(".", "-")[:10])
        except ValueError:
            raise ValueError("日期格式错误（应为 YYYY-MM-DD）", "malformed date (YYYY-MM-DD)")
    if kind == "period":
        match = PERIOD.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError("月份格式错误（应为 YYYY-MM，月份 1–12）", "malformed month (YYYY-MM, month 1–12)")
        return f"{match.group(1)}-{int(match.group(2)):02d}"
    lookup = _enum_lookup(table, column)
    if kind == "enum":
        if value.lower() in lookup or value in lookup:
            return lookup.get(value.lower()) or lookup[value]
        raise ValueError(f"不是允许的取值（{'、'.join(column.values)}）", f"not an allowed value ({', '.join(column.values)})")
    parts = [p.strip() for p in re.split(r"[;；,，、]", value) if p.strip()]
    unknown = [p for p in parts if p.lower() not in lookup and p not in lookup]
    if unknown or not parts:
        raise ValueError(f"含有不允许的取值：{'、'.join(unknown)}", f"values not allowed: {', '.join(unknown)}")
    chosen = {lookup.get(p.lower()) or lookup[p] for p in parts}
    return ";".join(v for v in column.values if v in chosen)


def _identifier(value: str, number: bool) -> str:
    """An id as text: full-width digits and letters made ASCII (NFKC), stripped; refused when Excel has
    rounded it (a number cell of more than 15 digits: its precision) or written it in scientific notation."""
    value = unicodedata.normalize("NFKC", value).strip()
    if number and sum(c.isdigit() for c in value.split(".")[0]) > EXCEL_DIGITS:
        raise ValueError(f"编码是超过 {EXCEL_DIGITS} 位的数字单元格，Excel 已将其舍入（请把该列设为文本后重新填写）",
                         f"an id typed as a number of more than {EXCEL_DIGITS} digits: Excel has rounded it "
                         "(format the column as text and type it again)")
    if SCIENTIFIC.match(value):
        raise ValueError("编码为科学计数法（如 5.22728E+15），原来的数字已丢失（请把该列设为文本后重新填写）",
                         "an id in scientific notation (such as 5.22728E+15): its digits are lost (format the "
                         "column as text and type it again)")
    return value


# -- checks with pandera (ranges, allowed values, row rules) ----------------------------------------
def _schema(table: str) -> pa.DataFrameSchema:
    spec = contract.spec_of(table)
    columns = {}
    for column in spec.all_columns:
        checks = []
        if column.kind in ("int", "money", "year"):
            if column.minimum is not None:
                checks.append(pa.Check.ge(column.minimum, error=f"不能小于 {column.minimum:g} / must be ≥ {column.minimum:g}"))
            if column.maximum is not None:
                checks.append(pa.Check.le(column.maximum, error=f"不能大于 {column.maximum:g} / must be ≤ {column.maximum:g}"))
        columns[column.name] = pa.Column(object, checks=checks, nullable=True, coerce=False)
    return pa.DataFrameSchema(columns, checks=_ROW_RULES.get(table, []), strict=False)


def _rule(test, zh: str, en: str, column: str) -> pa.Check:
    return pa.Check(test, error=f"{zh} / {en}", name=column)


_ROW_RULES = {
    "households": [_rule(lambda d: d["labour_count"].isna() | d["size"].isna() | (d["labour_count"] <= d["size"]),
                         "劳动力人数大于家庭人口", "labour count exceeds household size", "labour_count")],
    "employment": [_rule(lambda d: ~(d["employed"] == True) | (d["location"].notna() & d["mode"].notna()),  # noqa: E712
                         "务工者须填写务工地点和就业方式", "an employed person needs location and mode", "location"),
                   _rule(lambda d: ~(d["employed"] == False) | (d["location"].isna() & d["mode"].isna()  # noqa: E712
                                                                & d["monthly_wage"].isna()),
                         "未务工者不应填写地点、方式或工资", "no location, mode or wage when not employed", "employed")],
    "monitoring": [_rule(lambda d: (d["risk_status"] == "eliminated") == d["eliminated_on"].notna(),
                         "风险已消除须且仅须填写消除日期", "an elimination date goes with status eliminated only",
                         "eliminated_on"),
                   _rule(lambda d: d["eliminated_on"].isna() | d["identified_on"].isna()
                         | (pd.to_datetime(d["eliminated_on"]) >= pd.to_datetime(d["identified_on"])),
                         "风险消除日期早于识别日期", "eliminated before being identified", "eliminated_on")],
    "collaboration": [_rule(lambda d: d["former_poor"].isna() | d["workers_helped"].isna()
                            | (d["former_poor"] <= d["workers_helped"]),
                            "其中脱贫人口多于帮助农村劳动力就业人数", "former-poor people exceed the workers helped",
                            "former_poor"),
                      _rule(lambda d: d["workers_helped"].isna()
                            | (d["to_east"].fillna(0) + d["in_province"].fillna(0) <= d["workers_helped"]),
                            "到东部就业与省内就近就业之和多于帮助农村劳动力就业人数",
                            "to the east + in the province exceed the workers helped", "to_east")],
    "pairings": [_rule(lambda d: d["end_year"].isna() | d["start_year"].isna() | (d["end_year"] >= d["start_year"]),
                       "结对终止年度早于起始年度", "the pairing ends before it starts", "end_year"),
                 _rule(lambda d: (d["kind"] != "east_west") | (d["east_region"].fillna("") != ""),
                       "东西部协作结对须填写东部地区", "an East–West pair needs its eastern region", "east_region"),
                 _rule(lambda d: (d["kind"] != "targeted") | (d["unit"].fillna("") != ""),
                       "定点帮扶须填写帮扶单位", "targeted assistance needs the central unit", "unit")],
    "events": [_rule(lambda d: d["ended_on"].isna() | d["started_on"].isna()
                     | (pd.to_datetime(d["ended_on"]) >= pd.to_datetime(d["started_on"])),
                     "结束日期早于开始日期", "ended before it started", "ended_on")],
}


def check(table: str, typed: pd.DataFrame) -> list[Problem]:
    """Ranges and row rules through pandera; one problem per failing value or failing row rule."""
    try:
        _schema(table).validate(typed, lazy=True)
        return []
    except pa.errors.SchemaErrors as errors:
        problems, seen = [], set()
        for case in errors.failure_cases.itertuples(index=False):
            if case.index is None or pd.isna(case.index):
                continue
            if case.schema_context == "DataFrameSchema":  # a row rule: reported once, on its own column
                if (case.index, case.check) in seen:
                    continue
                seen.add((case.index, case.check))
                column = _rule_column(table, case.check)
            else:
                column = case.column
            zh, _, en = str(case.check).partition(" / ")
            problems.append(Problem(int(typed.loc[case.index, ROW]), column, _text(typed.loc[case.index, column]),
                                    zh, en or zh))
        return problems


def _rule_column(table: str, reason: str) -> str:
    for rule in _ROW_RULES.get(table, []):
        if rule.error == reason:
            return rule.name
    return ""


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


# -- checks against the database ------------------------------------------------------------------
# Which region level a code column must name.
_CODE_LEVELS = {("households", "village_code"): ("village",), ("teams", "village_code"): ("village",),
                ("projects", "county_code"): ("county",), ("projects", "village_code"): ("village",),
                ("funds", "county_code"): ("county",), ("collaboration", "west_code"): ("city", "county"),
                ("thresholds", "province_code"): ("province",), ("events", "region_code"): ("county", "township"),
                ("pairings", "west_code"): ("province", "city", "county"),
                ("collaboration_targets", "west_code"): ("city", "county"),
                ("targeted_assistance", "county_code"): ("county",)}


def _flagger(typed: pd.DataFrame, problems: list[Problem]):
    def flag(mask, column, zh, en):
        for row, value in zip(typed.loc[mask, ROW], typed.loc[mask, column]):
            problems.append(Problem(int(row), column, _text(value), zh, en))
    return flag


def check_scope(connection, table: str, typed: pd.DataFrame, scope: Scope) -> list[Problem]:
    """Rows outside the importer's scope (a data clerk imports for their own region only): where the row
    says it lies, and where the stored row with its key lies now (nobody takes over another region's row)."""
    problems: list[Problem] = []
    if scope.everything or typed.empty:
        return problems
    if table == "regions":
        return [Problem(0, "file", table, "只有系统管理员可以导入区划表", "only an administrator imports the regions table")]
    flag = _flagger(typed, problems)
    spec = contract.spec_of(table)
    stored = _stored_rows(connection, table, typed)
    column = records.REGION_COLUMNS.get(table, "household_id")
    incoming = _places(connection, column, typed[column])
    previous = _places(connection, column, pd.Series(
        [(stored.get(_key_json(spec, row)) or {}).get(column) for row in typed.to_dict("records")], index=typed.index))
    layers = [f"{layer}_code" for layer in codes.LEVELS]
    found = records.lookup(connection, regions_table, "code", pd.concat([incoming, previous]), extra=layers)

    def outside(code) -> bool:
        return code in found and not scope.allows(dict(zip(codes.LEVELS, found[code][1:])))
    flag(incoming.map(outside) | previous.map(outside), column, "不在您的权限范围内：只能导入本辖区的数据",
         "outside your scope: import your own region's data only")
    return problems


def _places(connection, column: str, values: pd.Series) -> pd.Series:
    """The region codes of ``values`` of a region column, or of households' villages for ``household_id``."""
    if column != "household_id":
        return values
    stored = records.lookup(connection, data_tables["households"], "household_id", values, extra=("village_code",))
    return values.map(lambda h: stored[h][1] if h in stored else None)


def check_references(connection, table: str, typed: pd.DataFrame) -> list[Problem]:
    problems: list[Problem] = []
    flag = _flagger(typed, problems)
    for column in [c for c in typed.columns if c.endswith("_id")]:
        flag(typed[column].map(lambda v: isinstance(v, str) and personal.valid_id_number(v.upper())), column,
             "编码不能使用身份证号（身份证号只填在“户主身份证号”列，按规定脱敏保存）",
             "a code must not be an ID number (ID numbers go in head_id_number only, stored masked)")

    for (name, column), levels in _CODE_LEVELS.items():
        if name == table:
            found = records.lookup(connection, regions_table, "code", typed[column], extra=("level",))
            known = typed[column].map(lambda c: c is None or (c in found and found[c][1] in levels))
            flag(~known, column, f"区划代码不存在或级别不符（应为{'/'.join(levels)}级）",
                 f"unknown region code or wrong level (expected {'/'.join(levels)})")
    if table == "pairings":
        found = records.lookup(connection, regions_table, "code", typed["west_code"], extra=("level",))
        flag((typed["kind"] == "targeted") & typed["west_code"].map(lambda c: c in found and found[c][1] != "county"),
             "west_code", "定点帮扶的受援地区须为县级", "targeted assistance is of a county")
    if table == "collaboration_targets":
        _check_target_pairings(connection, typed, flag)
    if table == "projects":
        outside = typed["village_code"].notna() & typed["county_code"].notna() & (
            typed["village_code"].str[:6] != typed["county_code"].str[:6])
        flag(outside, "village_code", "村不在项目所在县", "the village is not in the project's county")
    if table == "regions":
        stored = records.lookup(connection, regions_table, "code", typed["code"], extra=("level", "parent_code"))
        unknown = ~typed["code"].map(lambda c: c is None or c in stored)
        # New townships and villages need cells drawn (geo): the code-list import adds them (geo/codelist.py), which
        # is what `import regions` and the upload page run; this table path changes stored regions only.
        flag(unknown, "code", "区划不存在（新的乡镇和村请用代码表导入：python -m dashboard import regions 或上传页面）",
             "unknown region (new townships and villages come with a code list: `python -m dashboard import regions` "
             "or the upload page)")
        known = typed["code"].map(lambda c: c in stored)
        level = known & typed.apply(lambda r: r["code"] in stored and stored[r["code"]][1] != r["level"], axis=1)
        flag(level, "level", "级别与已有区划不符", "level differs from the stored region")
        parent = known & typed.apply(lambda r: r["code"] in stored and r["parent_code"] is not None
                                     and stored[r["code"]][2] != r["parent_code"], axis=1)
        flag(parent, "parent_code", "上级代码与已有区划不符", "parent differs from the stored region")
        return problems
    households = data_tables["households"]
    if table == "households":
        stored = records.lookup(connection, households, "household_id", typed["household_id"], extra=("village_code",))
        moved = typed["household_id"].map(lambda h: h in stored) & typed.apply(
            lambda r: r["household_id"] in stored and stored[r["household_id"]][1] != r["village_code"], axis=1)
        flag(moved, "village_code", "该户已登记在另一个村（不能同时属于两个村）",
             "this household is registered in another village (a household cannot be in two villages)")
        numbers = typed["head_id_number"].dropna()
        bad = numbers[~numbers.map(lambda n: personal.valid_id_number(n) or bool(personal.MASKED_ID.match(n)))]
        flag(typed.index.isin(bad.index), "head_id_number", "身份证号无效（校验位或格式错误）",
             "invalid ID number (format or check digit)")
    elif "household_id" in typed and table != "employment":
        stored = records.lookup(connection, households, "household_id", typed["household_id"], extra=("size",))
        flag(~typed["household_id"].map(lambda h: h is None or h in stored), "household_id",
             "户编码不存在（请先导入农户表）", "unknown household (import households first)")
        if table == "income":
            size = typed["household_id"].map(lambda h: stored[h][1] if h in stored else None)
            total = typed[["wage", "operating", "property", "transfer"]].sum(axis=1, min_count=4)
            expected = (total / size.astype(float)).round()
            wrong = size.notna() & total.notna() & typed["per_capita_net_income"].notna() & (
                (expected - typed["per_capita_net_income"].astype(float)).abs() > 1)
            flag(wrong, "per_capita_net_income", "各项收入之和除以家庭人口不等于人均纯收入",
                 "income sources do not add up: (wage+operating+property+transfer)/household size ≠ per-capita")
    if table == "employment":
        members = records.lookup(connection, data_tables["members"], "person_id", typed["person_id"], extra=("household_id",))
        unknown = ~typed["person_id"].map(lambda p: p is None or p in members)
        flag(unknown, "person_id", "人员编码不存在（请先导入家庭成员表）", "unknown person (import members first)")
        other = ~unknown & typed.apply(lambda r: r["person_id"] in members
                                       and members[r["person_id"]][1] != r["household_id"], axis=1)
        flag(other, "household_id", "该人员不属于此户", "this person is not a member of this household")
    return problems


def _check_target_pairings(connection, typed: pd.DataFrame, flag) -> None:
    """An agreement's target needs a stored East–West pairing of its eastern region with its western region or
    one of that region's ancestors (its prefecture, its province), in force in the target's year."""
    wests = records.lookup(connection, regions_table, "code", typed["west_code"],
                           extra=tuple(f"{layer}_code" for layer in codes.LEVELS))
    stored = connection.execute(sa.select(data_tables["pairings"]).where(
        data_tables["pairings"].c.kind == "east_west")).mappings().all()
    unpaired, outside = [], []
    for east, west, year in zip(typed["east_region"], typed["west_code"], typed["year"]):
        if east is None or west not in wests or year is None:
            unpaired.append(False)
            outside.append(False)
            continue
        ancestors = [c for c in wests[west][1:] if c]
        covering = covering_pairings(stored, east, ancestors)
        unpaired.append(not covering)
        outside.append(bool(covering) and not any(p["start_year"] <= year <= (p["end_year"] or year) for p in covering))
    flag(pd.Series(unpaired, index=typed.index), "east_region",
         "没有该东部地区与该西部地区（或其所在市、省）的东西部协作结对关系（请先导入结对关系表）",
         "no East–West pairing of this eastern region with this western region or its prefecture or province "
         "(import pairings first)")
    flag(pd.Series(outside, index=typed.index), "year", "年度不在结对关系的起止年度内",
         "the year lies outside the pairing's start and end years")


# -- staging and writing -------------------------------------------------------------------------------
# A file is read, checked and compared with the stored rows outside any write transaction; what it changes
# is spooled to a temporary file (bounded memory: one chunk at a time), and one short write transaction
# applies it, after checking that no import or rollback changed the records meanwhile (else it reads again).
RECORDS_VERSION = "records_version"  # meta key: a new value with every import and rollback that is written
STAGE_ATTEMPTS = 3  # reads of a file before an import gives up because others keep changing the records


@dataclass
class _Staged:
    """What reading and checking a file found: its problems, or what to write and where it counts."""
    version: tuple[str | None, str | None]  # (records version, data version) the stored rows were read at
    spool: object  # a binary temporary file of pickled batches (see _stage_rows)
    problems: list[Problem] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    counts: list[int] = field(default_factory=lambda: [0, 0, 0])  # added, updated, unchanged
    touched: set[str] = field(default_factory=set)
    batches: int = 0


def _key_json(spec: contract.TableSpec, row: dict) -> str:
    return json.dumps([str(row[k]) for k in spec.key], ensure_ascii=False)


def _stored_rows(connection, table: str, typed: pd.DataFrame) -> dict[str, dict]:
    """The stored rows with the keys of ``typed``, as normalised strings, by key."""
    spec = contract.spec_of(table)
    stored = records.stored_table(table)
    first = spec.key[0]
    found = []
    values = sorted({v for v in typed[first] if v is not None}, key=str)
    for start in range(0, len(values), records.LOOKUP_BATCH):
        query = sa.select(*[stored.c[c.name] for c in spec.all_columns]).where(
            stored.c[first].in_(values[start:start + records.LOOKUP_BATCH]))
        found.extend(connection.execute(query).all())
    frame = records.normalise(table, pd.DataFrame(found, columns=[c.name for c in spec.all_columns]))
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return {_key_json(spec, r): r for r in rows}


def _stage_rows(connection, table: str, typed: pd.DataFrame, staged: _Staged) -> None:
    """Compare a checked chunk with the stored rows; spool the rows it adds and changes (protected: masked
    and hashed), with the key and previous values of each for ``rollback``, and note the counties they feed."""
    spec = contract.spec_of(table)
    protected = records.protect(table, typed.drop(columns=ROW))
    normal = records.normalise(table, protected)
    new_rows = normal.astype(object).where(normal.notna(), None).to_dict("records")
    before = _stored_rows(connection, table, typed)
    added, updated, changes = [], [], []
    for index, row in zip(protected.index, new_rows):
        key = _key_json(spec, row)
        if key not in before:
            added.append(index)
            changes.append((key, None))
        elif before[key] != row:
            updated.append(index)
            changes.append((key, json.dumps(before[key], ensure_ascii=False)))
    for i, n in enumerate((len(added), len(updated), len(new_rows) - len(added) - len(updated))):
        staged.counts[i] += n
    if not changes:
        return
    columns = [c.name for c in spec.all_columns]
    inserts = protected.loc[added].reindex(columns=columns).astype(object)
    values = [c for c in columns if c not in spec.key]
    batch = {"insert": list(inserts.where(pd.notna(inserts), None).itertuples(index=False, name=None)),
             "update": [{**{f"k_{k}": r[k] for k in spec.key}, **{f"v_{c}": r[c] for c in values}}
                        for r in records.to_rows(table, protected.loc[updated])],
             "changes": changes}
    pickle.dump(batch, staged.spool, protocol=pickle.HIGHEST_PROTOCOL)
    staged.batches += 1
    staged.touched |= previous_counties(connection, table, typed.loc[updated])
    staged.touched |= counties_of_records(connection, table, typed.loc[added + updated])


def _write(connection, table: str, batch: dict, import_id: int) -> None:
    """Write one spooled batch inside the import's write transaction."""
    spec = contract.spec_of(table)
    stored_table = records.stored_table(table)
    if batch["insert"]:
        records.insert_tuples(connection, stored_table.name, [c.name for c in spec.all_columns], batch["insert"])
    if batch["update"]:
        values = [c.name for c in spec.all_columns if c.name not in spec.key]
        statement = stored_table.update().where(
            sa.and_(*[stored_table.c[k] == sa.bindparam(f"k_{k}") for k in spec.key])).values(
            {c: sa.bindparam(f"v_{c}") for c in values})
        connection.execute(statement, batch["update"])
    records.insert_tuples(connection, import_changes.name, ["import_id", "row_key", "previous"],
                          [(import_id, key, previous) for key, previous in batch["changes"]])


def _versions(connection) -> tuple[str | None, str | None]:
    found = dict(connection.execute(sa.select(meta.c.key, meta.c.value).where(
        meta.c.key.in_((RECORDS_VERSION, "data_version")))).all())
    return found.get(RECORDS_VERSION), found.get("data_version")


def _claim(connection, seen: tuple[str | None, str | None]) -> bool:
    """Inside the write transaction: whether the records and regions are as they were when the file was
    read (no import or rollback written since, no hierarchy replaced), marking the records changed by this
    one. The compare-and-set keeps the row locked on PostgreSQL until commit: of two imports read at the same
    version only one passes; on SQLite the transaction holds the write lock already."""
    if _versions(connection)[1] != seen[1]:
        return False
    new = uuid.uuid4().hex
    if seen[0] is None:
        try:
            with connection.begin_nested():
                connection.execute(meta.insert().values(key=RECORDS_VERSION, value=new))
            return True
        except sa.exc.IntegrityError:  # another import wrote the first version meanwhile
            return False
    return connection.execute(meta.update().where(meta.c.key == RECORDS_VERSION, meta.c.value == seen[0])
                              .values(value=new)).rowcount == 1


def _records_changed(connection) -> None:
    """Inside a write transaction that changes records outside an import (a rollback): a new records version."""
    new = uuid.uuid4().hex
    if not connection.execute(meta.update().where(meta.c.key == RECORDS_VERSION).values(value=new)).rowcount:
        connection.execute(meta.insert().values(key=RECORDS_VERSION, value=new))


@dataclass
class _Plan:
    """How a file is read and where it goes: the columns it holds (``spec``), its headers (``names``: normalised
    header → column; None: the contract's), the value maps of a mapping, and the contract tables it is split
    into, in write order (one; or households and members for a person-level file)."""
    table: str  # what the file is: a contract table, or mapping.PERSON_LEVEL
    spec: contract.TableSpec
    parts: tuple[str, ...]
    names: dict | None = None
    mapping: object = None  # a mapping.Mapping, whose value variants are applied to each chunk

    @classmethod
    def of(cls, table: str, mapping=None) -> _Plan:
        if table in column_mapping.PARTS:
            names = mapping.names() if mapping is not None else header_names(column_mapping.spec_for(table))
            return cls(table, column_mapping.spec_for(table), column_mapping.PARTS[table], names, mapping)
        return cls(table, contract.spec_of(table), (table,), mapping.names() if mapping is not None else None, mapping)


def _part_frame(plan: _Plan, part: str, chunk: pd.DataFrame) -> pd.DataFrame:
    """A chunk's columns of one of the plan's tables (with the file row and the numeric-cell marks)."""
    if len(plan.parts) == 1:
        return chunk
    columns = [c.name for c in contract.spec_of(part).all_columns if c.name in chunk] + [
        c for c in (ROW, NUMERIC) if c in chunk]
    return chunk[columns]


def _first_of_each_household(typed: pd.DataFrame, seen: dict, problems: list[Problem]) -> pd.DataFrame:
    """A person-level file's household rows, one per household (its first row in the file). A household's
    repeated fields must agree: each that differs from the household's first row is a problem (row, column)."""
    spec = contract.TABLES["households"]
    columns = [c.name for c in spec.columns if c.name != "household_id"]
    first = []
    for index, row in zip(typed.index, typed.to_dict("records")):
        household = row["household_id"]
        if household is None:
            first.append(index)  # reported as empty already; kept so that its other problems show
            continue
        if household not in seen:
            seen[household] = (int(row[ROW]), {c: row[c] for c in columns})
            first.append(index)
            continue
        at, values = seen[household]
        for column in columns:
            if row[column] is not None and values[column] is not None and row[column] != values[column]:
                problems.append(Problem(int(row[ROW]), column, _text(row[column]),
                                        f"同一户各行的“{spec.column(column).zh}”不一致（与第 {at} 行不同）",
                                        f"the household's rows disagree on {column} (differs from row {at})"))
    return typed.loc[first]


_UNKNOWN_HOUSEHOLD = "unknown household (import households first)"


def _stage(storage: Storage, access: Access, plan: _Plan, path: Path, spools: list, progress) -> list[_Staged]:
    """Read and check the whole file and compare it with the stored rows, reading only (no lock held): what
    each of the plan's tables would change, with every problem (on the first)."""
    seen_keys: dict[str, set[tuple]] = {part: set() for part in plan.parts}
    households: dict = {}  # a person-level file: each household's first row and values
    rows_read = 0
    with storage.engine.connect() as connection:
        version = _versions(connection)  # read first: a write after it changes it
        stageds = [_Staged(version, spool) for spool in spools]
        problems = stageds[0].problems
        try:
            for chunk in read_chunks(path, plan.spec, names=plan.names):
                if plan.table == "regions" and chunk.get("flag_source") is None:  # the file is the flags' source
                    chunk = chunk.assign(flag_source=f"import:{path.name}")
                if plan.mapping is not None:
                    chunk = column_mapping.apply_values(plan.table, chunk, plan.mapping)
                found, checked = [], []
                for part in plan.parts:
                    spec = contract.spec_of(part)
                    typed, part_found = parse(part, _part_frame(plan, part, chunk))
                    if len(plan.parts) > 1 and part == "households":
                        typed = _first_of_each_household(typed, households, part_found)
                    part_found += check(part, typed)
                    duplicated = []
                    for row, key in zip(typed[ROW], typed[list(spec.key)].itertuples(index=False, name=None)):
                        if key in seen_keys[part]:
                            duplicated.append(Problem(int(row), "+".join(spec.key), " / ".join(map(str, key)),
                                                      "关键字段重复（同一记录出现多次）", "duplicate key (the same record twice)"))
                        seen_keys[part].add(key)
                    part_found += duplicated
                    references = check_references(connection, part, typed)
                    if len(plan.parts) > 1 and part != plan.parts[0]:  # its households come in the same file
                        references = [p for p in references if not (p.column == "household_id" and p.en == _UNKNOWN_HOUSEHOLD)]
                    part_found += references
                    part_found += check_scope(connection, part, typed, access.scope)
                    found += part_found
                    checked.append(typed)
                rows_read += len(checked[-1]) if len(plan.parts) == 1 else len(chunk)
                if progress:
                    progress(rows_read)
                if found:
                    if len(plan.parts) > 1:
                        found.sort(key=lambda p: p.row)
                    problems.extend(found)
                    stageds[0].bad_rows.update(p.row for p in found)
                    if len(problems) >= MAX_PROBLEMS:
                        break
                elif not problems:
                    for part, typed, staged in zip(plan.parts, checked, stageds):
                        _stage_rows(connection, part, typed, staged)
                connection.rollback()  # each chunk's reads end there (PostgreSQL: no transaction left open)
        except FileProblem as error:
            problems.append(Problem(error.row, error.column, error.value, error.zh, error.en))
    if not problems and not seen_keys[plan.parts[0]]:
        problems.append(Problem(0, "file", path.name, "文件中没有数据行", "the file has no data rows"))
    return stageds


def _apply(storage: Storage, plan: _Plan, path: Path, digest: str, user: str,
           stageds: list[_Staged]) -> ImportResult | None:
    """Write what was staged for every table of the plan in one short transaction (an import log row per table;
    several share a group); None if the records changed since they were read."""
    results = []
    with writing(storage.engine) as connection:
        if not _claim(connection, stageds[0].version):
            return None
        group = None
        for part, staged in zip(plan.parts, stageds):
            added, updated, unchanged = staged.counts
            import_id = connection.execute(import_log.insert().values(
                table_name=part, file_name=path.name, file_sha256=digest, imported_by=user,
                imported_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), rows_added=added,
                rows_updated=updated, rows_unchanged=unchanged, rows_rejected=0,
                status="accepted", **({} if len(plan.parts) == 1 else {"group_id": group})
            )).inserted_primary_key[0]
            if len(plan.parts) > 1 and group is None:
                group = import_id
                connection.execute(import_log.update().where(import_log.c.id == import_id).values(group_id=group))
            staged.spool.seek(0)
            for _ in range(staged.batches):
                _write(connection, part, pickle.load(staged.spool), import_id)
            results.append(ImportResult(import_id, part, added, updated, unchanged, counties=sorted(staged.touched)))
        touched = set().union(*(staged.touched for staged in stageds))
        mark_pending(connection, touched)  # the figures follow even if the rebuild after this fails
    if len(results) == 1:
        return results[0]
    return ImportResult(results[0].import_id, plan.table, *(sum(getattr(r, n) for r in results)
                                                           for n in ("added", "updated", "unchanged")),
                        counties=sorted(touched), parts=results)


def import_file(storage: Storage, access: Access, table: str, path: str | Path, progress=None) -> ImportResult:
    """Import ``path`` into ``table`` for ``access`` (its user is recorded in the import log); raises
    :class:`ImportRejected` (database unchanged) on any problem.

    ``progress(rows_read)``, if given, is called after each chunk (from 0 again if the file must be read
    again because another import changed the records meanwhile). Rows outside the caller's scope are problems.
    Use :func:`data.ingest.workflow.import_and_rebuild`, which also audits and rebuilds the figures.
    """
    check_access(access).require("import")
    if table not in contract.INTERCHANGE:
        raise ValueError(f"unknown table {table!r}; one of {', '.join(contract.INTERCHANGE)}")
    return _import(storage, access, _Plan.of(table), Path(path), progress)


def import_mapped(storage: Storage, access: Access, table: str, path: str | Path, mapping=None,
                  progress=None) -> ImportResult:
    """Import a file read through a confirmed column mapping (data/ingest/mapping.py: its headers and value
    variants), all or nothing like :func:`import_file`. ``table`` may be ``households+members``
    (mapping.PERSON_LEVEL): one row per person, split into households and members and written in one
    transaction (an import log row each, one group; the result sums both and lists them in ``parts``);
    without a mapping such a file has the contract's headers."""
    check_access(access).require("import")
    if table not in column_mapping.mappable():
        raise ValueError(f"unknown table {table!r}; one of {', '.join(column_mapping.mappable())}")
    if mapping is None and table not in column_mapping.PARTS:
        return import_file(storage, access, table, path, progress)
    result = _import(storage, access, _Plan.of(table, mapping), Path(path), progress)
    result.mapping_id = getattr(mapping, "id", None)
    return result


def _import(storage: Storage, access: Access, plan: _Plan, path: Path, progress) -> ImportResult:
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
    user = access.user or f"cli:{getpass.getuser()}"
    for _ in range(STAGE_ATTEMPTS):
        with contextlib.ExitStack() as stack:  # protected rows only: nothing whole in the spools
            spools = [stack.enter_context(tempfile.TemporaryFile(prefix="import-")) for _ in plan.parts]
            stageds = _stage(storage, access, plan, path, spools, progress)
            problems = stageds[0].problems
            if problems:
                rejected_id = _log_rejection(storage, plan.table, path, digest, user, problems, len(stageds[0].bad_rows))
                raise ImportRejected(problems[:MAX_PROBLEMS], rejected_id)
            result = _apply(storage, plan, path, digest, user, stageds)
            if result is not None:
                return result
    problems = [Problem(0, "file", path.name, f"导入期间其他导入或回滚不断修改数据（已重读 {STAGE_ATTEMPTS} 次），请稍后重新导入",
                        f"other imports or rollbacks kept changing the records while this file was checked "
                        f"(read {STAGE_ATTEMPTS} times); import it again later")]
    raise ImportRejected(problems, _log_rejection(storage, plan.table, path, digest, user, problems, 0))


def previous_counties(connection, table: str, typed: pd.DataFrame) -> set[str]:
    """Counties of the stored versions of rows a file changes (a project may move to another county)."""
    if table != "projects" or typed.empty:
        return set()
    stored = records.lookup(connection, data_tables["projects"], "project_id", typed["project_id"], extra=("county_code",))
    return {row[1] for row in stored.values()}


def _log_rejection(storage, table, path, digest, user, problems, rejected_rows) -> int:
    with storage.engine.begin() as connection:
        return connection.execute(import_log.insert().values(
            table_name=table, file_name=path.name, file_sha256=digest, imported_by=user,
            imported_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), rows_added=0, rows_updated=0,
            rows_unchanged=0, rows_rejected=rejected_rows, status="rejected",
            problems=json.dumps([p.as_dict() for p in problems[:200]], ensure_ascii=False))).inserted_primary_key[0]


def rollback(storage: Storage, access: Access, import_id: int) -> dict:
    """Undo an accepted import: delete the rows it added, restore the rows it changed (administrators). The
    imports of one file written together (a group: households and members of a person-level file) are
    undone together, in one transaction."""
    check_access(access).require("admin")
    with writing(storage.engine) as connection:
        log = connection.execute(sa.select(import_log).where(import_log.c.id == import_id)).mappings().first()
        if log is None:
            raise LookupError(f"没有这次导入 / no import {import_id}")
        group = [log] if log["group_id"] is None else connection.execute(sa.select(import_log).where(
            import_log.c.group_id == log["group_id"]).order_by(import_log.c.id)).mappings().all()
        ids = [entry["id"] for entry in group]
        for entry in group:
            if entry["status"] != "accepted":
                raise ValueError(f"导入 {entry['id']} 的状态为 {entry['status']}，不能回滚 / import {entry['id']} is "
                                 f"{entry['status']}")
            later = connection.execute(sa.select(sa.func.count()).select_from(import_log).where(
                import_log.c.table_name == entry["table_name"], import_log.c.id > entry["id"],
                import_log.c.id.not_in(ids), import_log.c.status == "accepted")).scalar_one()
            if later:
                raise ValueError(f"请先回滚同一张表之后的 {later} 次导入 / roll back the {later} later imports of this table first")
        reverted = 0
        for entry in reversed(group):  # members before their households
            reverted += _revert(connection, entry)
        connection.execute(import_log.update().where(import_log.c.id.in_(ids)).values(status="rolled_back"))
        _records_changed(connection)  # an import read before this must read again
        return {"import_id": import_id, "table": "+".join(entry["table_name"] for entry in group),
                "rows_reverted": reverted}


def _revert(connection, log) -> int:
    """Inside the rollback's transaction: undo one import log entry's changes; how many rows."""
    spec = contract.spec_of(log["table_name"])
    stored = records.stored_table(spec.name)
    changes = connection.execute(sa.select(import_changes).where(import_changes.c.import_id == log["id"])).all()
    for change in changes:
        key = dict(zip(spec.key, json.loads(change.row_key)))
        typed_key = {k: _typed(spec.column(k), v) for k, v in key.items()}
        where = sa.and_(*[stored.c[k] == v for k, v in typed_key.items()])
        if change.previous is None:
            connection.execute(stored.delete().where(where))
        else:
            previous = json.loads(change.previous)
            connection.execute(stored.update().where(where).values(
                {c.name: _typed(c, previous[c.name]) for c in spec.all_columns if c.name not in spec.key}))
    return len(changes)


def _typed(column: contract.Column, value):
    """A normalised string back to the stored type."""
    if value is None:
        return None
    if column.kind in ("int", "money", "year"):
        return int(value)
    if column.kind == "bool":
        return value in (True, "True", "true")
    if column.kind == "date":
        return dt.date.fromisoformat(value)
    return value


def recent_imports(storage: Storage, access: Access, limit: int = 20) -> list[dict]:
    """The latest entries of the import log (newest first; the caller's own unless an administrator),
    without problem lists."""
    user = None if check_access(access).role.can_admin else access.user
    columns = [c for c in import_log.c if c.name != "problems"]
    query = sa.select(*columns).order_by(import_log.c.id.desc()).limit(limit)
    if user is not None:
        query = query.where(import_log.c.imported_by == user)
    with storage.engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [dict(r) for r in rows]


def save_upload(folder: Path, file_name: str, content: bytes) -> Path:
    """Keep an uploaded file under the instance folder (named by its hash) while it is imported; the caller
    deletes it afterwards (it may hold whole ID numbers)."""
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^\w.\-]", "_", Path(file_name).name)[-80:] or "upload"
    path = folder / f"{hashlib.sha256(content).hexdigest()[:16]}-{safe}"
    path.write_bytes(content)
    return path


def count_lines(path: Path) -> int | None:
    """Data rows of a CSV, for a progress bar (None for a workbook)."""
    if path.suffix.lower() not in (".csv", ".txt"):
        return None
    with open(path, "rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)
