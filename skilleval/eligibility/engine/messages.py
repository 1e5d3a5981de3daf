"""Reasons as data (a message code and its parameters) and the templates that turn them into words.

The engine cannot use Django's gettext, so the catalog lives here, complete for every language in
``LANGUAGES``. Parameters stay typed (dates, ``Span``, ``Lvl``, enums) until rendering, so each language
formats them its own way; nothing is rendered unless someone asks for the text.
"""

from dataclasses import dataclass
from datetime import date
from enum import Enum, StrEnum
from typing import NamedTuple

from .profile import EducationLevel, Program, SchoolKind, TitleGrade

LANGUAGES = ("zh-hans", "en")
DEFAULT_LANGUAGE = "zh-hans"


class Msg(StrEnum):
    # the frame of every reason
    HOLDS = "holds"
    FAILS = "fails"
    SEP = "sep"
    END = "end"
    MET_FROM = "met_from"
    # gates
    AGE_OK = "age_ok"
    AGE_UNDER = "age_under"
    EDU_OK = "edu_ok"
    EDU_SHORT = "edu_short"
    BAN_NONE = "ban_none"
    BAN_ENDED = "ban_ended"
    BAN_ACTIVE = "ban_active"
    # requirements
    INTENDS_YES = "intends_yes"
    INTENDS_NO = "intends_no"
    WORKS_YES = "works_yes"
    WORKS_ENDED = "works_ended"
    WORKS_NO = "works_no"
    CERT_OK = "cert_ok"
    CERT_HELD_OK = "cert_held_ok"
    CERT_HELD_SHORT = "cert_held_short"
    CERT_MISSING = "cert_missing"
    CERT_UNRELATED = "cert_unrelated"
    TITLE_OK = "title_ok"
    TITLE_MISSING = "title_missing"
    TITLE_UNMATCHED = "title_unmatched"
    TITLE_UNCONFIRMED = "title_unconfirmed"
    WORK_TOTAL_OK = "work_total_ok"
    WORK_TOTAL_SHORT = "work_total_short"
    WORK_AFTER_CERT_OK = "work_after_cert_ok"
    WORK_AFTER_CERT_SHORT = "work_after_cert_short"
    WORK_AFTER_TITLE_OK = "work_after_title_ok"
    WORK_AFTER_TITLE_SHORT = "work_after_title_short"
    SCHOOL_MISSING = "school_missing"
    SCHOOL_PROGRAM_MISSING = "school_program_missing"
    SCHOOL_GRADUATED = "school_graduated"
    SCHOOL_GRADUATING = "school_graduating"
    SCHOOL_ENROLLED = "school_enrolled"
    SCHOOL_NOT_GRADUATING = "school_not_graduating"
    SCHOOL_NOT_GRADUATED = "school_not_graduated"
    SCHOOL_NOT_STUDENT = "school_not_student"
    SCHOOL_UNRELATED = "school_unrelated"
    SCHOOL_NOT_EVALUATED = "school_not_evaluated"


class Span(NamedTuple):
    """A number of days, shown as years of ``per_year`` days and the days left over."""

    days: int
    per_year: int


class Lvl(int):
    """A certificate or evaluation level, shown by its name (四级/中级工)."""

    __slots__ = ()


class School(NamedTuple):
    kind: SchoolKind
    program: Program | None


