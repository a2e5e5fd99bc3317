from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.http import require_GET

from portal.accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("portal.accounts.urls")),
    path("", include("portal.onboarding.urls")),
    path("", include("issues.urls")),
    path("notifications/", include("portal.notifications.urls")),
    path("cards/", include("issues.card_urls")),
    path("supervision/", include("supervision.urls")),
    path("api/", include("api.urls")),
    path("projects/", include("projects.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # browsers ask for /favicon.ico on their own; the icon itself is a static file (whitenoise)
    path(
        "favicon.ico", require_GET(lambda request: HttpResponsePermanentRedirect(static("favicon.ico"))), name="favicon"
    ),
]

handler403 = "portal.accounts.views.error_403"
handler404 = "portal.accounts.views.error_404"
handler500 = "portal.accounts.views.error_500"
