"""The notification centre: the bell, the list, mark read. A person only ever sees their own."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from portal.http import back_to

from . import services
from .models import Notification
from .selectors import notification_status, unread_count


@login_required
def bell(request):
    return render(request, "includes/bell.html", {"unread_count": unread_count(request.user)})


@vary_on_headers("HX-Request")
@login_required
def notification_list(request):
    qs = Notification.objects.filter(user=request.user)
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page_obj": page, "unread_only": bool(request.GET.get("unread")), "unread_count": unread_count(request.user)},
    )


@login_required
def notification_open(request, pk: int):
    """Mark read and go to what the notification is about."""
    notification = Notification.objects.filter(pk=pk, user=request.user).first()
    if notification is None:
        raise Http404
    services.notification_mark_read(user=request.user, notification_id=pk)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()}):
        return redirect(notification.url)
    return redirect("notifications:list")


@require_POST
@login_required
def notification_read(request, pk: int):
    if not Notification.objects.filter(pk=pk, user=request.user).exists():
        raise Http404
    services.notification_mark_read(user=request.user, notification_id=pk)
    return redirect(back_to(request, "notifications:list"))


@require_POST
@login_required
def notification_read_all(request):
    count = services.notification_mark_all_read(user=request.user)
    messages.success(request, _("%(n)d notifications marked as read.") % {"n": count})
    return redirect(back_to(request, "notifications:list"))


@staff_member_required
def status(request):
    """Worker and beat health for operators, the same figures as ``manage.py reminders_status``."""
    return render(request, "notifications/status.html", {"status": notification_status()})
