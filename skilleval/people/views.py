"""Candidate accounts: sign up, sign in with mobile number or e-mail, sign out."""

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
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


sign_in = public(
    never_cache(LoginView.as_view(template_name="people/login.html", authentication_form=SignInForm))
)
sign_out = public(LogoutView.as_view())


def locked_out(request, original_response=None, credentials=None):
    """django-axes calls this once a username has failed too often: the sign-in page, saying for how long.

    The same page whether or not the username exists, so a lockout tells nobody which accounts are real.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(
        request,
        "people/login.html",
        {"form": SignInForm(request), "locked_minutes": minutes, "next": request.POST.get("next", "")},
        status=429,
    )
    response["Cache-Control"] = "no-store"
    return response
