"""The editions of 申请参加职业技能评价的条件. Ids follow the numbering of 附件 1 (DOMAIN.md §3)."""

from types import MappingProxyType

from .profile import Program, SchoolKind, TitleGrade
from .spec import (
    Attendance,
    ConditionSpec,
    Edition,
    HoldsCertificate,
    HoldsTitle,
    IntendsToWork,
    Schooling,
    Work,
    WorksNow,
)

_TECHNICAL_SCHOOLS = (SchoolKind.TECHNICAL, SchoolKind.SENIOR_TECHNICAL, SchoolKind.TECHNICIAN_COLLEGE)
# 高等职业学校、专科及以上普通高等学校
_COLLEGES = (SchoolKind.HIGHER_VOCATIONAL, SchoolKind.UNIVERSITY)
_ANY_GRADUATE = Attendance.GRADUATED_OR_GRADUATING

EDITION_2023 = Edition(
    name="规程 2023",
    levels=MappingProxyType(
        {
            5: (
                ConditionSpec("L5-1", (IntendsToWork(),)),
                ConditionSpec("L5-2", (WorksNow(),)),
            ),
            4: (
                ConditionSpec("L4-1", (Work(5),)),
                ConditionSpec("L4-2", (Work(3, after=HoldsCertificate(5)),)),
                # 技工院校或中等及以上职业院校、专科及以上普通高等学校
                ConditionSpec(
                    "L4-3",
                    (
                        Schooling(
                            (*_TECHNICAL_SCHOOLS, SchoolKind.SECONDARY_VOCATIONAL, *_COLLEGES), _ANY_GRADUATE
                        ),
                    ),
                ),
            ),
            3: (
                ConditionSpec("L3-1", (Work(10),)),
                ConditionSpec("L3-2", (Work(4, after=HoldsCertificate(4)),)),
                ConditionSpec("L3-3", (Work(1, after=HoldsTitle(TitleGrade.JUNIOR)),)),
                ConditionSpec(
                    "L3-4",
                    (Schooling(_TECHNICAL_SCHOOLS, _ANY_GRADUATE, programs=tuple(Program)),),
                ),
                ConditionSpec("L3-5", (HoldsCertificate(4), Schooling(_COLLEGES, _ANY_GRADUATE))),
                ConditionSpec("L3-6", (Schooling(_COLLEGES, _ANY_GRADUATE, evaluated=True),)),
            ),
            2: (
                ConditionSpec("L2-1", (Work(5, after=HoldsCertificate(3)),)),
                ConditionSpec(
                    "L2-2",
                    (Work(5, after=HoldsTitle(TitleGrade.JUNIOR)), Work(1, after=HoldsCertificate(3))),
                ),
                ConditionSpec("L2-3", (Work(1, after=HoldsTitle(TitleGrade.INTERMEDIATE)),)),
                # 取得三级证书的高级技工学校、技师学院毕业生: graduates only, any major
                ConditionSpec(
                    "L2-4",
                    (
                        HoldsCertificate(3),
                        Schooling(
                            (SchoolKind.SENIOR_TECHNICAL, SchoolKind.TECHNICIAN_COLLEGE),
                            Attendance.GRADUATED,
                            related_major=False,
                        ),
                        Work(2),
                    ),
                ),
                ConditionSpec(
                    "L2-5",
                    (
                        Schooling(
                            (SchoolKind.TECHNICIAN_COLLEGE,),
                            Attendance.ENROLLED,
                            programs=(Program.PREPARATORY_TECHNICIAN, Program.TECHNICIAN),
                            related_major=False,
                        ),
                        HoldsCertificate(3, for_years=2),
                    ),
                ),
            ),
            1: (
                ConditionSpec("L1-1", (Work(5, after=HoldsCertificate(2)),)),
                ConditionSpec(
                    "L1-2",
                    (Work(5, after=HoldsTitle(TitleGrade.INTERMEDIATE)), Work(1, after=HoldsCertificate(2))),
                ),
                ConditionSpec("L1-3", (Work(1, after=HoldsTitle(TitleGrade.SENIOR)),)),
            ),
        }
    ),
)

EDITIONS = {EDITION_2023.name: EDITION_2023}
