"""Early warning (R3.1): reported upward level by level, each level acknowledges; 早发现 → 早报告 → 早控制 → 早解决
with a timestamp per step; unacknowledged warnings escalate after the configured time — computed from timestamps,
and recorded idempotently by `manage.py escalate_warnings`."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404

from xinfang.core.errors import DomainError
from xinfang.screening import selectors, services
from xinfang.screening.models import EarlyWarning, WarningEscalation
from xinfang.screening.tests.conftest import at

D = datetime.date
H = datetime.timedelta(hours=1)
T0 = at(D(2026, 5, 6), 9)


def raise_warning(world, code="d1b1"):
    return services.warning_raise(
        actor=world.user(f"{code}.officer"),
        unit=world.unit(code),
        title="某楼盘业主拟集体到支队反映消防验收问题",
        description="约30名业主在微信群商议下周一到支队集体反映。",
        risk="collective",
        headcount=30,
        discovered_at=T0 - H,
    )


def awaiting(world, username, now):
    return [
        (s.hop.warning_id, s.holder.code, s.escalated) for s in selectors.warnings_awaiting(world.user(username), now)
    ]


def test_a_warning_goes_up_level_by_level_and_each_level_acknowledges(world, clock):
    clock(T0)
    w = raise_warning(world)
    assert (w.discovered_at, w.reported_at, w.stage) == (T0 - H, T0, "reported")
    assert awaiting(world, "d1.officer", T0) == [(w.pk, "d1", False)]
    assert awaiting(world, "c.officer", T0) == []  # not yet at the corps
    assert awaiting(world, "d1b1.officer", T0) == []  # the raising unit waits for its superior

    clock(T0 + 2 * H)
    hop = services.warning_acknowledge(actor=world.user("d1.officer"), warning=w, note="已掌握，正在核实")
    assert (hop.to_unit.code, hop.ack_unit.code, hop.acknowledged_at) == ("d1", "d1", T0 + 2 * H)
    assert awaiting(world, "d1.officer", T0 + 2 * H) == []
    assert awaiting(world, "c.officer", T0 + 2 * H) == [(w.pk, "c", False)]

    clock(T0 + 3 * H)
    services.warning_acknowledge(actor=world.user("c.officer"), warning=w)
    hops = list(w.hops.order_by("id"))
    assert [(h.from_unit.code, h.to_unit.code, h.ack_unit.code) for h in hops] == [
        ("d1b1", "d1", "d1"),
        ("d1", "c", "c"),
    ]
    with pytest.raises(DomainError) as e:
        services.warning_acknowledge(actor=world.user("c.officer"), warning=w)
    assert e.value.code == "nothing_to_acknowledge"


def test_the_lifecycle_keeps_a_timestamp_per_step_in_order(world, clock):
    clock(T0)
    w = raise_warning(world)
    with pytest.raises(DomainError) as e:
        services.warning_resolve(actor=world.user("d1b1.officer"), warning=w, note="已解决")
    assert e.value.code == "invalid_stage"
    clock(T0 + 5 * H)
    services.warning_control(actor=world.user("d1b1.chief"), warning=w, note="大队主官当天约见业主代表，听取诉求")
    clock(T0 + 48 * H)
    services.warning_resolve(actor=world.user("d1.chief"), warning=w, note="验收问题复查后答复，业主表示满意")
    w.refresh_from_db()
    assert (w.discovered_at, w.reported_at, w.controlled_at, w.resolved_at) == (T0 - H, T0, T0 + 5 * H, T0 + 48 * H)
    assert w.stage == "resolved" and w.get_stage_display() == "早解决"
    with pytest.raises(DomainError):
        services.warning_control(actor=world.user("d1b1.chief"), warning=w, note="again")


def test_an_unacknowledged_warning_escalates_to_the_next_level(world, clock):
    clock(T0)
    w = raise_warning(world)  # default: 12 hours to acknowledge
    assert awaiting(world, "c.officer", T0 + 11 * H) == []
    # after 12 hours without acknowledgement the corps sees it, escalated
    assert awaiting(world, "c.officer", T0 + 12 * H) == [(w.pk, "c", True)]
    # the detachment still may acknowledge (it has not been taken over)
    assert awaiting(world, "d1.officer", T0 + 12 * H) == [(w.pk, "c", True)]
    # the corps acknowledges on the detachment's behalf: the report goes on from the corps (none above it)
    clock(T0 + 13 * H)
    hop = services.warning_acknowledge(actor=world.user("c.officer"), warning=w)
    assert (hop.to_unit.code, hop.ack_unit.code) == ("d1", "c")
    assert w.hops.count() == 1
    assert awaiting(world, "c.officer", T0 + 40 * H) == []


def test_the_acknowledgement_time_is_configurable(world, clock):
    services.settings_set(actor=world.user("sysadmin"), warning_ack_hours=2)
    clock(T0)
    w = raise_warning(world)
    assert awaiting(world, "c.officer", T0 + 2 * H) == [(w.pk, "c", True)]


def test_the_command_records_escalations_once(world, clock):
    clock(T0)
    w = raise_warning(world)
    clock(T0 + 5 * H)
    assert services.warnings_escalate() == []
    clock(T0 + 13 * H)
    out = StringIO()
    call_command("escalate_warnings", stdout=out)
    rows = list(WarningEscalation.objects.all())
    assert [(r.hop.warning_id, r.to_unit.code, r.due_at) for r in rows] == [(w.pk, "c", T0 + 12 * H)]
    assert "已升级至" in out.getvalue()
    out = StringIO()
    call_command("escalate_warnings", stdout=out)  # idempotent
    assert WarningEscalation.objects.count() == 1
    assert "没有需要记录的升级" in out.getvalue()


def test_a_brigade_cannot_acknowledge_its_own_report(world, clock):
    clock(T0)
    w = raise_warning(world)
    with pytest.raises(DomainError) as e:
        services.warning_acknowledge(actor=world.user("d1b1.chief"), warning=w)
    assert e.value.code == "forbidden"
    with pytest.raises(Http404):
        selectors.access_warning(world.user("d2.chief"), w.pk)
    with pytest.raises(PermissionDenied):
        selectors.access_warning(world.user("d1b1.officer"), w.pk, "screening.period.declare")
    assert selectors.access_warning(world.user("d1b1.officer"), w.pk, "screening.warning.raise") == w


def test_warnings_are_visible_up_the_chain_only(world, clock):
    clock(T0)
    w = raise_warning(world)
    for username, visible in [
        ("d1b1.officer", True),
        ("d1.officer", True),
        ("c.leader", True),
        ("d1b2.officer", False),
        ("d2.chief", False),
    ]:
        assert EarlyWarning.objects.visible_to(world.user(username)).filter(pk=w.pk).exists() is visible
