"""逐级汇总上报 (R3.2): a higher unit's report shows its lower units' reports of the period — counts by risk level and
category, new and resolved items, zero reports, missing and late ones — and the roll-up matches the records."""

from __future__ import annotations

import datetime

from xinfang.cases.models import Topic
from xinfang.screening import selectors, services
from xinfang.screening.tests.conftest import conflict

D = datetime.date


def file(world, clock, code, period, start, on, items=(), zero=False):
    clock(on)
    return services.report_file(
        actor=world.user(f"{code}.officer"),
        unit=world.unit(code),
        period=period,
        period_start=start,
        is_zero=zero,
        conflicts=list(items),
    )


def march(world, clock):
    """A month of brigade reports under d1 (and noise elsewhere that must not count)."""
    fire = Topic.objects.get(code="supervision")
    other = Topic.objects.exclude(pk=fire.pk).first()
    clock(D(2026, 3, 1))
    c1 = conflict(world, "d1b1", title="一号", risk_level="general", topic=fire)
    c2 = conflict(world, "d1b1", title="二号", risk_level="serious", collective_risk=True, topic=other)
    c3 = conflict(world, "d1b2", title="三号", risk_level="major", topic=fire)
    c4 = conflict(world, "d2b1", title="乙市的", risk_level="major", topic=fire)
    file(world, clock, "d1b1", "week", D(2026, 2, 23), D(2026, 3, 2), zero=True)  # February's week: not counted
    file(world, clock, "d1b1", "week", D(2026, 3, 2), D(2026, 3, 9), zero=True)
    file(world, clock, "d1b1", "week", D(2026, 3, 9), D(2026, 3, 16), items=[c1, c2])
    clock(D(2026, 3, 20))
    services.conflict_progress_add(
        actor=world.user("d1b1.officer"), conflict=c2, on=D(2026, 3, 20), note="当面答复，诉求已解决", status="resolved"
    )
    file(world, clock, "d1b1", "week", D(2026, 3, 16), D(2026, 3, 23), items=[c2])
    file(world, clock, "d1b1", "week", D(2026, 3, 23), D(2026, 3, 31), zero=True)  # due 3/30: late
    file(world, clock, "d1b2", "week", D(2026, 3, 2), D(2026, 3, 9), zero=True)
    file(world, clock, "d1b2", "week", D(2026, 3, 9), D(2026, 3, 10), items=[c3])
    file(world, clock, "d2b1", "week", D(2026, 3, 9), D(2026, 3, 10), items=[c4])  # another detachment
    return c1, c2, c3, c4, fire, other


def test_the_roll_up_of_a_month_of_brigade_reports_matches_the_records(world, clock):
    *_, fire, other = march(world, clock)
    r = selectors.rollup(world.unit("d1"), "month", D(2026, 3, 1), D(2026, 3, 31), D(2026, 4, 10))
    units = {row.unit.code: row for row in r.units}
    assert set(units) == {"d1b1", "d1b2"}
    b1, b2 = units["d1b1"], units["d1b2"]
    # weeks starting in March: 3/2, 3/9, 3/16, 3/23, 3/30 (the last one due 4/7)
    assert (b1.expected, b1.submitted, b1.late, b1.missing, b1.not_due, b1.zero) == (5, 3, 1, 1, 0, 2)
    assert (b2.expected, b2.submitted, b2.late, b2.missing, b2.not_due, b2.zero) == (5, 2, 0, 3, 0, 1)
    assert {u.code for u in r.zero_units} == {"d1b1", "d1b2"}
    assert sorted((o.unit.code, o.period_start) for o in r.missing) == [
        ("d1b1", D(2026, 3, 30)),
        ("d1b2", D(2026, 3, 16)),
        ("d1b2", D(2026, 3, 23)),
        ("d1b2", D(2026, 3, 30)),
    ]
    assert [(o.unit.code, o.period_start) for o in r.late] == [("d1b1", D(2026, 3, 23))]
    # distinct conflicts, each counted once with its latest reported state
    assert r.items_total == 3
    assert r.by_risk == {"general": 1, "serious": 1, "major": 1}
    assert r.by_category == dict(sorted({fire.name: 2, other.name: 1}.items()))
    assert (r.new, r.resolved, r.unresolved, r.collective) == (3, 1, 2, 1)


def test_the_roll_up_as_of_an_earlier_day_leaves_out_later_filings(world, clock):
    march(world, clock)
    r = selectors.rollup(world.unit("d1"), "month", D(2026, 3, 1), D(2026, 3, 31), D(2026, 3, 17))
    units = {row.unit.code: row for row in r.units}
    assert (units["d1b1"].submitted, units["d1b1"].missing, units["d1b1"].not_due) == (2, 0, 3)
    assert r.items_total == 3 and r.resolved == 0  # c2 not yet reported resolved by 3/17


def test_the_detachment_report_keeps_the_roll_up_as_filed_and_adds_its_own_items(world, clock):
    march(world, clock)
    own = conflict(world, "d1", title="支队本级", risk_level="serious")
    report = file(world, clock, "d1", "month", D(2026, 3, 1), D(2026, 4, 3), items=[own])
    snap = report.rollup
    assert snap["as_of"] == "2026-04-03"
    assert snap["items"]["total"] == 3 and snap["items"]["by_risk"] == {"general": 1, "serious": 1, "major": 1}
    by_unit = {u["unit"]["code"]: u for u in snap["units"]}
    assert by_unit["d1b1"]["submitted"] == 3 and by_unit["d1b1"]["late"] == 1
    assert by_unit["d1b1"]["not_due"] == 1  # week 3/30 due 4/7, not yet due on 4/3
    assert [i.conflict for i in report.items.all()] == [own]
    # the live roll-up of the report leaves the report's own items out
    live = selectors.report_rollup(report, D(2026, 4, 10))
    assert live.items_total == 3


def test_the_corps_quarter_rolls_up_detachments_and_brigades(world, clock):
    march(world, clock)
    file(world, clock, "d1", "month", D(2026, 1, 1), D(2026, 2, 4), zero=True)
    r = selectors.rollup(world.unit("c"), "quarter", D(2026, 1, 1), D(2026, 3, 31), D(2026, 4, 20))
    units = {row.unit.code: row for row in r.units}
    assert set(units) == {"d1", "d1b1", "d1b2", "d2", "d2b1", "d2b2"}
    assert (units["d1"].expected, units["d1"].submitted, units["d1"].missing) == (3, 1, 2)
    # brigades: 13 weeks start in Q1 2026 (1/5 … 3/30)
    assert units["d2b2"].expected == 13 and units["d2b2"].missing == 13
    assert r.items_total == 4  # c1–c3 of d1's brigades and c4 of d2b1
