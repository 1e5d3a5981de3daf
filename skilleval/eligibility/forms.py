"""The public self-check form: a candidate's facts without any identity document (DOMAIN.md §3)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skilleval.catalog.models import CatalogItem
from skilleval.eligibility import engine
from skilleval.people.models import EducationRecord, TitleHeld

DATE = forms.DateInput(attrs={"type": "date"})


def occupation_choices():
    """(code|work type) pairs offered in the catalog in force, labelled as the notice writes them."""
    seen = {}
    items = CatalogItem.objects.in_force(timezone.localdate()).select_related("occupation", "work_type")
    for item in items.order_by("occupation__code", "work_type__name"):
        key = f"{item.occupation.code}|{item.work_type.name if item.work_type else ''}"
        seen.setdefault(key, f"{item.occupation.code} {item.display_name}")
    return list(seen.items())


class SelfCheckForm(forms.Form):
    occupation = forms.ChoiceField(label=_("Occupation (work type)"))
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE)
    intends_to_work = forms.BooleanField(
        label=_("I intend to work in this or a related occupation"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupation"].choices = occupation_choices()

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth is in the future."))
        return value


class EducationForm(forms.Form):
    school_kind = forms.ChoiceField(
        label=_("School kind"), choices=[("", "—"), *EducationRecord.SchoolKind.choices], required=False
    )
    program = forms.ChoiceField(
        label=_("Programme"), choices=[("", "—"), *EducationRecord.Program.choices], required=False
    )
    major = forms.CharField(label=_("Major"), max_length=100, required=False)
    graduated_on = forms.DateField(label=_("Graduated on"), widget=DATE, required=False)
    graduating = forms.BooleanField(label=_("Graduating this year"), required=False)
    evaluated = forms.BooleanField(label=_("Evaluated school"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("school_kind") and not data.get("graduated_on") and not data.get("graduating"):
            self.add_error("graduated_on", _("Give the graduation date, or tick “graduating this year”."))
        return data

    def to_row(self) -> dict:
        d = self.cleaned_data
        return {
            "school_kind": d["school_kind"],
            "program": d["program"],
            "major": d["major"],
            "evaluated": d["evaluated"] or None,
            "graduated_on": d["graduated_on"],
            "graduating": d["graduating"],
        }

    def to_engine(self):
        d = self.cleaned_data
        return engine.Education(
            school_kind=d["school_kind"],
            program=d["program"] or None,
            major=d["major"] or None,
            evaluated=d["evaluated"] or None,
            graduated_on=d["graduated_on"],
            graduating=d["graduating"],
        )


class WorkForm(forms.Form):
    occupation = forms.CharField(label=_("Occupation code"), max_length=16, required=False)
    start = forms.DateField(label=_("From"), widget=DATE, required=False)
    end = forms.DateField(label=_("To (empty if still working)"), widget=DATE, required=False)

    def clean(self):
        data = super().clean()
        if data.get("occupation") and not data.get("start"):
            self.add_error("start", _("Give the start date."))
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("A work period cannot end before it starts."))
        return data

    def to_row(self) -> dict:
        d = self.cleaned_data
        return {"occupation_code": d["occupation"].strip(), "start": d["start"], "end": d["end"]}

    def to_engine(self):
        d = self.cleaned_data
        return engine.WorkPeriod(occupation=d["occupation"].strip(), start=d["start"], end=d["end"])


class CertificateForm(forms.Form):
    occupation = forms.CharField(label=_("Occupation code"), max_length=16, required=False)
    level = forms.TypedChoiceField(
        label=_("Level"),
        choices=[("", "—"), *[(n, str(n)) for n in (5, 4, 3, 2, 1)]],
        coerce=int,
        required=False,
    )
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE, required=False)

    def clean(self):
        data = super().clean()
        if data.get("occupation") and not (data.get("level") and data.get("issued_on")):
            self.add_error("issued_on", _("Give the level and the date of issue."))
        return data

    def to_row(self) -> dict:
        d = self.cleaned_data
        return {"occupation_code": d["occupation"].strip(), "level": d["level"], "issued_on": d["issued_on"]}

    def to_engine(self):
        d = self.cleaned_data
        return engine.Certificate(
            occupation=d["occupation"].strip(), level=d["level"], issued_on=d["issued_on"]
        )


class TitleForm(forms.Form):
    grade = forms.ChoiceField(
        label=_("Professional title"), choices=[("", "—"), *TitleHeld.Grade.choices], required=False
    )
    obtained_on = forms.DateField(label=_("Obtained on"), widget=DATE, required=False)
    matches = forms.BooleanField(label=_("Matches the specialty"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("grade") and not data.get("obtained_on"):
            self.add_error("obtained_on", _("Give the date."))
        return data

    def to_row(self) -> dict:
        d = self.cleaned_data
        return {"grade": d["grade"], "matches": d["matches"] or None, "obtained_on": d["obtained_on"]}

    def to_engine(self):
        d = self.cleaned_data
        return engine.Title(grade=d["grade"], matches=d["matches"] or None, obtained_on=d["obtained_on"])


ROWS = {
    "education": (EducationForm, 3, "school_kind"),
    "work": (WorkForm, 4, "occupation"),
    "certificates": (CertificateForm, 2, "occupation"),
    "titles": (TitleForm, 2, "grade"),
}


def formsets(data=None, initial: dict | None = None):
    """One formset per list of facts, with room for a few more rows than `initial` holds."""
    initial = initial or {}
    sets = {}
    for name, (form, extra, _key) in ROWS.items():
        rows = initial.get(name, [])
        total = max(extra, len(rows) + 1)
        factory = forms.formset_factory(form, extra=total - len(rows), max_num=total, absolute_max=total)
        sets[name] = factory(data, prefix=name, initial=rows or None)
    return sets


def filled(name, formset):
    key = ROWS[name][2]
    return [f.to_engine() for f in formset.forms if f.cleaned_data.get(key)]


def filled_rows(name, formset) -> tuple[dict, ...]:
    key = ROWS[name][2]
    return tuple(f.to_row() for f in formset.forms if f.cleaned_data.get(key))


def initial_from_person(person) -> dict:
    """The stored facts as form rows (the inverse of `filled_rows`)."""
    return {
        "education": [
            {
                "school_kind": e.school_kind,
                "program": e.program,
                "major": e.major,
                "evaluated": bool(e.evaluated),
                "graduated_on": e.graduated_on,
                "graduating": e.graduating,
            }
            for e in person.education.all()
        ],
        "work": [
            {"occupation": w.occupation_code, "start": w.start, "end": w.end} for w in person.work.all()
        ],
        "certificates": [
            {"occupation": c.occupation_code, "level": c.level, "issued_on": c.issued_on}
            for c in person.certificates.all()
        ],
        "titles": [
            {"grade": t.grade, "matches": bool(t.matches), "obtained_on": t.obtained_on}
            for t in person.titles.all()
        ],
    }
