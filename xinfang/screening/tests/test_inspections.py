"""Inspections and bulletins (R3.5): each 支队 leading group inspects quarterly (units visited, findings, problems,
rectification items with owners and deadlines, their closure); detachments without an inspection this quarter are
listed; a 通报 is generated as DOCX/PDF from the period's records."""

from __future__ import annotations

import datetime
import io

import pytest
from docx import Document
from pypdf import PdfReader

from xinfang.core.errors import DomainError
from xinfang.documents.models import GeneratedDocument
from xinfang.screening import selectors, services
from xinfang.screening.models import Bulletin
from xinfang.screening.tests.conftest import conflict

D = datetime.date


MAY12 = D(2026, 5, 12)


def inspect(world, code="d1", on=MAY12, items=None, user=None, visited=("d1b1", "d1b2")):
    if items is None:
        items = [
            {
                "description": "零报告制度落实不到位，补齐台账",
                "owner_unit": world.unit("d1b2"),
                "owner": world.user("d1b2.chief"),
                "deadline": D(2026, 6, 12),
            }
        ]
    return services.inspection_create(
        actor=world.user(user or f"{code}.leader"),
        unit=world.unit(code),
        on=on,
        inspectors="陈国平、杨丽华",
        units_visited=[world.unit(c) for c in visited],
        findings="两个大队排查工作总体正常。",
        problems="二区大队4月份两周未报送排查报告。",
        items=items,
    )


def test_an_inspection_with_rectification_items_closes_with_its_last_item(world, clock):
    clock(D(2026, 5, 12))
    ins = inspect(world)
    assert ins.closed_on is None
    item = ins.items.get()
    clock(D(2026, 6, 1))
    services.rectification_close(
        actor=world.user("d1.chief"), item=item, closed_on=D(2026, 5, 30), note="已补报并建立提醒"
    )
    ins.refresh_from_db()
    assert ins.closed_on == D(2026, 5, 30)
    with pytest.raises(DomainError) as e:
        services.rectification_close(actor=world.user("d1.chief"), item=item, closed_on=D(2026, 5, 31), note="again")
    assert e.value.code == "already_closed"
    services.rectification_add(
        actor=world.user("d1.leader"), inspection=ins, description="复查", owner_unit=world.unit("d1b1"),
        owner=world.user("d1b1.officer"), deadline=D(2026, 6, 30),
    )  # fmt: skip
    ins.refresh_from_db()
    assert ins.closed_on is None  # a new item reopens it


def test_an_inspection_without_problems_is_closed_at_once(world, clock):
    clock(D(2026, 5, 12))
    assert inspect(world, items=[]).closed_on == D(2026, 5, 12)


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"code": "d1b1", "user": "d1b1.leader", "visited": ("d1b1",)}, "level_cannot_inspect"),
        ({"visited": ("d2b1",)}, "invalid_scope"),
        ({"visited": ()}, "required"),
        ({"user": "d1.officer"}, "forbidden"),
        ({"on": D(2026, 5, 13)}, "future_date"),
    ],
)
def test_inspection_rules(world, clock, kw, expected):
    clock(D(2026, 5, 12))
    with pytest.raises(DomainError) as e:
        inspect(world, **kw)
    assert e.value.code == expected


def test_rectification_owner_must_be_on_post_in_the_owner_unit(world, clock):
    clock(D(2026, 5, 12))
    bad = [
        {
            "description": "x",
            "owner_unit": world.unit("d1b1"),
            "owner": world.user("d1b2.chief"),
            "deadline": D(2026, 6, 1),
        }
    ]
    with pytest.raises(DomainError) as e:
        inspect(world, items=bad)
    assert e.value.code == "invalid_owner"


