"""The API under /api/v1/: thin views that validate, call one selector or service, and answer JSON.

Also the commissioners' list of work orders waiting to be matched to an enterprise, and the docs page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from issues import services as issue_services
from issues.errors import TransitionError
from issues.models import Source
from portal.accounts.audit import audit_record
from portal.accounts.models import AuditEvent
from portal.orgs.models import Enterprise

from . import selectors
from . import serializers as s
from .errors import BodyTooLarge
from .models import ClientAction
from .services import unmatched_match, work_order_receive

MAX_BODY = 25 * 1024 * 1024  # a work order with its attachments; each file is also checked on its own
MAX_JSON_BODY = 256 * 1024
ERRORS = {400: s.ErrorOut, 401: s.ErrorOut, 403: s.ErrorOut, 404: s.ErrorOut, 413: s.ErrorOut, 429: s.ErrorOut}


class ApiView(APIView):
    """Refuses oversized bodies before reading them, checks the client's action, audits every call."""

    action_needed = ClientAction.READ

    def initial(self, request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.content_type.startswith("multipart/")
        if length > (MAX_BODY if multipart else MAX_JSON_BODY):
            raise BodyTooLarge(
                _("The body is too large (at most %(mb)d MB).") % {"mb": MAX_BODY // 2**20 if multipart else 1}
            )
        super().initial(request, *args, **kwargs)
        action = self.action_needed if request.method in ("GET", "HEAD") else self.write_action
        if not request.user.api_scope.may(action):
            raise PermissionDenied(_("This client has not been granted this action."))

    write_action = ClientAction.FILE

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        user = getattr(request, "_user", None)
        if user is not None and getattr(user, "api_client", None) is not None:
            audit_record(
                action=AuditEvent.Action.OTHER,
                actor=user,
                request=request._request,
                target=f"{request.method} {request.path}"[:200],
                target_type="api",
                detail={"client": user.api_client.pk, "status": response.status_code},
            )
        return response


class ServiceList(ApiView):
    @extend_schema(operation_id="services_list", responses={200: s.ServiceOut(many=True), **ERRORS})
    def get(self, request):
        """The categories (Open311 services) a work order may name."""
        return Response(s.ServiceOut(selectors.services_list(), many=True).data)


class DepartmentList(ApiView):
    @extend_schema(operation_id="departments_list", responses={200: s.DepartmentOut(many=True), **ERRORS})
    def get(self, request):
        """The active departments of the client's regions."""
        return Response(s.DepartmentOut(selectors.departments_for(request.user.api_scope), many=True).data)


class RequestCollection(ApiView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        operation_id="requests_create",
        request={"application/json": s.WorkOrderIn, "multipart/form-data": s.WorkOrderIn},
        responses={201: s.RequestOut, 200: s.RequestOut, 202: s.UnmatchedOut, **ERRORS},
    )
    def post(self, request):
        """File a work order. The same work-order number again returns what it filed the first time (200)."""
        data = request.data.copy() if hasattr(request.data, "copy") else dict(request.data)
        if hasattr(request.data, "getlist"):
            data = {k: request.data.get(k) for k in request.data if k != "attachments"}
            data["attachments"] = request.FILES.getlist("attachments")
        body = s.WorkOrderIn(data=data)
        body.is_valid(raise_exception=True)
        files = body.validated_data.pop("attachments", [])
        received = work_order_receive(
            client=request.user.api_client, actor=request.user, data=body.validated_data, files=files
        )
        if received.req is None:
            row = received.unmatched
            out = {
                "work_order_number": row.work_order_number,
                "status": "unmatched",
                "region_code": row.region.code,
                "message": _(
                    "No enterprise has this credit code; the work order waits for a commissioner to match it."
                ),
            }
            return Response(s.UnmatchedOut(out).data, status=202)
        req = selectors.requests_for_api(request.user).get(pk=received.req.pk)
        out = selectors.request_representation(req, request.user.api_scope)
        return Response(s.RequestOut(out).data, status=201 if received.created else 200)

    @extend_schema(
        operation_id="changes_list",
        parameters=[
            OpenApiParameter("since", int, description="The cursor: the last change already read (0 at first)."),
            OpenApiParameter("limit", int, description="At most this many changes (1–200, default 100)."),
        ],
        responses={200: s.ChangesOut, **ERRORS},
    )
    def get(self, request):
        """The changes after a cursor, oldest first: each event with its request as it is now."""
        query = _Window(data=request.query_params)
        query.is_valid(raise_exception=True)
        changes, cursor = selectors.changes_since(
            request.user, query.validated_data["since"], query.validated_data["limit"]
        )
        return Response(s.ChangesOut({"changes": changes, "next_cursor": cursor}).data)


class _Window(serializers.Serializer):
    since = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=200, default=100)


class RequestDetail(ApiView):
    @extend_schema(operation_id="requests_read", responses={200: s.RequestOut, **ERRORS})
    def get(self, request, pk: int):
        """One request: state, deadlines and whether they were met, the answer, the evaluation, the events."""
        req = selectors.requests_for_api(request.user).filter(pk=pk).first()
        if req is None:
            raise Http404
        return Response(s.RequestOut(selectors.request_representation(req, request.user.api_scope)).data)


class ReturnVisit(ApiView):
    write_action = ClientAction.EVALUATE

    @extend_schema(
        operation_id="requests_return_visit", request=s.ReturnVisitIn, responses={200: s.RequestOut, **ERRORS}
    )
    def post(self, request, pk: int):
        """The hotline's return-visit (回访) result: it counts as the enterprise's evaluation of the answer."""
        if not selectors.requests_for_api(request.user).filter(pk=pk).exists():
            raise Http404
        body = s.ReturnVisitIn(data=request.data)
        body.is_valid(raise_exception=True)
        issue_services.request_evaluate(
            req_id=pk,
            actor=request.user,
            verdict=body.validated_data["verdict"],
            comment=body.validated_data["comment"],
            source=Source.HOTLINE,
        )
        req = selectors.requests_for_api(request.user).get(pk=pk)
        return Response(s.RequestOut(selectors.request_representation(req, request.user.api_scope)).data)


def docs(request):
    """The browsable reference (Swagger UI, served from static/vendor/)."""
    return render(request, "api/docs.html")


# ---------------------------------------------------------------------------------------------
# the commissioners' list of unmatched work orders


@login_required
def unmatched_list(request):
    if not (request.user.is_commissioner or request.user.is_supervisor):
        raise PermissionDenied
    rows = list(selectors.unmatched_for(request.user).filter(request__isnull=True).order_by("received_at", "pk")[:200])
    return render(request, "api/unmatched.html", {"rows": rows, "may_match": request.user.is_commissioner})


@login_required
@require_POST
def unmatched_match_view(request, pk: int):
    if not request.user.is_commissioner:
        raise PermissionDenied
    row = get_object_or_404(selectors.unmatched_for(request.user), pk=pk)
    code = request.POST.get("credit_code", "").strip().upper()
    enterprise = Enterprise.objects.filter(credit_code=code).first()
    if enterprise is None:
        messages.error(request, _("No enterprise has this credit code; check it and try again."))
        return redirect("api:unmatched")
    try:
        req = unmatched_match(row_id=row.pk, enterprise=enterprise, actor=request.user, http_request=request)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect("api:unmatched")
    messages.success(request, _("Matched; the request has been filed for %(name)s.") % {"name": enterprise.name})
    return redirect("issues:request_detail", req.pk)
