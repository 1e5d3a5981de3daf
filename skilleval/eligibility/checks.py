"""The eligibility check on a stored candidate: what a reviewer or an application step calls."""

from datetime import date

from skilleval.eligibility import engine
from skilleval.eligibility.facts import edition_in_force, occupation_facts, profile_of
from skilleval.people.models import Person


def check_person(
    person: Person, *, occupation: str, work_type: str | None, level: int, on: date, lang: str = "zh-hans"
) -> engine.Verdict:
    """The verdict for one level; the same engine and the same catalog facts as the public API."""
    facts = occupation_facts(occupation, work_type, on=on)
    return engine.evaluate(
        profile_of(person, on=on), facts, level, on, edition=edition_in_force(on), lang=lang
    )