def test_detachments_without_an_inspection_this_quarter(world, clock):
    clock(D(2026, 5, 12))
    assert [u.code for u in selectors.detachments_without_inspection(world.user("c.chief"), D(2026, 5, 12))] == [
        "d1",
        "d2",
    ]
    inspect(world)
    assert [u.code for u in selectors.detachments_without_inspection(world.user("c.chief"), D(2026, 6, 30))] == ["d2"]
    # next quarter it is owed again
    assert [u.code for u in selectors.detachments_without_inspection(world.user("c.chief"), D(2026, 7, 1))] == [
        "d1",
        "d2",
    ]
    assert selectors.detachments_without_inspection(world.user("d1b1.officer"), D(2026, 6, 30)) == []


def test_a_bulletin_is_generated_from_the_period_records(world, clock):
    clock(D(2026, 4, 6))
    c = conflict(world, "d1b1", risk_level="major")
    services.report_file(
        actor=world.user("d1b1.officer"), unit=world.unit("d1b1"), period="week", period_start=D(2026, 4, 6),
        is_zero=False, conflicts=[c],
    )  # fmt: skip
    clock(D(2026, 4, 30))
    inspect(world, on=D(2026, 4, 29))
    clock(D(2026, 5, 8))
    bulletin = services.bulletin_issue(
        actor=world.user("d1.chief"), unit=world.unit("d1"), period="month", period_start=D(2026, 4, 1)
    )
    figures = bulletin.stats
    # d1 (1 month) + d1b1, d1b2 (weeks starting in April: 4/6, 4/13, 4/20, 4/27) = 9 reports owed
    assert figures["reports"] == {"expected": 9, "submitted": 1, "late": 0, "missing": 8, "not_due": 0, "zero": 0}
    assert figures["items"]["found"] == 1 and figures["items"]["by_risk"]["重大"] == 1
    assert figures["missing_units"] == ["甲市一区大队", "甲市二区大队", "甲市消防救援支队"]
    assert figures["inspections"][0]["open_items"] == 1
    doc = GeneratedDocument.objects.for_owner(bulletin).get()
    assert doc.kind == "screening_bulletin" and doc.number.startswith("甲消信通〔2026〕")
    text = "\n".join(p.text for p in Document(io.BytesIO(doc.docx.read())).paragraphs)
    assert "应报排查报告9份，按时报送1份" in text and "二区大队4月份两周未报送排查报告" in text
    doc.pdf.open("rb")
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(doc.pdf.read())).pages)
    assert "通报" in pdf_text
    # addressed to the detachment's whole area: its brigades see it (and download it through the bulletin page)
    assert Bulletin.objects.visible_to(world.user("d1b1.officer")).filter(pk=bulletin.pk).exists()
    assert not Bulletin.objects.visible_to(world.user("d2.chief")).filter(pk=bulletin.pk).exists()
    assert not GeneratedDocument.objects.visible_to(world.user("d2.chief")).filter(pk=doc.pk).exists()


def test_bulletins_are_issued_by_corps_or_detachments(world, clock):
    clock(D(2026, 5, 8))
    with pytest.raises(DomainError) as e:
        services.bulletin_issue(
            actor=world.user("d1b1.chief"), unit=world.unit("d1b1"), period="month", period_start=D(2026, 4, 1)
        )
    assert e.value.code == "level_cannot_issue"
    with pytest.raises(DomainError) as e:
        services.bulletin_issue(
            actor=world.user("d1.chief"), unit=world.unit("d1"), period="month", period_start=D(2026, 6, 1)
        )
    assert e.value.code == "future_period"


def test_the_inspected_units_see_the_inspection_but_do_not_close_its_items(world, clock):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from xinfang.screening.models import Inspection

    clock(D(2026, 5, 12))
    ins = inspect(world, visited=("d1b1",))  # the item is owned by d1b2
    for username, visible in [("d1b1.officer", True), ("d1b2.chief", True), ("d2b1.officer", False)]:
        assert Inspection.objects.visible_to(world.user(username)).filter(pk=ins.pk).exists() is visible, username
    item = ins.items.get()
    with pytest.raises(PermissionDenied):
        selectors.access_rectification_item(world.user("d1b2.chief"), item.pk, "screening.inspection.manage")
    with pytest.raises(Http404):
        selectors.access_inspection(world.user("d2b1.officer"), ins.pk)
