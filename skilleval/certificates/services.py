"""Issuing, importing, revoking and handing over certificates (issue 8, DOMAIN.md §11).

Issued to every candidate who passed all subjects once results are published and the notice period is
over (results.Result.closed_at). The number is taken inside the issuing transaction under a row lock on its
(filing number, year, level) counter, so serials have no gaps and never repeat, even with many issuers at
once; counters are locked in a fixed order so two issuers never wait on each other in a circle.
"""

import re
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.applications.services import certify
from skilleval.audit.services import record, record_many
from skilleval.certificates import signing
from skilleval.certificates.models import NUMBER_PATTERN, Certificate, CertificateCounter, Handover
from skilleval.core.errors import DomainError
from skilleval.dbtools import take_serials
from skilleval.organization.models import Organization
from skilleval.privacy.fields import blind_index

TAG_PURPOSE = "certificates.integrity"


def certificate_tag(c: Certificate) -> str:
    """The keyed integrity tag of every column the answer of a verification and the QR code rest on, the
    signature included (migration 0003 moved the older tags, which left it out, to this one)."""
    return blind_index(
        f"{c.number}|{c.application_id}|{c.person_id}|{c.item_id}|{c.level}|{c.issued_on}|{c.statement}"
        f"|{c.signature}",
        purpose=TAG_PURPOSE,
    )


def trustworthy(certificate: Certificate) -> bool:
    """False when the row no longer matches its tag: shown as "under verification". The tag covers the
    signature, so a keyed hash (microseconds) stands for the Ed25519 check (~50 µs) on every lookup; the
    signature was checked when the row was tagged."""
    return certificate.tag == certificate_tag(certificate)


def eligible():
    """Passed, published, notice period over, no certificate yet."""
    return Application.objects.filter(
        status=Status.PUBLISHED,
        result__passed=True,
        result__closed_at__isnull=False,
        certificate__isnull=True,
    )


def _prefix(filing_number: str, on, level: int) -> str:
    return f"{filing_number}{on:%y}{level}"


def _take(prefix: str, count: int) -> list[str]:
    try:
        serials = take_serials(CertificateCounter, prefix, count, limit=999_999)
    except OverflowError:
        raise DomainError(
            _("The serials of %(prefix)s are used up.") % {"prefix": prefix}, code="exhausted"
        ) from None
    return [f"{prefix}{serial:06d}" for serial in serials]


def _build(application: Application, number: str, issued_on, source: str) -> Certificate:
    person, item = application.person, application.item
    text = signing.statement(
        number=number,
        name=person.full_name,
        id_masked=person.id_number_masked,
        occupation_code=item.occupation.code,
        work_type=item.work_type.name if item.work_type_id else "--",
        level=item.level,
        issued_on=issued_on,
    )
    certificate = Certificate(
        number=number,
        application=application,
        person=person,
        item=item,
        level=item.level,
        issued_on=issued_on,
        source=source,
        statement=text,
        signature=signing.sign(text),
    )
    certificate.tag = certificate_tag(certificate)
    return certificate


def issue_certificates(application_ids=None, *, by) -> list[Certificate]:
    """Number, sign and store the certificates of the eligible applications (all, or these); each
    application becomes "certified". Returns the certificates issued."""
    organization = Organization.objects.get(pk=1)
    today = timezone.localdate()
    query = eligible().select_related("person", "item__occupation", "item__work_type")
    if application_ids is not None:
        query = query.filter(pk__in=list(application_ids))
    with transaction.atomic():
        applications = list(query.select_for_update(of=("self",)).order_by("result__exam_date", "number"))
        by_prefix = defaultdict(list)
        for application in applications:
            by_prefix[_prefix(organization.filing_number, today, application.item.level)].append(application)
        issued = []
        for prefix in sorted(by_prefix):  # a fixed order: no two issuers wait on each other in a circle
            group = by_prefix[prefix]
            for application, number in zip(group, _take(prefix, len(group)), strict=True):
                issued.append(_build(application, number, today, Certificate.Source.ISSUED))
        Certificate.objects.bulk_create(issued)
        with translation.override("zh-hans"):
            reason = _("Certificate %(number)s issued")
        for certificate in issued:
            certify(certificate.application, by=by, reason=reason % {"number": certificate.number})
        record_many(by, "certificates.certificate.issue", issued, [{"number": c.number} for c in issued])
    return issued


