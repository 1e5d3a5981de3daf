"""The public page where a student an institution uploaded confirms their own data with the code."""

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from skilleval.accounts.access import public
from skilleval.applications.confirmations import confirm_with_code
from skilleval.core.errors import DomainError
from skilleval.people.models import DocumentType


class ConfirmForm(forms.Form):
    id_type = forms.ChoiceField(
        label=_("ID type"), choices=DocumentType.choices, initial=DocumentType.RESIDENT_ID
    )
    id_number = forms.CharField(
        label=_("ID number"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    code = forms.CharField(label=_("Confirmation code"), max_length=12)
    agree = forms.BooleanField(
        label=_(
            "My details as the institution entered them are correct, and I agree that they are used for this "
            "evaluation."
        )
    )


@public
@require_http_methods(["GET", "POST"])
def confirm(request):
    form = ConfirmForm(request.POST or None)
    confirmed = None
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = confirm_with_code(
                id_type=form.cleaned_data["id_type"],
                id_number=form.cleaned_data["id_number"],
                code=form.cleaned_data["code"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
    response = render(request, "applications/confirm.html", {"form": form, "confirmed": confirmed})
    response["Cache-Control"] = "no-store"
    return response
