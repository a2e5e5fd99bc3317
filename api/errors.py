"""Error bodies of the API: ``{"errors": [{"field", "code", "message"}]}`` in the caller's language
(Chinese unless Accept-Language asks for English)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from issues.errors import TransitionError


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def _flatten(detail, field=None) -> list[dict]:
    if isinstance(detail, dict):
        items = []
        for name, value in detail.items():
            name = None if name in ("non_field_errors", "detail") else name
            items += _flatten(value, name if field is None else f"{field}.{name}" if name else field)
        return items
    if isinstance(detail, list):
        return [item for value in detail for item in _flatten(value, field)]
    return [{"field": field, "code": getattr(detail, "code", "invalid") or "invalid", "message": str(detail)}]


def api_exception_handler(exc, context):
    if isinstance(exc, TransitionError):
        return Response(
            {"errors": [{"field": None, "code": "refused", "message": m} for m in exc.messages]}, status=400
        )
    if isinstance(exc, DjangoValidationError):
        items = [{"field": "attachments", "code": "invalid", "message": m} for m in exc.messages]
        return Response({"errors": items}, status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("No such request, or not one this client may see."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"errors": _flatten(exc.detail)}
    else:
        detail = getattr(exc, "detail", str(exc))
        response.data = {
            "errors": [{"field": None, "code": getattr(detail, "code", exc.default_code), "message": str(detail)}]
        }
    return response
