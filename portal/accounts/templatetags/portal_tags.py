from django import template
from django.urls import reverse

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
        url = reverse(name)
        seen.add(name)
        links.append((label, url, request.path.startswith(url) and url != "/"))
    return links
