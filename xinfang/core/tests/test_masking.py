import pytest
from django.core.exceptions import PermissionDenied

from xinfang.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from xinfang.core.models import AuditEvent
from xinfang.core.pii import masked, reveal


def test_id_number_keeps_region_and_last_four():
    assert mask_id_number("110105199001011234") == "110105********1234"
    assert mask_id_number("11010519900101123X") == "110105********123X"


def test_phone_keeps_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"


def test_short_and_empty_values():
    assert mask_id_number("") == ""
    assert mask_id_number(None) == ""
    assert mask_phone(None) == ""
    assert mask_phone("12345") == "*****"
    assert "1234567" not in mask_id_number("1234567")


def test_name_and_address():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧***"
    assert mask_address("江州市鼓楼区中山路1号3栋2单元") == "江州市鼓楼区****"
    assert "中山路" not in mask_address("江州市鼓楼区中山路1号3栋2单元")


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("id_number", "110105199001011234", "110105********1234"),
        ("phone", "13812345678", "138****5678"),
        ("name", "张三", "张*"),
        ("address", "江州市鼓楼区中山路1号3栋", "江州市鼓楼区****"),
    ],
)
def test_masked_dispatches_by_kind(kind, value, expected):
    assert masked(value, kind) == expected


def test_masked_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        masked("13812345678", "email")  # type: ignore[arg-type]


def test_reveal_with_permission_returns_the_value_and_is_audited(world):
    officer = world.user("d1b1.officer")
    subject = world.user("d1b1.chief")
    value = reveal(actor=officer, obj=subject, field="name", unit=world.unit("d1b1"))
    assert value == subject.name
    event = AuditEvent.objects.get(action="core.pii.revealed")
    assert event.actor == officer
    assert event.unit == world.unit("d1b1")
    assert event.after == {"field": "name"}
    assert (event.target_type, event.target_id) == ("orgs.user", str(subject.pk))
    assert subject.name not in str(event.after)


def test_reveal_is_allowed_below_the_post_unit(world):
    chief = world.user("d1.chief")
    assert reveal(actor=chief, obj=world.user("d1b2.officer"), field="name", unit=world.unit("d1b2"))


@pytest.mark.parametrize(
    ("username", "unit"),
    [
        ("d1b1.officer", "d1b2"),  # sibling brigade: outside the post's subtree
        ("d1b1.officer", "d1"),  # above the post's unit
        ("sysadmin", "d1b1"),  # admins do not handle personal data
        ("auditor", "d1b1"),
    ],
)
def test_reveal_without_permission_is_refused_and_not_audited(world, username, unit):
    with pytest.raises(PermissionDenied):
        reveal(actor=world.user(username), obj=world.user("d1b1.chief"), field="name", unit=world.unit(unit))
    assert not AuditEvent.objects.filter(action="core.pii.revealed").exists()
