"""The one evaluator that interprets any edition's condition specs for a profile."""

from collections.abc import Iterable
from datetime import date

from .durations import add_years, age_on, days_on_or_after, merge
from .editions import EDITION_2023
from .messages import DEFAULT_LANGUAGE, Lvl, Message, Msg, School, Span, check_language
from .profile import (
    ADMISSION_LEVEL,
    COMPLETED_LEVEL,
    TITLE_RANK,
    EducationLevel,
    OccupationFacts,
    Profile,
)
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
from .verdict import ConditionResult, GateResult, Verdict

LEVELS = (5, 4, 3, 2, 1)
_OPEN_END = date.max.toordinal()


def evaluate(
    profile: Profile,
    occupation: OccupationFacts,
    level: int,
    reference_date: date,
    *,
    edition: Edition = EDITION_2023,
    lang: str = DEFAULT_LANGUAGE,
) -> Verdict:
    """Decide whether ``profile`` may apply for ``level`` of ``occupation`` on ``reference_date``."""
    _check_level(level)
    lang = check_language(lang)
    return _verdict(_Facts(profile, occupation, reference_date, edition), level, edition, lang)


def evaluate_levels(
    profile: Profile,
    occupation: OccupationFacts,
    reference_date: date,
    *,
    levels: Iterable[int] = LEVELS,
    edition: Edition = EDITION_2023,
    lang: str = DEFAULT_LANGUAGE,
) -> tuple[Verdict, ...]:
    """One verdict per level, sharing the work that does not depend on the level."""
    levels = tuple(levels)
    for level in levels:
        _check_level(level)
    lang = check_language(lang)
    facts = _Facts(profile, occupation, reference_date, edition)
    return tuple(_verdict(facts, level, edition, lang) for level in levels)


def _check_level(level: int) -> None:
    if type(level) is not int or level not in LEVELS:
        raise ValueError(f"level must be an integer from 1 to 5, not {level!r}")


def _verdict(facts: "_Facts", level: int, edition: Edition, lang: str) -> Verdict:
    gates = facts.gates
    conditions = tuple([_condition(facts, spec) for spec in edition.conditions(level)])
    satisfied = tuple([result.id for result in conditions if result.met])
    return Verdict(
        eligible=bool(satisfied) and all(gate.met for gate in gates),
        level=level,
        offered=level in facts.occupation.offered_levels,
        satisfied=satisfied,
        conditions=conditions,
        gates=gates,
        edition=edition.name,
        lang=lang,
    )


class _Facts:
    """The profile seen from one occupation and reference date; each derived fact is computed once."""

    def __init__(self, profile: Profile, occupation: OccupationFacts, reference_date: date, edition: Edition):
        self.profile = profile
        self.occupation = occupation
        self.reference_date = reference_date
        self.today = reference_date.toordinal()
        self.per_year = edition.days_per_year
        self.min_age = edition.min_age
        self._work: list[tuple[int, int]] | None = None
        self._horizon: int | None = None
        self._certificates: list | None = None
        self._gates: tuple[GateResult, ...] | None = None

    @property
    def gates(self) -> tuple[GateResult, ...]:
        """The gates do not depend on the level: decided once for all the levels asked about."""
        if self._gates is None:
            self._gates = (_age_gate(self), _education_gate(self), _ban_gate(self))
        return self._gates

    @property
    def work(self) -> list[tuple[int, int]]:
        """Related work, merged and cut at the reference date."""
        if self._work is None:
            self._merge_work()
        return self._work

    @property
    def horizon(self) -> int | None:
        """The last day related work goes on to after the reference date; None when none goes on."""
        if self._work is None:
            self._merge_work()
        return self._horizon

    def _merge_work(self) -> None:
        today = self.today
        spans = []
        horizon = None
        for period in self.profile.work:
            related = period.related
            if related is None:
                related = self.occupation.is_related_occupation(period.occupation)
            first = period.start.toordinal()
            if not related or first > today:  # work not yet begun is no "current pace"
                continue
            last = _OPEN_END if period.end is None else period.end.toordinal()
            if last > today:
                horizon = last if horizon is None else max(horizon, last)
                last = today
            spans.append((first, last))
        self._work = merge(spans)
        self._horizon = horizon

    @property
    def certificates(self) -> list:
        """Certificates held on the reference date, earliest first: the best anchor for "work after it"."""
        if self._certificates is None:
            held = [c for c in self.profile.certificates if c.issued_on.toordinal() <= self.today]
            held.sort(key=lambda certificate: certificate.issued_on)
            self._certificates = held
        return self._certificates

    def certificate_related(self, certificate) -> bool:
        if certificate.related is not None:
            return certificate.related
        return self.occupation.is_related_occupation(certificate.occupation)

    def major_related(self, education) -> bool:
        if education.related is not None:
            return education.related
        return education.major is not None and education.major in self.occupation.related_majors

    def graduated(self, education) -> bool:
        return education.graduated_on is not None and education.graduated_on <= self.reference_date


