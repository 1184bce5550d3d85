"""The dashboard's cards read other apps' selectors in their light form (facts, not model instances): the same
rows and states as the full form."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from xinfang.screening import selectors as screening
from xinfang.screening.models import ScreeningReport

pytestmark = pytest.mark.django_db


def test_the_light_status_board_has_the_states_of_the_full_one(world) -> None:
    today = timezone.localdate()
    owed = [o for o in screening.status_board(world.user("c.chief"), today) if o.unit.code in ("d1b1", "d1")]
    for o, late in zip(owed, (False, True), strict=False):
        ScreeningReport.objects.create(
            unit=o.unit, period=o.period, period_start=o.period_start, period_end=o.period_end, due_on=o.due_on,
            is_zero=True, submitted_by=world.user("d1.officer"), submitted_at=timezone.now(),
            submitted_on=today - datetime.timedelta(days=1), is_late=late,
        )  # fmt: skip

    def board(light: bool) -> list[tuple[int, str, str, str, datetime.date, str, bool | None]]:
        rows = screening.status_board(world.user("c.chief"), today, light=light)
        return [(o.unit.pk, o.unit.path, o.unit.name, o.period, o.period_start, o.state, o.is_zero) for o in rows]

    full = board(False)
    assert board(True) == full
    assert {"submitted", "late"} <= {row[5] for row in full}
