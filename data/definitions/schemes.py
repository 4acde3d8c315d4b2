"""Indicator schemes for the assessment (考核评估): versioned, declarative documents, validated here.

A scheme is a JSON document (shipped ones in ``data/definitions/schemes/*.json``; saved versions in storage,
data/store/assessment.py): an id, a version, titles, **dimensions** (维度) with weights, each holding
**indicators** (指标) — a metric of the catalog (data/definitions/metrics.py), its direction, weight,
normalisation and optional target, and for a monthly metric how its months make a year — and the **grade
rule** (好/较好/一般/差) that turns scores into grades within each class of counties.

* ``direction``: ``higher_better`` or ``lower_better``; default from the catalog (``higher_worse`` →
  ``lower_better``). A metric with no direction in the catalog must state one.
* ``normalisation``: ``minmax`` (0–100 between the lowest and highest value of the peer class that year),
  ``target`` (attainment of the target, capped at 100 %), ``percentile`` (share of the class beaten);
  the formulas are in data/compute/assessment.py. ``target`` needs a target: the indicator's or the
  catalog's.
* ``weight``: positive; dimension weights and the indicator weights inside a dimension are each
  renormalised to sum to one, so an indicator's effective weight is its dimension's share × its share.
* ``grade_rule``: ``class_percentile`` (the cut-offs apply to the county's percentile within its class,
  100·(n − rank)/(n − 1)) or ``score`` (to the composite score); ``cuts`` list every grade with its lower
  bound, best first, the last at 0.

Validation refuses an unknown metric, a weight ≤ 0, an unknown normalisation or direction, a target
normalisation without a target, a duplicated code or a grade rule that does not cover 0–100, with every
problem named by its place in the document, in Chinese and English.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from data.definitions import metrics

SCHEMES_DIR = Path(__file__).parent / "schemes"
SHIPPED = ("default", "outcome")
GRADES = ("good", "fairly_good", "average", "poor")
GRADE_ZH = {"good": "好", "fairly_good": "较好", "average": "一般", "poor": "差"}
GRADE_EN = {"good": "Good", "fairly_good": "Fairly good", "average": "Average", "poor": "Poor"}
DIRECTIONS = ("higher_better", "lower_better")
NORMALISATIONS = ("minmax", "target", "percentile")
CATALOG_DIRECTION = {"higher_better": "higher_better", "higher_worse": "lower_better"}


class SchemeInvalid(ValueError):
    """A scheme document that does not validate: ``problems`` [{loc, zh, en}], the message lists them."""

    def __init__(self, problems: list[dict]):
        self.problems = problems
        super().__init__("; ".join(f"{p['loc']}: {p['zh']} / {p['en']}" for p in problems))


class SchemeNotFound(LookupError):
    def __init__(self, scheme_id: str, version: int | None = None):
        what = scheme_id if version is None else f"{scheme_id} v{version}"
        super().__init__(f"没有这个指标体系 / no such scheme: {what}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Indicator(_Model):
    code: str = Field(min_length=1, max_length=64)
    metric: str
    direction: Literal["higher_better", "lower_better"] | None = None
    weight: float = Field(gt=0)
    normalisation: Literal["minmax", "target", "percentile"]
    target: float | None = None
    period: Literal["last", "mean"] = "last"
    description_zh: str = ""
    description_en: str = ""

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, code: str) -> str:
        if code not in metrics.CATALOG:
            raise ValueError(f"unknown metric {code!r} (not in the catalog, see /api/v1/metrics)")
        return code

    @model_validator(mode="after")
    def _defaults(self):
        metric = metrics.CATALOG[self.metric]
        if self.direction is None:
            direction = CATALOG_DIRECTION.get(metric.direction or "")
            if direction is None:
                raise ValueError(f"metric {self.metric!r} has no direction in the catalog: state higher_better "
                                 "or lower_better")
            object.__setattr__(self, "direction", direction)
        if self.target is None and metric.target is not None:
            object.__setattr__(self, "target", float(metric.target))
        if self.normalisation == "target" and self.target is None:
            raise ValueError(f"normalisation 'target' needs a target (metric {self.metric!r} has none in the catalog)")
        if self.normalisation == "target" and self.target is not None and self.target < 0:
            raise ValueError("a target must not be negative")
        return self


class Dimension(_Model):
    code: str = Field(min_length=1, max_length=64)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    weight: float = Field(gt=0)
    indicators: list[Indicator] = Field(min_length=1)


class Cut(_Model):
    grade: Literal["good", "fairly_good", "average", "poor"]
    min: float = Field(ge=0, le=100)


class GradeRule(_Model):
    kind: Literal["class_percentile", "score"]
    cuts: list[Cut]
    statement_zh: str = ""
    statement_en: str = ""

    @model_validator(mode="after")
    def _covers(self):
        if [c.grade for c in self.cuts] != list(GRADES):
            raise ValueError(f"cuts must list the grades {', '.join(GRADES)} in that order")
        bounds = [c.min for c in self.cuts]
        if any(a <= b for a, b in zip(bounds, bounds[1:])) or bounds[-1] != 0:
            raise ValueError("cut-offs must fall strictly from the best grade to the last, which starts at 0")
        return self

    def grade(self, value: float) -> str:
        """The grade of a percentile or score ``value``."""
        return next(c.grade for c in self.cuts if value >= c.min)


class Scheme(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    version: int = Field(ge=1)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    description_zh: str = ""
    description_en: str = ""
    dimensions: list[Dimension] = Field(min_length=1)
    grade_rule: GradeRule

    @model_validator(mode="after")
    def _unique(self):
        dims = [d.code for d in self.dimensions]
        codes = [i.code for d in self.dimensions for i in d.indicators]
        for kind, found in (("dimension", dims), ("indicator", codes)):
            twice = sorted({c for c in found if found.count(c) > 1})
            if twice:
                raise ValueError(f"{kind} codes must be unique: {', '.join(twice)}")
        return self

    def indicators(self) -> list[Indicator]:
        return [i for d in self.dimensions for i in d.indicators]

    def dimension_of(self) -> dict[str, str]:
        """indicator code → its dimension's code."""
        return {i.code: d.code for d in self.dimensions for i in d.indicators}

    def metrics(self) -> list[str]:
        return list(dict.fromkeys(i.metric for i in self.indicators()))

    def weights(self, dimensions: dict[str, float] | None = None,
                indicators: dict[str, float] | None = None) -> dict[str, float]:
        """indicator code → effective weight (dimension share × share inside the dimension; sums to 1), with
        the weights given overriding the scheme's (a what-if: nothing is saved; a dimension whose indicators
        are all set to 0 drops out and the rest is renormalised). SchemeInvalid for negative or all-zero
        weights."""
        dimensions, indicators = dimensions or {}, indicators or {}
        dim_w = {d.code: float(dimensions.get(d.code, d.weight)) for d in self.dimensions}
        ind_w = {i.code: float(indicators.get(i.code, i.weight)) for i in self.indicators()}
        bad = [k for k, v in {**dim_w, **ind_w}.items() if not v >= 0]
        if bad or sum(dim_w.values()) <= 0:
            raise SchemeInvalid([{"loc": "weights", "zh": "权重须为非负数且不能全为零",
                                  "en": f"weights must be non-negative and not all zero ({', '.join(bad)})"}])
        total = sum(dim_w.values())
        out = {}
        for d in self.dimensions:
            inside = sum(ind_w[i.code] for i in d.indicators)
            for i in d.indicators:
                out[i.code] = (dim_w[d.code] / total) * (ind_w[i.code] / inside) if inside > 0 else 0.0
        whole = sum(out.values())  # a dimension whose indicators all weigh 0 leaves its share to the others
        if whole <= 0:
            raise SchemeInvalid([{"loc": "weights", "zh": "权重不能全为零", "en": "weights must not all be zero"}])
        return {code: w / whole for code, w in out.items()}

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")


