"""The eligibility engine's contract (DOMAIN.md §3): gates, the example request, the JSON shape, languages."""

import random
import subprocess
import sys
from datetime import date, timedelta

import pytest

from skilleval.eligibility.engine import (
    EDITION_2023,
    LANGUAGES,
    Certificate,
    ConditionSpec,
    Edition,
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
    evaluate_levels,
)
from skilleval.eligibility.engine.spec import HoldsTitle, IntendsToWork, Work

d = date.fromisoformat
REF = d("2026-03-15")
AI_TRAINER = OccupationFacts(
    code="4-04-05-05",
    min_education=EducationLevel.JUNIOR_MIDDLE,
    related_occupations=frozenset({"4-04-05-01"}),
    related_majors=frozenset({"计算机科学与技术"}),
    offered_levels=frozenset({4, 3}),
)
PROGRAMMER = OccupationFacts(
    code="4-04-05-01",
    min_education=EducationLevel.SENIOR_HIGH,
    related_occupations=frozenset({"4-04-05-05"}),
    related_majors=frozenset({"计算机科学与技术"}),
    offered_levels=frozenset({4, 3}),
)

# The request of DOMAIN.md §3, as the API layer will hand it over.
EXAMPLE = Profile(
    birth_date=d("1949-12-31"),
    intends_to_work=False,
    education=(
        Education(
            school_kind=SchoolKind.UNIVERSITY,
            program=None,
            major="计算机科学与技术",
            related=True,
            evaluated=False,
            graduated_on=d("2012-06-30"),
            graduating=False,
        ),
    ),
    work=(WorkPeriod(occupation="4-04-05-05", related=True, start=d("2015-07-01"), end=None),),
    certificates=(Certificate(occupation="4-04-05-05", related=True, level=4, issued_on=d("2021-05-20")),),
    titles=(Title(grade=TitleGrade.JUNIOR, matches=True, obtained_on=d("2019-12-01")),),
    banned_until=None,
)


def gate(verdict, gate_id):
    return next(result for result in verdict.gates if result.id == gate_id)


def candidate(**fields) -> Profile:
    fields.setdefault("birth_date", d("1990-05-01"))
    fields.setdefault("intends_to_work", True)
    fields.setdefault(
        "education", (Education(school_kind=SchoolKind.GENERAL_HIGH, graduated_on=d("2008-07-01")),)
    )
    return Profile(**fields)


# --- the example request --------------------------------------------------------------------------


def test_the_example_request_is_eligible_for_level_3():
    verdict = evaluate(EXAMPLE, AI_TRAINER, 3, REF)

    assert verdict.eligible
    # 2015-07-01 .. 2026-03-15 is 3911 days of work (≥ 3650), 1761 since the level-4 certificate (≥ 1460),
    # 2297 since the junior title (≥ 365); the university diploma is related and the certificate is level 4.
    assert verdict.satisfied == ("L3-1", "L3-2", "L3-3", "L3-5")
    assert [(r.id, r.met) for r in verdict.gates] == [("AGE", True), ("EDU", True), ("BAN", True)]


def test_the_example_answers_in_the_json_shape_of_the_contract():
    answer = evaluate(EXAMPLE, AI_TRAINER, 3, REF).to_dict()

    assert list(answer) == ["eligible", "level", "offered", "edition", "satisfied", "conditions", "gates"]
    assert answer["level"] == 3
    assert answer["offered"] is True
    assert answer["edition"] == "规程 2023"
    assert answer["satisfied"] == ["L3-1", "L3-2", "L3-3", "L3-5"]
    assert [c["id"] for c in answer["conditions"]] == ["L3-1", "L3-2", "L3-3", "L3-4", "L3-5", "L3-6"]
    assert all(set(c) == {"id", "met", "reason", "met_from"} for c in answer["conditions"])
    assert all(set(g) == {"id", "met", "reason"} for g in answer["gates"])
    assert answer["conditions"][1] == {
        "id": "L3-2",
        "met": True,
        "reason": (
            "L3-2 满足：2021-05-20 取得四级/中级工证书后，本职业或相关职业工作累计 4 年 301 天，已满 4 年。"
        ),
        "met_from": None,
    }
    assert answer["conditions"][5]["reason"] == "L3-6 不满足：普通高等学校未确认经过评估论证。"