def import_numbers(rows: list[tuple[str, str]], *, by) -> list[Certificate]:
    """Certificates numbered by the province: (application number, certificate number) per row. Every row
    is checked first (format, this organization's filing number, the level, unique in the file and in the
    database, the application eligible); one bad row imports nothing and the errors name the rows."""
    organization = Organization.objects.get(pk=1)
    today = timezone.localdate()
    rows = [(a.strip(), n.strip().upper()) for a, n in rows]
    applications = {
        a.number: a
        for a in eligible()
        .select_related("person", "item__occupation", "item__work_type")
        .filter(number__in=[r[0] for r in rows])
    }
    taken = set(Certificate.objects.filter(number__in=[r[1] for r in rows]).values_list("number", flat=True))
    errors, seen, seen_applications = [], set(), set()
    for line, (application_number, number) in enumerate(rows, start=2):
        application = applications.get(application_number)
        if not re.fullmatch(NUMBER_PATTERN, number):
            errors.append(
                _("row %(row)s: %(number)s is not a 22-character certificate number")
                % {"row": line, "number": number}
            )
        elif not number.startswith(organization.filing_number):
            errors.append(
                _("row %(row)s: the number is not of this organization's filing number") % {"row": line}
            )
        elif number in seen or number in taken:
            errors.append(_("row %(row)s: %(number)s is already used") % {"row": line, "number": number})
        elif application is None:
            errors.append(
                _("row %(row)s: application %(application)s is not waiting for a certificate")
                % {"row": line, "application": application_number}
            )
        elif application_number in seen_applications:
            errors.append(
                _("row %(row)s: application %(application)s is in the file twice")
                % {"row": line, "application": application_number}
            )
        elif int(number[15]) != application.item.level:
            errors.append(
                _("row %(row)s: the level digit does not match the application's level") % {"row": line}
            )
        seen.add(number)
        seen_applications.add(application_number)
    if errors:
        raise DomainError("; ".join(errors), code="invalid")
    with transaction.atomic():
        imported = [_build(applications[a], n, today, Certificate.Source.IMPORTED) for a, n in rows]
        try:
            Certificate.objects.bulk_create(imported)
        except IntegrityError as exc:  # a number or an application taken meanwhile
            raise DomainError(
                _("A number or an application was taken meanwhile; import again."), code="race"
            ) from exc
        for certificate in imported:
            certify(certificate.application, by=by, reason=certificate.number)
        record_many(by, "certificates.certificate.import", imported, [{"number": c.number} for c in imported])
    return imported


def revoke(certificate: Certificate, *, reason: str, by) -> Certificate:
    """Valid → revoked, with the reason (misconduct or false materials, DOMAIN.md §11, §12); final."""
    if not reason.strip():
        raise DomainError(_("Give the reason for the revocation."), code="reason_required")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.state == Certificate.State.REVOKED:
            return certificate
        certificate.state, certificate.revoked_at = Certificate.State.REVOKED, timezone.now()
        certificate.revoked_by, certificate.revoke_reason = by, reason.strip()
        certificate.save(update_fields=["state", "revoked_at", "revoked_by", "revoke_reason"])
        record(by, "certificates.certificate.revoke", certificate, {"reason": reason.strip()[:300]})
    return certificate


# -- collection (证书领取) -----------------------------------------------------------------------------


def _collect(certificates, *, how: str, note: str, by, handover=None) -> int:
    ids = [c.pk for c in certificates]
    waiting = Certificate.objects.select_for_update().filter(
        pk__in=ids, collection=Certificate.Collection.WAITING, state=Certificate.State.VALID
    )
    moved = list(waiting)
    Certificate.objects.filter(pk__in=[c.pk for c in moved]).update(
        collection=how,
        collected_at=timezone.now(),
        collected_by=by,
        collection_note=note[:120],
        handover=handover,
    )
    record_many(by, f"certificates.collection.{how}", moved, [{"note": note[:120]} for _c in moved])
    return len(moved)


def hand_over(institution, certificates, *, receiver_name: str, receiver_signed: bool, by) -> Handover:
    """A batch of group certificates to the institution, with the receiver's name and signature recorded."""
    if not receiver_name.strip():
        raise DomainError(_("Write who received the certificates."), code="receiver_required")
    if not receiver_signed:
        raise DomainError(_("The receiver signs the handover list first."), code="unsigned")
    foreign = [c.number for c in certificates if c.application.institution_id != institution.pk]
    if foreign:
        raise DomainError(
            _("Not students of this institution: %(numbers)s") % {"numbers": ", ".join(foreign)},
            code="tenant",
        )
    with transaction.atomic():
        handover = Handover.objects.create(
            institution=institution, receiver_name=receiver_name.strip(), receiver_signed=True, handed_by=by
        )
        moved = _collect(
            certificates,
            how=Certificate.Collection.INSTITUTION,
            note=receiver_name.strip(),
            by=by,
            handover=handover,
        )
        if not moved:  # nothing passed is still waiting (and valid): no handover to record
            raise DomainError(_("None of these certificates is waiting to be handed over."), code="nothing")
        record(by, "certificates.handover", handover, {"certificates": moved})
    return handover


def collect_in_person(certificate: Certificate, *, id_checked: bool, by) -> int:
    """At the counter, with the ID document shown (DOMAIN.md §11)."""
    if not id_checked:
        raise DomainError(_("Check the candidate's ID document first."), code="id_unchecked")
    with transaction.atomic():
        return _collect(
            [certificate], how=Certificate.Collection.IN_PERSON, note=certificate.person.full_name, by=by
        )


def mail(certificate: Certificate, *, tracking_number: str, by) -> int:
    if not re.fullmatch(r"[A-Za-z0-9-]{6,40}", tracking_number.strip()):
        raise DomainError(_("Enter the courier's tracking number."), code="tracking_required")
    with transaction.atomic():
        return _collect([certificate], how=Certificate.Collection.MAILED, note=tracking_number.strip(), by=by)
