"""Candidate accounts: sign up, sign in with mobile number or e-mail, sign out."""

from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from skilleval.accounts.access import public
from skilleval.core.errors import DomainError
from skilleval.people.forms import RegisterForm, SignInForm
from skilleval.people.services import register_candidate_account


@public
@require_http_methods(["GET", "POST"])
def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = register_candidate_account(
                full_name=data["full_name"],
                id_type=data["id_type"],
                id_number=data["id_number"],
                phone=data["phone"],
                email=data["email"],
                password=data["password"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            login(request, user, backend="skilleval.people.backends.IdentifierBackend")
            return redirect("me")
    response = render(request, "people/register.html", {"form": form})
    response["Cache-Control"] = "no-store"
    return response


sign_in = public(LoginView.as_view(template_name="people/login.html", authentication_form=SignInForm))
sign_out = public(LogoutView.as_view())
