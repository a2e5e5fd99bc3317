"""Idle timeout: a session ends after SESSION_IDLE_TIMEOUT seconds without user activity.

Background polling (the notification bell, the big-screen panel, export progress) marks its requests
with the ``X-Portal-Poll`` header; those keep the page fresh but are not activity, so a tab left open
on a shared office PC still logs out after 30 minutes.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

SESSION_KEY = "last_activity"
POLL_HEADER = "X-Portal-Poll"


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last = request.session.get(SESSION_KEY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                login_url = f"{reverse(settings.LOGIN_URL)}?next={request.get_full_path()}"
                if request.headers.get("HX-Request"):
                    response = redirect(login_url)
                    response["HX-Redirect"] = login_url
                    return response
                messages.info(request, _("You were logged out after 30 minutes without activity."))
                return redirect(login_url)
            if last is None or not request.headers.get(POLL_HEADER):
                request.session[SESSION_KEY] = now
        return self.get_response(request)
