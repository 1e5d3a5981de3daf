"""Bearer-token authentication for institution endpoints of the API (issue 4 "API")."""

from django.utils import timezone
from ninja.security import HttpBearer

from skilleval.accounts.models import ApiToken
from skilleval.accounts.services import token_hash


class InstitutionToken(HttpBearer):
    """`Authorization: Bearer sk_…`; `request.auth` is the token, whose institution scopes every query."""

    def authenticate(self, request, token):
        found = (
            ApiToken.objects.select_related("user", "institution")
            .filter(token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if (
            found is None
            or found.user.institution_id != found.institution_id
            or not found.institution.is_active
        ):
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found