def test_the_example_in_english():
    answer = evaluate(EXAMPLE, AI_TRAINER, 3, REF, lang="en").to_dict()

    assert answer["conditions"][2]["reason"] == (
        "L3-3 holds: 6 years 107 days of work in this or a related occupation since your junior professional "
        "title of 2019-12-01, at least the 1 year required."
    )
    assert answer["gates"][0]["reason"] == "AGE holds: aged 76, at least 16."


def test_a_level_the_catalog_does_not_offer_is_still_evaluated():
    verdict = evaluate(EXAMPLE, AI_TRAINER, 5, REF)

    assert verdict.offered is False
    assert verdict.eligible  # L5-2: works in the occupation; offering is the catalog's business
    assert verdict.satisfied == ("L5-2",)


@pytest.mark.parametrize("level", [0, 6, -1, True, "3", 3.0, None])
def test_a_level_outside_1_to_5_is_refused(level):
    with pytest.raises(ValueError, match="level"):
        evaluate(EXAMPLE, AI_TRAINER, level, REF)


def test_every_level_at_once_matches_one_at_a_time():
    together = evaluate_levels(EXAMPLE, AI_TRAINER, REF, lang="en")

    assert [v.level for v in together] == [5, 4, 3, 2, 1]
    assert [v.to_dict() for v in together] == [
        evaluate(EXAMPLE, AI_TRAINER, level, REF, lang="en").to_dict() for level in (5, 4, 3, 2, 1)
    ]


def test_an_unknown_language_is_refused_and_case_does_not_matter():
    verdict = evaluate(EXAMPLE, AI_TRAINER, 3, REF, lang="zh-Hans")

    assert verdict.lang == "zh-hans"
    assert verdict.to_dict("EN")["gates"][2]["reason"] == "BAN holds: no ban on taking evaluations."
    with pytest.raises(ValueError):
        evaluate(EXAMPLE, AI_TRAINER, 3, REF, lang="fr")
    with pytest.raises(ValueError):
        verdict.to_dict("de")


def test_a_later_edition_can_stand_beside_the_2023_one():
    edition = Edition(name="规程 2030 草案", levels={3: (ConditionSpec("X3-1", (Work(8),)),)})

    verdict = evaluate(EXAMPLE, AI_TRAINER, 3, REF, edition=edition)

    assert verdict.to_dict()["edition"] == "规程 2030 草案"
    assert verdict.satisfied == ("X3-1",)
    with pytest.raises(ValueError):
        evaluate(EXAMPLE, AI_TRAINER, 4, REF, edition=edition)
    assert evaluate(EXAMPLE, AI_TRAINER, 3, REF).edition == EDITION_2023.name


def test_the_evaluator_reads_any_combination_of_requirements():
    edition = Edition(
        name="test",
        levels={
            2: (
                ConditionSpec("T-1", (HoldsTitle(TitleGrade.JUNIOR), IntendsToWork())),
                ConditionSpec("T-2", (HoldsTitle(TitleGrade.INTERMEDIATE),)),
            )
        },
    )

    verdict = evaluate(EXAMPLE, AI_TRAINER, 2, REF, edition=edition, lang="en")

    assert [(c.id, c.met) for c in verdict.conditions] == [("T-1", False), ("T-2", False)]
    assert verdict.conditions[0].reason.render("en") == (
        "T-1 is not met: you hold a matching junior professional title, obtained 2019-12-01; "
        "you have not said that you intend to work in this or a related occupation."
    )


