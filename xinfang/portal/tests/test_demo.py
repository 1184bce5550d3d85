from __future__ import annotations

import io

from xinfang.orgs.models import Unit
from xinfang.portal.demo import build_demo
from xinfang.portal.models import PublicChannel


def test_the_demo_channels_are_built_once_through_the_service(world):
    corps = world.unit("c")
    for code in ("sf", "jz", "lc", "qs"):
        unit = Unit.objects.create(code=code, name=f"演示{code}", level="detachment", parent=corps)
        unit.path = f"{corps.path}{unit.pk}/"
        unit.depth = 1
        unit.save()
    out = io.StringIO()
    first = build_demo(out)
    assert first == PublicChannel.objects.count() == 11 and "公开信访渠道：新建 11 条" in out.getvalue()
    assert PublicChannel.objects.filter(updated_by=world.user("sysadmin")).count() == 11
    assert build_demo() == 0
