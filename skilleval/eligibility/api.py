"""`POST /api/v1/eligibility/check`: the public pre-check of DOMAIN.md §3, field names as in its contract."""

from datetime import date

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from skilleval.core.errors import InvalidFields
from skilleval.core.validators import InvalidValue, validate_resident_id
from skilleval.eligibility import engine
from skilleval.eligibility.facts import edition_in_force, occupation_facts

router = Router(tags=["eligibility"])


class EducationIn(Schema):
    school_kind: engine.SchoolKind
    program: engine.Program | None = None
    major: str | None = Field(None, max_length=100)
    related: bool | None = None
    evaluated: bool | None = None
    graduated_on: date | None = None
    graduating: bool = False


class WorkIn(Schema):
    occupation: str = Field(..., max_length=16)
    related: bool | None = None
    start: date
    end: date | None = None


class CertificateIn(Schema):
    occupation: str = Field(..., max_length=16)
    related: bool | None = None
    level: int = Field(..., ge=1, le=5)
    issued_on: date


class TitleIn(Schema):
    grade: engine.TitleGrade
    matches: bool | None = None
    obtained_on: date


class CheckIn(Schema):
    occupation: str = Field(..., max_length=16, examples=["4-04-05-05"])
    work_type: str | None = Field(None, max_length=100)
    level: int = Field(..., ge=1, le=5)
    reference_date: date | None = None
    id_number: str | None = Field(None, max_length=32)
    birth_date: date | None = None
    intends_to_work: bool = False
    education: list[EducationIn] = Field(default_factory=list, max_length=20)
    work: list[WorkIn] = Field(default_factory=list, max_length=50)
    certificates: list[CertificateIn] = Field(default_factory=list, max_length=20)
    titles: list[TitleIn] = Field(default_factory=list, max_length=10)
    banned_until: date | None = None


class ConditionOut(Schema):
    id: str
    met: bool
    reason: str
    met_from: date | None


class GateOut(Schema):
    id: str
    met: bool
    reason: str


class CheckOut(Schema):
    eligible: bool
    level: int
    offered: bool
    edition: str
    satisfied: list[str]
    conditions: list[ConditionOut]
    gates: list[GateOut]


def engine_language() -> str:
    return "en" if (translation.get_language() or "").startswith("en") else "zh-hans"


def birth_date_of(payload: CheckIn, today: date, errors: dict) -> date | None:
    """From the ID number or the birth date; both given, they must agree."""
    from_id = None
    if payload.id_number:
        try:
            from_id = validate_resident_id(payload.id_number, today=today).birth_date
        except InvalidValue as exc:
            errors["id_number"] = [exc.message_for(engine_language())]
            return None
    if from_id and payload.birth_date and from_id != payload.birth_date:
        errors["birth_date"] = [_("The date of birth does not match the ID number.")]
        return None
    if not (from_id or payload.birth_date):
        errors["birth_date"] = [_("Give the ID number or the date of birth.")]
        return None
    if payload.birth_date and payload.birth_date > today:
        errors["birth_date"] = [_("The date of birth is in the future.")]
        return None
    return from_id or payload.birth_date


def check_periods(payload: CheckIn, errors: dict) -> None:
    for i, period in enumerate(payload.work):
        if period.end is not None and period.end < period.start:
            errors[f"work.{i}.end"] = [_("A work period cannot end before it starts.")]
    for i, school in enumerate(payload.education):
        if school.graduated_on is None and not school.graduating:
            errors[f"education.{i}.graduated_on"] = [
                _("Give the graduation date, or say the student is graduating.")
            ]


def profile_from(payload: CheckIn, birth_date: date) -> engine.Profile:
    return engine.Profile(
        birth_date=birth_date,
        intends_to_work=payload.intends_to_work,
        education=tuple(engine.Education(**e.dict()) for e in payload.education),
        work=tuple(engine.WorkPeriod(**w.dict()) for w in payload.work),
        certificates=tuple(engine.Certificate(**c.dict()) for c in payload.certificates),
        titles=tuple(engine.Title(**t.dict()) for t in payload.titles),
        banned_until=payload.banned_until,
    )


@router.post(
    "/eligibility/check",
    response=CheckOut,
    summary="Check the application conditions (附件 1) for one level of an occupation",
    description="Every condition of the level with the reason it holds or fails, in the language of "
    "Accept-Language (Simplified Chinese by default). Malformed input answers 422 with a message per field.",
)
def check(request, payload: CheckIn):
    today = timezone.localdate()
    on = payload.reference_date or today
    errors: dict[str, list[str]] = {}
    facts = None
    try:
        facts = occupation_facts(payload.occupation, payload.work_type, on=on)
    except InvalidFields as exc:
        errors.update(exc.errors)
    birth = birth_date_of(payload, today, errors)
    check_periods(payload, errors)
    if errors:
        raise InvalidFields(errors, _("The request has invalid fields."))
    profile = profile_from(payload, birth)
    verdict = engine.evaluate(
        profile, facts, payload.level, on, edition=edition_in_force(on), lang=engine_language()
    )
    return verdict.to_dict()
