"""What the case list does to stay fast at a million cases (issue 8) — and stay exactly right while doing it:
the stored running limit (`deadline_on`), the capped count, the scope as literal id lists cached per request, and the
drill-down unit choices."""

from __future__ import annotations

import datetime

import pytest
from django.core.paginator import Paginator

from xinfang.cases import services
from xinfang.cases.models import ACK_STATUSES, CLOCK_STATUSES, Case, Status
from xinfang.cases.tests.factories import CaseFactory, register
from xinfang.core import paging
from xinfang.core.paging import CappedPaginator

D = datetime.date


def mk(world, code, **kw):
    return CaseFactory(unit=world.unit(code), registered_by=world.user("d1b1.officer"), **kw)


def login(client, world, name):
    client.force_login(world.user(name))
    return world.user(name)


# --- the stored running limit ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", Status.values)
def test_the_stored_deadline_is_the_limit_running_now_for_every_status(world, status):
    case = mk(world, "d1b1", ack_due=D(2026, 3, 9), due=D(2026, 5, 1))
    Case.objects.filter(pk=case.pk).update(status=status)  # the database recomputes it on any write
    case.refresh_from_db()
    expected = D(2026, 3, 9) if status in ACK_STATUSES else D(2026, 5, 1) if status in CLOCK_STATUSES else None
    assert case.deadline == expected
    assert case.deadline_on == expected


def test_the_stored_deadline_follows_an_extension_and_sorts_the_list(world, client):
    soon = mk(world, "d1b1", status=Status.ACCEPTED, ack_due=None, due=D(2026, 4, 1))
    later = mk(world, "d1b1", status=Status.ACCEPTED, ack_due=None, due=D(2026, 4, 20))
    closed = mk(world, "d1b1", status=Status.CONCLUDED, due=D(2026, 3, 1))
    Case.objects.filter(pk=soon.pk).update(due=D(2026, 5, 1))  # now the later one
    login(client, world, "d1b1.officer")
    html = client.get("/cases/?sort=deadline").content.decode()
    order = [int(x) for x in __import__("re").findall(r'<tr data-case="(\d+)">', html)]
    assert order.index(later.pk) < order.index(soon.pk) < order.index(closed.pk)  # no limit: last


# --- the capped count -----------------------------------------------------------------------------------------


def test_the_count_is_exact_up_to_the_cap_and_says_more_beyond_it(world, monkeypatch):
    for _ in range(7):
        mk(world, "d1b1")
    qs = Case.objects.order_by("-received_on", "-id")
    monkeypatch.setattr(CappedPaginator, "cap", 7)
    exact = CappedPaginator(qs, 2)
    assert (exact.count, exact.is_capped, exact.count_label) == (7, False, "7 件")
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    capped = CappedPaginator(qs, 2)
    assert (capped.count, capped.is_capped, capped.count_label) == (5, True, "5 件以上")
    assert capped.num_pages == 3
    # a page past the cap is the last reachable page; it ends at the cap (the 5th row), in the list's order
    last = capped.get_page(99)
    assert last.number == 3
    assert [c.pk for c in last] == [c.pk for c in Paginator(qs, 2).page(3)][:1] == [qs[4].pk]


def test_the_list_page_and_the_api_say_when_the_count_is_capped(world, client, monkeypatch):
    for _ in range(4):
        register(world, "d1b1")
    login(client, world, "d1b1.officer")
    assert "共 4 件" in client.get("/cases/").content.decode()
    assert client.get("/api/v1/cases/").json()["count_capped"] is False
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    html = client.get("/cases/").content.decode()
    assert "共 3 件以上" in html and "请用筛选条件缩小范围" in html
    body = client.get("/api/v1/cases/").json()
    assert body["count"] == 3 and body["count_capped"] is True and len(body["results"]) == 3  # pages end at the cap
    assert paging.COUNT_CAP == 10_000


# --- the scope as literal id lists, cached per request ------------------------------------------------------


def test_a_case_forwarded_after_the_scope_was_cached_is_still_seen_by_the_sender(world):
    officer = world.user("d1.officer")
    case = register(world, "d1")
    assert list(Case.objects.visible_to(officer).filter(pk=case.pk)) == [case]  # caches the scope on `officer`
    services.case_forward(actor=officer, case=case, to_unit=world.unit("d2b1"), forwarded_on=D(2026, 3, 4))
    assert Case.objects.get(pk=case.pk).unit == world.unit("d2b1")
    # the transfer bumped the scope generation: the same user object sees the forwarded case at once
    assert list(Case.objects.visible_to(officer).filter(pk=case.pk)) == [case]
    assert not Case.objects.visible_to(world.user("d2b2.officer")).filter(pk=case.pk).exists()


def test_a_unit_created_after_the_scope_was_cached_brings_its_cases_in(world):
    from xinfang.orgs.models import Unit

    chief = world.user("d1.chief")
    assert not Case.objects.visible_to(chief).exists()
    new = Unit.objects.create(code="d1b9", name="新设大队", level="brigade", parent=world.unit("d1"))
    new.path = f"{world.unit('d1').path}{new.pk}/"
    new.depth = world.unit("d1").depth + 1
    new.save()
    case = CaseFactory(unit=new, registered_by=world.user("d1b1.officer"))
    assert list(Case.objects.visible_to(chief)) == [case]


