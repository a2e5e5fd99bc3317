"""The signed token in the contact card's QR code: names an enterprise without a guessable id."""

from django.core import signing
from django.urls import reverse
from django.utils.http import urlencode

from portal.orgs.models import Enterprise

SALT = "portal.onboarding.enterprise"


def enterprise_token(enterprise: Enterprise) -> str:
    return signing.dumps({"e": enterprise.pk, "c": enterprise.credit_code}, salt=SALT, compress=True)


def enterprise_from_token(token: str) -> Enterprise | None:
    """The enterprise a token names, or None when it was altered or the enterprise changed its code."""
    try:
        data = signing.loads(token or "", salt=SALT)
    except signing.BadSignature:
        return None
    return Enterprise.objects.filter(pk=data.get("e"), credit_code=data.get("c")).first()


def has_accounts(enterprise: Enterprise) -> bool:
    """Whether anyone can already sign in for the enterprise (otherwise its QR code leads to registration)."""
    return enterprise.memberships.filter(user__is_active=True).exists()


def registration_path(enterprise: Enterprise) -> str:
    """The registration page pre-filled with this enterprise, by signed token."""
    return f"{reverse('onboarding:register')}?{urlencode({'t': enterprise_token(enterprise)})}"
