import re
from difflib import SequenceMatcher

from django.contrib.auth.password_validation import exceeds_maximum_length_ratio
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """Require at least three of: lower case, upper case, digits, symbols."""

    classes = (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]")

    def validate(self, password: str, user=None) -> None:
        held = sum(1 for pattern in self.classes if re.search(pattern, password))
        if held < 3:
            raise ValidationError(
                _("The password must mix at least three of: lower-case letters, upper-case letters, digits, symbols."),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("Mix at least three of: lower-case letters, upper-case letters, digits, symbols.")


class PersonalInformationValidator:
    """Reject a password that contains, or is close to, the user's username, phone, real name or e-mail.

    Each value and its longer parts (split at punctuation; only the local part of an e-mail address) is
    checked for containment, and the value and its parts for similarity as Django's
    UserAttributeSimilarityValidator does, so ``15905360001Aa`` fails for the user whose phone is
    15905360001 and ``Wang#Qiye2026`` for the user ``wang.qiye``.
    """

    attributes = ("username", "phone", "real_name", "email", "first_name", "last_name")

    def __init__(self, max_similarity: float = 0.7):
        self.max_similarity = max_similarity

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        lowered = password.lower()
        for name in self.attributes:
            value = getattr(user, name, None)
            if not value or not isinstance(value, str):
                continue
            value = value.lower()
            if self._contains(lowered, name, value) or self._resembles(lowered, value):
                raise ValidationError(
                    _("The password must not contain or resemble the account's %(field)s."),
                    code="password_too_similar",
                    params={"field": user._meta.get_field(name).verbose_name},
                )

    def _contains(self, password: str, name: str, value: str) -> bool:
        # Two characters already make a Chinese name. A Latin value counts from three characters
        # ("bob"), a part of one from four, so that "wang.wei" does not forbid every word with "wei".
        if name == "email":
            value = value.split("@", 1)[0]
        parts = {part for part in re.split(r"[\W_]+", value) if len(part) >= (4 if part.isascii() else 2)}
        whole = len(value) >= (3 if value.isascii() else 2)
        return (whole and value in password) or any(part in password for part in parts)

    def _resembles(self, password: str, value: str) -> bool:
        return any(
            SequenceMatcher(a=password, b=part).quick_ratio() >= self.max_similarity
            for part in {value, *re.split(r"\W+", value)}
            if part and not exceeds_maximum_length_ratio(password, self.max_similarity, part)
        )

    def get_help_text(self) -> str:
        return _("Your password must not contain or resemble your username, mobile phone, real name or e-mail address.")
