"""A candidate's results (DOMAIN.md §9, §10): the scores once published, the public notice and review
window, answered reviews, and the make-up ledger with the way to a make-up application.

The section itself is drawn on the application page by the `results_tags` library; the two views here take
its forms. Both find the application among the candidate's own: another number is a 404 (SECURITY.md
"Access"). A score or result whose integrity tag does not match is shown as "under verification", never as
a value, and no make-up is started on it.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from skilleval.applications.models import Application, Channel
from skilleval.applications.services import open_application_for
from skilleval.applications.views.candidate import candidate_required
from skilleval.catalog.models import SUBJECT_ORDER, SubjectKind
from skilleval.core.errors import DomainError
from skilleval.results.makeup import Ledger, ledger, start_makeup
from skilleval.results.models import Result, Score
from skilleval.results.services import passes, request_review, trustworthy

REASON_MAX = 1000


# -- what the pages show -----------------------------------------------------------------------------------


def subject_label(kind: str) -> str:
    return SubjectKind(kind).label if kind in SubjectKind.values else kind


def subject_list(kinds) -> str:
    """Subject names joined the way the language writes a list (、 in Chinese)."""
    return pgettext("list separator", ", ").join(str(subject_label(k)) for k in kinds)


@dataclass(frozen=True)
class SubjectLine:
    kind: str
    label: str
    value: Decimal | None
    absent: bool
    cancelled: bool
    trusted: bool
    pass_mark: Decimal | None
    full_mark: Decimal | None
    passed: bool | None  # None while under verification


def subject_lines(application: Application, scores=None) -> list[SubjectLine]:
    """The application's published scores, theory first; `scores` when the caller prefetched them."""
    if scores is None:
        scores = Score.objects.filter(application=application, state=Score.State.PUBLISHED)
    subjects = {s.kind: s for s in application.item.subjects.all()}
    lines = []
    for score in sorted(scores, key=lambda s: SUBJECT_ORDER.get(s.subject, len(SUBJECT_ORDER))):
        if score.state != Score.State.PUBLISHED:
            continue
        subject, trusted = subjects.get(score.subject), trustworthy(score)
        lines.append(
            SubjectLine(
                kind=score.subject,
                label=subject_label(score.subject),
                value=score.value if trusted else None,
                absent=score.absent and trusted,
                cancelled=score.cancelled and trusted,
                trusted=trusted,
                pass_mark=subject.pass_mark if subject else None,
                full_mark=subject.full_mark if subject else None,
                passed=passes(score, subject) if trusted and subject else None,
            )
        )
    return lines


def key_under_verification(application: Application) -> bool:
    """Whether any published score or result of this person for this catalog key fails its tag: the make-up
    ledger reads them all, so none may be trusted blindly."""
    key = {
        "application__person_id": application.person_id,
        "application__occupation_id": application.occupation_id,
        "application__work_type_id": application.work_type_id,
        "application__level": application.level,
    }
    scores = Score.objects.filter(state=Score.State.PUBLISHED, **key)
    return not all(trustworthy(r) for r in Result.objects.filter(**key)) or not all(
        trustworthy(s) for s in scores
    )


@dataclass
class MakeupOffer:
    """What the page says about a make-up after a result that did not pass."""

    book: Ledger | None = None  # None while under verification
    under_verification: bool = False
    waiting_until: date | None = None  # this application is still open: its notice period runs
    blocked_by: str = ""  # another open application of the same key
    kept: list = field(default_factory=list)  # (subject name, LedgerLine) of the passed subjects
    retake: str = ""

    @property
    def can_apply(self) -> bool:
        return bool(self.book and self.book.can_make_up and not self.waiting_until and not self.blocked_by)


def makeup_offer(application: Application, result: Result) -> MakeupOffer | None:
    """None after a pass; else the ledger and whether a make-up can be asked for now."""
    if result.passed and trustworthy(result):
        return None
    if key_under_verification(application):
        return MakeupOffer(under_verification=True)
    book = ledger(application.person, application.item)
    offer = MakeupOffer(book=book)
    waiting = book.refusal_code == "notice_period"
    if book.can_make_up or waiting:  # otherwise the refusal says it all (expired, forfeited: nothing is kept)
        offer.kept = [(subject_label(line.subject), line) for line in book.lines if line.passed]
        offer.retake = subject_list(book.to_retake)
        if waiting:  # a make-up is a new application of the same key: it waits until this one is closed
            offer.waiting_until = result.notice_until
        elif (open_one := open_application_for(application.person, application.item)) is not None:
            offer.blocked_by = open_one.number
    return offer


# -- the forms ---------------------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    subject = forms.ChoiceField(choices=SubjectKind.choices)
    reason = forms.CharField(max_length=REASON_MAX)


def _back(number: str):
    return redirect(reverse("application", kwargs={"number": number}) + "#results")


def _own(request, number: str) -> Application:
    application = (
        Application.objects.select_related("person", "item")
        .filter(number=number, person=request.person)
        .first()
    )
    if application is None:
        raise Http404
    return application


@require_POST
@candidate_required
def review(request, number):
    """复核: ask for a subject's score to be reviewed, within the public notice period."""
    result = Result.objects.filter(application=_own(request, number)).first()
    if result is None:
        raise Http404
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Choose the subject and say what should be reviewed, in at most %(max)s characters.")
            % {"max": REASON_MAX},
        )
        return _back(number)
    try:
        request_review(
            result, subject=form.cleaned_data["subject"], reason=form.cleaned_data["reason"], by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your review request is recorded. The answer will appear on this page."))
    return _back(number)


@require_POST
@candidate_required
def makeup(request, number):
    """补考: a make-up application for the failed subjects, online; on to its page."""
    application = _own(request, number)
    if key_under_verification(application):
        messages.error(
            request, _("Your results are under verification; a make-up can be asked for after it.")
        )
        return _back(number)
    try:
        new = start_makeup(request.person, application.item, channel=Channel.ONLINE, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(number)
    messages.success(
        request,
        _("Make-up application %(number)s is started for: %(subjects)s. Submit it below to go on.")
        % {"number": new.number, "subjects": subject_list(new.retake_subjects)},
    )
    return redirect("application", number=new.number)
