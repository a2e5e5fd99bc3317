"""Small HTTP helpers shared by the apps' views."""

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def back_to(request, default: str) -> str:
    """The posted ``next`` URL when it points back into the portal, else the URL named ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)
