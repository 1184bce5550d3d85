"""Helpers for the leadership tests: cases through the cases factories, posts for 班子成员, quick records."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from xinfang.cases.tests.factories import register
from xinfang.leadership import services
from xinfang.orgs.models import Post, User
from xinfang.orgs.roles import Role

D = datetime.date


def today() -> D:
    return timezone.localdate()


def member(world: Any, code: str, *, remit: str = "负责后勤保障", name: str = "") -> User:
    """A 班子成员 (member post) at unit `code`."""
    unit = world.unit(code)
    user = User.objects.create_user(
        username=f"{code}.member", password="x", name=name or f"{unit.name}班子成员", unit=unit
    )
    Post.objects.create(user=user, unit=unit, role=Role.MEMBER, remit=remit, start_on=D(2020, 1, 1))
    world.users[user.username] = user
    return user


def case(world: Any, code: str = "d1b1", **kw: Any) -> Any:
    kw.setdefault("received_on", today() - datetime.timedelta(days=3))
    return register(world, code, **kw)


def meeting(world: Any, code: str, held_on: D, by: str | None = None) -> Any:
    return services.meeting_record(
        actor=world.user(by or f"{code}.officer"),
        unit=world.unit(code),
        held_on=held_on,
        topics="研究部署信访工作",
        decisions="落实领导接访和包案制度",
    )


def reception(world: Any, code: str, leader: str, on: D, **kw: Any) -> Any:
    kw.setdefault("matter", "反映消防通道被占用问题")
    return services.reception_record(
        actor=world.user(kw.pop("by", f"{code}.officer")), leader=world.user(leader), received_on=on, **kw
    )


def ownership(world: Any, case_obj: Any, leader: str, by: str, **kw: Any) -> Any:
    kw.setdefault("tasks", "查明事实，督促整改")
    kw.setdefault("plan", "约见信访人，逐项答复诉求")
    kw.setdefault("deadline", today() + datetime.timedelta(days=30))
    return services.ownership_assign(actor=world.user(by), case=case_obj, leader=world.user(leader), **kw)


def supervision(world: Any, case_obj: Any, by: str = "c.chief", **kw: Any) -> Any:
    kw.setdefault("level", "corps")
    kw.setdefault("deadline", today() + datetime.timedelta(days=20))
    return services.supervision_open(actor=world.user(by), case=case_obj, **kw)


def sign_in(client: Any, user: Any) -> None:
    """force_login, and for the three admin roles also a verified second factor (their pages demand one)."""
    client.force_login(user)
    try:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from xinfang.core import otp
    except ImportError:  # pragma: no cover - no second factor in this build
        return
    if not otp.is_admin(user):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True
    )
    session = client.session
    session[otp.STATE_KEY] = otp.VERIFIED
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
