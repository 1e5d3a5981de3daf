"""A candidate (参评人员) and the facts eligibility is decided on (DOMAIN.md §3, §14).

The ID number and phone are encrypted at rest; a blind index finds a person by ID number without the number
being stored; the masked form is kept for lists. Education, work, certificates and titles are the stored
profile that the eligibility check reads, whether the facts came from the candidate, a clerk or an import.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skilleval.privacy.fields import EncryptedTextField

# Blind-index purposes: an ID number or phone is found by HMAC of its normalised form under these labels.
ID_INDEX_PURPOSE = "people.person.id_number"
PHONE_INDEX_PURPOSE = "people.person.phone"


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    RESIDENCE_PERMIT = (
        "hk_macao_tw_residence_permit",
        _("Residence permit for Hong Kong, Macao and Taiwan residents"),
    )
    HK_MACAO_PASS = "hk_macao_pass", _("Mainland travel permit for Hong Kong and Macao residents")
    TAIWAN_PASS = "taiwan_pass", _("Mainland travel permit for Taiwan residents")
    FOREIGN_PERMANENT_RESIDENT = "foreign_permanent_resident", _("Foreign permanent resident ID card")
    PASSPORT = "passport", _("Passport")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Person(models.Model):
    full_name = models.CharField(_("full name"), max_length=100)
    id_type = models.CharField(_("ID type"), max_length=32, choices=DocumentType.choices)
    id_number = EncryptedTextField(_("ID number"), purpose="people.person.id_number")
    id_number_index = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=32, editable=False)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    phone = EncryptedTextField(_("mobile phone"), purpose="people.person.phone", blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("mobile phone"), max_length=16, blank=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    intends_to_work = models.BooleanField(_("intends to work in the occupation"), default=False)
    photo_name = models.CharField(max_length=64, blank=True, editable=False)  # privacy.files, re-encoded JPEG
    photo_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    photo_warnings = models.CharField(_("photo warnings"), max_length=200, blank=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["full_name"]

    def __str__(self):
        return f"{self.full_name} {self.id_number_masked}"


class EducationRecord(models.Model):
    class SchoolKind(models.TextChoices):
        PRIMARY = "primary", _("Primary school")
        JUNIOR_MIDDLE = "junior_middle", _("Junior middle school")
        GENERAL_HIGH = "general_high", _("Senior high school")
        SECONDARY_VOCATIONAL = "secondary_vocational", _("Secondary vocational school")
        TECHNICAL = "technical", _("Technical school")
        SENIOR_TECHNICAL = "senior_technical", _("Senior technical school")
        TECHNICIAN_COLLEGE = "technician_college", _("Technician college")
        HIGHER_VOCATIONAL = "higher_vocational", _("Higher vocational college")
        UNIVERSITY = "university", _("University or college")

    class Program(models.TextChoices):
        SENIOR_WORKER = "senior_worker", _("Senior-worker class")
        PREPARATORY_TECHNICIAN = "preparatory_technician", _("Preparatory-technician class")
        TECHNICIAN = "technician", _("Technician class")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="education")
    school_kind = models.CharField(_("school kind"), max_length=24, choices=SchoolKind.choices)
    program = models.CharField(_("programme"), max_length=24, choices=Program.choices, blank=True)
    school_name = models.CharField(_("school"), max_length=200, blank=True)
    major = models.CharField(_("major"), max_length=100, blank=True)
    related = models.BooleanField(_("related major (confirmed)"), null=True, blank=True)
    evaluated = models.BooleanField(_("evaluated school"), null=True, blank=True)
    graduated_on = models.DateField(_("graduated on"), null=True, blank=True)
    graduating = models.BooleanField(_("graduating this year"), default=False)

    class Meta:
        verbose_name = _("education")
        verbose_name_plural = _("education")
        constraints = [
            models.CheckConstraint(
                condition=Q(graduated_on__isnull=False) | Q(graduating=True),
                name="education_graduated_or_graduating",
            )
        ]

    def __str__(self):
        return f"{self.get_school_kind_display()} {self.major}"


class WorkRecord(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="work")
    occupation_code = models.CharField(_("occupation code"), max_length=16)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    job_title = models.CharField(_("position"), max_length=100, blank=True)
    related = models.BooleanField(_("related occupation (confirmed)"), null=True, blank=True)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True, help_text=_("Empty while still working there."))

    class Meta:
        verbose_name = _("work period")
        verbose_name_plural = _("work periods")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="work_end_after_start"
            )
        ]

    def __str__(self):
        return f"{self.occupation_code} {self.start}–{self.end or ''}"


class CertificateHeld(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="certificates")
    occupation_code = models.CharField(_("occupation code"), max_length=16)
    level = models.PositiveSmallIntegerField(_("level"))
    issued_on = models.DateField(_("issued on"))
    number = models.CharField(_("certificate number"), max_length=40, blank=True)
    related = models.BooleanField(_("related occupation (confirmed)"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate held")
        verbose_name_plural = _("certificates held")
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="held_level_range")
        ]

    def __str__(self):
        return f"{self.occupation_code} L{self.level} {self.issued_on}"


class TitleHeld(models.Model):
    class Grade(models.TextChoices):
        JUNIOR = "junior", _("Junior professional title")
        INTERMEDIATE = "intermediate", _("Intermediate professional title")
        SENIOR = "senior", _("Senior professional title")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="titles")
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices)
    name = models.CharField(_("title name"), max_length=100, blank=True)
    matches = models.BooleanField(_("matches the specialty (confirmed)"), null=True, blank=True)
    obtained_on = models.DateField(_("obtained on"))

    class Meta:
        verbose_name = _("professional title")
        verbose_name_plural = _("professional titles")

    def __str__(self):
        return f"{self.get_grade_display()} {self.obtained_on}"


class Ban(models.Model):
    """A person may not be evaluated until a date (DOMAIN.md §12); written by discipline decisions."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="bans")
    until = models.DateField(_("banned until"))
    reason = models.CharField(_("reason"), max_length=300)
    source = models.CharField(_("decision"), max_length=100, blank=True)
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("ban")
        verbose_name_plural = _("bans")

    def __str__(self):
        return f"{self.person} → {self.until}"
