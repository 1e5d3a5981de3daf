"""Who may do what: role checks written once (SECURITY.md "Access": deny by default, named permissions)."""

from functools import wraps

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from skilleval.accounts.roles import Role


def has_any_role(user, roles) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    names = getattr(user, "_role_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._role_names = names  # once per request
    return bool(names & {Role(r).value for r in roles})


def role_required(*roles):
    """The view needs one of `roles`; anonymous users go to the login page, others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_any_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_roles = frozenset(Role(r) for r in roles)
        return wrapper

    return decorator


def public(view):
    """Marks a view as deliberately open to everyone (checked by the URL walk in the test suite)."""
    view.is_public = True
    return view


def staff_only(view):
    """Any staff member (job progress and similar); others go to the admin login."""
    decorated = staff_member_required(view)
    decorated.staff_only = True
    return decorated


def signed_in(view):
    """Any signed-in user; the view itself decides, object by object, who may see what (e.g. a payer)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.requires_sign_in = True
    return wrapper


def needs_second_factor(user) -> bool:
    """Staff and institution users prove a second factor (TOTP) after their password; candidates do not."""
    return bool(
        user.is_authenticated
        and (user.is_staff or user.is_superuser or getattr(user, "institution_id", None))
    )


def password_expired(user, *, max_age_days: int, now) -> bool:
    """Staff change their password within `max_age_days` (SECURITY.md; 等保 8.1.4.1 a)."""
    if not (user.is_staff or user.is_superuser):
        return False
    changed = user.password_changed_at  # set by every set_password(); None only for an unusable password
    return changed is not None and (now - changed).days >= max_age_days