@dataclass(frozen=True, slots=True)
class Message:
    code: Msg
    params: dict

    def render(self, lang: str) -> str:
        return self._text(_WORDS[check_language(lang)])

    def _text(self, words: "_Words") -> str:
        if not self.params:
            return words.templates[self.code]
        return words.templates[self.code].format(
            **{name: _FORMATTERS[type(value)](value, words) for name, value in self.params.items()}
        )


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a condition or gate (``subject``) holds or not: the parts, and from when it will hold."""

    subject: str
    met: bool
    parts: tuple[Message, ...]
    met_from: date | None = None

    def render(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return render_reason(self.subject, self.met, self.parts, self.met_from, check_language(lang))


def render_reason(
    subject: str, met: bool, parts: tuple[Message, ...], met_from: date | None, lang: str
) -> str:
    """The words of a reason; ``lang`` must already be one of ``LANGUAGES`` (see ``check_language``)."""
    words = _WORDS[lang]
    templates = words.templates
    text = templates[Msg.HOLDS if met else Msg.FAILS].format(id=subject)
    text += templates[Msg.SEP].join([part._text(words) for part in parts]) + templates[Msg.END]
    if met_from is not None:
        text += templates[Msg.MET_FROM].format(date=met_from.isoformat())
    return text


def check_language(lang: str) -> str:
    """The catalog's name for ``lang`` (case-insensitive); ``ValueError`` for a language it does not have."""
    normalized = lang.lower()
    if normalized not in _WORDS:
        raise ValueError(f"no reasons in {lang!r}; available: {', '.join(LANGUAGES)}")
    return normalized


class _Words(NamedTuple):
    templates: dict[Msg, str]
    labels: dict[object, str]  # enum members, and (school kind, programme) pairs
    levels: dict[int, str]
    list_sep: str
    list_last: str
    not_given: str
    span: object  # (years, days) -> str


def _format_span(value: Span, words: _Words) -> str:
    years, days = divmod(value.days, value.per_year)
    return words.span(years, days)


def _format_school(value: School, words: _Words) -> str:
    return words.labels[value.kind if value.program is None else (value.kind, value.program)]


def _format_list(value: tuple, words: _Words) -> str:
    items = [_FORMATTERS[type(item)](item, words) for item in value]
    if len(items) < 2:
        return "".join(items)
    return words.list_sep.join(items[:-1]) + words.list_last + items[-1]


def _format_label(value: Enum, words: _Words) -> str:
    return words.labels[value]


# Parameters are formatted by their exact type; a type missing here is a bug the catalog test catches.
_FORMATTERS = {
    type(None): lambda value, words: words.not_given,
    str: lambda value, words: value,
    int: lambda value, words: str(value),
    date: lambda value, words: value.isoformat(),
    Lvl: lambda value, words: words.levels[value],
    Span: _format_span,
    School: _format_school,
    tuple: _format_list,
    **dict.fromkeys((SchoolKind, Program, TitleGrade, EducationLevel), _format_label),
}


def _zh_span(years: int, days: int) -> str:
    if years and days:
        return f"{years} 年 {days} 天"
    return f"{years} 年" if years else f"{days} 天"


def _en_span(years: int, days: int) -> str:
    year_words = f"{years} year{'s' * (years != 1)}"
    day_words = f"{days} day{'s' * (days != 1)}"
    if years and days:
        return f"{year_words} {day_words}"
    return year_words if years else day_words


_ZH_KINDS = {
    SchoolKind.PRIMARY: "小学",
    SchoolKind.JUNIOR_MIDDLE: "初中",
    SchoolKind.GENERAL_HIGH: "普通高中",
    SchoolKind.SECONDARY_VOCATIONAL: "中等职业学校",
    SchoolKind.TECHNICAL: "技工学校",
    SchoolKind.SENIOR_TECHNICAL: "高级技工学校",
    SchoolKind.TECHNICIAN_COLLEGE: "技师学院",
    SchoolKind.HIGHER_VOCATIONAL: "高等职业学校",
    SchoolKind.UNIVERSITY: "普通高等学校",
}
_EN_KINDS = {
    SchoolKind.PRIMARY: "primary school",
    SchoolKind.JUNIOR_MIDDLE: "junior middle school",
    SchoolKind.GENERAL_HIGH: "general senior high school",
    SchoolKind.SECONDARY_VOCATIONAL: "secondary vocational school",
    SchoolKind.TECHNICAL: "technical school",
    SchoolKind.SENIOR_TECHNICAL: "senior technical school",
    SchoolKind.TECHNICIAN_COLLEGE: "technician college",
    SchoolKind.HIGHER_VOCATIONAL: "higher vocational college",
    SchoolKind.UNIVERSITY: "university or college",
}
_ZH_PROGRAMS = {
    Program.SENIOR_WORKER: "高级工班",
    Program.PREPARATORY_TECHNICIAN: "预备技师班",
    Program.TECHNICIAN: "技师班",
}
_EN_PROGRAMS = {
    Program.SENIOR_WORKER: "senior-worker class",
    Program.PREPARATORY_TECHNICIAN: "preparatory-technician class",
    Program.TECHNICIAN: "technician class",
}

