"""The make-up ledger and make-up applications (issue 7, DOMAIN.md §10).

Per person and catalog key (occupation, work type, level): which subjects passed and until when they stay
valid (policy results.validity_years by level, from the exam date of the original attempt). A make-up
application retakes the failed subjects only, priced per subject (payments quote `retake_subjects`). It is
refused after the validity, for an attempt from the municipal skills competition, and once a new regular
application for the same key has forfeited the earlier results. When the assessment mode changed, the
published mapping (SubjectMapping) says which new subject a passed old one counts as.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, Channel, Kind, Source
from skilleval.applications.services import start_application
from skilleval.audit.services import record
from skilleval.catalog.models import SUBJECT_ORDER, CatalogItem
from skilleval.core.errors import DomainError
from skilleval.people.models import Person
from skilleval.results.models import Result, Score, SubjectMapping
from skilleval.results.services import passes, trustworthy


@dataclass
class LedgerLine:
    subject: str
    passed: bool
    score: Decimal | None = None  # as published; None when absent or not taken
    absent: bool = False
    exam_date: date | None = None


@dataclass
class Ledger:
    item: CatalogItem
    lines: list[LedgerLine] = field(default_factory=list)
    original_exam_date: date | None = None
    valid_until: date | None = None
    can_make_up: bool = False
    refusal: str = ""  # why not, in the current language
    refusal_code: str = ""

    @property
    def to_retake(self) -> list[str]:
        return [line.subject for line in self.lines if not line.passed]


def _key(item: CatalogItem) -> dict:
    return {"occupation_id": item.occupation_id, "work_type_id": item.work_type_id, "level": item.level}


def ledger(person: Person, item: CatalogItem, *, on: date | None = None) -> Ledger:
    """What this person has passed for this key, and whether a make-up is open to them."""
    on = on or timezone.localdate()
    book = Ledger(item=item)
    results = list(
        Result.objects.filter(
            application__person=person, **{f"application__{k}": v for k, v in _key(item).items()}
        )
        .select_related("application__item")
        .order_by("original_exam_date", "exam_date")
    )
    if not results:
        return _refuse(book, _("No published results for this item yet."), "no_results")
    original = results[-1].original_exam_date
    attempt = [r for r in results if r.original_exam_date == original]
    first = attempt[0]
    book.original_exam_date, book.valid_until = original, first.valid_until
    passed: dict[str, LedgerLine] = {}
    for result in attempt:
        if not trustworthy(result):
            return _refuse(book, _("These results are under verification."), "under_verification")
        mapping = _mapping(result.application.item, item)
        subjects = {s.kind: s for s in result.application.item.subjects.all()}
        scores = Score.objects.filter(application=result.application, state=Score.State.PUBLISHED)
        for score in scores.select_related("seat__session"):
            subject = mapping.get(score.subject)
            if subject is None or score.subject not in subjects:
                continue
            if not trustworthy(score):
                return _refuse(book, _("These results are under verification."), "under_verification")
            ok = passes(score, subjects[score.subject])
            line = LedgerLine(subject, ok, score.value, score.absent, score.seat.session.date)
            if ok or subject not in passed:  # a pass stands; a later failure does not undo it
                passed[subject] = line
    for kind in sorted((s.kind for s in item.subjects.all()), key=SUBJECT_ORDER.get):
        book.lines.append(passed.get(kind, LedgerLine(kind, False)))
    if all(line.passed for line in book.lines):
        return _refuse(book, _("Every subject is passed; there is nothing to make up."), "all_passed")
    if any(r.closed_at is None for r in attempt):
        return _refuse(
            book,
            _("The results are on public notice until %(date)s; a make-up can be asked for after that.")
            % {"date": max(r.notice_until for r in attempt)},
            "notice_period",
        )
    if first.application.source == Source.COMPETITION:
        return _refuse(
            book, _("Results from the municipal skills competition cannot be made up."), "competition"
        )
    if on > book.valid_until:
        return _refuse(
            book,
            _("The results were valid until %(date)s; every subject is taken again.")
            % {"date": book.valid_until},
            "expired",
        )
    # The candidate confirmed giving them up when starting it (applications.start_application), whatever
    # became of that application since.
    forfeiting = Application.objects.filter(
        person=person,
        kind=Kind.REGULAR,
        forfeits_previous_results=True,
        created_at__gt=first.published_at,
        **_key(item),
    ).exists()
    if forfeiting:
        return _refuse(
            book,
            _("A later regular application for this item gave up the make-up and the passed subjects."),
            "forfeited",
        )
    if (
        Application.objects.filter(
            person=person, kind=Kind.MAKEUP, created_at__gt=results[-1].published_at, **_key(item)
        )
        .exclude(status__in=(Status.WITHDRAWN, Status.LAPSED, Status.REJECTED))
        .exists()
    ):
        return _refuse(book, _("A make-up application for this item is already under way."), "open")
    book.can_make_up = True
    return book


def _refuse(book: Ledger, message: str, code: str) -> Ledger:
    book.can_make_up, book.refusal, book.refusal_code = False, message, code
    return book


def _mapping(old: CatalogItem, new: CatalogItem) -> dict[str, str]:
    """Old subject → new subject: the same subjects when the item is the same, else the published plan."""
    if old.pk == new.pk:
        return {s.kind: s.kind for s in old.subjects.all()}
    return dict(
        SubjectMapping.objects.filter(old_item=old, new_item=new).values_list("old_subject", "new_subject")
    )


def start_makeup(person: Person, item: CatalogItem, *, channel: str, by, institution=None) -> Application:
    """A make-up application for the failed subjects only (fee per subject through the payments quote)."""
    book = ledger(person, item)
    if not book.can_make_up:
        raise DomainError(book.refusal, code=book.refusal_code)
    if channel == Channel.GROUP and institution is None:
        raise DomainError(_("A group application needs its institution."), code="no_institution")
    with transaction.atomic():
        application = start_application(
            person, item, channel=channel, by=by, institution=institution, kind=Kind.MAKEUP
        )
        application.retake_subjects = book.to_retake
        application.results_valid_until = book.valid_until
        application.save(update_fields=["retake_subjects", "results_valid_until"])
        record(
            by,
            "results.makeup.start",
            application,
            {"retake": book.to_retake, "valid_until": book.valid_until, "original": book.original_exam_date},
        )
    return application
