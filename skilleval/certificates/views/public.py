"""Public certificate pages (DOMAIN.md §11, SECURITY.md "Public certificate verification").

- `/verify/`: the lookup form. Two identifiers by POST only, so the ID number never reaches a URL; it is not
  written back into the page either. When the client owes a proof of work, verify.js computes it and sends
  the same question again; without JavaScript the page says so.
- `/v/<payload>`: where a certificate's QR code leads; the signed statement and the certificate's state.
- `/verify/offline/` and `/certificates/public-key.pem`: the key, and a page that checks a statement's
  signature in the browser, without asking us.
"""

from datetime import datetime

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from skilleval.accounts.access import public
from skilleval.catalog.models import Level, Occupation
from skilleval.certificates import signing
from skilleval.certificates.verification import check_statement, verify
from skilleval.core import context

MAX_PAYLOAD = 2000  # a statement with a long name is ~400 characters; anything far longer is not ours


class UnfilledInput(forms.TextInput):
    """Never written back into the page: the ID number goes to the server once and stays there."""

    def format_value(self, value):
        return None


class VerifyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    number = forms.CharField(
        label=gettext_lazy("Certificate number"),
        max_length=32,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    id_number = forms.CharField(
        label=gettext_lazy("ID number"),
        max_length=32,
        required=False,
        widget=UnfilledInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    # Filled by verify.js only, after a `challenge_required` answer; never rendered.
    challenge = forms.CharField(required=False, max_length=600)
    nonce = forms.CharField(required=False, max_length=64)

    def clean(self):
        data = super().clean()
        if bool(data.get("number", "").strip()) == bool(data.get("id_number", "").strip()):
            raise forms.ValidationError(
                _("Fill in the certificate number or the ID number, one of the two."), code="one_identifier"
            )
        return data


def _client_ip() -> str:
    ctx = context.current()
    return (ctx.client_ip if ctx else None) or ""


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"  # a name and a masked ID number on the page
    return response


@public
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("id_number")
def verify_page(request):
    # Element ids of their own: Django's default would give the number field the id "id_number", the name
    # of the ID number field, and the browser's form.elements would mix the two up.
    form = VerifyForm(request.POST if request.method == "POST" else None, auto_id="verify-%s")
    answer, status = None, 200
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        result = verify(
            name=data["name"],
            number=data["number"],
            id_number=data["id_number"],
            client_ip=_client_ip(),
            channel="page",
            challenge=data["challenge"],
            nonce=data["nonce"],
        )
        answer, status = result.body, result.status
    response = render(
        request, "certificates/public_verify.html", {"form": form, "answer": answer}, status=status
    )
    if status == 429:
        response["Retry-After"] = str(answer.get("retry_after", 0))
    return _private(response)


def _shown(fields: dict) -> dict:
    """The statement's fields as a reader wants them: the occupation's name, the level's label, a date."""
    english = translation.get_language() == "en"
    names = Occupation.objects.filter(code=fields["occupation_code"]).values_list("name", "name_en").first()
    occupation = fields["occupation_code"]
    if names:
        occupation = f"{(names[1] if english and names[1] else names[0])} ({fields['occupation_code']})"
    try:
        level = Level(int(fields["level"])).label
    except ValueError:
        level = fields["level"]
    try:
        issued_on = datetime.strptime(fields["issued_on"], "%Y%m%d").date()
    except ValueError:
        issued_on = fields["issued_on"]
    return {**fields, "occupation": occupation, "level_label": level, "issued": issued_on}


@public
@require_GET
def statement(request, payload: str):
    fields = None
    if len(payload) <= MAX_PAYLOAD:
        fields = check_statement(payload, client_ip=_client_ip())
    page = {"fields": _shown(fields) if fields else None, "payload": payload if fields else ""}
    return _private(render(request, "certificates/public_statement.html", page))


@public
@require_GET
def offline(request):
    english = translation.get_language() == "en"
    labels = {
        "occupations": {
            code: (name_en if english and name_en else name)
            for code, name, name_en in Occupation.objects.values_list("code", "name", "name_en")
        },
        "levels": {str(value): str(label) for value, label in Level.choices},
    }
    return render(
        request,
        "certificates/public_offline.html",
        {
            "public_key": signing.public_key_pem().decode("ascii"),
            "labels": labels,
            "statement_base": reverse("certificate-statement", args=["x"])[:-1],  # /v/ or /en/v/
        },
    )


@public
@require_GET
def public_key(request):
    response = HttpResponse(signing.public_key_pem(), content_type="text/plain; charset=us-ascii")
    response["Content-Disposition"] = 'inline; filename="public-key.pem"'
    return response
