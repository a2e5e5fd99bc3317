import pytest
from django.core.exceptions import ValidationError

from portal.orgs.factories import make_credit_code
from portal.orgs.validators import credit_code_check_character, validate_credit_code


def valid_code(first17: str) -> str:
    return first17 + credit_code_check_character(first17)


@pytest.mark.parametrize(
    "first17", ["91370700MA3C8X2Y3", "91370705163441234", "12370700004567890", "9137078400000000L"]
)
def test_it_accepts_codes_with_the_right_check_character(first17):
    validate_credit_code(valid_code(first17))


def test_it_accepts_lower_case_and_surrounding_spaces():
    validate_credit_code("  " + valid_code("91370700MA3C8X2Y3").lower() + " ")


def test_it_accepts_the_factory_codes():
    for n in range(50):
        validate_credit_code(make_credit_code(n))


def test_it_rejects_a_wrong_check_character():
    code = valid_code("91370700MA3C8X2Y3")
    wrong = "0" if code[-1] != "0" else "1"
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code[:17] + wrong)
    assert caught.value.code == "credit_code_check"
    assert code[-1] in caught.value.messages[0]


@pytest.mark.parametrize("value", ["", "9137070", "91370700MA3C8X2Y3K1"])
def test_it_rejects_a_wrong_length(value):
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(value)
    assert caught.value.code == "credit_code_length"
    assert str(len(value)) in caught.value.messages[0]


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V"])
def test_it_rejects_letters_never_used_in_credit_codes(bad):
    code = valid_code("91370700MA3C8X2Y3")
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code[:10] + bad + code[11:])
    assert caught.value.code == "credit_code_characters"
    assert bad in caught.value.messages[0]


def test_it_rejects_a_division_code_with_letters():
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(valid_code("9137A700MA3C8X2Y3"))
    assert caught.value.code == "credit_code_division"
