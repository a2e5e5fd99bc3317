"""Small helpers shared by the request views."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils import formats, timezone

PAGE_SIZE = 25


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _local(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def _require(flag: bool) -> None:
    if not flag:
        raise PermissionDenied


def _files(data):
    return data.get("attachments") or ()