_ZH = _Words(
    templates={
        Msg.HOLDS: "{id} 满足：",
        Msg.FAILS: "{id} 不满足：",
        Msg.SEP: "；",
        Msg.END: "。",
        Msg.MET_FROM: "按目前情况，将于 {date} 起满足。",
        Msg.AGE_OK: "{age} 周岁，已年满 {min_age} 周岁",
        Msg.AGE_UNDER: "{age} 周岁，未满 {min_age} 周岁，将于 {date} 年满 {min_age} 周岁",
        Msg.EDU_OK: "最高学历为{have}，不低于本职业要求的{need}",
        Msg.EDU_SHORT: "最高学历为{have}，低于本职业要求的{need}",
        Msg.BAN_NONE: "没有被禁止参加评价",
        Msg.BAN_ENDED: "禁止参加评价的期限已于 {date} 届满",
        Msg.BAN_ACTIVE: "被禁止参加评价至 {date}（含当日），{next} 起方可申报",
        Msg.INTENDS_YES: "拟从事本职业或相关职业工作",
        Msg.INTENDS_NO: "未表明拟从事本职业或相关职业工作",
        Msg.WORKS_YES: "自 {date} 起从事本职业或相关职业工作，至今在职",
        Msg.WORKS_ENDED: "本职业或相关职业工作已于 {date} 结束，目前不在职",
        Msg.WORKS_NO: "没有从事本职业或相关职业工作的记录",
        Msg.CERT_OK: "持有本职业或相关职业{level}证书（{date} 取得）",
        Msg.CERT_HELD_OK: "持有本职业或相关职业{level}证书（{date} 取得）已 {have}，已满 {need}",
        Msg.CERT_HELD_SHORT: "持有本职业或相关职业{level}证书（{date} 取得）仅 {have}，需满 {need}",
        Msg.CERT_MISSING: "没有本职业或相关职业{need}或更高等级的证书",
        Msg.CERT_UNRELATED: "持有的{need}或更高等级证书不属于本职业或相关职业",
        Msg.TITLE_OK: "持有符合专业对应关系的{grade}职称（{date} 取得）",
        Msg.TITLE_MISSING: "没有{need}或更高的职称",
        Msg.TITLE_UNMATCHED: "持有的{need}或更高职称不符合专业对应关系",
        Msg.TITLE_UNCONFIRMED: "持有的{need}或更高职称尚未确认符合专业对应关系，需经审核确认",
        Msg.WORK_TOTAL_OK: "本职业或相关职业工作累计 {have}，已满 {need}",
        Msg.WORK_TOTAL_SHORT: "本职业或相关职业工作累计 {have}，需满 {need}",
        Msg.WORK_AFTER_CERT_OK: "{date} 取得{level}证书后，本职业或相关职业工作累计 {have}，已满 {need}",
        Msg.WORK_AFTER_CERT_SHORT: "{date} 取得{level}证书后，本职业或相关职业工作累计 {have}，需满 {need}",
        Msg.WORK_AFTER_TITLE_OK: "{date} 取得{grade}职称后，本职业或相关职业工作累计 {have}，已满 {need}",
        Msg.WORK_AFTER_TITLE_SHORT: "{date} 取得{grade}职称后，本职业或相关职业工作累计 {have}，需满 {need}",
        Msg.SCHOOL_MISSING: "没有{kinds}的学历",
        Msg.SCHOOL_PROGRAM_MISSING: "没有{kinds}的{programs}学历",
        Msg.SCHOOL_GRADUATED: "{school}毕业（{date}）",
        Msg.SCHOOL_GRADUATING: "{school}在读应届毕业生",
        Msg.SCHOOL_ENROLLED: "{school}在读学生",
        Msg.SCHOOL_NOT_GRADUATING: "{school}尚未毕业，也不是应届毕业生",
        Msg.SCHOOL_NOT_GRADUATED: "{school}尚未毕业，本条件要求已毕业",
        Msg.SCHOOL_NOT_STUDENT: "已于 {date} 从{school}毕业，本条件要求在读学生",
        Msg.SCHOOL_UNRELATED: "{school}所学专业（{major}）不是本专业或相关专业",
        Msg.SCHOOL_NOT_EVALUATED: "{school}未确认经过评估论证",
    },
    labels={
        **_ZH_KINDS,
        **_ZH_PROGRAMS,
        **{
            (kind, program): _ZH_KINDS[kind] + text
            for kind in SchoolKind
            for program, text in _ZH_PROGRAMS.items()
        },
        TitleGrade.JUNIOR: "初级",
        TitleGrade.INTERMEDIATE: "中级",
        TitleGrade.SENIOR: "高级",
        EducationLevel.NONE: "无（未填写学历）",
        EducationLevel.PRIMARY: "小学",
        EducationLevel.JUNIOR_MIDDLE: "初中",
        EducationLevel.SENIOR_HIGH: "高中阶段（普通高中、中等职业学校、技工学校）",
        EducationLevel.POST_SECONDARY: "专科阶段（高等职业学校、高级技工学校、技师学院）",
        EducationLevel.UNIVERSITY: "普通高等学校",
    },
    levels={5: "五级/初级工", 4: "四级/中级工", 3: "三级/高级工", 2: "二级/技师", 1: "一级/高级技师"},
    list_sep="、",
    list_last="或",
    not_given="未填写",
    span=_zh_span,
)

