"""What the engine is told: the candidate's profile and the catalog's facts about the occupation.

The shapes mirror the JSON contract of DOMAIN.md §3 field for field, so the API layer only parses and
converts. ``related`` / ``matches`` / ``evaluated`` of ``None`` mean "not stated in the request".
"""

from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum


class SchoolKind(StrEnum):
    PRIMARY = "primary"  # 小学
    JUNIOR_MIDDLE = "junior_middle"  # 初中
    GENERAL_HIGH = "general_high"  # 普通高中
    SECONDARY_VOCATIONAL = "secondary_vocational"  # 中等职业学校
    TECHNICAL = "technical"  # 技工学校
    SENIOR_TECHNICAL = "senior_technical"  # 高级技工学校
    TECHNICIAN_COLLEGE = "technician_college"  # 技师学院
    HIGHER_VOCATIONAL = "higher_vocational"  # 高等职业学校（专科层次）
    UNIVERSITY = "university"  # 普通高等学校（专科及以上）


class Program(StrEnum):
    SENIOR_WORKER = "senior_worker"  # 高级工班
    PREPARATORY_TECHNICIAN = "preparatory_technician"  # 预备技师班
    TECHNICIAN = "technician"  # 技师班


class TitleGrade(StrEnum):
    JUNIOR = "junior"  # 初级职称
    INTERMEDIATE = "intermediate"  # 中级职称
    SENIOR = "senior"  # 高级职称


TITLE_RANK = {TitleGrade.JUNIOR: 1, TitleGrade.INTERMEDIATE: 2, TitleGrade.SENIOR: 3}


class EducationLevel(IntEnum):
    """The ranking behind the ``EDU`` gate (普通受教育程度).

    Schools of one stage share a rank: a technical school or a secondary vocational school is a senior-high
    stage school like a general senior high school; senior technical schools, technician colleges and higher
    vocational colleges are the post-secondary stage below a university.
    """

    NONE = 0
    PRIMARY = 1
    JUNIOR_MIDDLE = 2
    SENIOR_HIGH = 3
    POST_SECONDARY = 4
    UNIVERSITY = 5


# The rank a finished programme gives.
COMPLETED_LEVEL = {
    SchoolKind.PRIMARY: EducationLevel.PRIMARY,
    SchoolKind.JUNIOR_MIDDLE: EducationLevel.JUNIOR_MIDDLE,
    SchoolKind.GENERAL_HIGH: EducationLevel.SENIOR_HIGH,
    SchoolKind.SECONDARY_VOCATIONAL: EducationLevel.SENIOR_HIGH,
    SchoolKind.TECHNICAL: EducationLevel.SENIOR_HIGH,
    SchoolKind.SENIOR_TECHNICAL: EducationLevel.POST_SECONDARY,
    SchoolKind.TECHNICIAN_COLLEGE: EducationLevel.POST_SECONDARY,
    SchoolKind.HIGHER_VOCATIONAL: EducationLevel.POST_SECONDARY,
    SchoolKind.UNIVERSITY: EducationLevel.UNIVERSITY,
}

# The rank a student of a programme already has, because admission required it. Senior technical schools
# and technician colleges also take junior-middle-school leavers (five- and six-year programmes), so being
# their student only proves junior middle school; universities and higher vocational colleges admit from
# senior high school.
ADMISSION_LEVEL = {
    SchoolKind.PRIMARY: EducationLevel.NONE,
    SchoolKind.JUNIOR_MIDDLE: EducationLevel.PRIMARY,
    SchoolKind.GENERAL_HIGH: EducationLevel.JUNIOR_MIDDLE,
    SchoolKind.SECONDARY_VOCATIONAL: EducationLevel.JUNIOR_MIDDLE,
    SchoolKind.TECHNICAL: EducationLevel.JUNIOR_MIDDLE,
    SchoolKind.SENIOR_TECHNICAL: EducationLevel.JUNIOR_MIDDLE,
    SchoolKind.TECHNICIAN_COLLEGE: EducationLevel.JUNIOR_MIDDLE,
    SchoolKind.HIGHER_VOCATIONAL: EducationLevel.SENIOR_HIGH,
    SchoolKind.UNIVERSITY: EducationLevel.SENIOR_HIGH,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Education:
    school_kind: SchoolKind
    program: Program | None = None
    major: str | None = None
    related: bool | None = None
    evaluated: bool | None = None  # 经评估论证; None: not stated, counts as not evaluated
    graduated_on: date | None = None
    graduating: bool = False  # 在读应届毕业生

    def __post_init__(self):
        # Plain strings (a model field, a form) become the enums; an unknown value is a ValueError here.
        object.__setattr__(self, "school_kind", SchoolKind(self.school_kind))
        if self.program is not None:
            object.__setattr__(self, "program", Program(self.program))


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkPeriod:
    occupation: str
    related: bool | None = None
    start: date
    end: date | None = None  # None: still working

    def __post_init__(self):
        if self.end is not None and self.end < self.start:
            raise ValueError("a work period cannot end before it starts")


@dataclass(frozen=True, slots=True, kw_only=True)
class Certificate:
    occupation: str
    related: bool | None = None
    level: int
    issued_on: date

    def __post_init__(self):
        if self.level not in (1, 2, 3, 4, 5):
            raise ValueError("a certificate level is 1 to 5")


@dataclass(frozen=True, slots=True, kw_only=True)
class Title:
    grade: TitleGrade
    matches: bool | None = None  # 符合专业对应关系; None: not confirmed, counts as not matching
    obtained_on: date

    def __post_init__(self):
        object.__setattr__(self, "grade", TitleGrade(self.grade))


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    birth_date: date
    intends_to_work: bool = False
    education: tuple[Education, ...] = ()
    work: tuple[WorkPeriod, ...] = ()
    certificates: tuple[Certificate, ...] = ()
    titles: tuple[Title, ...] = ()
    banned_until: date | None = None  # a ban until D forbids applying on D and before


@dataclass(frozen=True, slots=True, kw_only=True)
class OccupationFacts:
    """What the catalog says about the occupation asked for; the occupation itself counts as related."""

    code: str
    work_type: str | None = None
    min_education: EducationLevel
    related_occupations: frozenset[str] = frozenset()
    related_majors: frozenset[str] = frozenset()
    offered_levels: frozenset[int] = frozenset()

    def __post_init__(self):
        object.__setattr__(self, "min_education", EducationLevel(self.min_education))

    def is_related_occupation(self, code: str) -> bool:
        return code == self.code or code in self.related_occupations
