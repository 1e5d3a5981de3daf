"""Writes to candidates and their eligibility facts, each audited, none echoing personal data in the trail."""

import secrets
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from skilleval.accounts.roles import Role
from skilleval.audit.services import record
from skilleval.core.errors import DomainError
from skilleval.core.validators import InvalidValue, mask_mobile, validate_document, validate_mobile
from skilleval.people.models import (
    ID_INDEX_PURPOSE,
    PHONE_INDEX_PURPOSE,
    CertificateHeld,
    EducationRecord,
    Person,
    TitleHeld,
    WorkRecord,
)
from skilleval.privacy.fields import blind_index
from skilleval.privacy.files import delete_private, read_private, store_private

SEX_CARRYING_DOCUMENTS = frozenset({"resident_id", "hk_macao_tw_residence_permit"})


@dataclass(frozen=True)
class CheckedIdentity:
    id_type: str
    number: str
    birth_date: date | None
    sex: str
    masked: str
    index: str


def check_identity(id_type: str, raw_number: str, *, today: date | None = None) -> CheckedIdentity:
    """Validate and normalise an identity document; raise DomainError on the `id_number` field."""
    try:
        document = validate_document(id_type, raw_number, today=today or timezone.localdate())
    except InvalidValue as exc:
        raise DomainError(
            exc.message_for(get_language() or "zh-hans"), code=exc.code, field="id_number"
        ) from exc
    sex = ""
    if id_type in SEX_CARRYING_DOCUMENTS:
        # GB 11643-1999: the 17th character is odd for men, even for women.
        sex = "M" if int(document.number[16]) % 2 else "F"
    return CheckedIdentity(
        id_type=id_type,
        number=document.number,
        birth_date=document.birth_date,
        sex=sex,
        masked=document.masked,
        index=id_index(id_type, document.number),
    )


def id_index(id_type: str, normalised_number: str) -> str:
    return blind_index(f"{id_type}:{normalised_number}", purpose=ID_INDEX_PURPOSE)


def find_person(id_type: str, raw_number: str) -> Person | None:
    identity = check_identity(id_type, raw_number)
    return Person.objects.filter(id_number_index=identity.index).first()


def check_phone(raw: str) -> str:
    try:
        return validate_mobile(raw)
    except InvalidValue as exc:
        raise DomainError(exc.message_for(get_language() or "zh-hans"), code=exc.code, field="phone") from exc


def register_person(
    *,
    full_name: str,
    id_type: str,
    id_number: str,
    birth_date: date | None = None,
    phone: str = "",
    email: str = "",
    by,
) -> Person:
    """Create a candidate. One person per document: a second registration of the same number is refused."""
    full_name = " ".join(full_name.split())
    if not full_name:
        raise DomainError(_("Enter the name as on the ID document."), code="required", field="full_name")
    identity = check_identity(id_type, id_number)
    birth = identity.birth_date or birth_date
    if birth is None:
        raise DomainError(_("Enter the date of birth."), code="required", field="birth_date")
    if identity.birth_date and birth_date and birth_date != identity.birth_date:
        raise DomainError(
            _("The date of birth does not match the ID number."),
            code="birth_date_mismatch",
            field="birth_date",
        )
    person = Person(
        full_name=full_name,
        id_type=id_type,
        id_number=identity.number,
        id_number_index=identity.index,
        id_number_masked=identity.masked,
        birth_date=birth,
        sex=identity.sex,
        email=email.strip(),
    )
    if phone:
        person.phone = check_phone(phone)
        person.phone_index = blind_index(person.phone, purpose=PHONE_INDEX_PURPOSE)
        person.phone_masked = mask_mobile(person.phone)
    try:
        with transaction.atomic():
            person.save()
            record(by, "people.person.register", person, {"id_type": id_type})
    except IntegrityError:
        raise DomainError(
            _("A candidate with this ID number is registered already."), code="duplicate", field="id_number"
        ) from None
    return person


@dataclass(frozen=True)
class ProfileFacts:
    """The eligibility facts as plain rows (what a form, the API or an import row gives)."""

    education: tuple[dict, ...] = ()
    work: tuple[dict, ...] = ()
    certificates: tuple[dict, ...] = ()
    titles: tuple[dict, ...] = ()
    intends_to_work: bool = False