# --- the unit choices drill down ------------------------------------------------------------------------------


def _unit_options(html):
    import re

    select = re.search(r'<select name="unit".*?</select>', html, re.S).group(0)
    return {int(v) for v in re.findall(r'<option value="(\d+)"', select)}


def test_the_unit_choices_show_the_top_units_children_and_drill_down(world, client):
    login(client, world, "c.chief")
    top = _unit_options(client.get("/cases/").content.decode())
    assert top == {world.unit(c).pk for c in ("c", "d1", "d2")}  # not the 大队 below them
    d1 = world.unit("d1")
    drilled = _unit_options(client.get(f"/cases/?unit={d1.pk}").content.decode())
    assert drilled == {world.unit(c).pk for c in ("c", "d1", "d2", "d1b1", "d1b2")}
    # a unit not offered in the drop-down may still be chosen, and filters exactly
    mine = register(world, "d2b2")
    register(world, "d2b1")
    html = client.get(f"/cases/?unit={world.unit('d2b2').pk}").content.decode()
    assert __import__("re").findall(r'<tr data-case="(\d+)">', html) == [str(mine.pk)]


def test_a_unit_outside_the_scope_is_neither_offered_nor_accepted(world, client):
    login(client, world, "d1.chief")
    html = client.get(f"/cases/?unit={world.unit('d2').pk}").content.decode()
    assert world.unit("d2").pk not in _unit_options(html)
    assert "选择一个有效的选项" in html or "不在" in html or 'class="invalid-feedback' in html


# --- deep pages by the scope's branches -----------------------------------------------------------------------


def test_pages_picked_by_the_scope_branches_equal_plain_slices(world, monkeypatch):
    """CaseQuerySet.page_slice / capped_count (by the UNION of the cases at the scope's units, those its units
    forwarded, those shared) give exactly the rows and count of the plain queryset — every sort, with filters, with
    ties on the sort keys, with forwarded, shared and Art 30-hidden cases."""
    import random

    from django.contrib.contenttypes.models import ContentType

    from xinfang.cases import models as case_models
    from xinfang.cases import selectors
    from xinfang.cases.models import Category
    from xinfang.core.models import Share

    rng = random.Random(8)
    statuses = [Status.REGISTERED, Status.ACCEPTED, Status.CONCLUDED]
    for _ in range(40):
        mk(
            world, rng.choice(["d1", "d1b1", "d1b2", "d2b1"]), received_on=D(2026, rng.randint(1, 3), rng.randint(1, 3)),
            status=rng.choice(statuses), due=rng.choice([None, D(2026, 5, rng.randint(1, 4))]),
        )  # fmt: skip
    hidden = mk(world, "d1b1", category=Category.ACCUSATION, accused_unit=world.unit("d1"))
    forwarded = [register(world, "d1b1") for _ in range(3)]
    for c in forwarded:
        services.case_forward(
            actor=world.user("d1b1.officer"), case=c, to_unit=world.unit("d2b1"), forwarded_on=D(2026, 3, 4)
        )
    shared = mk(world, "d2b2")
    chief = world.user("d1.chief")
    Share.objects.create(
        content_type=ContentType.objects.get_for_model(Case), object_id=shared.pk, user=chief,
        granted_by=world.user("sysadmin"), reason="协查",
    )  # fmt: skip
    monkeypatch.setattr(case_models, "BRANCH_OFFSET", 0)  # every page by the branches …
    monkeypatch.setattr(case_models, "BRANCH_UNITS", 0)  # … and every count

    for sort in selectors.SORTS:
        for filters in ({}, {"status": Status.ACCEPTED}, {"open_only": True}):
            qs = selectors.case_list(chief, sort=sort, **filters)
            plain = list(qs.values_list("pk", flat=True))
            assert qs.branches() is not None
            assert hidden.pk not in plain
            if not filters:
                assert shared.pk in plain and {c.pk for c in forwarded} <= set(plain)
            for bottom, top in ((0, 7), (5, 12), (30, 47), (len(plain) - 3, len(plain) + 5)):
                assert [c.pk for c in qs.page_slice(bottom, top)] == plain[bottom:top], (sort, filters, bottom)
            for cap in (3, len(plain), 1000):
                assert qs.capped_count(cap) == min(len(plain), cap + 1), (sort, filters, cap)


def test_the_list_page_and_the_api_page_deep_by_the_branches(world, client, monkeypatch):
    from xinfang.cases import models as case_models

    for day in range(1, 8):
        mk(world, "d1b1", received_on=D(2026, 3, day))
        mk(world, "d1b2", received_on=D(2026, 3, day))
    monkeypatch.setattr(case_models, "BRANCH_OFFSET", 0)
    monkeypatch.setattr(case_models, "BRANCH_UNITS", 0)
    login(client, world, "d1.chief")
    expected = list(Case.objects.order_by("-received_on", "-id").values_list("number", flat=True))
    body = client.get("/api/v1/cases/?page=2&page_size=5").json()
    assert [r["number"] for r in body["results"]] == expected[5:10] and body["count"] == 14
    html = client.get("/cases/?page=3").content.decode()
    assert "共 14 件" in html
