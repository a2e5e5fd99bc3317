"""Unified social credit code (统一社会信用代码), GB 32100-2015."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def make_credit_code(n: int, division: str = "370705") -> str:
    """The n-th valid credit code of a division, for synthetic data (tests, benchmarks)."""
    body = "91" + division
    digits = []
    for _position in range(9):
        digits.append(CREDIT_CODE_ALPHABET[n % 31])
        n //= 31
    first17 = body + "".join(reversed(digits))
    return first17 + credit_code_check_character(first17)


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d.") % {"n": len(code)},
            code="credit_code_length",
        )
    bad = sorted({ch for ch in code if ch not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _("The credit code contains characters that are not allowed: %(chars)s (I, O, Z, S, V are never used).")
            % {"chars": " ".join(bad)},
            code="credit_code_characters",
        )
    if not code[8:17].isalnum() or not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3–8 of the credit code must be the administrative division code."),
            code="credit_code_division",
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("The check character of this credit code is wrong: expected %(expected)s, got %(got)s.")
            % {"expected": expected, "got": code[17]},
            code="credit_code_check",
        )
