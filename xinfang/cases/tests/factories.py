"""Factories and small helpers for the cases tests.

`register(world, "d1b1", ...)` registers through the service (numbers, dates, audit as in production);
`advance(world, case, status)` carries a case along the happy path up to `status`; CaseFactory builds rows
directly (for list and query-count tests that need many cases quickly).
"""

from __future__ import annotations

import datetime
from typing import Any

import factory
from factory.django import DjangoModelFactory

from xinfang.cases import services
from xinfang.cases.idnumber import check_char
from xinfang.cases.models import Case, Category, Channel, Kind, Opinion, Petitioner, Status, Topic
from xinfang.cases.services import PetitionerData

D = datetime.date
RECEIVED = D(2026, 3, 2)  # a Monday; 2026 is covered by chinese_calendar


def valid_id(n: int, born: str = "19800101", region: str = "110105") -> str:
    first17 = f"{region}{born}{n % 1000:03d}"
    return first17 + check_char(first17)


class PetitionerDataFactory(factory.Factory):
    class Meta:
        model = PetitionerData

    name = factory.Sequence(lambda n: f"张{'一二三四五六七八九十'[n % 10]}{n}")
    id_number = factory.Sequence(lambda n: valid_id(n))
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    address = factory.Sequence(lambda n: f"测试省甲市一区幸福路{n}号")
    is_representative = False


def topic(code: str = "supervision") -> Topic:
    return Topic.objects.get(code=code)


class CaseFactory(DjangoModelFactory):
    """A case row without the service (no number counter, no events) — for list tests."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    unit = None  # pass unit=...
    year = 2026
    seq = factory.Sequence(lambda n: 9000 + n)
    registered_unit = factory.SelfAttribute("unit")
    number = factory.LazyAttribute(lambda o: f"{o.unit.code}-{o.year}-{o.seq:04d}")
    kind = Kind.INITIAL
    channel = Channel.LETTER
    received_on = RECEIVED
    category = Category.APPEAL
    topic = factory.LazyFunction(lambda: Topic.objects.get(code="other"))
    title = factory.Sequence(lambda n: f"反映事项{n}")
    content = factory.Sequence(lambda n: f"测试内容第{n}号，与其他事项无关的描述文字")
    status = Status.REGISTERED
    registered_by = None  # pass registered_by=...
    ack_from = RECEIVED
    ack_due = D(2026, 3, 17)

    @factory.post_generation
    def petitioners(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        for i, p in enumerate(extracted if extracted is not None else [PetitionerDataFactory()]):
            Petitioner.objects.create(case=self, name=p.name, id_number=p.id_number, phone=p.phone, order=i)


def register(world: Any, code: str = "d1b1", *, by: str | None = None, **overrides: Any) -> Case:
    kwargs: dict[str, Any] = {
        "unit": world.unit(code),
        "channel": Channel.LETTER,
        "received_on": RECEIVED,
        "category": Category.APPEAL,
        "topic": "supervision",
        "title": "反映消防监督检查问题",
        "content": "反映某商场消防通道长期被占用，多次举报无人处理，请求依法查处。",
        "petitioners": [PetitionerDataFactory()],
    }
    kwargs.update(overrides)
    return services.case_register(actor=world.user(by or f"{code}.officer"), **kwargs)


def _code(case: Case) -> str:
    return case.unit.code


def _disposition(case: Case, result: str) -> str:
    if case.kind not in (Kind.REVIEW, Kind.REREVIEW):
        return ""
    parent = Opinion.objects.filter(case_id=case.parent_case_id).values_list("result", flat=True).first()
    return "uphold" if parent == result else "change"


ORDER = [
    Status.REGISTERED,
    Status.ACCEPTED,
    Status.OPINION_DRAFTED,
    Status.OPINION_APPROVED,
    Status.OPINION_ISSUED,
    Status.DELIVERED,
    Status.EVALUATED,
    Status.CONCLUDED,
]


def advance(
    world: Any,
    case: Case,
    status: str,
    *,
    result: str = "explain",
    accepted_on: D | None = None,
    issued_on: D | None = None,
    delivered_on: D | None = None,
    disposition: str | None = None,
) -> Case:
    """Carry `case` along the happy path (officer handles, chief approves) until it reaches `status`.
    A 复查/复核 opinion states `disposition`; by default 变更 when `result` differs from the reviewed opinion's,
    else 维持."""
    case = Case.objects.get(pk=case.pk)
    code = _code(case)
    officer, chief = world.user(f"{code}.officer"), world.user(f"{code}.chief")
    accepted_on = accepted_on or case.accepted_on or case.received_on + datetime.timedelta(days=3)
    target = ORDER.index(status)
    while ORDER.index(case.status) < target:
        s = case.status
        if s == Status.REGISTERED or s == Status.FORWARDED:
            case = services.case_accept(actor=officer, case=case, accepted_on=accepted_on)
        elif s == Status.ACCEPTED:
            services.opinion_draft(
                actor=officer,
                case=case,
                result=result,
                facts="经调查核实，反映情况基本属实。",
                opinion="责令整改。",
                legal_basis="《中华人民共和国消防法》第二十八条",
                disposition=_disposition(case, result) if disposition is None else disposition,
            )
        elif s == Status.OPINION_DRAFTED:
            services.opinion_approve(actor=chief, case=case)
        elif s == Status.OPINION_APPROVED:
            services.opinion_issue(
                actor=officer, case=case, issued_on=issued_on or case.accepted_on + datetime.timedelta(days=20)
            )
        elif s == Status.OPINION_ISSUED:
            opinion = case.opinion
            services.case_deliver(
                actor=officer, case=case, delivered_on=delivered_on or opinion.issued_on + datetime.timedelta(days=2)
            )
        elif s == Status.DELIVERED:
            services.case_evaluate(actor=officer, case=case, rating="satisfied", on=case.opinion.delivered_on)
        elif s == Status.EVALUATED:
            if case.opinion.awaits_carrying_out:
                services.opinion_carried_out(actor=officer, case=case, carried_out_on=case.opinion.delivered_on)
            services.case_conclude(actor=officer, case=case, concluded_on=case.opinion.delivered_on)
        case = Case.objects.get(pk=case.pk)
    return case
