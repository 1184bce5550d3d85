"""Unit-tree services (§0): levels, scope-checked writes, subtree moves on the indexed path, deactivation."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xinfang.core.audit import audit_verify
from xinfang.core.errors import DomainError
from xinfang.core.models import AuditEvent
from xinfang.core.scope import forget_grants, user_grants
from xinfang.orgs.models import Level, Post, Unit
from xinfang.orgs.roles import Role
from xinfang.orgs.services import unit_create, unit_move, unit_rename, unit_set_active


def _sysadmin_at(world, code):
    """A fresh 系统管理员 posted at `code` (the world's sysadmin sits at the corps)."""
    from xinfang.orgs.models import User

    user = User.objects.create_user(username=f"{code}.sysadmin", password="x", unit=world.unit(code))
    Post.objects.create(user=user, unit=world.unit(code), role=Role.SYSADMIN, start_on=datetime.date(2020, 1, 1))
    return user


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_create_sets_path_depth_and_writes_audit(world):
    admin = world.user("sysadmin")
    d1 = world.unit("d1")
    unit = unit_create(actor=admin, code="d1b3", name="甲市三区大队", level=Level.BRIGADE, parent=d1)
    assert unit.path == f"{d1.path}{unit.pk}/"
    assert unit.depth == d1.depth + 1
    assert unit.parent == d1
    [event] = _events("orgs.unit.created")
    assert event.target_id == str(unit.pk)
    assert event.actor == admin
    assert event.after["code"] == "d1b3"
    assert audit_verify().ok


def test_create_brigade_under_brigade_is_refused(world):
    with pytest.raises(DomainError) as e:
        unit_create(
            actor=world.user("sysadmin"), code="x1", name="错层单位", level=Level.BRIGADE, parent=world.unit("d1b1")
        )
    assert e.value.code == "invalid_parent"
    assert "大队不能隶属于大队" in e.value.message
    assert not Unit.objects.filter(code="x1").exists()


def test_create_detachment_under_brigade_is_refused(world):
    with pytest.raises(DomainError) as e:
        unit_create(
            actor=world.user("sysadmin"), code="x1", name="错层单位", level=Level.DETACHMENT, parent=world.unit("d1b1")
        )
    assert e.value.code == "invalid_parent"


def test_create_under_inactive_parent_is_refused(world):
    d1b1 = world.unit("d1b1")
    Post.objects.filter(unit=d1b1).update(end_on=datetime.date(2021, 1, 1))
    unit_set_active(actor=world.user("sysadmin"), unit=d1b1, active=False)
    with pytest.raises(DomainError) as e:
        unit_create(actor=world.user("sysadmin"), code="s1", name="站", level=Level.STATION, parent=d1b1)
    assert e.value.code == "parent_inactive"


def test_create_duplicate_or_malformed_code_is_refused(world):
    admin = world.user("sysadmin")
    with pytest.raises(DomainError) as e:
        unit_create(actor=admin, code="d1b1", name="重复", level=Level.BRIGADE, parent=world.unit("d1"))
    assert e.value.code == "duplicate_code"
    with pytest.raises(DomainError) as e:
        unit_create(actor=admin, code="甲1", name="非法代码", level=Level.BRIGADE, parent=world.unit("d1"))
    assert e.value.code == "invalid_code"
    with pytest.raises(DomainError) as e:
        unit_create(actor=admin, code="ok1", name="  ", level=Level.BRIGADE, parent=world.unit("d1"))
    assert e.value.code == "name_required"


def test_create_needs_manage_permission_at_the_parent(world):
    # A 支队主官 may view his subtree but not manage units.
    with pytest.raises(DomainError) as e:
        unit_create(
            actor=world.user("d1.chief"), code="x1", name="新大队", level=Level.BRIGADE, parent=world.unit("d1")
        )
    assert e.value.code == "forbidden"
    # A unit manager posted at d1 cannot create under d2.
    d1_admin = _sysadmin_at(world, "d1")
    with pytest.raises(DomainError) as e:
        unit_create(actor=d1_admin, code="x1", name="新大队", level=Level.BRIGADE, parent=world.unit("d2"))
    assert e.value.code == "forbidden"
    assert unit_create(actor=d1_admin, code="x1", name="新大队", level=Level.BRIGADE, parent=world.unit("d1"))


def test_root_unit_needs_a_manager_posted_at_a_top_level_unit(world):
    d1_admin = _sysadmin_at(world, "d1")
    with pytest.raises(DomainError) as e:
        unit_create(actor=d1_admin, code="c2", name="另一总队", level=Level.CORPS, parent=None)
    assert e.value.code == "forbidden"
    with pytest.raises(DomainError) as e:
        unit_create(actor=world.user("sysadmin"), code="d9", name="无上级支队", level=Level.DETACHMENT, parent=None)
    assert e.value.code == "parent_required"
    root = unit_create(actor=world.user("sysadmin"), code="c2", name="另一总队", level=Level.CORPS, parent=None)
    assert root.path == f"/{root.pk}/" and root.depth == 0


def test_rename_writes_before_and_after(world):
    unit = unit_rename(actor=world.user("sysadmin"), unit=world.unit("d1b1"), name="甲市一区消防救援大队")
    assert Unit.objects.get(pk=unit.pk).name == "甲市一区消防救援大队"
    [event] = _events("orgs.unit.renamed")
    assert event.before["name"] == "甲市一区大队"
    assert event.after["name"] == "甲市一区消防救援大队"


def test_rename_refuses_empty_same_or_unpermitted(world):
    with pytest.raises(DomainError):
        unit_rename(actor=world.user("sysadmin"), unit=world.unit("d1b1"), name=" ")
    with pytest.raises(DomainError) as e:
        unit_rename(actor=world.user("sysadmin"), unit=world.unit("d1b1"), name="甲市一区大队")
    assert e.value.code == "unchanged"
    with pytest.raises(DomainError) as e:
        unit_rename(actor=world.user("d1.chief"), unit=world.unit("d1b1"), name="新名")
    assert e.value.code == "forbidden"
    assert not _events("orgs.unit.renamed")


def test_move_into_own_subtree_is_refused(world):
    admin = world.user("sysadmin")
    d1 = world.unit("d1")
    station = unit_create(actor=admin, code="st1", name="一站", level=Level.STATION, parent=world.unit("d1b1"))
    for target in (d1, world.unit("d1b1"), station):
        with pytest.raises(DomainError) as e:
            unit_move(actor=admin, unit=d1, new_parent=target)
        assert e.value.code == "cycle"
    assert Unit.objects.get(pk=d1.pk).path == d1.path


def test_move_to_wrong_level_or_same_parent_is_refused(world):
    admin = world.user("sysadmin")
    with pytest.raises(DomainError) as e:
        unit_move(actor=admin, unit=world.unit("d1b1"), new_parent=world.unit("d2b1"))
    assert e.value.code == "invalid_parent"
    with pytest.raises(DomainError) as e:
        unit_move(actor=admin, unit=world.unit("d1b1"), new_parent=world.unit("d1"))
    assert e.value.code == "unchanged"


def test_move_needs_manage_permission_at_both_ends(world):
    d1_admin = _sysadmin_at(world, "d1")
    with pytest.raises(DomainError) as e:
        unit_move(actor=d1_admin, unit=world.unit("d1b1"), new_parent=world.unit("d2"))
    assert e.value.code == "forbidden"
    with pytest.raises(DomainError) as e:
        unit_move(actor=world.user("d1.chief"), unit=world.unit("d1b1"), new_parent=world.unit("d2"))
    assert e.value.code == "forbidden"


def test_move_rewrites_the_whole_subtree_in_one_update(world):
    admin = world.user("sysadmin")
    d1b1, d2 = world.unit("d1b1"), world.unit("d2")
    s1 = unit_create(actor=admin, code="st1", name="一站", level=Level.STATION, parent=d1b1)
    s2 = unit_create(actor=admin, code="st2", name="二站", level=Level.STATION, parent=d1b1)
    with CaptureQueriesContext(connection) as ctx:
        unit_move(actor=admin, unit=d1b1, new_parent=d2)
    path_updates = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE") and "path" in q["sql"]]
    assert len(path_updates) == 1, path_updates

    d1b1.refresh_from_db()
    s1.refresh_from_db()
    s2.refresh_from_db()
    assert d1b1.parent_id == d2.pk
    assert d1b1.path == f"{d2.path}{d1b1.pk}/" and d1b1.depth == 2
    assert s1.path == f"{d2.path}{d1b1.pk}/{s1.pk}/" and s1.depth == 3
    assert s2.path == f"{d2.path}{d1b1.pk}/{s2.pk}/" and s2.depth == 3
    # Subtree queries follow the new paths.
    assert set(Unit.objects.subtree_of(d2).values_list("code", flat=True)) == {
        "d2",
        "d2b1",
        "d2b2",
        "d1b1",
        "st1",
        "st2",
    }
    assert set(Unit.objects.subtree_of(world.unit("d1")).values_list("code", flat=True)) == {"d1", "d1b2"}
    # ... and so does the scope: d2's chief now sees the moved brigade and its stations, d1's chief no longer does.
    assert {"d1b1", "st1", "st2"} <= set(Unit.objects.visible_to(world.user("d2.chief")).values_list("code", flat=True))
    assert not {"d1b1", "st1", "st2"} & set(
        Unit.objects.visible_to(world.user("d1.chief")).values_list("code", flat=True)
    )
    [event] = _events("orgs.unit.moved")
    assert event.before["parent"] == world.unit("d1").pk
    assert event.after["parent"] == d2.pk


def test_move_keeps_unrelated_paths_sharing_a_prefix(world):
    """ "/1/2/" must not match "/1/23/": the path ends with a slash."""
    admin = world.user("sysadmin")
    # A unit whose id starts with d1b1's id (d1b1=4 -> 40): "/…/4/" must not match "/…/40/".
    d1b1 = world.unit("d1b1")
    twin = Unit.objects.create(
        pk=int(f"{d1b1.pk}0"), code="twin", name="站", level=Level.STATION, parent=world.unit("d2b1")
    )
    twin.path = f"{world.unit('d2b1').path}{twin.pk}/"
    twin.depth = world.unit("d2b1").depth + 1
    twin.save(update_fields=["path", "depth"])
    child = unit_create(actor=admin, code="twinchild", name="站下", level=Level.STATION, parent=world.unit("d2b2"))
    created = [twin, child]
    before = {u.pk: Unit.objects.get(pk=u.pk).path for u in created}
    unit_move(actor=admin, unit=d1b1, new_parent=world.unit("d2"))
    assert {u.pk: Unit.objects.get(pk=u.pk).path for u in created} == before


def test_deactivate_refused_with_active_children(world):
    d1 = world.unit("d1")
    Post.objects.filter(unit=d1).update(end_on=datetime.date(2021, 1, 1))
    with pytest.raises(DomainError) as e:
        unit_set_active(actor=world.user("sysadmin"), unit=d1, active=False)
    assert e.value.code == "has_active_children"
    assert Unit.objects.get(pk=d1.pk).is_active


def test_deactivate_refused_with_active_or_future_posts(world):
    admin = world.user("sysadmin")
    d1b1 = world.unit("d1b1")
    with pytest.raises(DomainError) as e:
        unit_set_active(actor=admin, unit=d1b1, active=False)
    assert e.value.code == "has_active_posts"
    Post.objects.filter(unit=d1b1).update(end_on=datetime.date(2021, 1, 1))
    future = Post.objects.create(
        user=world.user("d1b1.officer"), unit=d1b1, role=Role.OFFICER, start_on=datetime.date(2999, 1, 1)
    )
    with pytest.raises(DomainError) as e:
        unit_set_active(actor=admin, unit=d1b1, active=False)
    assert e.value.code == "has_active_posts"
    future.delete()
    unit = unit_set_active(actor=admin, unit=d1b1, active=False)
    assert not unit.is_active
    [event] = _events("orgs.unit.deactivated")
    assert event.before["is_active"] is True and event.after["is_active"] is False


def test_deactivated_unit_is_kept_and_can_be_reactivated(world):
    admin = world.user("sysadmin")
    d1, d1b1, d1b2 = world.unit("d1"), world.unit("d1b1"), world.unit("d1b2")
    Post.objects.filter(unit__in=[d1, d1b1, d1b2]).update(end_on=datetime.date(2021, 1, 1))
    for u in (d1b1, d1b2, d1):
        unit_set_active(actor=admin, unit=u, active=False)
    assert Unit.objects.filter(pk=d1b1.pk, is_active=False).exists()
    # A child cannot come back under an inactive parent.
    with pytest.raises(DomainError) as e:
        unit_set_active(actor=admin, unit=d1b1, active=True)
    assert e.value.code == "parent_inactive"
    unit_set_active(actor=admin, unit=d1, active=True)
    unit_set_active(actor=admin, unit=d1b1, active=True)
    assert Unit.objects.get(pk=d1b1.pk).is_active
    with pytest.raises(DomainError) as e:
        unit_set_active(actor=admin, unit=d1b1, active=True)
    assert e.value.code == "unchanged"
    assert len(_events("orgs.unit.activated")) == 2
    assert audit_verify().ok


def test_set_active_needs_manage_permission(world):
    with pytest.raises(DomainError) as e:
        unit_set_active(actor=world.user("d1.chief"), unit=world.unit("d1b1"), active=False)
    assert e.value.code == "forbidden"


def _grow(world, brigades_per_detachment, stations_per_brigade):
    """Add brigades and stations below d1 (5 levels deep from the corps)."""
    d1 = world.unit("d1")
    n = 0
    for i in range(brigades_per_detachment):
        b = Unit.objects.create(code=f"gb{i}", name=f"大队{i}", level=Level.BRIGADE, parent=d1)
        b.path, b.depth = f"{d1.path}{b.pk}/", d1.depth + 1
        b.save(update_fields=["path", "depth"])
        n += 1
        for j in range(stations_per_brigade):
            s = Unit.objects.create(code=f"gs{i}-{j}", name=f"站{i}-{j}", level=Level.STATION, parent=b)
            s.path, s.depth = f"{b.path}{s.pk}/", b.depth + 1
            s.save(update_fields=["path", "depth"])
            n += 1
    return n


@pytest.mark.parametrize("username", ["sysadmin", "d1.chief", "d1b1.officer"])
def test_visible_units_listing_is_one_query_whatever_the_depth(world, django_assert_num_queries, username):
    user = world.user(username)
    forget_grants(user)
    user_grants(user)  # the grants are loaded once per request and cached on the user
    list(Unit.objects.visible_to(user))  # warms the share lookup cache as a request would
    with django_assert_num_queries(1) as ctx:
        small = list(Unit.objects.visible_to(user))
    assert "LIKE" in ctx.captured_queries[0]["sql"].upper()  # the indexed path prefix, not a walk per level

    _grow(world, brigades_per_detachment=6, stations_per_brigade=5)
    with django_assert_num_queries(1):
        big = list(Unit.objects.visible_to(user))
    if username == "d1b1.officer":
        assert len(big) == len(small) == 1
    else:
        assert len(big) == len(small) + 36
        assert all(u.path.startswith(world.unit("d1").path) for u in big if u.code.startswith("g"))


def test_tree_order_puts_children_after_parents_and_siblings_by_code(world):
    from xinfang.orgs.selectors import tree_sorted, unit_list

    admin = world.user("sysadmin")
    d1 = world.unit("d1")
    # enough units that ids pass 9 -> 10, where text order of paths ("/1/10/" < "/1/9/") goes wrong
    for i in range(9, 2, -1):
        unit_create(actor=admin, code=f"d1b{i}", name=f"大队{i}", level=Level.BRIGADE, parent=d1)
    codes = [u.code for u in tree_sorted(unit_list(admin))]
    assert codes == ["c", "d1", *[f"d1b{i}" for i in range(1, 10)], "d2", "d2b1", "d2b2"]
