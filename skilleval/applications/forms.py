from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skilleval.catalog.models import CatalogItem
from skilleval.people.models import DocumentType


class CounterApplicationForm(forms.Form):
    """What a clerk types for a walk-in candidate (DOMAIN.md §4 个人申报 at the counter)."""

    full_name = forms.CharField(label=_("Name (as on the ID document)"), max_length=100)
    id_type = forms.ChoiceField(
        label=_("ID type"), choices=DocumentType.choices, initial=DocumentType.RESIDENT_ID
    )
    id_number = forms.CharField(
        label=_("ID number"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Only for documents that do not carry it (passports, travel permits)."),
    )
    phone = forms.CharField(label=_("Mobile number"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    item = forms.ModelChoiceField(label=_("Item and level"), queryset=CatalogItem.objects.none())
    condition = forms.CharField(label=_("Condition claimed (e.g. L4-1)"), max_length=8, required=False)
    photo = forms.FileField(label=_("2-inch photo"), required=False)
    notice_signed = forms.BooleanField(label=_("Signed candidate notice received"), required=False)
    photo_checked = forms.BooleanField(label=_("Paper photo checked"), required=False)
    originals_checked = forms.BooleanField(label=_("Originals of the evidence checked"), required=False)
    pledge = forms.BooleanField(label=_("The candidate signed the pledge"), required=True)
    intends_to_work = forms.BooleanField(
        label=_("Intends to work in this or a related occupation"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = CatalogItem.objects.in_force(timezone.localdate()).select_related(
            "occupation", "work_type"
        )
