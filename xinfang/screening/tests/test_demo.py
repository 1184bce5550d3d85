"""The demo screening records load through the services, show every state on the board, and load once."""

from __future__ import annotations

import pytest

from xinfang.screening import selectors
from xinfang.screening.demo import build_demo
from xinfang.screening.models import Conflict, EarlyWarning, ScreeningReport


@pytest.fixture
def demo_corps(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    from xinfang.orgs.demo import DemoContext, step_people, step_units

    ctx = DemoContext()
    step_units(ctx)
    step_people(ctx)
    import importlib

    from xinfang.cases.models import Topic

    if not Topic.objects.exists():
        seeded = importlib.import_module("xinfang.cases.migrations.0002_seed_topics").TOPICS
        Topic.objects.bulk_create([Topic(code=c, name=n, order=o, active=True) for c, n, o in seeded])
    return ctx


def test_demo_loads_once_and_shows_every_state(demo_corps):
    from django.utils import timezone

    from xinfang.orgs.models import User

    created = build_demo()
    assert created > 50
    assert build_demo() == 0
    assert Conflict.objects.count() == 4 and EarlyWarning.objects.count() == 3
    assert (
        ScreeningReport.objects.filter(is_zero=True).exists() and ScreeningReport.objects.filter(is_late=True).exists()
    )
    rows = selectors.status_board(User.objects.get(username="sf.chief"), timezone.localdate())
    states = {o.state for o in rows}
    assert {"submitted", "missing"} <= states
    assert any(o.period == "day" for o in rows)
    awaiting = selectors.warnings_awaiting(User.objects.get(username="sf.officer"))
    assert len(awaiting) == 2 and any(s.escalated for s in awaiting)
    uninspected = selectors.detachments_without_inspection(User.objects.get(username="sf.chief"), timezone.localdate())
    assert sorted(u.code for u in uninspected) == ["lc", "qs"]
