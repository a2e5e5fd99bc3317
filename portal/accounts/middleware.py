from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control


class UserLanguageMiddleware:
    """A logged-in user's language preference wins unless they just switched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language and not request.COOKIES.get("django_language"):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


def set_language_cookie(response, language: str) -> None:
    """The language cookie with the same flags as Django's own language switch (Secure in production)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class PrivateCacheMiddleware:
    """Pages for a signed-in user are theirs alone: no shared cache or browser history keeps a copy.

    A response that holds nothing personal and is asked for again on every page (the bulk-dispatch
    form's departments, under a versioned address) may set ``browser_may_keep``: it stays private to
    the browser but is not marked ``no-store``, so the browser keeps it for as long as the view says.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if getattr(response, "browser_may_keep", False):
                patch_cache_control(response, private=True)
            else:
                patch_cache_control(response, private=True, no_store=True)
        return response


class ContentSecurityPolicyMiddleware:
    """No inline scripts and nothing from outside the portal, on the portal's pages and the admin alike.

    The Django admin needs no inline script either (its constants travel in ``data-`` attributes); a
    change list without actions has an inline ``<style>`` block, which ``style-src 'unsafe-inline'`` allows.
    """

    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class PasswordChangeRequiredMiddleware:
    """An account an administrator created opens only the change-password page until its owner has chosen a
    password of their own (plus logout, static files, the language switch, /healthz, and the two-factor
    pages, so a staff member who must enrol does that first and then changes the password).

    Goes after ``TwoFactorMiddleware``.
    """

    OPEN_PATH_PREFIXES = ("/i18n/", "/healthz", "/static/")
    OPEN_URL_NAMES = (
        "accounts:password_change",
        "accounts:logout",
        "accounts:login",
        "accounts:two_factor",
        "accounts:two_factor_codes",
        "accounts:two_factor_verify",
    )

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.must_change_password or self._is_open(request.path):
            return self.get_response(request)
        return redirect("accounts:password_change")

    def _is_open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = {reverse(name) for name in self.OPEN_URL_NAMES}
        return path in self._open_paths or path.startswith(self.OPEN_PATH_PREFIXES)