def replace_profile(person: Person, facts: ProfileFacts, *, by) -> Person:
    """Replace the person's eligibility facts as one change (a form or an import states them all)."""
    education = [EducationRecord(person=person, **row) for row in facts.education]
    work = [WorkRecord(person=person, **row) for row in facts.work]
    certificates = [CertificateHeld(person=person, **row) for row in facts.certificates]
    titles = [TitleHeld(person=person, **row) for row in facts.titles]
    for period in work:
        if period.end is not None and period.end < period.start:
            raise DomainError(
                _("A work period cannot end before it starts."), code="work_end_before_start", field="work"
            )
    with transaction.atomic():
        for model in (EducationRecord, WorkRecord, CertificateHeld, TitleHeld):
            model.objects.filter(person=person).delete()
        EducationRecord.objects.bulk_create(education)
        WorkRecord.objects.bulk_create(work)
        CertificateHeld.objects.bulk_create(certificates)
        TitleHeld.objects.bulk_create(titles)
        if person.intends_to_work != facts.intends_to_work:
            person.intends_to_work = facts.intends_to_work
            person.save(update_fields=["intends_to_work", "updated_at"])
        record(
            by,
            "people.profile.replace",
            person,
            {
                "education": len(education),
                "work": len(work),
                "certificates": len(certificates),
                "titles": len(titles),
            },
        )
    return person


def active_ban_until(person: Person, *, on: date) -> date | None:
    """The latest date a ban in force on `on` runs to, or None (the `BAN` gate, DOMAIN.md §3, §12)."""
    bans = person.bans.filter(until__gte=on, lifted_on__isnull=True).order_by("-until")
    return bans.values_list("until", flat=True).first()


def register_candidate_account(
    *, full_name: str, id_type: str, id_number: str, phone: str, email: str, password: str
):
    """A candidate signs up with their mobile number or e-mail (issue 4): one user and one person.

    A document already on file (entered by an institution or at the counter) is not taken over by whoever
    knows its number; that person links their account with a code sent to the contact on record.
    """
    phone, email = phone.strip(), email.strip().lower()
    if not phone and not email:
        raise DomainError(_("Give a mobile number or an e-mail address."), code="required", field="phone")
    identity = check_identity(id_type, id_number)
    if Person.objects.filter(id_number_index=identity.index).exists():
        raise DomainError(
            _(
                "This ID number is on file already. Use the confirmation code sent to you, "
                "or ask the counter."
            ),
            code="person_exists",
            field="id_number",
        )
    users = get_user_model().objects
    if email and users.filter(email__iexact=email).exists():
        raise DomainError(_("This e-mail address is registered already."), code="duplicate", field="email")
    if (
        phone
        and Person.objects.filter(
            phone_index=blind_index(check_phone(phone), purpose=PHONE_INDEX_PURPOSE), user__isnull=False
        ).exists()
    ):
        raise DomainError(_("This mobile number is registered already."), code="duplicate", field="phone")
    user = get_user_model()(username=f"c{secrets.token_hex(6)}", email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="password", field="password") from exc
    user.set_password(password)
    with transaction.atomic():
        user.save()
        user.groups.add(Group.objects.get(name=Role.CANDIDATE))
        person = register_person(
            full_name=full_name, id_type=id_type, id_number=id_number, phone=phone, email=email, by=user
        )
        person.user = user
        person.save(update_fields=["user", "updated_at"])
        record(user, "people.account.register", person, {"channel": "online"})
    return user


PHOTO_PURPOSE = "people.person.photo"


def set_photo(person: Person, data: bytes, *, by) -> Person:
    """Check a 2-inch photo (decoded, re-encoded without metadata, one face) and keep it encrypted.

    The stored file is always our re-encoding, never the upload (SECURITY.md "Photos")."""
    from skilleval.core.photos import PhotoRejected, PhotoSpec, check_photo

    try:
        checked = check_photo(data, spec=PhotoSpec.two_inch())
    except PhotoRejected as exc:
        raise DomainError(exc.message_for(get_language() or "zh-hans"), code=exc.code, field="photo") from exc
    old = person.photo_name
    with transaction.atomic():
        person.photo_name = store_private(checked.jpeg, purpose=PHOTO_PURPOSE)
        person.photo_sha256 = checked.sha256
        person.photo_warnings = ",".join(checked.warnings)[:200]
        person.save(update_fields=["photo_name", "photo_sha256", "photo_warnings", "updated_at"])
        record(by, "people.person.photo", person, {"width": checked.width, "height": checked.height})
    if old:
        transaction.on_commit(lambda: delete_private(old))
    return person


def photo_bytes(person: Person) -> bytes:
    return read_private(person.photo_name, purpose=PHOTO_PURPOSE)
