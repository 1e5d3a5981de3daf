"""What the engine is told, from the database: the catalog's facts and a stored profile (DOMAIN.md §3)."""

from datetime import date

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from skilleval.catalog.models import CatalogItem, Occupation
from skilleval.core.errors import InvalidFields
from skilleval.eligibility.engine import (
    EDITIONS,
    Certificate,
    Edition,
    Education,
    OccupationFacts,
    Title,
    WorkPeriod,
)
from skilleval.eligibility.engine import Profile as EngineProfile
from skilleval.eligibility.engine.profile import COMPLETED_LEVEL, SchoolKind
from skilleval.organization.policy import policy
from skilleval.people.models import Person
from skilleval.people.services import active_ban_until


def occupation_facts(code: str, work_type: str | None, *, on: date) -> OccupationFacts:
    """The catalog's facts for one occupation (and work type); InvalidFields naming the field otherwise."""
    occupation = (
        Occupation.objects.filter(code=code).prefetch_related(
            "work_types", "related_occupations", "related_majors"
        )
    ).first()
    if occupation is None:
        raise InvalidFields(
            {"occupation": [_("No occupation with code %(code)s is in the catalog.") % {"code": code}]}
        )
    work_types = {w.name: w for w in occupation.work_types.all()}
    if work_type and work_type not in work_types:
        names = _list(work_types) or _("none")
        raise InvalidFields(
            {
                "work_type": [
                    _("This occupation has no work type “%(name)s”; it has: %(names)s.")
                    % {"name": work_type, "names": names}
                ]
            }
        )
    if not work_type and work_types:
        raise InvalidFields(
            {"work_type": [_("Choose the work type: %(names)s.") % {"names": _list(work_types)}]}
        )
    items = CatalogItem.objects.in_force(on).filter(occupation=occupation)
    items = items.filter(work_type__name=work_type) if work_type else items.filter(work_type__isnull=True)
    return OccupationFacts(
        code=occupation.code,
        work_type=work_type or None,
        min_education=COMPLETED_LEVEL[SchoolKind(occupation.min_education)],
        related_occupations=frozenset(r.code for r in occupation.related_occupations.all()),
        related_majors=frozenset(m.name for m in occupation.related_majors.all()),
        offered_levels=frozenset(items.values_list("level", flat=True)),
    )


def _list(names) -> str:
    # Chinese lists take the enumeration comma; English a comma and a space.
    return (", " if (get_language() or "").startswith("en") else "、").join(names)


def edition_in_force(on: date) -> Edition:
    """The edition of the national standard's conditions in force (policy `eligibility.edition`)."""
    return EDITIONS[policy("eligibility.edition", on=on)]


def profile_of(person: Person, *, on: date) -> EngineProfile:
    """The engine's view of a stored candidate: their facts, and a ban in force from discipline."""
    return EngineProfile(
        birth_date=person.birth_date,
        intends_to_work=person.intends_to_work,
        education=tuple(
            Education(
                school_kind=e.school_kind,
                program=e.program or None,
                major=e.major or None,
                related=e.related,
                evaluated=e.evaluated,
                graduated_on=e.graduated_on,
                graduating=e.graduating,
            )
            for e in person.education.all()
        ),
        work=tuple(
            WorkPeriod(occupation=w.occupation_code, related=w.related, start=w.start, end=w.end)
            for w in person.work.all()
        ),
        certificates=tuple(
            Certificate(occupation=c.occupation_code, related=c.related, level=c.level, issued_on=c.issued_on)
            for c in person.certificates.all()
        ),
        titles=tuple(
            Title(grade=t.grade, matches=t.matches, obtained_on=t.obtained_on) for t in person.titles.all()
        ),
        banned_until=active_ban_until(person, on=on),
    )
