import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from xinfang.core.passwords import CharacterClassesValidator


@pytest.mark.parametrize(
    "password",
    [
        "Huoqing-2026",  # upper, lower, digit, symbol
        "Xiaofang2026",  # upper, lower, digit — exactly three classes
        "xiaofang-2026",  # lower, digit, symbol
        "Abcdefgh1!",  # exactly ten characters
    ],
)
def test_strong_passwords_pass(password):
    validate_password(password)


@pytest.mark.parametrize(
    "password",
    [
        "Abcdef1!x",  # nine characters, four classes
        "xiaofang2026",  # two classes
        "XIAOFANGXIAOFANG",  # one class
        "1234567890123",  # one class
        "huoqing-xiaofang",  # two classes
    ],
)
def test_weak_passwords_fail(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_error_names_the_rule_in_chinese():
    with pytest.raises(ValidationError) as exc:
        CharacterClassesValidator(min_classes=3).validate("xiaofang2026")
    assert "3类" in exc.value.messages[0]


def test_length_rule_is_ten():
    with pytest.raises(ValidationError) as exc:
        validate_password("Ab1!Ab1!A")
    assert any("10" in m for m in exc.value.messages)
    validate_password("Ab1!Ab1!Aq")


@pytest.mark.parametrize(
    ("password", "classes"),
    [("abc", 1), ("abcABC", 2), ("abcABC123", 3), ("abcABC123!", 4)],
)
def test_classes_are_counted(password, classes):
    assert CharacterClassesValidator.classes(password) == classes


def test_demo_and_test_passwords_satisfy_the_policy():
    from conftest import PASSWORD
    from xinfang.orgs.demo import DEMO_PASSWORD

    validate_password(DEMO_PASSWORD)
    validate_password(PASSWORD)
