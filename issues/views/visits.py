"""Visits (走访), filing on an enterprise's behalf and the contact card with its QR code."""

from datetime import timedelta

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.masking import mask_phone
from portal.onboarding.tokens import has_accounts, registration_path
from portal.orgs.models import Enterprise
from portal.orgs.selectors import (
    commissioner_unit,
    enterprise_ids_for_commissioner,
    pairings_of,
    region_scope_for,
)
from projects.models import Project
from projects.selectors import project_ids_for_commissioner

from .. import forms, services
from .. import permissions as perms
from ..models import (
    Attachment,
    Visit,
)
from ..uploads import attachment_response
from .common import _page, _require


@login_required
@require_GET
def contact_card(request, pk):
    user = request.user
    enterprise, standing = _contact_card_enterprise(user, pk)
    member, paired = standing.member, standing.paired
    cards = [
        {
            "pairing": p,
            "name": p.commissioner.display_name,
            "unit": commissioner_unit(p.commissioner),
            # in full for the enterprise's members and for the commissioners who print the card
            "phone": p.commissioner.phone if member or paired else mask_phone(p.commissioner.phone),
        }
        for p in pairings_of(enterprise)
    ]
    visits = []
    if standing.sees_visits:
        visits = list(
            enterprise.visits.select_related("commissioner", "project")
            .prefetch_related("photos")
            .order_by("-visited_on", "-pk")[:20]
        )
    return render(
        request,
        "issues/contact_card.html",
        {
            "enterprise": enterprise,
            "cards": cards,
            "member": member,
            "paired": paired,
            "visits": visits,
            "show_visits": standing.sees_visits,
            "qr_registers": not has_accounts(enterprise),
        },
    )


def _contact_card_enterprise(user, pk):
    enterprise = get_object_or_404(Enterprise.objects.select_related("region"), pk=pk)
    standing = perms.contact_card_standing(user, enterprise)
    if not standing.may_see:
        raise Http404
    return enterprise, standing


