"""Key authentication, the address list and the per-key rate limit of the API.

Only key-authenticated calls reach the API's views (no session authentication, hence no CSRF check
and no cookie): the key names a client, and the client's scope goes on its service account as
``api_scope`` for the permission home and ``request_visible_to`` to read."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.throttling import BaseThrottle

from portal.accounts.clientip import client_ip

from .models import ApiKey
from .services import address_allowed, key_find, rate_count, scope_of


class KeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        raw = header[len(self.keyword) + 1 :].strip() if header.startswith(self.keyword + " ") else ""
        raw = raw or request.META.get("HTTP_X_API_KEY", "").strip()
        if not raw:
            return None
        key = key_find(raw)
        if key is None:
            raise exceptions.AuthenticationFailed(_("This API key is unknown or has been revoked."))
        client = key.client
        if not address_allowed(client, client_ip(request._request)):
            raise exceptions.PermissionDenied(_("Calls with this key are not accepted from this address."))
        user = client.user
        user.api_scope = scope_of(client)
        user.api_client = client
        return user, key

    def authenticate_header(self, request):
        return self.keyword


class KeyRateThrottle(BaseThrottle):
    """At most the client's calls per minute for each key, counted in the database."""

    def allow_request(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return True
        return rate_count(key=request.auth) <= request.auth.client.rate_limit

    def wait(self):
        return 60 - timezone.now().second
