from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class PhoneOrUsernameBackend(ModelBackend):
    """Log in with either the username or the mobile phone number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        user = User.objects.filter(Q(username=username) | Q(phone=username)).order_by("pk").first()
        if user is None:
            User().set_password(password)  # same cost as a real check, so timing does not leak
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def account_username(request, credentials: dict) -> str:
    """The account a login attempt is about, so lockout counts failures per account whether the person
    typed the username or the phone number."""
    typed = (credentials or {}).get("username") or ""
    User = get_user_model()
    username = (
        User.objects.filter(Q(username=typed) | Q(phone=typed))
        .order_by("pk")
        .values_list("username", flat=True)
        .first()
    )
    return username or typed
