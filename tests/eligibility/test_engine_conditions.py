"""Every condition of 附件 1 (DOMAIN.md §3, 规程 2023): one profile that meets it, one that does not.

Li Na applies for 人工智能训练师 (4-04-05-05) on 2026-03-15; the catalog lists 计算机程序设计员 (4-04-05-01)
as a related occupation and 人工智能 as a related major.
"""

from datetime import date, timedelta

import pytest

from skilleval.eligibility.engine import (
    Certificate,
    Education,
    EducationLevel,
    OccupationFacts,
    Profile,
    Program,
    SchoolKind,
    Title,
    TitleGrade,
    WorkPeriod,
    evaluate,
)

d = date.fromisoformat
REF = d("2026-03-15")
AI_TRAINER = OccupationFacts(
    code="4-04-05-05",
    min_education=EducationLevel.JUNIOR_MIDDLE,
    related_occupations=frozenset({"4-04-05-01"}),
    related_majors=frozenset({"人工智能"}),
    offered_levels=frozenset({4, 3}),
)


def li_na(**fields) -> Profile:
    return Profile(birth_date=d("1990-05-01"), **fields)


def job(start: str, end: str | None = None, *, occupation: str = "4-04-05-05") -> WorkPeriod:
    return WorkPeriod(occupation=occupation, start=d(start), end=None if end is None else d(end))


def cert(level: int, issued_on: str) -> Certificate:
    return Certificate(occupation="4-04-05-05", level=level, issued_on=d(issued_on))


def title(grade: TitleGrade, obtained_on: str) -> Title:
    return Title(grade=grade, matches=True, obtained_on=d(obtained_on))


def school(
    kind: SchoolKind, *, program=None, graduated_on=None, graduating=False, evaluated=None, major="人工智能"
):
    return Education(
        school_kind=kind,
        program=program,
        major=major,
        evaluated=evaluated,
        graduated_on=None if graduated_on is None else d(graduated_on),
        graduating=graduating,
    )


def outcome(profile: Profile, level: int, condition_id: str):
    verdict = evaluate(profile, AI_TRAINER, level, REF)
    return next(result for result in verdict.conditions if result.id == condition_id)


JUNIOR, INTERMEDIATE, SENIOR = TitleGrade.JUNIOR, TitleGrade.INTERMEDIATE, TitleGrade.SENIOR
GRADUATE = school(SchoolKind.UNIVERSITY, graduated_on="2012-06-30")
TECHNICIAN_STUDENT = school(SchoolKind.TECHNICIAN_COLLEGE, program=Program.TECHNICIAN, major=None)