def test_a_work_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="before it starts"):
        WorkPeriod(occupation="4-04-05-05", start=d("2020-01-02"), end=d("2020-01-01"))


def test_plain_strings_from_a_form_or_a_model_become_the_enums():
    education = Education(school_kind="technician_college", program="technician")
    title = Title(grade="intermediate", matches=True, obtained_on=d("2020-01-01"))

    assert education.school_kind is SchoolKind.TECHNICIAN_COLLEGE
    assert education.program is Program.TECHNICIAN
    assert title.grade is TitleGrade.INTERMEDIATE
    with pytest.raises(ValueError):
        Education(school_kind="kindergarten")


def test_a_certificate_level_is_1_to_5():
    with pytest.raises(ValueError, match="1 to 5"):
        Certificate(occupation="4-04-05-05", level=6, issued_on=d("2020-01-01"))


# --- gates ----------------------------------------------------------------------------------------


def test_age_holds_from_the_sixteenth_birthday():
    teen = candidate(birth_date=d("2010-03-15"))

    verdict = evaluate(teen, AI_TRAINER, 5, REF)

    assert gate(verdict, "AGE").met
    assert verdict.eligible


def test_age_fails_the_day_before_and_says_when_it_will_hold():
    teen = candidate(birth_date=d("2010-03-16"))

    verdict = evaluate(teen, AI_TRAINER, 5, REF)

    assert not gate(verdict, "AGE").met
    assert not verdict.eligible
    assert verdict.satisfied == ("L5-1",)
    assert (
        gate(verdict, "AGE").reason.render("zh-hans")
        == "AGE 不满足：15 周岁，未满 16 周岁，将于 2026-03-16 年满 16 周岁。"
    )
    assert (
        gate(verdict, "AGE").reason.render("en")
        == "AGE is not met: aged 15, under 16; turns 16 on 2026-03-16."
    )


def test_education_meets_the_occupations_minimum():
    verdict = evaluate(candidate(), PROGRAMMER, 5, REF)

    assert gate(verdict, "EDU").met
    assert gate(verdict, "EDU").reason.render("zh-hans") == (
        "EDU 满足：最高学历为高中阶段（普通高中、中等职业学校、技工学校），不低于本职业要求的高中阶段"
        "（普通高中、中等职业学校、技工学校）。"
    )


def test_education_below_the_minimum_fails_the_gate():
    junior = (Education(school_kind=SchoolKind.JUNIOR_MIDDLE, graduated_on=d("2005-07-01")),)

    verdict = evaluate(candidate(education=junior), PROGRAMMER, 5, REF)

    assert not gate(verdict, "EDU").met
    assert not verdict.eligible
    assert evaluate(candidate(education=junior), AI_TRAINER, 5, REF).eligible


def test_no_education_recorded_fails_a_minimum():
    verdict = evaluate(candidate(education=()), AI_TRAINER, 5, REF)

    assert not gate(verdict, "EDU").met
    assert "无（未填写学历）" in gate(verdict, "EDU").reason.render("zh-hans")


def test_a_university_student_has_finished_senior_high_school():
    student = (Education(school_kind=SchoolKind.UNIVERSITY, graduating=True),)

    assert gate(evaluate(candidate(education=student), PROGRAMMER, 5, REF), "EDU").met
    above = OccupationFacts(code="x", min_education=EducationLevel.POST_SECONDARY)
    assert not gate(evaluate(candidate(education=student), above, 5, REF), "EDU").met


def test_a_graduate_counts_at_the_rank_of_the_programme_finished():
    graduate = (Education(school_kind=SchoolKind.UNIVERSITY, graduated_on=d("2012-06-30")),)
    top = OccupationFacts(code="x", min_education=EducationLevel.UNIVERSITY)

    assert gate(evaluate(candidate(education=graduate), top, 5, REF), "EDU").met