@login_required
@require_GET
def contact_card_qr(request, pk):
    """A QR code (SVG) for the printed card: "file a request" for this enterprise, or registration when it
    has no account yet."""
    enterprise, _standing = _contact_card_enterprise(request.user, pk)
    if has_accounts(enterprise):
        target = request.build_absolute_uri(f"{reverse('issues:request_create')}?enterprise={enterprise.pk}")
    else:  # nobody can sign in for it yet: the code leads to registration, pre-filled by a signed token
        target = request.build_absolute_uri(registration_path(enterprise))
    image = qrcode.make(target, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    response = HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _paired_enterprises(user):
    return Enterprise.objects.filter(pk__in=enterprise_ids_for_commissioner(user)).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def request_create_on_behalf(request):
    """A commissioner files a request taken by phone or from the 12345 hotline for a paired enterprise."""
    _require(request.user.is_commissioner)
    enterprises = _paired_enterprises(request.user)
    if request.method == "POST":
        form = forms.OnBehalfForm(request.POST, request.FILES, enterprises=enterprises)
        if form.is_valid():
            data = form.cleaned_data
            try:
                req = services.request_submit(
                    actor=request.user,
                    enterprise=data["enterprise"],
                    category=data["category"],
                    title=data["title"],
                    description=data["description"],
                    source=data["source"],
                    files=data["attachments"],
                    project=data["project"],
                    work_order_number=data["work_order_number"],
                    caller_name=data["caller_name"],
                    caller_mobile=data["caller_mobile"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("The request has been filed for %(enterprise)s.") % {"enterprise": data["enterprise"].name},
                )
                return redirect("issues:request_detail", req.pk)
    else:
        preselect = request.GET.get("enterprise", "")
        form = forms.OnBehalfForm(
            enterprises=enterprises,
            initial={"enterprise": preselect if preselect.isdigit() else None, "source": "hotline"},
        )
    return render(request, "issues/on_behalf_form.html", {"form": form})


def visits_visible_to(user):
    """Visits a commissioner recorded, and for supervisors every visit to an enterprise or project in scope."""
    condition = Q(pk__in=[])
    if user.is_commissioner:
        condition |= Q(commissioner=user) | Q(enterprise_id__in=enterprise_ids_for_commissioner(user))
    if user.is_supervisor:
        scope = region_scope_for(user).values("pk")
        condition |= Q(enterprise__region_id__in=scope) | Q(project__region_id__in=scope)
    return Visit.objects.filter(condition)


@login_required
@require_GET
def visit_list(request):
    user = request.user
    _require(user.is_commissioner or user.is_supervisor)
    visits = visits_visible_to(user)
    if user.is_commissioner and not user.is_supervisor:
        visits = visits.filter(commissioner=user)
    page = _page(
        request,
        visits.select_related("enterprise", "project", "commissioner")
        .prefetch_related("photos")
        .order_by("-visited_on", "-pk"),
    )
    since = (timezone.localdate().replace(day=1) - timedelta(days=335)).replace(day=1)
    monthly = (
        visits.filter(visited_on__gte=since)
        .annotate(month=TruncMonth("visited_on"))
        .values("commissioner_id", "commissioner__real_name", "commissioner__username", "month")
        .annotate(n=Count("pk"))
        .order_by("commissioner__real_name", "commissioner_id", "month")
    )
    months = sorted({row["month"] for row in monthly})
    table: dict[int, dict] = {}
    for row in monthly:
        entry = table.setdefault(
            row["commissioner_id"],
            {"name": row["commissioner__real_name"] or row["commissioner__username"], "counts": {}},
        )
        entry["counts"][row["month"]] = row["n"]
    counts = [
        {"name": e["name"], "cells": [e["counts"].get(m, 0) for m in months], "total": sum(e["counts"].values())}
        for e in table.values()
    ]
    return render(request, "issues/visit_list.html", {"page": page, "months": months, "counts": counts})


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request):
    user = request.user
    _require(user.is_commissioner)
    enterprises = _paired_enterprises(user)
    projects = (
        Project.objects.filter(Q(pk__in=project_ids_for_commissioner(user)) | Q(enterprise__in=enterprises))
        .distinct()
        .order_by("name")
    )
    if request.method == "POST":
        form = forms.VisitForm(request.POST, request.FILES, enterprises=enterprises, projects=projects)
        formset = forms.VisitRequestFormSet(request.POST, prefix="req")
        form_valid, formset_valid = form.is_valid(), formset.is_valid()
        if form_valid and formset_valid:
            data = form.cleaned_data
            collected = [f.cleaned_data for f in formset if f.has_changed() and f.cleaned_data]
            try:
                visit = services.visit_record(
                    actor=user,
                    visited_on=data["visited_on"],
                    enterprise=data["enterprise"],
                    project=data["project"],
                    people_met=data["people_met"],
                    notes=data["notes"],
                    photos=data["photos"],
                    requests=collected,
                )
            except ValidationError as error:
                form.add_error(None, error)
                form.ask_files_again()
            else:
                if collected:
                    messages.success(
                        request,
                        _("The visit has been recorded and %(n)d request(s) filed for the enterprise.")
                        % {"n": len(collected)},
                    )
                else:
                    messages.success(request, _("The visit has been recorded."))
                if visit.enterprise_id:
                    return redirect("issues:contact_card", visit.enterprise_id)
                return redirect("issues:visit_list")
        else:
            form.ask_files_again()  # an error in a collected request loses the photos too
    else:
        preselect = request.GET.get("enterprise", "")
        project = request.GET.get("project", "")  # from a key project's page
        form = forms.VisitForm(
            enterprises=enterprises,
            projects=projects,
            initial={
                "visited_on": timezone.localdate(),
                "enterprise": preselect if preselect.isdigit() else None,
                "project": project if project.isdigit() else None,
            },
        )
        formset = forms.VisitRequestFormSet(prefix="req")
    return render(request, "issues/visit_form.html", {"form": form, "formset": formset})


@login_required
@require_GET
def visit_photo(request, token):
    photo = Attachment.objects.filter(token=token, visit__in=visits_visible_to(request.user).values("pk")).first()
    if photo is None:
        raise Http404
    return attachment_response(photo)
