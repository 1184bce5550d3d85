from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from xinfang.screening import services

TZ = datetime.timezone(datetime.timedelta(hours=8))


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment of a local (Asia/Shanghai) day."""
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def clock(monkeypatch) -> Callable[..., datetime.datetime]:
    """clock(date, hour=10) sets the services' "now" (and today) to that local moment."""

    def set_now(day: datetime.date | datetime.datetime, hour: int = 10, minute: int = 0) -> datetime.datetime:
        now = day if isinstance(day, datetime.datetime) else at(day, hour, minute)
        monkeypatch.setattr(services, "_now", lambda: now)
        return now

    return set_now


def conflict(world: Any, code: str = "d1b1", *, actor: str | None = None, **kw: Any):
    from xinfang.cases.models import Topic

    unit = world.unit(code)
    data: dict[str, Any] = {
        "title": kw.pop("title", f"{unit.name}某小区业主反映消防通道问题"),
        "description": "业主多次反映小区消防通道被占用，物业未处理，有串联集体上访苗头。",
        "topic": Topic.objects.get(code="supervision"),
        "risk_level": "general",
        "leader": world.user(f"{code}.chief"),
        "measures": "责任领导约谈物业，督促清理通道，定期回访业主。",
        "found_on": datetime.date(2024, 1, 2),
    }
    data.update(kw)
    return services.conflict_create(actor=world.user(actor or f"{code}.officer"), unit=unit, **data)


def sign_in(client: Any, user: Any) -> None:
    """force_login; for the three admin roles also a verified second factor (their pages demand one)."""
    client.force_login(user)
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from xinfang.core import otp

    if not otp.is_admin(user):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True
    )
    session = client.session
    session[otp.STATE_KEY] = otp.VERIFIED
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
