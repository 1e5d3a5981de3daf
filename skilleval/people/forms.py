from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from skilleval.people.models import DocumentType


class SignInForm(AuthenticationForm):
    username = forms.CharField(label=_("Mobile number or e-mail"), max_length=254)


class RegisterForm(forms.Form):
    full_name = forms.CharField(label=_("Name (as on the ID document)"), max_length=100)
    id_type = forms.ChoiceField(
        label=_("ID type"), choices=DocumentType.choices, initial=DocumentType.RESIDENT_ID
    )
    id_number = forms.CharField(
        label=_("ID number"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    phone = forms.CharField(label=_("Mobile number"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        if not data.get("phone") and not data.get("email"):
            self.add_error("phone", _("Give a mobile number or an e-mail address."))
        return data
