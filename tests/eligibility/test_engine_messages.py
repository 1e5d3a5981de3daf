"""The reasons' catalog: every message code renders in Simplified Chinese and in English, nothing missing."""

import string
from datetime import date

import pytest

from skilleval.eligibility.engine import LANGUAGES, EducationLevel, Msg, Program, SchoolKind, TitleGrade
from skilleval.eligibility.engine.messages import _WORDS, Lvl, Message, Reason, School, Span

d = date.fromisoformat

SAMPLES = {
    Msg.HOLDS: {"id": "L3-2"},
    Msg.FAILS: {"id": "L3-2"},
    Msg.SEP: {},
    Msg.END: {},
    Msg.MET_FROM: {"date": d("2029-07-01")},
    Msg.AGE_OK: {"age": 30, "min_age": 16},
    Msg.AGE_UNDER: {"age": 15, "min_age": 16, "date": d("2026-05-01")},
    Msg.EDU_OK: {"have": EducationLevel.UNIVERSITY, "need": EducationLevel.JUNIOR_MIDDLE},
    Msg.EDU_SHORT: {"have": EducationLevel.NONE, "need": EducationLevel.SENIOR_HIGH},
    Msg.BAN_NONE: {},
    Msg.BAN_ENDED: {"date": d("2025-01-01")},
    Msg.BAN_ACTIVE: {"date": d("2027-01-01"), "next": d("2027-01-02")},
    Msg.INTENDS_YES: {},
    Msg.INTENDS_NO: {},
    Msg.WORKS_YES: {"date": d("2015-07-01")},
    Msg.WORKS_ENDED: {"date": d("2025-12-31")},
    Msg.WORKS_NO: {},
    Msg.CERT_OK: {"level": Lvl(4), "date": d("2021-05-20")},
    Msg.CERT_HELD_OK: {
        "level": Lvl(3),
        "date": d("2021-05-20"),
        "have": Span(800, 365),
        "need": Span(730, 365),
    },
    Msg.CERT_HELD_SHORT: {
        "level": Lvl(3),
        "date": d("2025-05-20"),
        "have": Span(1, 365),
        "need": Span(730, 365),
    },
    Msg.CERT_MISSING: {"need": Lvl(5)},
    Msg.CERT_UNRELATED: {"need": Lvl(1)},
    Msg.TITLE_OK: {"grade": TitleGrade.SENIOR, "date": d("2020-01-01")},
    Msg.TITLE_MISSING: {"need": TitleGrade.JUNIOR},
    Msg.TITLE_UNMATCHED: {"need": TitleGrade.INTERMEDIATE},
    Msg.TITLE_UNCONFIRMED: {"need": TitleGrade.SENIOR},
    Msg.WORK_TOTAL_OK: {"have": Span(3911, 365), "need": Span(3650, 365)},
    Msg.WORK_TOTAL_SHORT: {"have": Span(0, 365), "need": Span(1825, 365)},
    Msg.WORK_AFTER_CERT_OK: {
        "level": Lvl(2),
        "date": d("2020-01-01"),
        "have": Span(365, 365),
        "need": Span(365, 365),
    },
    Msg.WORK_AFTER_CERT_SHORT: {
        "level": Lvl(5),
        "date": d("2020-01-01"),
        "have": Span(2, 365),
        "need": Span(1095, 365),
    },
    Msg.WORK_AFTER_TITLE_OK: {
        "grade": TitleGrade.JUNIOR,
        "date": d("2020-01-01"),
        "have": Span(366, 365),
        "need": Span(365, 365),
    },
    Msg.WORK_AFTER_TITLE_SHORT: {
        "grade": TitleGrade.INTERMEDIATE,
        "date": d("2020-01-01"),
        "have": Span(364, 365),
        "need": Span(1825, 365),
    },
    Msg.SCHOOL_MISSING: {"kinds": tuple(SchoolKind)},
    Msg.SCHOOL_PROGRAM_MISSING: {"kinds": (SchoolKind.TECHNICAL,), "programs": tuple(Program)},
    Msg.SCHOOL_GRADUATED: {
        "school": School(SchoolKind.TECHNICAL, Program.SENIOR_WORKER),
        "date": d("2012-06-30"),
    },
    Msg.SCHOOL_GRADUATING: {"school": School(SchoolKind.HIGHER_VOCATIONAL, None)},
    Msg.SCHOOL_ENROLLED: {"school": School(SchoolKind.TECHNICIAN_COLLEGE, Program.PREPARATORY_TECHNICIAN)},
    Msg.SCHOOL_NOT_GRADUATING: {"school": School(SchoolKind.UNIVERSITY, None)},
    Msg.SCHOOL_NOT_GRADUATED: {"school": School(SchoolKind.SENIOR_TECHNICAL, None)},
    Msg.SCHOOL_NOT_STUDENT: {
        "school": School(SchoolKind.TECHNICIAN_COLLEGE, Program.TECHNICIAN),
        "date": d("2025-07-01"),
    },
    Msg.SCHOOL_UNRELATED: {"school": School(SchoolKind.UNIVERSITY, None), "major": None},
    Msg.SCHOOL_NOT_EVALUATED: {"school": School(SchoolKind.UNIVERSITY, None)},
}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_a_template_in_every_language_with_the_same_placeholders():
    assert set(SAMPLES) == set(Msg)
    for lang in LANGUAGES:
        templates = _WORDS[lang].templates
        assert set(templates) == set(Msg), lang
        for code in Msg:
            assert placeholders(templates[code]) == set(SAMPLES[code]), (lang, code)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", list(Msg))
def test_every_message_renders(code, lang):
    text = Message(code, SAMPLES[code]).render(lang)

    assert "{" not in text
    assert "}" not in text
    if code not in (Msg.SEP, Msg.END):
        assert text.strip()


def test_every_label_exists_in_every_language():
    for lang in LANGUAGES:
        words = _WORDS[lang]
        for member in (*SchoolKind, *Program, *TitleGrade, *EducationLevel):
            assert words.labels[member], (lang, member)
        for kind in SchoolKind:
            for program in Program:
                assert words.labels[(kind, program)]
        assert set(words.levels) == {1, 2, 3, 4, 5}


def test_durations_read_as_years_and_days():
    def render(days, lang):
        return Message(Msg.WORK_TOTAL_SHORT, {"have": Span(days, 365), "need": Span(3650, 365)}).render(lang)

    assert render(2283, "zh-hans") == "本职业或相关职业工作累计 6 年 93 天，需满 10 年"
    assert render(1, "en") == "1 day of work in this or a related occupation in total; 10 years needed"
    assert render(365, "en").startswith("1 year of work")
    assert render(731, "en").startswith("2 years 1 day of work")


def test_a_reason_without_met_from_has_no_promise():
    reason = Reason("L4-1", False, (Message(Msg.WORKS_NO, {}),))

    assert reason.render("zh-hans") == "L4-1 不满足：没有从事本职业或相关职业工作的记录。"
