from django import template
from django.urls import NoReverseMatch, reverse

from ..masking import mask_phone
from ..navigation import NAV_ITEMS

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_links(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    links, seen = [], set()
    for role, label, name in NAV_ITEMS:
        if name in seen or not user.has_role(role):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        seen.add(name)
        links.append((label, url, request.path.startswith(url) and url != "/"))
    return links


@register.filter
def masked_phone(value):
    return mask_phone(value)
