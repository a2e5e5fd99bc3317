from django.conf import settings


def portal(request):
    return {"PRODUCTION": settings.PRODUCTION, "PORTAL_VERSION": "1.0"}