# --- gates ----------------------------------------------------------------------------------------


def _age_gate(facts: _Facts) -> GateResult:
    birth_date = facts.profile.birth_date
    age = age_on(birth_date, facts.reference_date)
    params = {"age": age, "min_age": facts.min_age}
    if age >= facts.min_age:
        return GateResult("AGE", True, (Message(Msg.AGE_OK, params),))
    params["date"] = add_years(birth_date, facts.min_age)
    return GateResult("AGE", False, (Message(Msg.AGE_UNDER, params),))


def highest_education(education: Iterable, reference_date: date) -> EducationLevel:
    """A finished programme gives its own rank; being enrolled or graduating gives what admission required."""
    highest = EducationLevel.NONE
    for record in education:
        if record.graduated_on is not None and record.graduated_on <= reference_date:
            rank = COMPLETED_LEVEL[record.school_kind]
        else:
            rank = ADMISSION_LEVEL[record.school_kind]
        if rank > highest:
            highest = rank
    return highest


def _education_gate(facts: _Facts) -> GateResult:
    have = highest_education(facts.profile.education, facts.reference_date)
    need = facts.occupation.min_education
    met = have >= need
    message = Message(Msg.EDU_OK if met else Msg.EDU_SHORT, {"have": have, "need": need})
    return GateResult("EDU", met, (message,))


def _ban_gate(facts: _Facts) -> GateResult:
    until = facts.profile.banned_until
    if until is None:
        message = Message(Msg.BAN_NONE, {})
    elif until < facts.reference_date:
        message = Message(Msg.BAN_ENDED, {"date": until})
    else:
        next_day = date.fromordinal(until.toordinal() + 1)
        message = Message(Msg.BAN_ACTIVE, {"date": until, "next": next_day})
        return GateResult("BAN", False, (message,))
    return GateResult("BAN", True, (message,))


# --- conditions -----------------------------------------------------------------------------------


def _condition(facts: _Facts, spec: ConditionSpec) -> ConditionResult:
    """All requirements must hold. If the failing ones only need time, ``met_from`` is when all will hold."""
    parts: list[Message] = []
    met = True
    ready = facts.today  # the day every failing requirement will hold, while that is foreseeable
    for requirement in spec.requires:
        holds, on = _CHECKS[type(requirement)](facts, requirement, parts)
        if not holds:
            met = False
            if on is None or ready is None:
                ready = None
            elif on > ready:
                ready = on
    met_from = None if met or ready is None else date.fromordinal(ready)
    return ConditionResult(spec.id, met, tuple(parts), met_from)


# Each check appends its explanation to ``parts`` and answers (holds, the ordinal day it will hold if only
# time is missing, else None).


def _intends(facts: _Facts, requirement: IntendsToWork, parts: list) -> tuple[bool, int | None]:
    holds = facts.profile.intends_to_work
    parts.append(Message(Msg.INTENDS_YES if holds else Msg.INTENDS_NO, {}))
    return holds, None


def _works_now(facts: _Facts, requirement: WorksNow, parts: list) -> tuple[bool, int | None]:
    work = facts.work
    if work and work[-1][1] == facts.today:
        parts.append(Message(Msg.WORKS_YES, {"date": date.fromordinal(work[-1][0])}))
        return True, None
    if work:
        parts.append(Message(Msg.WORKS_ENDED, {"date": date.fromordinal(work[-1][1])}))
    else:
        parts.append(Message(Msg.WORKS_NO, {}))
    return False, None


def _best_certificate(facts: _Facts, requirement: HoldsCertificate, parts: list):
    """The earliest related certificate of the level asked or higher, else None with the reason why."""
    unrelated = False
    for certificate in facts.certificates:
        if certificate.level <= requirement.level:
            if facts.certificate_related(certificate):
                return certificate
            unrelated = True
    parts.append(
        Message(Msg.CERT_UNRELATED if unrelated else Msg.CERT_MISSING, {"need": Lvl(requirement.level)})
    )
    return None


def _holds_certificate(facts: _Facts, requirement: HoldsCertificate, parts: list) -> tuple[bool, int | None]:
    certificate = _best_certificate(facts, requirement, parts)
    if certificate is None:
        return False, None
    params = {"level": Lvl(certificate.level), "date": certificate.issued_on}
    if not requirement.for_years:
        parts.append(Message(Msg.CERT_OK, params))
        return True, None
    first = certificate.issued_on.toordinal()
    held = facts.today - first + 1
    need = requirement.for_years * facts.per_year
    params["have"] = Span(held, facts.per_year)
    params["need"] = Span(need, facts.per_year)
    if held >= need:
        parts.append(Message(Msg.CERT_HELD_OK, params))
        return True, None
    parts.append(Message(Msg.CERT_HELD_SHORT, params))
    return False, first + need - 1


