"""One JSON shape for every refusal, in Vietnamese (the request's language), with a stable
code and the field at fault as a dotted path into the request:

    {"errors": [{"code": "stale", "message": "…", "field": "version"}]}

Django's ValidationError from the services (keyed by indicator code for figures), their
PermissionDenied and Http404, pydantic's parsing errors, the authentication and the rate
limit all end here, so a client needs one error parser."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as RequestValidationError

from activities.services import StaleReportError
from api.services import TokenRefused


class ErrorItem(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    errors: list[ErrorItem]


class ApiError(Exception):
    """A refusal decided in the API layer (an unknown indicator code, a malformed month)."""

    def __init__(self, status: int, errors: Iterable[tuple[str, str, str | None]]):
        self.status = status
        self.errors = list(errors)
        super().__init__(self.errors)


class CsrfRefused(Exception):
    """An unsafe request on session authentication without a valid CSRF token."""


def _body(errors: Iterable[tuple[str, str, str | None]]) -> dict:
    return {
        "errors": [
            {"code": code, "message": str(message), "field": field}
            for code, message, field in errors
        ]
    }


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, errors: Iterable[tuple]
) -> HttpResponse:
    return api.create_response(request, _body(errors), status=status)


# Pydantic's error types → a Vietnamese message; the type itself is the code.
def _pydantic_message(error: dict) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Enter a whole number, e.g. 1800.")
    if kind in ("bool_type", "bool_parsing"):
        return _("Enter true or false.")
    if kind in ("string_type",):
        return _("Enter text.")
    if kind == "string_too_long":
        return _("At most %(limit)s characters.") % {"limit": context.get("max_length", "")}
    if kind == "string_pattern_mismatch":
        return _("This value does not have the expected form.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("The value must be at least %(limit)s.") % {
            "limit": context.get("ge", context.get("gt", ""))
        }
    if kind in ("less_than_equal", "less_than"):
        return _("The value must be at most %(limit)s.") % {
            "limit": context.get("le", context.get("lt", ""))
        }
    if kind == "extra_forbidden":
        return _("This field is not accepted.")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("Enter an object.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind == "literal_error" or kind == "enum":
        return _("This value is not one of the accepted values.")
    return _("This value is not valid.")


# Where a value came from is not part of its path for the client: "values.X.value", "period".
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}
BODY_PARAMETER = "payload"


def _pydantic_field(loc: Iterable) -> str | None:
    parts = [str(part) for part in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    if parts and parts[0] == BODY_PARAMETER:
        parts = parts[1:]
    return ".".join(parts) or None


def validation_errors(error: ValidationError, *, field_prefix: str = "values") -> list[tuple]:
    """A service's ValidationError as error items. Figures are keyed by indicator code
    (``values.<CODE>``), "__all__" is the request as a whole, other keys are body fields."""
    if isinstance(error, StaleReportError):
        return [("stale", error.messages[0], "version")]
    items = []
    if hasattr(error, "error_dict"):
        for key, errors in error.error_dict.items():
            if key == "__all__":
                field = None
            elif key in ("reason", "version", "narrative", "expires_at"):
                field = key
            else:
                field = f"{field_prefix}.{key}"
            items += [(e.code or "invalid", message, field) for e in errors for message in e]
    else:
        items = [(e.code or "invalid", message, None) for e in error.error_list for message in e]
    return items


def install(api: NinjaAPI) -> None:
    """Register the handlers that give every refusal the one shape."""

    def request_invalid(request, exc: RequestValidationError):
        return error_response(
            api,
            request,
            422,
            [
                (e.get("type", "invalid"), _pydantic_message(e), _pydantic_field(e.get("loc", ())))
                for e in exc.errors
            ],
        )

    def service_invalid(request, exc: ValidationError):
        status = 409 if isinstance(exc, StaleReportError) else 422
        return error_response(api, request, status, validation_errors(exc))

    def not_found(request, exc):
        return error_response(
            api, request, 404, [("not_found", _("Not found (or not yours to see)."), None)]
        )

    def forbidden(request, exc: PermissionDenied):
        message = str(exc) or _("You are not allowed to do this.")
        return error_response(api, request, 403, [("forbidden", message, None)])

    def csrf_refused(request, exc):
        return error_response(
            api,
            request,
            403,
            [("csrf", _("Session requests that change data need the CSRF token."), None)],
        )

    def unauthenticated(request, exc: AuthenticationError):
        response = error_response(
            api,
            request,
            401,
            [("unauthenticated", _("Give an API token: Authorization: Bearer <token>."), None)],
        )
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    def token_refused(request, exc: TokenRefused):
        response = error_response(api, request, 401, [(exc.code, exc.message, None)])
        response["WWW-Authenticate"] = 'Bearer realm="api", error="invalid_token"'
        return response

    def throttled(request, exc: Throttled):
        return error_response(
            api,
            request,
            429,
            [("rate_limited", _("Too many requests: wait a moment and try again."), None)],
        )

    def http_error(request, exc: HttpError):
        return error_response(api, request, exc.status_code, [("error", str(exc), None)])

    def api_error(request, exc: ApiError):
        return error_response(api, request, exc.status, exc.errors)

    api.add_exception_handler(RequestValidationError, request_invalid)
    api.add_exception_handler(ValidationError, service_invalid)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(CsrfRefused, csrf_refused)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(TokenRefused, token_refused)
    api.add_exception_handler(Throttled, throttled)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(ApiError, api_error)


# The refusals every operation documents, so clients (and schemathesis) know their shape.
COMMON_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
