"""The application form (报名表) for the candidate to confirm and sign (DOMAIN.md §4).

Always in Chinese: it is an official paper. The ID number is printed masked; the counter checks the
original document beside it. Rendered on demand (a few milliseconds), so it always shows the current data.
"""

from django.utils import timezone, translation

from skilleval.applications.models import Application, Channel
from skilleval.catalog.models import SUBJECT_ORDER, Level, SubjectKind
from skilleval.core.money import format_cny
from skilleval.core.pdf.application_form import (
    ApplicationFormData,
    CertificateRow,
    EducationRow,
    SubjectFee,
    TitleRow,
    WorkRow,
    render_application_form,
)
from skilleval.organization.models import Organization
from skilleval.people.models import DocumentType, EducationRecord, Sex, TitleHeld
from skilleval.people.services import photo_bytes


def application_form_pdf(application: Application) -> bytes:
    with translation.override("zh-hans"):
        return render_application_form(_data(application))


def _data(application: Application) -> ApplicationFormData:
    person, item = application.person, application.item
    organization = Organization.objects.get(pk=1)
    subjects = sorted(item.subjects.all(), key=lambda s: SUBJECT_ORDER[s.kind])
    return ApplicationFormData(
        application_number=application.number,
        organization_name=organization.name,
        filing_number=organization.filing_number,
        channel="团体申报" if application.channel == Channel.GROUP else "个人申报",
        institution_name=application.institution.name if application.institution_id else "",
        full_name=person.full_name,
        sex=str(Sex(person.sex).label) if person.sex else "",
        id_type=str(DocumentType(person.id_type).label),
        id_number_display=person.id_number_masked,
        birth_date=person.birth_date,
        phone_display=person.phone_masked,
        email=person.email,
        occupation_code=item.occupation.code,
        occupation_name=item.occupation.name,
        work_type=item.work_type.name if item.work_type_id else "",
        level_label=str(Level(item.level).label),
        subjects=tuple(SubjectFee(str(SubjectKind(s.kind).label), format_cny(s.fee)) for s in subjects),
        fee_total=format_cny(item.total_fee()),
        photo_jpeg=photo_bytes(person) if person.photo_name else None,
        education=tuple(
            EducationRow(
                school=e.school_name,
                education=str(EducationRecord.SchoolKind(e.school_kind).label)
                + (f"（{EducationRecord.Program(e.program).label}）" if e.program else ""),
                major=e.major,
                graduated_on=e.graduated_on,
                note="应届" if e.graduating else "",
            )
            for e in person.education.all()
        ),
        work=tuple(
            WorkRow(
                employer=w.employer,
                position=w.job_title,
                occupation=w.occupation_code,
                start=w.start,
                end=w.end,
            )
            for w in person.work.all()
        ),
        certificates=tuple(
            CertificateRow(
                occupation=c.occupation_code,
                level=str(Level(c.level).label),
                number=c.number,
                issued_on=c.issued_on,
            )
            for c in person.certificates.all()
        ),
        titles=tuple(
            TitleRow(name=t.name, grade=str(TitleHeld.Grade(t.grade).label), obtained_on=t.obtained_on)
            for t in person.titles.all()
        ),
        condition_claimed=application.claimed_condition,
        eligibility_summary=_summary(application),
        at_counter=application.channel == Channel.COUNTER,
        generated_at=timezone.localtime(),
    )


def _summary(application: Application) -> str:
    verdict = application.eligibility or {}
    if not verdict:
        return ""
    satisfied = "、".join(verdict.get("satisfied", [])) or "无"
    return (
        f"系统核验：符合条件 {satisfied}（{verdict.get('edition', '')}，{verdict.get('reference_date', '')}）"
    )
