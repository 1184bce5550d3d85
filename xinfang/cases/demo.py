"""Demo cases for the demo corps (xinfang/orgs/demo.py): cases in every state of the workflow, made through the
services (numbers, dates, timeline and audit as in real use), dated relative to today so that due-soon and
overdue cases show. Idempotent: a scenario whose first case (unit + title) exists is skipped.

    build_demo_cases(stdout=None) -> int   # the number of cases created
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from xinfang.cases import services
from xinfang.cases.idnumber import check_char
from xinfang.cases.models import Case, Category, Channel, Status, TransferKind
from xinfang.orgs.models import Unit, User

DEMO_UNITS = ("sf", "jz", "jz01", "jz02", "jz03", "jz04", "lc", "lc01", "lc02", "lc03", "qs", "qs01", "qs02", "qs03")


def _id(n: int, born: str = "19750312", region: str = "360102") -> str:
    first17 = f"{region}{born}{n:03d}"
    return first17 + check_char(first17)


class _Demo:
    def __init__(self, today: datetime.date) -> None:
        self.today = today
        self.units = {u.code: u for u in Unit.objects.filter(code__in=DEMO_UNITS)}
        missing = set(DEMO_UNITS) - set(self.units)
        if missing:
            raise RuntimeError(f"demo units missing ({', '.join(sorted(missing))}): load the demo corps first")
        self.users = {u.username: u for u in User.objects.filter(unit__code__in=DEMO_UNITS)}
        self.created = 0
        self.person = 0

    def ago(self, days: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days)

    def user(self, name: str) -> User:
        return self.users[name]

    def petitioner(self, name: str, **extra: Any) -> dict[str, Any]:
        self.person += 1
        return {
            "name": name,
            "id_number": _id(self.person),
            "phone": f"1390791{self.person:04d}",
            "address": f"示范省江州市演示路{self.person}号",
            **extra,
        }

    def exists(self, unit: str, title: str) -> bool:
        return (
            Case.objects.filter(unit__code=unit, title=title).exists()
            or Case.objects.filter(title=title, transfers__from_unit__code=unit).exists()
        )

    def register(self, unit: str, title: str, content: str, received: int, **kw: Any) -> Case:
        kw.setdefault("channel", Channel.LETTER)
        kw.setdefault("category", Category.APPEAL)
        kw.setdefault("topic", "supervision")
        if "petitioners" not in kw and not kw.get("is_anonymous"):
            kw["petitioners"] = [self.petitioner("刘群众")]
        case = services.case_register(
            actor=self.user(f"{unit}.officer"),
            unit=self.units[unit],
            received_on=self.ago(received),
            title=title,
            content=content,
            **kw,
        )
        self.created += 1
        return case

    def refresh(self, case: Case) -> Case:
        return Case.objects.select_related("unit").get(pk=case.pk)

    def advance(
        self, case: Case, status: str, *, accepted: int, issued: int = 0, delivered: int = 0, **kw: Any
    ) -> Case:
        """Carry a case along the happy path (days are "days ago")."""
        code = case.unit.code
        officer, chief = self.user(f"{code}.officer"), self.user(f"{code}.chief")
        order: list[str] = [
            Status.REGISTERED,
            Status.ACCEPTED,
            Status.OPINION_DRAFTED,
            Status.OPINION_APPROVED,
            Status.OPINION_ISSUED,
            Status.DELIVERED,
            Status.EVALUATED,
            Status.CONCLUDED,
        ]
        case = self.refresh(case)
        while order.index(case.status if case.status != Status.FORWARDED else Status.REGISTERED) < order.index(status):
            s = case.status
            if s in (Status.REGISTERED, Status.FORWARDED):
                services.case_accept(actor=officer, case=case, accepted_on=self.ago(accepted))
            elif s == Status.ACCEPTED:
                services.opinion_draft(
                    actor=officer,
                    case=case,
                    result=kw.get("result", "explain"),
                    request_summary=kw.get("request", case.title),
                    facts=kw.get("facts", "经调查核实，信访人反映的情况部分属实。"),
                    opinion=kw.get("opinion", "已依法责令相关单位整改，并将整改情况告知信访人。"),
                    legal_basis=kw.get("basis", "《中华人民共和国消防法》《信访工作条例》第三十二条"),
                    disposition=kw.get("disposition", ""),
                )
            elif s == Status.OPINION_DRAFTED:
                services.opinion_approve(actor=chief, case=case)
            elif s == Status.OPINION_APPROVED:
                services.opinion_issue(actor=officer, case=case, issued_on=self.ago(issued))
            elif s == Status.OPINION_ISSUED:
                services.case_deliver(actor=officer, case=case, delivered_on=self.ago(delivered), method="直接送达")
            elif s == Status.DELIVERED:
                services.case_evaluate(
                    actor=officer, case=case, rating=kw.get("rating", "satisfied"), on=self.ago(max(delivered - 2, 0))
                )
            elif s == Status.EVALUATED:
                if case.opinion.awaits_carrying_out:
                    services.opinion_carried_out(
                        actor=officer, case=case, carried_out_on=self.ago(max(delivered - 3, 0))
                    )
                services.case_conclude(actor=officer, case=case, concluded_on=self.ago(max(delivered - 3, 0)))
            case = self.refresh(case)
        return case


Scenario = Callable[[_Demo], None]


def _registered(d: _Demo) -> None:
    title = "反映某小区消防车通道被私家车长期占用"
    if not d.exists("jz01", title):
        d.register("jz01", title, "鼓楼区某小区消防车通道长期被私家车占用，物业不管，请求消防部门检查处理。", 3)
    title = "反映某宾馆疏散通道上锁"
    if not d.exists("jz02", title):
        d.register(
            "jz02",
            title,
            "江滨区某宾馆夜间将安全出口上锁，存在重大火灾隐患。",
            20,
            channel=Channel.PHONE,
            is_anonymous=True,
            petitioners=[],
        )


def _forwarded(d: _Demo) -> None:
    title = "反映高新区某厂房违规住人"
    if not d.exists("jz", title):
        case = d.register("jz", title, "高新区某厂房内设置员工宿舍，存在“三合一”火灾隐患。", 5, channel=Channel.ONLINE)
        services.case_forward(
            actor=d.user("jz.officer"),
            case=case,
            to_unit=d.units["jz03"],
            forwarded_on=d.ago(2),
            kind=TransferKind.ASSIGN,
            result_due=d.ago(-30),
        )
    title = "反映临川市某市场消防设施损坏"
    if not d.exists("lc", title):
        case = d.register("lc", title, "东城区某农贸市场消火栓损坏多年无人维修。", 6, channel=Channel.LETTER)
        services.case_forward(actor=d.user("lc.officer"), case=case, to_unit=d.units["lc02"], forwarded_on=d.ago(4))
        services.case_object(
            actor=d.user("lc02.officer"), case=case, objected_on=d.ago(2), reason="该市场位于东城区，不属于本大队辖区。"
        )


def _accepted(d: _Demo) -> None:
    title = "对消防监督检查结果有异议"
    if not d.exists("jz01", title):
        case = d.register("jz01", title, "信访人对其经营场所消防监督检查中认定的隐患有异议，要求重新检查。", 30)
        d.advance(case, Status.ACCEPTED, accepted=28)
        d.register(
            "jz01", "再次反映消防监督检查结果异议", "信访人再次来信，对检查结果仍有异议。", 5, original_case=case,
            petitioners=[d.petitioner("陈重复")],
        )  # fmt: skip
    title = "反映火灾事故认定不公"
    if not d.exists("jz03", title):
        case = d.register(
            "jz03", title, "信访人认为其仓库火灾事故认定书认定起火原因有误。", 70, topic="fire_investigation"
        )
        case = d.advance(case, Status.ACCEPTED, accepted=65)
        services.case_extend(
            actor=d.user("jz03.officer"),
            case=case,
            days=15,
            reason="需调取监控并组织技术鉴定，案情复杂。",
            approved_by=d.user("jz03.chief"),
            notified_on=d.ago(10),
        )
    title = "反映政府专职消防员工资拖欠"
    if not d.exists("qs01", title):
        case = d.register(
            "qs01", title, "多名政府专职消防员反映工资和加班补贴被拖欠。", 80, topic="professional_firefighters",
            channel=Channel.VISIT, headcount=12,
            petitioners=[d.petitioner(n, is_representative=True) for n in ("周代表", "吴代表", "郑代表")],
        )  # fmt: skip
        d.advance(case, Status.ACCEPTED, accepted=75)


def _opinion_states(d: _Demo) -> None:
    # unit, title, topic, target status, days ago: received / accepted / issued / delivered
    plan: list[tuple[str, str, str, str, tuple[int, int, int, int]]] = [
        ("lc01", "对行政处罚决定有异议", "penalty", Status.OPINION_DRAFTED, (40, 38, 0, 0)),
        ("lc03", "反映消防产品质量问题", "products", Status.OPINION_APPROVED, (45, 43, 0, 0)),
        ("qs02", "反映某网吧消防设施不全", "supervision", Status.OPINION_ISSUED, (50, 48, 3, 0)),
        ("qs03", "反映消防审验办理拖延", "supervision", Status.EVALUATED, (60, 58, 20, 18)),
        ("jz02", "反映某加油站安全距离不足", "supervision", Status.CONCLUDED, (90, 88, 50, 48)),
    ]
    for unit, title, topic, status, (received, accepted, issued, delivered) in plan:
        if d.exists(unit, title):
            continue
        case = d.register(unit, title, f"信访人{title}，请求依法处理。", received, topic=topic)
        d.advance(case, status, accepted=accepted, issued=issued, delivered=delivered)
    title = "请求落实退役消防员安置待遇"
    if not d.exists("jz04", title):
        case = d.register("jz04", title, "退役消防员反映安置待遇未按政策落实。", 40, topic="benefits")
        d.advance(case, Status.DELIVERED, accepted=38, issued=10, delivered=8, result="support")


def _declined_and_diverted(d: _Demo) -> None:
    title = "要求赔偿邻居火灾造成的损失"
    if not d.exists("jz03", title):
        case = d.register(
            "jz03", title, "邻居家失火殃及本人房屋，要求消防部门赔偿损失。", 12, category=Category.LITIGATION
        )
        services.case_divert(
            actor=d.user("jz03.officer"),
            case=case,
            decided_on=d.ago(10),
            art31_item=1,
            route="属于民事损害赔偿纠纷，请依法向人民法院提起民事诉讼。",
        )
    title = "反映邻里噪音扰民"
    if not d.exists("lc01", title):
        case = d.register("lc01", title, "楼上邻居夜间噪音扰民。", 9, topic="other")
        services.case_decline(
            actor=d.user("lc01.officer"),
            case=case,
            decided_on=d.ago(7),
            reason="所反映事项不属于消防救援机构职责范围，已告知向公安机关反映。",
        )


def _accusation(d: _Demo) -> None:
    title = "检举某大队监督员检查中吃拿卡要"
    if not d.exists("jz", title):
        case = d.register(
            "jz",
            title,
            "检举鼓楼区大队某监督员在消防检查中索要财物。",
            15,
            category=Category.ACCUSATION,
            topic="conduct",
            accused_unit=d.units["jz01"],
            accused_names="鼓楼区大队某监督员",
            channel=Channel.LETTER,
        )
        d.advance(case, Status.ACCEPTED, accepted=12)


def _review_chain(d: _Demo) -> None:
    title = "对火灾事故认定复核结论不服"
    if d.exists("jz02", title):
        return
    initial = d.register("jz02", title, "信访人对仓库火灾事故认定及处理意见不服。", 150, topic="fire_investigation")
    initial = d.advance(initial, Status.DELIVERED, accepted=148, issued=120, delivered=118, result="reject")
    review = services.review_request(actor=d.user("jz.officer"), case=initial, requested_on=d.ago(110))
    d.created += 1
    review = d.advance(
        review, Status.DELIVERED, accepted=110, issued=90, delivered=88, result="reject", disposition="uphold"
    )
    rereview = services.review_request(actor=d.user("sf.officer"), case=review, requested_on=d.ago(80))
    d.created += 1
    d.advance(rereview, Status.DELIVERED, accepted=80, issued=60, delivered=58, result="explain", disposition="change")
    title = "对消防监督检查处理意见申请复查"
    if not d.exists("qs02", title):
        case = d.register("qs02", title, "信访人对检查处理意见不服。", 60)
        case = d.advance(case, Status.DELIVERED, accepted=58, issued=20, delivered=15, result="reject")
        services.review_request(actor=d.user("qs.officer"), case=case, requested_on=d.ago(5))
        d.created += 1


SCENARIOS: list[Scenario] = [
    _registered,
    _forwarded,
    _accepted,
    _opinion_states,
    _declined_and_diverted,
    _accusation,
    _review_chain,
]


@transaction.atomic
def build_demo_cases(stdout: TextIO | None = None) -> int:
    """Create the demo cases (cases in every state) through the services; a second run creates nothing."""
    demo = _Demo(timezone.localdate())
    for scenario in SCENARIOS:
        scenario(demo)
    if stdout is not None:
        stdout.write(f"演示信访事项：新建 {demo.created} 件\n")
    return demo.created