CASES = [
    # L5-1 拟从事本职业或相关职业工作
    ("L5-1", li_na(intends_to_work=True), True),
    ("L5-1", li_na(intends_to_work=False), False),
    # L5-2 从事本职业或相关职业工作: a related job that covers the reference date
    ("L5-2", li_na(work=(job("2025-09-01"),)), True),
    ("L5-2", li_na(work=(job("2025-09-01", "2026-03-15"),)), True),
    ("L5-2", li_na(work=(job("2024-09-01", "2026-03-14"),)), False),
    ("L5-2", li_na(work=(job("2025-09-01", occupation="2-02-10-03"),)), False),
    # L4-1 累计工作满 5 年
    ("L4-1", li_na(work=(job("2019-01-01", "2023-12-31"),)), True),
    ("L4-1", li_na(work=(job("2022-01-01"),)), False),
    # L4-2 五级证书后工作满 3 年
    ("L4-2", li_na(work=(job("2019-01-01"),), certificates=(cert(5, "2022-01-01"),)), True),
    ("L4-2", li_na(work=(job("2019-01-01"),), certificates=(cert(5, "2024-01-01"),)), False),
    ("L4-2", li_na(work=(job("2015-01-01"),)), False),
    # L4-3 技工院校、中等及以上职业院校、专科及以上普通高等学校本专业或相关专业毕业（含应届）
    ("L4-3", li_na(education=(GRADUATE,)), True),
    ("L4-3", li_na(education=(school(SchoolKind.SECONDARY_VOCATIONAL, graduating=True),)), True),
    ("L4-3", li_na(education=(school(SchoolKind.TECHNICAL, graduated_on="2010-07-01"),)), True),
    ("L4-3", li_na(education=(school(SchoolKind.GENERAL_HIGH, graduated_on="2008-07-01"),)), False),
    ("L4-3", li_na(education=(school(SchoolKind.UNIVERSITY),)), False),
    (
        "L4-3",
        li_na(education=(school(SchoolKind.UNIVERSITY, graduated_on="2012-06-30", major="会计学"),)),
        False,
    ),
    # L3-1 累计工作满 10 年
    ("L3-1", li_na(work=(job("2012-07-01", "2018-06-30"), job("2018-07-01"))), True),
    ("L3-1", li_na(work=(job("2018-07-01"),)), False),
    # L3-2 四级证书后工作满 4 年
    ("L3-2", li_na(work=(job("2015-07-01"),), certificates=(cert(4, "2021-05-20"),)), True),
    ("L3-2", li_na(work=(job("2015-07-01"),), certificates=(cert(4, "2023-05-20"),)), False),
    # L3-3 初级职称后工作满 1 年
    ("L3-3", li_na(work=(job("2015-07-01"),), titles=(title(JUNIOR, "2019-12-01"),)), True),
    ("L3-3", li_na(work=(job("2015-07-01"),), titles=(title(JUNIOR, "2025-06-01"),)), False),
    # L3-4 技工院校高级工班及以上毕业（含应届）
    (
        "L3-4",
        li_na(education=(school(SchoolKind.TECHNICAL, program=Program.SENIOR_WORKER, graduating=True),)),
        True,
    ),
    (
        "L3-4",
        li_na(
            education=(
                school(SchoolKind.TECHNICIAN_COLLEGE, program=Program.TECHNICIAN, graduated_on="2015-07-01"),
            )
        ),
        True,
    ),
    ("L3-4", li_na(education=(school(SchoolKind.TECHNICAL, graduated_on="2010-07-01"),)), False),
    # L3-5 四级证书 + 高职或专科及以上毕业（含应届）
    (
        "L3-5",
        li_na(
            education=(school(SchoolKind.HIGHER_VOCATIONAL, graduating=True),),
            certificates=(cert(4, "2025-01-01"),),
        ),
        True,
    ),
    ("L3-5", li_na(education=(school(SchoolKind.HIGHER_VOCATIONAL, graduating=True),)), False),
    (
        "L3-5",
        li_na(
            education=(school(SchoolKind.SECONDARY_VOCATIONAL, graduating=True),),
            certificates=(cert(4, "2025-01-01"),),
        ),
        False,
    ),
    # L3-6 经评估论证的高职或专科及以上毕业（含应届）
    ("L3-6", li_na(education=(school(SchoolKind.UNIVERSITY, graduating=True, evaluated=True),)), True),
    ("L3-6", li_na(education=(school(SchoolKind.UNIVERSITY, graduating=True),)), False),
    # L2-1 三级证书后工作满 5 年
    ("L2-1", li_na(work=(job("2015-07-01"),), certificates=(cert(3, "2020-01-01"),)), True),
    ("L2-1", li_na(work=(job("2015-07-01"),), certificates=(cert(3, "2022-01-01"),)), False),
    # L2-2 初级职称后满 5 年，且三级证书后满 1 年
    (
        "L2-2",
        li_na(
            work=(job("2015-07-01"),),
            titles=(title(JUNIOR, "2018-01-01"),),
            certificates=(cert(3, "2024-06-01"),),
        ),
        True,
    ),
    (
        "L2-2",
        li_na(
            work=(job("2015-07-01"),),
            titles=(title(JUNIOR, "2018-01-01"),),
            certificates=(cert(3, "2025-09-01"),),
        ),
        False,
    ),
    ("L2-2", li_na(work=(job("2015-07-01"),), titles=(title(JUNIOR, "2018-01-01"),)), False),
    # L2-3 中级职称后满 1 年
    ("L2-3", li_na(work=(job("2015-07-01"),), titles=(title(INTERMEDIATE, "2024-01-01"),)), True),
    ("L2-3", li_na(work=(job("2015-07-01"),), titles=(title(JUNIOR, "2018-01-01"),)), False),
    # L2-4 三级证书的高级技工学校、技师学院毕业生，工作满 2 年
    (
        "L2-4",
        li_na(
            work=(job("2018-07-01"),),
            certificates=(cert(3, "2018-06-01"),),
            education=(school(SchoolKind.TECHNICIAN_COLLEGE, graduated_on="2018-06-30", major="机械"),),
        ),
        True,
    ),
    (
        "L2-4",
        li_na(
            work=(job("2018-07-01"),),
            certificates=(cert(3, "2018-06-01"),),
            education=(school(SchoolKind.TECHNICIAN_COLLEGE, graduating=True),),
        ),
        False,
    ),
    (
        "L2-4",
        li_na(
            work=(job("2025-07-01"),),
            certificates=(cert(3, "2018-06-01"),),
            education=(school(SchoolKind.SENIOR_TECHNICAL, graduated_on="2018-06-30"),),
        ),
        False,
    ),
    # L2-5 取得三级证书满 2 年的技师学院预备技师班、技师班学生
    ("L2-5", li_na(education=(TECHNICIAN_STUDENT,), certificates=(cert(3, "2024-03-01"),)), True),
    ("L2-5", li_na(education=(TECHNICIAN_STUDENT,), certificates=(cert(3, "2025-03-01"),)), False),
    (
        "L2-5",
        li_na(
            education=(
                school(SchoolKind.TECHNICIAN_COLLEGE, program=Program.TECHNICIAN, graduated_on="2025-07-01"),
            ),
            certificates=(cert(3, "2022-03-01"),),
        ),
        False,
    ),
    # L1-1 二级证书后工作满 5 年
    ("L1-1", li_na(work=(job("2015-07-01"),), certificates=(cert(2, "2020-01-01"),)), True),
    ("L1-1", li_na(work=(job("2015-07-01"),), certificates=(cert(3, "2016-01-01"),)), False),
    # L1-2 中级职称后满 5 年，且二级证书后满 1 年
    (
        "L1-2",
        li_na(
            work=(job("2012-07-01"),),
            titles=(title(INTERMEDIATE, "2019-01-01"),),
            certificates=(cert(2, "2024-01-01"),),
        ),
        True,
    ),
    (
        "L1-2",
        li_na(
            work=(job("2012-07-01"),),
            titles=(title(INTERMEDIATE, "2022-01-01"),),
            certificates=(cert(2, "2024-01-01"),),
        ),
        False,
    ),
    # L1-3 高级职称后满 1 年
    ("L1-3", li_na(work=(job("2012-07-01"),), titles=(title(SENIOR, "2024-01-01"),)), True),
    ("L1-3", li_na(work=(job("2012-07-01"),), titles=(title(INTERMEDIATE, "2014-01-01"),)), False),
]


