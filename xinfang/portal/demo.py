"""Demo data of the portal: the published petition channels (条例 Art 18) of the demo corps and its detachments,
kept by the demo sysadmin through the services. Idempotent: a channel that exists (unit, kind, value) is kept.

    build_demo(stdout=None) -> int   # the number of channels created
"""

from __future__ import annotations

from typing import TextIO

from django.db import transaction

from xinfang.orgs.models import Unit, User
from xinfang.portal import services
from xinfang.portal.models import ChannelKind, PublicChannel

CHANNELS: list[tuple[str, str, str, str]] = [
    ("sf", ChannelKind.ADDRESS, "示范省江州市中山路1号 示范省消防救援总队信访办公室（邮编330000）", ""),
    ("sf", ChannelKind.VISIT, "示范省消防救援总队办公楼一楼信访接待室", ""),
    ("sf", ChannelKind.HOURS, "工作日 上午9:00—12:00，下午14:00—17:00", "法定节假日除外"),
    ("sf", ChannelKind.PHONE, "0791-80000119", "工作日接听"),
    ("sf", ChannelKind.EMAIL, "xinfang@sf119.example", ""),
    ("jz", ChannelKind.ADDRESS, "江州市江滨路88号 江州市消防救援支队信访室", ""),
    ("jz", ChannelKind.PHONE, "0791-81000119", "工作日接听"),
    ("lc", ChannelKind.ADDRESS, "临川市迎宾大道6号 临川市消防救援支队信访室", ""),
    ("lc", ChannelKind.PHONE, "0794-82000119", "工作日接听"),
    ("qs", ChannelKind.ADDRESS, "青山市青山路18号 青山市消防救援支队信访室", ""),
    ("qs", ChannelKind.PHONE, "0795-83000119", "工作日接听"),
]


@transaction.atomic
def build_demo(stdout: TextIO | None = None) -> int:
    actor = User.objects.filter(username="sysadmin").first()
    units = {u.code: u for u in Unit.objects.filter(code__in={c for c, *_ in CHANNELS})}
    if actor is None or len(units) < len({c for c, *_ in CHANNELS}):
        raise RuntimeError("demo corps missing: load the demo corps first")
    created = 0
    for order, (code, kind, value, note) in enumerate(CHANNELS, start=1):
        unit = units[code]
        if PublicChannel.objects.filter(unit=unit, kind=kind, value=value).exists():
            continue
        services.channel_create(actor=actor, unit=unit, kind=kind, value=value, note=note, order=order)
        created += 1
    if stdout is not None:
        stdout.write(f"公开信访渠道：新建 {created} 条\n")
    return created
