"""Who is asking, and what they may see and do: :class:`Access`, the one required argument of every
data-layer function that reads or writes regional or household data.

An Access answers two questions separately: which regions the caller may see as household **records**
(:attr:`Access.records`) and which as aggregate **figures** (:attr:`Access.figures`, which may be wider:
an East–West office compares its paired regions with their parents). The web layer builds one per request
from the signed-in user or token (data/store/accounts.py); the command line and the app's own bookkeeping
use :func:`system_access`, by name. There is no default anywhere: a call without an Access fails.

Which household rows a caller may see is one rule, :meth:`Access.shown`: every household for a ``full``
role, none for ``none``, and for ``sample`` (an evaluator) only the households of the fixed sample
(:func:`sampled`): a property of each household, keyed with the server's secret, the same whatever
region, filter, page, route or download is asked, so that walking a region piece by piece gains nothing.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from data.definitions import personal, policy
from data.definitions.codes import LEVELS, NATION, SIGNIFICANT_DIGITS


class OutOfScope(PermissionError):
    """A region that exists but lies outside the caller's scope (answered with 403 and audited)."""

    def __init__(self, code: str):
        super().__init__(f"无权查看该区划 / region {code} is outside your scope")
        self.code = code


class OtherPair(OutOfScope):
    """A collaboration pair (an eastern partner, a central unit) the caller is not part of: answered with 403
    and audited as any region outside the scope (dashboard/auth.py), under the partner's code."""

    def __init__(self, code: str, what: str = "pair"):
        PermissionError.__init__(self, f"无权查看其他结对的台账 / the {what} {code} is not one of your pairs "
                                       f"(outside your scope)")
        self.code = code


class NotAllowed(PermissionError):
    """An action the caller's role does not allow (answered with 403 and audited)."""

    def __init__(self, action: str):
        super().__init__(f"您的角色无权执行此操作 / your role may not {action}")
        self.action = action
        self.code = None


@dataclass(frozen=True)
class Role:
    code: str
    zh: str
    en: str
    levels: tuple[str, ...] | None  # the levels its regions must have; None: the whole country, no regions
    households: str  # household lists: full (masked), sample (the fixed sample: :func:`sampled`) or none
    can_import: bool = False
    can_admin: bool = False


ROLES = {role.code: role for role in (
    Role("admin", "系统管理员", "Administrator", None, "full", can_import=True, can_admin=True),
    Role("province", "省级领导", "Province leader", ("province",), "full"),
    Role("city", "市级领导", "Prefecture leader", ("city",), "full"),
    Role("county", "县级领导", "County leader", ("county",), "full"),
    Role("township", "乡镇领导", "Township leader", ("township",), "full"),
    Role("collaboration", "东西部协作办公室", "East–West collaboration office", ("province", "city", "county"), "none"),
    Role("central_unit", "定点帮扶单位", "Central unit (targeted assistance)", ("county",), "none"),
    Role("evaluator", "评估人员", "Evaluator", None, "sample"),
    Role("data_clerk", "数据录入员", "Data clerk", ("province", "city", "county", "township"), "full", can_import=True),
)}


@dataclass(frozen=True)
class Scope:
    """A set of regions: ``roots`` None is everything, else 12-digit codes (each with everything below it).
    ``context`` names regions whose own figures may be read for comparison, but not their units, lists or
    records; ``above`` holds the ancestors of the roots, under which the in-scope units may be listed.

    Records (household rows) are read only under the roots (:meth:`allows`, :meth:`allows_prefix`). Figures
    (the cube's aggregates) also of the regions the roots are compared with (:meth:`compares`): the nation,
    every ancestor, and the peers the one peer rule (data/read/peers.py) sets a root or its counties against —
    a province the provinces; a prefecture the prefectures and counties of its province; a county the
    counties of its province; a township the townships of its county; a village the villages of its
    township. Units below a county of another county (its townships, villages) never."""

    roots: frozenset[str] | None = None
    context: frozenset[str] = frozenset()
    above: frozenset[str] = frozenset()
    prefixes: frozenset[str] = frozenset()  # the significant code prefixes of the roots
    comparing: bool = True  # whether figures of the compared regions are read (False: records only)

    def allows_prefix(self, prefix: str | None) -> bool:
        """Whether the records under a code prefix (None: the whole country) lie in the scope."""
        if self.roots is None:
            return True
        return prefix is not None and any(prefix.startswith(root) for root in self.prefixes)

    def allows_code(self, code: str) -> bool:
        """Whether a region's figures may be read, by its 12-digit code (a comparison region, or one under a root)."""
        return code in self.context or self.allows_prefix(code) or self.compares(code)

    @property
    def everything(self) -> bool:
        return self.roots is None

    def allows(self, ancestors: dict[str, str | None]) -> bool:
        """Whether a region (given by its ancestor on every layer, itself included) lies in the scope."""
        return self.roots is None or any(code in self.roots for code in ancestors.values() if code)

    def allows_figures(self, code: str, ancestors: dict[str, str | None]) -> bool:
        return code in self.context or self.allows(ancestors) or self.compares(code)

    def compares(self, code: str) -> bool:
        """Whether ``code`` is a region the roots are compared with (see the class): its figures, not its
        records nor its units, may be read."""
        if self.roots is None:
            return True
        if not self.comparing:
            return False
        if code == NATION or code in self.above:
            return True
        level = level_of(code)
        return any(level == compared and code.startswith(shared)
                   for root in self.prefixes for shared, compared in COMPARED[len(root)](root))

    def allows_median(self, codes: Iterable[str]) -> bool:
        """Whether the median over a group of regions may be read: each of them, or a group of at least
        ``policy.MEDIAN_GROUP_MIN`` prefectures or counties (the national median of a tier), whose median
        names no region."""
        codes = list(codes)
        if all(self.allows_code(code) for code in codes):
            return True
        return (self.comparing and len(codes) >= policy.MEDIAN_GROUP_MIN
                and all(level_of(code) in ("city", "county") for code in codes))


