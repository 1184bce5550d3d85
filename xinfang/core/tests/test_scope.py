import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from xinfang.core.scope import has_perm
from xinfang.orgs.models import Unit
from xinfang.orgs.selectors import access_unit


def test_brigade_officer_sees_own_unit_only(world):
    officer = world.user("d1b1.officer")
    codes = set(Unit.objects.visible_to(officer).values_list("code", flat=True))
    assert codes == {"d1b1"}


def test_detachment_chief_sees_subtree(world):
    chief = world.user("d1.chief")
    codes = set(Unit.objects.visible_to(chief).values_list("code", flat=True))
    assert codes == {"d1", "d1b1", "d1b2"}


def test_sibling_unit_is_404(world):
    with pytest.raises(Http404):
        access_unit(world.user("d1b1.officer"), world.unit("d1b2").pk)
    with pytest.raises(Http404):
        access_unit(world.user("d1b1.officer"), world.unit("d1").pk)


def test_in_scope_without_permission_is_403(world):
    with pytest.raises(PermissionDenied):
        access_unit(world.user("d1.officer"), world.unit("d1b1").pk, "orgs.unit.manage")
    assert access_unit(world.user("sysadmin"), world.unit("d1b1").pk, "orgs.unit.manage")


def test_permission_applies_downwards_not_upwards(world):
    chief = world.user("d1.chief")
    assert has_perm(chief, "cases.case.approve", world.unit("d1b1"))
    assert not has_perm(chief, "cases.case.approve", world.unit("c"))
    assert not has_perm(chief, "cases.case.approve", world.unit("d2b1"))
