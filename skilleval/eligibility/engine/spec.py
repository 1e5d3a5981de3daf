"""The vocabulary the conditions of an edition are written in.

A condition is a list of requirements, all of which must hold. Each requirement is plain data; the
evaluator (``evaluator.py``) interprets it. "This or a related occupation / major" is implied everywhere it
appears in 附件 1, so the requirements do not repeat it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from .profile import Program, SchoolKind, TitleGrade


@dataclass(frozen=True, slots=True)
class IntendsToWork:
    """拟从事本职业或相关职业工作."""


@dataclass(frozen=True, slots=True)
class WorksNow:
    """从事本职业或相关职业工作: a related work period covers the reference date."""


@dataclass(frozen=True, slots=True)
class HoldsCertificate:
    """A related certificate of ``level`` or higher (a smaller number), held for ``for_years`` or more."""

    level: int
    for_years: int = 0


@dataclass(frozen=True, slots=True)
class HoldsTitle:
    """A professional title of ``grade`` or higher that matches the specialty."""

    grade: TitleGrade


class Attendance(StrEnum):
    GRADUATED = "graduated"  # diploma obtained by the reference date
    GRADUATED_OR_GRADUATING = "graduated_or_graduating"  # 含在读应届毕业生
    ENROLLED = "enrolled"  # a student on the reference date


@dataclass(frozen=True, slots=True)
class Schooling:
    kinds: tuple[SchoolKind, ...]
    attendance: Attendance
    programs: tuple[Program, ...] = ()  # empty: any programme
    related_major: bool = True
    evaluated: bool = False  # 经评估论证


@dataclass(frozen=True, slots=True)
class Work:
    """Related work of at least ``years``, counting only the days on or after ``after`` was obtained."""

    years: int
    after: HoldsCertificate | HoldsTitle | None = None


Requirement = IntendsToWork | WorksNow | HoldsCertificate | HoldsTitle | Schooling | Work


@dataclass(frozen=True, slots=True)
class ConditionSpec:
    id: str
    requires: tuple[Requirement, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Edition:
    """One edition of the conditions (e.g. 规程 2023). ``levels`` maps a level to its conditions, in order.

    ``days_per_year`` is the policy default of DOMAIN.md §3 ("N years" = 365 × N days); a deployment that
    changes it builds its edition with ``dataclasses.replace``.
    """

    name: str
    levels: Mapping[int, tuple[ConditionSpec, ...]]
    min_age: int = 16
    days_per_year: int = 365

    def conditions(self, level: int) -> tuple[ConditionSpec, ...]:
        try:
            return self.levels[level]
        except KeyError:
            raise ValueError(f"{self.name} has no conditions for level {level!r}") from None
