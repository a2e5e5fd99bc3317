"""Session lifetimes: a session ends after SESSION_IDLE_TIMEOUT seconds without user activity, and
SESSION_ABSOLUTE_TIMEOUT seconds after sign-in however active the user is.

Background polling (the notification bell, the big-screen panel, export progress) marks its requests
with the ``X-Portal-Poll`` header; those keep the page fresh but are not activity, so a tab left open
on a shared office PC still logs out after 30 minutes. Either way the login page says why.

Activity is written to the session at most every ACTIVITY_STEP seconds, so most pages do not save
the session (SESSION_SAVE_EVERY_REQUEST is off): the time kept may be up to ACTIVITY_STEP behind the
last page, and the idle timeout allows for that, so a session ends between 30 minutes and 30 minutes
and ACTIVITY_STEP seconds after the last activity, never before.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

SESSION_KEY = "last_activity"
SIGNED_IN_KEY = "signed_in_at"
POLL_HEADER = "X-Portal-Poll"
ACTIVITY_STEP = 30


def mark_signed_in(request) -> None:
    """Start the absolute lifetime; called on every login."""
    if hasattr(request, "session"):
        request.session[SIGNED_IN_KEY] = time.time()


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last = request.session.get(SESSION_KEY)
            signed_in = request.session.setdefault(SIGNED_IN_KEY, now)
            if now - signed_in > settings.SESSION_ABSOLUTE_TIMEOUT:
                hours = f"{settings.SESSION_ABSOLUTE_TIMEOUT / 3600:g}"
                return self._logged_out(
                    request,
                    _("For security, please sign in again: you signed in more than %(hours)s hours ago.")
                    % {"hours": hours},
                )
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT + ACTIVITY_STEP:
                return self._logged_out(request, _("You were logged out after 30 minutes without activity."))
            if last is None or (not request.headers.get(POLL_HEADER) and now - last >= ACTIVITY_STEP):
                request.session[SESSION_KEY] = now
        return self.get_response(request)

    def _logged_out(self, request, reason: str):
        logout(request)
        login_url = f"{reverse(settings.LOGIN_URL)}?next={request.get_full_path()}"
        if request.headers.get("HX-Request"):
            response = redirect(login_url)
            response["HX-Redirect"] = login_url
            return response
        messages.info(request, reason)
        return redirect(login_url)