COMPARED = {  # the length of a root's significant prefix → (shared code prefix, level) of the regions compared
    2: lambda root: [("", "province")],
    4: lambda root: [(root[:2], "city"), (root[:2], "county")],
    6: lambda root: [(root[:2], "county")],
    9: lambda root: [(root[:6], "township")],
    12: lambda root: [(root[:9], "village")],
}


def level_of(code: str) -> str:
    """The level of a 12-digit statistical code, read from its digits (nation, province … village)."""
    digits = len(code.rstrip("0"))
    if digits == 0:
        return "nation"
    return next(level for level in LEVELS if digits <= SIGNIFICANT_DIGITS[level])


@dataclass(frozen=True)
class Access:
    """Who is asking (user, role), what they may see (:attr:`records`, :attr:`figures`) and from where
    (``via`` web, api or cli, ``address``): the audit log records what the services did for whom."""

    user: str | None
    role: Role
    scope: Scope = field(repr=False)
    regions: tuple[str, ...] = ()  # the user's own regions (the roots of the scope)
    via: str = "web"
    address: str | None = None

    def __post_init__(self):
        if not isinstance(self.role, Role) or not isinstance(self.scope, Scope):
            raise TypeError("Access needs a Role and a Scope")

    @property
    def records(self) -> Scope:
        """The regions whose household records the caller may see: under the roots only."""
        return replace(self.scope, context=frozenset(), comparing=False)

    @property
    def figures(self) -> Scope:
        """The regions whose aggregate figures (the cube) the caller may see: the records' regions, their
        ancestors up to the nation, the regions the peer rule compares them with (:meth:`Scope.compares`)
        and, for an East–West office, its partners' parents (the scope's ``context``)."""
        return self.scope

    @property
    def everything(self) -> bool:
        return self.scope.everything

    @property
    def may_read_nation(self) -> bool:
        """Whether the national figures may be read (the whole country, or as a comparison)."""
        return self.figures.allows_code(NATION)

    @property
    def households(self) -> str:
        return self.role.households

    @property
    def household_mode(self) -> str:
        """What the caller's household lists show: full, sample (the fixed sample) or hidden."""
        return {"full": "full", "sample": "sample", "none": "hidden"}[self.role.households]

    def shown(self, household_ids: Iterable[str]) -> list[bool]:
        """Whether each household's rows may be shown to the caller: the one rule of every list, page,
        download and API answer (all, the fixed sample's, or none)."""
        household_ids = list(household_ids)
        if self.role.households == "sample":
            return sampled(household_ids)
        return [self.role.households == "full"] * len(household_ids)

    def require(self, right: str) -> None:
        """Raise :class:`NotAllowed` unless the role has ``right`` (import or admin)."""
        allowed = {"import": self.role.can_import, "admin": self.role.can_admin}[right]
        if not allowed:
            raise NotAllowed(right)

    def sent_from(self, via: str, address: str | None) -> "Access":
        return replace(self, via=via, address=address)


def check(access) -> Access:
    """``access`` itself, or TypeError: the data layer never reads without knowing for whom."""
    if not isinstance(access, Access):
        raise TypeError(f"an Access is required, not {type(access).__name__}")
    return access


def system_access(purpose: str) -> Access:
    """The whole country, for the command line and the app's own bookkeeping (tier membership, account
    set-up, builds); ``purpose`` is recorded as ``via``. Never for a request of a signed-in caller."""
    return Access(None, ROLES["admin"], Scope(), via=purpose)


SAMPLE_PURPOSE = b"evaluator sample"  # separates the sample's key from the ID-number hash's


def sampled(household_ids: Iterable[str]) -> list[bool]:
    """Whether each household is in the evaluators' fixed sample: the HMAC-SHA256 of the sample seed and
    the household's id, under a key derived from the server's ``ID_HASH_KEY``, read as a fraction of one,
    is below ``policy.SAMPLE_RATE``. A fixed property of the household: nothing asked changes it, and
    without the server's key nobody can compute it."""
    key = hmac.digest(personal.hash_key(), SAMPLE_PURPOSE, "sha256")
    cut = int(policy.SAMPLE_RATE * 2 ** 64)
    prefix = f"{policy.SAMPLE_SEED}:"
    return [int.from_bytes(hmac.digest(key, (prefix + str(h)).encode(), "sha256")[:8], "big") < cut
            for h in household_ids]


def in_sample(household_id: str) -> bool:
    """Whether one household is in the evaluators' fixed sample (see :func:`sampled`)."""
    return sampled([household_id])[0]