_ZH = {"missing": "缺少必填项", "extra_forbidden": "不允许的字段", "greater_than": "须大于 0",
       "literal_error": "不是允许的取值", "string_too_short": "不能为空", "too_short": "至少需要一项",
       "string_pattern_mismatch": "格式不符（小写字母开头，字母数字下划线）", "value_error": "取值无效",
       "greater_than_equal": "取值过小", "less_than_equal": "取值过大", "float_parsing": "应为数字",
       "int_parsing": "应为整数", "float_type": "应为数字", "int_type": "应为整数"}


def validate(document: dict) -> Scheme:
    """The scheme ``document`` describes; :class:`SchemeInvalid` listing every problem otherwise."""
    try:
        return Scheme.model_validate(document)
    except ValidationError as error:
        problems = []
        for found in error.errors():
            loc = ".".join(str(p) for p in found["loc"]) or "scheme"
            message = found["msg"].removeprefix("Value error, ")
            zh = _ZH.get(found["type"], "取值无效")
            if "unknown metric" in message:
                zh = "指标不在指标目录中"
            elif "needs a target" in message:
                zh = "按目标值达成度标准化需要目标值"
            elif "unique" in message:
                zh = "编码重复"
            elif "cut" in message:
                zh = "评级规则须按 好/较好/一般/差 顺序列出且分界递减、最后一档从 0 开始"
            elif "no direction" in message:
                zh = "该指标在目录中没有方向，须写明 higher_better 或 lower_better"
            problems.append({"loc": loc, "zh": zh, "en": message})
        raise SchemeInvalid(problems) from None


def shipped() -> list[Scheme]:
    """The shipped schemes (version 1 of each), validated."""
    return [get_shipped(scheme_id) for scheme_id in SHIPPED]


def get_shipped(scheme_id: str) -> Scheme:
    if scheme_id not in SHIPPED:
        raise SchemeNotFound(scheme_id)
    return validate(json.loads((SCHEMES_DIR / f"{scheme_id}.json").read_text(encoding="utf-8")))