@pytest.mark.parametrize(
    ("condition_id", "profile", "met"),
    CASES,
    ids=[f"{case[0]}-{'holds' if case[2] else 'fails'}-{i}" for i, case in enumerate(CASES)],
)
def test_each_condition_holds_or_fails_as_the_rule_says(condition_id, profile, met):
    level = int(condition_id[1])
    result = outcome(profile, level, condition_id)

    assert result.met is met
    for lang in ("zh-hans", "en"):
        assert result.reason.render(lang).startswith(condition_id)


def test_every_condition_of_the_edition_has_a_case_that_holds_and_one_that_fails():
    from skilleval.eligibility.engine import EDITION_2023

    ids = {spec.id for level in (5, 4, 3, 2, 1) for spec in EDITION_2023.conditions(level)}
    assert {(case[0], case[2]) for case in CASES} == {(i, met) for i in ids for met in (True, False)}
    assert len(ids) == 19


def test_the_level_lists_its_conditions_in_the_order_of_the_rules():
    verdict = evaluate(li_na(), AI_TRAINER, 3, REF)

    assert [result.id for result in verdict.conditions] == ["L3-1", "L3-2", "L3-3", "L3-4", "L3-5", "L3-6"]


def test_a_failing_reason_names_what_is_missing():
    result = outcome(li_na(work=(job("2015-07-01"),)), 3, "L3-2")

    assert result.reason.render("zh-hans") == "L3-2 不满足：没有本职业或相关职业四级/中级工或更高等级的证书。"
    assert result.reason.render("en") == (
        "L3-2 is not met: no certificate in this or a related occupation "
        "at level 4 (intermediate worker) or higher."
    )


def test_l2_5_counts_the_years_the_certificate_has_been_held_and_says_when_two_are_up():
    issued = d("2025-03-01")
    result = outcome(li_na(education=(TECHNICIAN_STUDENT,), certificates=(cert(3, "2025-03-01"),)), 2, "L2-5")

    # held counts both ends: 730 days are reached on the 730th day of holding it
    assert result.met_from == issued + timedelta(days=729)
    assert "仅 1 年 15 天，需满 2 年" in result.reason.render("zh-hans")


def test_l2_4_needs_a_graduate_not_a_final_year_student():
    profile = li_na(
        work=(job("2018-07-01"),),
        certificates=(cert(3, "2018-06-01"),),
        education=(school(SchoolKind.TECHNICIAN_COLLEGE, graduating=True),),
    )

    reason = outcome(profile, 2, "L2-4").reason.render("zh-hans")

    assert "技师学院尚未毕业，本条件要求已毕业" in reason


def test_l3_6_says_the_school_is_not_confirmed_as_evaluated():
    reason = outcome(li_na(education=(school(SchoolKind.UNIVERSITY, graduating=True),)), 3, "L3-6").reason

    assert (
        reason.render("en")
        == "L3-6 is not met: the university or college is not confirmed as evaluated (经评估论证)."
    )


def test_an_unrelated_major_is_named_in_the_reason():
    profile = li_na(education=(school(SchoolKind.UNIVERSITY, graduated_on="2012-06-30", major="会计学"),))

    reason = outcome(profile, 4, "L4-3").reason.render("zh-hans")

    assert reason == "L4-3 不满足：普通高等学校所学专业（会计学）不是本专业或相关专业。"