def _best_title(facts: _Facts, requirement: HoldsTitle, parts: list):
    """The earliest matching title of the grade asked or higher, else None with the reason why."""
    best = None
    unmatched = unconfirmed = False
    rank = TITLE_RANK[requirement.grade]
    for title in facts.profile.titles:
        if TITLE_RANK[title.grade] < rank or title.obtained_on > facts.reference_date:
            continue
        if title.matches is None:
            unconfirmed = True
        elif not title.matches:
            unmatched = True
        elif best is None or title.obtained_on < best.obtained_on:
            best = title
    if best is None:
        code = (
            Msg.TITLE_UNCONFIRMED if unconfirmed else Msg.TITLE_UNMATCHED if unmatched else Msg.TITLE_MISSING
        )
        parts.append(Message(code, {"need": requirement.grade}))
    return best


def _work(facts: _Facts, requirement: Work, parts: list) -> tuple[bool, int | None]:
    after = requirement.after
    if after is None:
        params = {}
        first_day = 0
        ok_code, short_code = Msg.WORK_TOTAL_OK, Msg.WORK_TOTAL_SHORT
    elif type(after) is HoldsCertificate:
        certificate = _best_certificate(facts, after, parts)
        if certificate is None:
            return False, None
        params = {"level": Lvl(certificate.level), "date": certificate.issued_on}
        first_day = certificate.issued_on.toordinal()
        ok_code, short_code = Msg.WORK_AFTER_CERT_OK, Msg.WORK_AFTER_CERT_SHORT
    else:
        title = _best_title(facts, after, parts)
        if title is None:
            return False, None
        params = {"grade": title.grade, "date": title.obtained_on}
        first_day = title.obtained_on.toordinal()
        ok_code, short_code = Msg.WORK_AFTER_TITLE_OK, Msg.WORK_AFTER_TITLE_SHORT
    have = days_on_or_after(facts.work, first_day)
    need = requirement.years * facts.per_year
    params["have"] = Span(have, facts.per_year)
    params["need"] = Span(need, facts.per_year)
    if have >= need:
        parts.append(Message(ok_code, params))
        return True, None
    parts.append(Message(short_code, params))
    # Work that goes on past the reference date adds one day a day until it ends.
    on = facts.today + need - have
    return False, (on if facts.horizon is not None and on <= facts.horizon else None)


def _schooling(facts: _Facts, requirement: Schooling, parts: list) -> tuple[bool, int | None]:
    closest = None
    for record in facts.profile.education:
        if record.school_kind not in requirement.kinds:
            continue
        if requirement.programs and record.program not in requirement.programs:
            continue
        school = School(record.school_kind, record.program)
        graduated = facts.graduated(record)
        failures = []
        attendance = requirement.attendance
        if attendance is Attendance.GRADUATED and not graduated:
            failures.append(Message(Msg.SCHOOL_NOT_GRADUATED, {"school": school}))
        elif attendance is Attendance.GRADUATED_OR_GRADUATING and not (graduated or record.graduating):
            failures.append(Message(Msg.SCHOOL_NOT_GRADUATING, {"school": school}))
        elif attendance is Attendance.ENROLLED and graduated:
            failures.append(Message(Msg.SCHOOL_NOT_STUDENT, {"school": school, "date": record.graduated_on}))
        if requirement.related_major and not facts.major_related(record):
            failures.append(Message(Msg.SCHOOL_UNRELATED, {"school": school, "major": record.major}))
        if requirement.evaluated and record.evaluated is not True:
            failures.append(Message(Msg.SCHOOL_NOT_EVALUATED, {"school": school}))
        if not failures:
            if graduated:
                parts.append(Message(Msg.SCHOOL_GRADUATED, {"school": school, "date": record.graduated_on}))
            else:
                parts.append(
                    Message(
                        Msg.SCHOOL_GRADUATING if record.graduating else Msg.SCHOOL_ENROLLED,
                        {"school": school},
                    )
                )
            return True, None
        if closest is None or len(failures) < len(closest):
            closest = failures
    if closest is not None:
        parts.extend(closest)
    elif requirement.programs:
        parts.append(
            Message(
                Msg.SCHOOL_PROGRAM_MISSING, {"kinds": requirement.kinds, "programs": requirement.programs}
            )
        )
    else:
        parts.append(Message(Msg.SCHOOL_MISSING, {"kinds": requirement.kinds}))
    return False, None


def _holds_title(facts: _Facts, requirement: HoldsTitle, parts: list) -> tuple[bool, int | None]:
    title = _best_title(facts, requirement, parts)
    if title is None:
        return False, None
    parts.append(Message(Msg.TITLE_OK, {"grade": title.grade, "date": title.obtained_on}))
    return True, None


_CHECKS = {
    IntendsToWork: _intends,
    WorksNow: _works_now,
    HoldsCertificate: _holds_certificate,
    HoldsTitle: _holds_title,
    Schooling: _schooling,
    Work: _work,
}