_EN = _Words(
    templates={
        Msg.HOLDS: "{id} holds: ",
        Msg.FAILS: "{id} is not met: ",
        Msg.SEP: "; ",
        Msg.END: ".",
        Msg.MET_FROM: " If nothing changes, it will hold from {date}.",
        Msg.AGE_OK: "aged {age}, at least {min_age}",
        Msg.AGE_UNDER: "aged {age}, under {min_age}; turns {min_age} on {date}",
        Msg.EDU_OK: "highest education {have}, not below the {need} this occupation requires",
        Msg.EDU_SHORT: "highest education {have}, below the {need} this occupation requires",
        Msg.BAN_NONE: "no ban on taking evaluations",
        Msg.BAN_ENDED: "the ban on taking evaluations ended on {date}",
        Msg.BAN_ACTIVE: "banned from taking evaluations until {date} inclusive; you may apply from {next}",
        Msg.INTENDS_YES: "you intend to work in this or a related occupation",
        Msg.INTENDS_NO: "you have not said that you intend to work in this or a related occupation",
        Msg.WORKS_YES: "working in this or a related occupation since {date}",
        Msg.WORKS_ENDED: "your work in this or a related occupation ended on {date}",
        Msg.WORKS_NO: "no work in this or a related occupation recorded",
        Msg.CERT_OK: "you hold a {level} certificate in this or a related occupation, obtained {date}",
        Msg.CERT_HELD_OK: (
            "you have held a {level} certificate in this or a related occupation (obtained {date}) "
            "for {have}, at least the {need} required"
        ),
        Msg.CERT_HELD_SHORT: (
            "you have held a {level} certificate in this or a related occupation (obtained {date}) "
            "for only {have}; {need} needed"
        ),
        Msg.CERT_MISSING: "no certificate in this or a related occupation at {need} or higher",
        Msg.CERT_UNRELATED: "your certificates at {need} or higher are not in this or a related occupation",
        Msg.TITLE_OK: "you hold a matching {grade} professional title, obtained {date}",
        Msg.TITLE_MISSING: "no professional title of {need} grade or higher",
        Msg.TITLE_UNMATCHED: "your professional title of {need} grade or higher does not match the specialty",
        Msg.TITLE_UNCONFIRMED: (
            "your professional title of {need} grade or higher is not yet confirmed as matching the "
            "specialty; a reviewer must confirm it"
        ),
        Msg.WORK_TOTAL_OK: (
            "{have} of work in this or a related occupation in total, at least the {need} required"
        ),
        Msg.WORK_TOTAL_SHORT: "{have} of work in this or a related occupation in total; {need} needed",
        Msg.WORK_AFTER_CERT_OK: (
            "{have} of work in this or a related occupation since your {level} certificate of {date}, "
            "at least the {need} required"
        ),
        Msg.WORK_AFTER_CERT_SHORT: (
            "{have} of work in this or a related occupation since your {level} certificate of {date}; "
            "{need} needed"
        ),
        Msg.WORK_AFTER_TITLE_OK: (
            "{have} of work in this or a related occupation since your {grade} professional title of {date}, "
            "at least the {need} required"
        ),
        Msg.WORK_AFTER_TITLE_SHORT: (
            "{have} of work in this or a related occupation since your {grade} professional title of {date}; "
            "{need} needed"
        ),
        Msg.SCHOOL_MISSING: "no study at a {kinds}",
        Msg.SCHOOL_PROGRAM_MISSING: "no study in a {programs} at a {kinds}",
        Msg.SCHOOL_GRADUATED: "graduated from a {school} on {date}",
        Msg.SCHOOL_GRADUATING: "final-year student at a {school}",
        Msg.SCHOOL_ENROLLED: "student at a {school}",
        Msg.SCHOOL_NOT_GRADUATING: "not yet graduated from the {school}, nor in the final year",
        Msg.SCHOOL_NOT_GRADUATED: "not yet graduated from the {school}; this condition is for graduates",
        Msg.SCHOOL_NOT_STUDENT: (
            "graduated from the {school} on {date}; this condition is for current students"
        ),
        Msg.SCHOOL_UNRELATED: "the major at the {school} ({major}) is not this or a related major",
        Msg.SCHOOL_NOT_EVALUATED: "the {school} is not confirmed as evaluated (经评估论证)",
    },
    labels={
        **_EN_KINDS,
        **_EN_PROGRAMS,
        **{
            (kind, program): f"{_EN_KINDS[kind]} ({text})"
            for kind in SchoolKind
            for program, text in _EN_PROGRAMS.items()
        },
        TitleGrade.JUNIOR: "junior",
        TitleGrade.INTERMEDIATE: "intermediate",
        TitleGrade.SENIOR: "senior",
        EducationLevel.NONE: "none recorded",
        EducationLevel.PRIMARY: "primary school",
        EducationLevel.JUNIOR_MIDDLE: "junior middle school",
        EducationLevel.SENIOR_HIGH: (
            "senior high school level (general, secondary vocational or technical school)"
        ),
        EducationLevel.POST_SECONDARY: (
            "post-secondary level (higher vocational college, senior technical school or technician college)"
        ),
        EducationLevel.UNIVERSITY: "university or college",
    },
    levels={
        5: "level 5 (junior worker)",
        4: "level 4 (intermediate worker)",
        3: "level 3 (senior worker)",
        2: "level 2 (technician)",
        1: "level 1 (senior technician)",
    },
    list_sep=", ",
    list_last=" or ",
    not_given="not given",
    span=_en_span,
)

_WORDS = {"zh-hans": _ZH, "en": _EN}
