"""The REST API at /api/v1 (django-ninja, OpenAPI at /api/v1/openapi.json).

Every error is JSON: `{"detail": "...", "errors": {"field": ["message", ...]}}`; never an HTML page.
"""

import logging

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from skilleval.catalog.api import router as catalog_router
from skilleval.core.errors import DomainError
from skilleval.organization.api import router as cycles_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="skilleval API",
    version="1",
    description="社会化职业技能评价 — catalog, calendar, eligibility, applications. Errors are JSON with a "
    "message per field.",
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("", catalog_router)
api.add_router("", cycles_router)


def field_errors(errors: list[dict]) -> dict[str, list[str]]:
    """Pydantic's error list → {"year": ["…"]}, naming the field by its last location part."""
    out: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(part) for part in err.get("loc", ()) if part not in ("query", "body", "path", "payload")]
        out.setdefault(".".join(loc) or "__all__", []).append(err.get("msg", _("Invalid value.")))
    return out


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    return api.create_response(
        request, {"detail": _("The request has invalid fields."), "errors": field_errors(exc.errors)}, status=422
    )


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    errors = {exc.field or "__all__": [exc.message]}
    return api.create_response(request, {"detail": exc.message, "code": exc.code, "errors": errors}, status=400)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("Authentication required.")}, status=401)


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    logger.exception("unhandled API error")
    request_id = getattr(request, "request_id", "")
    return api.create_response(
        request,
        {"detail": _("An internal error occurred. Quote this request id: %s") % request_id, "request_id": request_id},
        status=500,
    )
