"""The life of an application (DOMAIN.md §4) as data: its statuses and the steps between them.

    draft ──────────────────────────────┬─► submitted ─► under review ─┬─► approved (fee due) ─► paid
      └─► pre-reviewed (institution) ───┘        ▲                    ├─► returned ─┘ (resubmitted)
                                                                      └─► rejected
    paid ─► scheduled ─► sat ─► results published ─► certified | failed
    withdrawn, lapsed (unpaid) and voided (sanction) stand on the side.

Group applications are uploaded as drafts; the institution's preliminary review (资格初审) comes before it
submits the group, so for them the order is draft → pre-reviewed → submitted. A request cannot skip a step:
every change goes through `ALLOWED`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PRE_REVIEWED = "pre_reviewed", _("Pre-reviewed by the institution")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    RETURNED = "returned", _("Returned for correction")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved, fee due")
    PAID = "paid", _("Paid")
    SCHEDULED = "scheduled", _("Scheduled")
    SAT = "sat", _("Exam taken")
    PUBLISHED = "published", _("Results published")
    CERTIFIED = "certified", _("Certified")
    FAILED = "failed", _("Not passed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Lapsed (unpaid)")
    VOIDED = "voided", _("Voided")


S = Status
ALLOWED: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.PRE_REVIEWED, S.WITHDRAWN}),
    S.PRE_REVIEWED: frozenset({S.SUBMITTED, S.DRAFT, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.WITHDRAWN, S.VOIDED}),
    S.UNDER_REVIEW: frozenset({S.APPROVED, S.RETURNED, S.REJECTED, S.WITHDRAWN, S.VOIDED}),
    S.RETURNED: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.PAID, S.LAPSED, S.WITHDRAWN, S.VOIDED}),
    S.PAID: frozenset({S.SCHEDULED, S.WITHDRAWN, S.VOIDED}),
    S.SCHEDULED: frozenset({S.SAT, S.PAID, S.VOIDED}),
    S.SAT: frozenset({S.PUBLISHED, S.VOIDED}),
    S.PUBLISHED: frozenset({S.CERTIFIED, S.FAILED, S.VOIDED}),
    S.CERTIFIED: frozenset({S.VOIDED}),
    S.FAILED: frozenset({S.VOIDED}),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.LAPSED: frozenset(),
    S.VOIDED: frozenset(),
}

# An application in one of these blocks a second one for the same person and catalog key (DOMAIN.md §4).
CLOSED = frozenset({S.REJECTED, S.WITHDRAWN, S.LAPSED, S.VOIDED, S.CERTIFIED, S.FAILED})
OPEN = frozenset(Status) - CLOSED

# Fields the applicant may still change: before review, and when returned for correction.
EDITABLE = frozenset({S.DRAFT, S.PRE_REVIEWED, S.RETURNED})


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED[current]
