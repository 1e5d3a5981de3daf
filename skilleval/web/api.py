"""The REST API at /api/v1 (django-ninja, OpenAPI at /api/v1/openapi.json).

Every error is JSON: `{"detail": "...", "errors": {"field": ["message", ...]}}`; never an HTML page.
"""

import logging

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from skilleval.applications.api import router as institution_router
from skilleval.catalog.api import router as catalog_router
from skilleval.certificates.api import router as certificates_router
from skilleval.core.errors import DomainError, InvalidFields
from skilleval.eligibility.api import router as eligibility_router
from skilleval.organization.api import router as cycles_router
from skilleval.payments.api import router as payments_router

logger = logging.getLogger(__name__)


class Utf8JSONRenderer(JSONRenderer):
    # Chinese as Chinese, not \uXXXX escapes (BASELINES.md "HTTP").
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=Utf8JSONRenderer(),
    title="skilleval API",
    version="1",
    description="社会化职业技能评价 — catalog, calendar, eligibility, applications. Errors are JSON with a "
    "message per field.",
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
# Certificates first: public verification is the busiest operation, and Django tries the API's URL patterns
# in this order (each miss before it cost a regular expression match per request).
api.add_router("", certificates_router)
api.add_router("", catalog_router)
api.add_router("", cycles_router)
api.add_router("", eligibility_router)
api.add_router("", institution_router)
api.add_router("", payments_router)


def field_errors(errors: list[dict]) -> dict[str, list[str]]:
    """Pydantic's error list → {"year": ["…"]}, keyed by the field's path, in the request's language."""
    out: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(part) for part in err.get("loc", ()) if part not in ("query", "body", "path", "payload")]
        out.setdefault(".".join(loc) or "__all__", []).append(_error_message(err))
    return out


def _error_message(err: dict) -> str:
    # Pydantic speaks English only; the common cases get a translated sentence, the rest its own text.
    ctx = err.get("ctx") or {}
    kind = err.get("type", "")
    messages = {
        "missing": lambda: _("This field is required."),
        "int_parsing": lambda: _("Enter a whole number."),
        "int_type": lambda: _("Enter a whole number."),
        "float_parsing": lambda: _("Enter a number."),
        "bool_parsing": lambda: _("Enter true or false."),
        "bool_type": lambda: _("Enter true or false."),
        "string_type": lambda: _("Enter text."),
        "date_from_datetime_parsing": lambda: _("Enter a real date as YYYY-MM-DD."),
        "date_parsing": lambda: _("Enter a real date as YYYY-MM-DD."),
        "date_type": lambda: _("Enter a real date as YYYY-MM-DD."),
        "greater_than_equal": lambda: _("Must be at least %(limit)s.") % {"limit": ctx.get("ge")},
        "greater_than": lambda: _("Must be more than %(limit)s.") % {"limit": ctx.get("gt")},
        "less_than_equal": lambda: _("Must be at most %(limit)s.") % {"limit": ctx.get("le")},
        "less_than": lambda: _("Must be less than %(limit)s.") % {"limit": ctx.get("lt")},
        "string_too_long": lambda: _("At most %(limit)s characters.") % {"limit": ctx.get("max_length")},
        "string_too_short": lambda: _("At least %(limit)s characters.") % {"limit": ctx.get("min_length")},
        "enum": lambda: _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")},
        "literal_error": lambda: _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")},
        "json_invalid": lambda: _("The body is not valid JSON."),
        "model_attributes_type": lambda: _("Expected an object."),
        "list_type": lambda: _("Expected a list."),
        "extra_forbidden": lambda: _("This field is not allowed."),
    }
    if kind in messages:
        return messages[kind]()
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return err.get("msg") or _("Invalid value.")


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    return api.create_response(
        request,
        {"detail": _("The request has invalid fields."), "errors": field_errors(exc.errors)},
        status=422,
    )


@api.exception_handler(InvalidFields)
def on_invalid_fields(request, exc: InvalidFields):
    return api.create_response(request, {"detail": exc.message, "errors": exc.errors}, status=422)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    errors = {exc.field or "__all__": [exc.message]}
    return api.create_response(
        request, {"detail": exc.message, "code": exc.code, "errors": errors}, status=400
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        # ninja's own wording for a body that is not JSON; say it in the request's language.
        message = _("The body is not valid JSON.")
        return api.create_response(request, {"detail": message, "errors": {"__all__": [message]}}, status=400)
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
        {
            "detail": _("An internal error occurred. Quote this request id: %(request_id)s")
            % {"request_id": request_id},
            "request_id": request_id,
        },
        status=500,
    )