def test_a_technician_college_student_may_have_come_from_junior_middle_school():
    student = (Education(school_kind=SchoolKind.TECHNICIAN_COLLEGE, program=Program.TECHNICIAN),)

    assert not gate(evaluate(candidate(education=student), PROGRAMMER, 5, REF), "EDU").met
    assert gate(evaluate(candidate(education=student), AI_TRAINER, 5, REF), "EDU").met


def test_no_ban_lets_the_candidate_apply():
    assert gate(evaluate(candidate(), AI_TRAINER, 5, REF), "BAN").met


def test_a_ban_forbids_applying_up_to_and_including_its_last_day():
    banned = evaluate(candidate(banned_until=REF), AI_TRAINER, 5, REF)

    assert not gate(banned, "BAN").met
    assert not banned.eligible
    assert gate(banned, "BAN").reason.render("zh-hans") == (
        "BAN 不满足：被禁止参加评价至 2026-03-15（含当日），2026-03-16 起方可申报。"
    )


def test_a_ban_that_ended_yesterday_no_longer_counts():
    verdict = evaluate(candidate(banned_until=REF - timedelta(days=1)), AI_TRAINER, 5, REF)

    assert gate(verdict, "BAN").met
    assert verdict.eligible


# --- both languages, on real verdicts --------------------------------------------------------------


def test_random_profiles_always_render_in_both_languages():
    rng = random.Random(3)
    codes = ["4-04-05-05", "4-04-05-01", "2-02-10-03"]

    def maybe():
        return rng.choice((None, True, False))

    def day():
        return d("2000-01-01") + timedelta(days=rng.randrange(10_000))

    for _ in range(300):
        work = []
        for _ in range(rng.randrange(4)):
            start = day()
            work.append(
                WorkPeriod(
                    occupation=rng.choice(codes),
                    related=maybe(),
                    start=start,
                    end=rng.choice((None, start + timedelta(days=rng.randrange(3000)))),
                )
            )
        profile = Profile(
            birth_date=d("1970-01-01") + timedelta(days=rng.randrange(16_000)),
            intends_to_work=rng.random() < 0.5,
            education=tuple(
                Education(
                    school_kind=rng.choice(list(SchoolKind)),
                    program=rng.choice((None, *Program)),
                    major=rng.choice((None, "计算机科学与技术", "会计学")),
                    related=maybe(),
                    evaluated=maybe(),
                    graduated_on=rng.choice((None, day())),
                    graduating=rng.random() < 0.3,
                )
                for _ in range(rng.randrange(3))
            ),
            work=tuple(work),
            certificates=tuple(
                Certificate(
                    occupation=rng.choice(codes), related=maybe(), level=rng.randint(1, 5), issued_on=day()
                )
                for _ in range(rng.randrange(3))
            ),
            titles=tuple(
                Title(grade=rng.choice(list(TitleGrade)), matches=maybe(), obtained_on=day())
                for _ in range(rng.randrange(3))
            ),
            banned_until=rng.choice((None, None, day())),
        )
        for verdict in evaluate_levels(profile, rng.choice((AI_TRAINER, PROGRAMMER)), REF):
            for lang in LANGUAGES:
                answer = verdict.to_dict(lang)
                assert answer["satisfied"] == [c["id"] for c in answer["conditions"] if c["met"]]
                assert answer["eligible"] == (
                    bool(answer["satisfied"]) and all(g["met"] for g in answer["gates"])
                )
                for result in (*answer["conditions"], *answer["gates"]):
                    assert result["reason"].startswith(result["id"])
                    assert "{" not in result["reason"]
                for result in answer["conditions"]:
                    assert result["met_from"] is None or (
                        not result["met"] and result["met_from"] > "2026-03-15"
                    )


# --- layering -------------------------------------------------------------------------------------


def test_the_engine_imports_nothing_from_django():
    code = (
        "import sys, skilleval.eligibility.engine\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not loaded, loaded\n"
    )

    subprocess.run([sys.executable, "-c", code], check=True)
