"""Demo data of the leadership part for the demo corps (xinfang/orgs/demo.py), made through the services and dated
relative to today: 党委会 records that put some units on pace and others behind, a published reception schedule,
ledger entries (one opening a case), a brigade chief owning a major case, and a case listed for supervision by the
总队 and owned by its 支队主官 (with its 包案责任书). Idempotent: each record is looked up before it is made.

    build_demo(stdout=None) -> int   # the number of records created
"""

from __future__ import annotations

import datetime
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from xinfang.cases.models import CLOSED_STATUSES, Case
from xinfang.leadership import services
from xinfang.leadership.models import Meeting, Ownership, OwnershipStatus, Reception, ReceptionDay, Supervision
from xinfang.orgs.models import Unit, User

DEMO_UNITS = ("sf", "jz", "jz01", "jz02", "jz03", "lc", "lc01", "lc02", "qs", "qs01")

# (unit, days ago, topics, decisions); units on pace and behind pace both show.
MEETINGS: list[tuple[str, int, str, str]] = [
    ("jz", 200, "传达学习《信访工作条例》，研究部署年度信访工作", "明确分管领导，建立领导接访和包案制度"),
    ("jz", 40, "听取上半年信访工作情况汇报，研究重点信访案件化解", "对挂牌督办案件实行支队主官包案"),
    ("lc", 120, "研究部署信访工作", "落实领导干部定期接访制度"),
    ("jz01", 260, "研究部署辖区信访工作", "建立信访台账"),
    ("jz01", 170, "研究消防通道占用类信访问题", "联合街道开展专项整治"),
    ("jz01", 80, "研究重大信访问题包保责任", "大队主官包案到底"),
    ("jz02", 150, "研究火灾事故认定类信访事项", "逐案复核，依法答复"),
    ("lc01", 60, "研究部署信访工作", "加强信访业务培训"),
]
MARK = "【演示】"


class _Demo:
    def __init__(self, today: datetime.date) -> None:
        self.today = today
        self.units = {u.code: u for u in Unit.objects.filter(code__in=DEMO_UNITS)}
        missing = set(DEMO_UNITS) - set(self.units)
        if missing:
            raise RuntimeError(f"demo units missing ({', '.join(sorted(missing))}): load the demo corps first")
        self.users = {u.username: u for u in User.objects.filter(unit__code__in=DEMO_UNITS)}
        self.created = 0

    def ago(self, days: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days)

    def user(self, name: str) -> User:
        return self.users[name]

    def open_case(self, unit: str, exclude: tuple[int, ...] = ()) -> Case | None:
        """The first open case of `unit` or a unit below it."""
        return (
            Case.objects.filter(unit__path__startswith=self.units[unit].path)
            .exclude(status__in=CLOSED_STATUSES)
            .exclude(pk__in=exclude)
            .order_by("pk")
            .first()
        )


def _meetings(d: _Demo) -> None:
    for code, days, topics, decisions in MEETINGS:
        held_on = d.ago(days)
        if Meeting.objects.filter(unit__code=code, held_on=held_on, topics=MARK + topics).exists():
            continue
        services.meeting_record(
            actor=d.user(f"{code}.officer"),
            unit=d.units[code],
            held_on=held_on,
            topics=MARK + topics,
            decisions=decisions,
            attendees="党委委员",
        )
        d.created += 1


def _schedule(d: _Demo) -> None:
    plans: list[tuple[str, str, int, str, bool]] = [
        ("jz", "jz.chief", 7, "江州市消防救援支队信访接待室", True),
        ("jz", "jz.leader", 21, "江州市消防救援支队信访接待室", True),
        ("lc", "lc.chief", 14, "临川市消防救援支队一楼接待室", True),
        ("qs", "qs.leader", 28, "青山市消防救援支队接待室", False),
        ("jz01", "jz01.chief", 3, "鼓楼区消防救援大队值班室", True),
    ]
    for code, leader, days, place, published in plans:
        day = d.today + datetime.timedelta(days=days)
        if ReceptionDay.objects.filter(leader=d.user(leader), planned_on=day).exists():
            continue
        services.reception_day_plan(
            actor=d.user(f"{code}.officer"),
            unit=d.units[code],
            leader=d.user(leader),
            planned_on=day,
            time_text="上午9:00—12:00",
            place=place,
            published=published,
        )
        d.created += 1
    # A day already held (counts for the 支队主官's quarter), with nobody coming.
    past = d.ago(20)
    if not ReceptionDay.objects.filter(leader=d.user("jz.chief"), planned_on=past).exists():
        held = services.reception_day_plan(
            actor=d.user("jz.officer"), unit=d.units["jz"], leader=d.user("jz.chief"), planned_on=past, place="接待室"
        )
        services.reception_day_hold(actor=d.user("jz.officer"), day=held, note="当日无群众来访")
        d.created += 1


def _ledger(d: _Demo) -> None:
    entries: list[tuple[str, str, int, str, str, list[dict[str, Any]]]] = [
        (
            "jz01",
            "jz01.chief",
            5,
            "反映某小区消防车通道长期被占用，物业不作为",
            "当场答复将联合街道检查，已登记为信访事项办理",
            [{"name": "周明华", "phone": "13907910101"}],
        ),
        (
            "lc",
            "lc.chief",
            35,
            "反映农贸市场消火栓损坏",
            "责成东城区大队核查，限期督促整改",
            [{"name": "吴桂兰", "phone": "13907910202"}, {"name": "吴建"}],
        ),
    ]
    for code, leader, days, matter, outcome, visitors in entries:
        if Reception.objects.filter(leader=d.user(leader), matter=MARK + matter).exists():
            continue
        reception = services.reception_record(
            actor=d.user(f"{code}.officer"),
            leader=d.user(leader),
            received_on=d.ago(days),
            matter=MARK + matter,
            outcome=outcome,
            visitors=visitors,
        )
        case = d.open_case(code)
        if case is not None and code == "jz01":
            services.reception_link_case(actor=d.user(f"{code}.officer"), reception=reception, case=case)
        d.created += 1


def _ownerships(d: _Demo) -> None:
    # A major case in a 大队's area, owned by the 大队主官.
    brigade_case = d.open_case("jz01")
    if brigade_case is not None and not Ownership.objects.filter(case=brigade_case).exists():
        o = services.ownership_assign(
            actor=d.user("jz01.chief"),
            case=brigade_case,
            leader=d.user("jz01.chief"),
            tasks="查清消防车通道占用责任主体，督促物业落实管理责任",
            plan="联合街道、物业现场办公，划设消防车通道标线，每周回访信访人",
            deadline=d.today + datetime.timedelta(days=25),
            team=[d.user("jz01.officer"), d.user("jz01.leader")],
            team_note="鼓楼街道综治办",
        )
        services.ownership_progress(
            actor=d.user("jz01.officer"),
            ownership=o,
            on=d.today,
            note="已会同街道现场查看，物业承诺一周内清理",
            checklist={"resolve": {"applies": True, "done": False, "note": "清理占道车辆"}},
        )
        d.created += 1
    # A case listed for supervision by the 总队, owned by its 支队主官.
    supervised = d.open_case("lc", exclude=(brigade_case.pk,) if brigade_case else ())
    if supervised is not None and not Supervision.objects.filter(case=supervised).exists():
        s = services.supervision_open(
            actor=d.user("sf.chief"),
            case=supervised,
            level="corps",
            deadline=d.today + datetime.timedelta(days=30),
            requirements="支队主官包案，一个月内化解并报告结果",
        )
        services.supervision_report(
            actor=d.user("lc.officer"), supervision=s, on=d.today, content="支队已召开专题会议，明确包案领导和专班"
        )
        d.created += 1
    if (
        supervised is not None
        and not Ownership.objects.filter(case=supervised, status=OwnershipStatus.OPEN).exists()
        and Supervision.objects.filter(case=supervised, status="active").exists()
    ):
        services.ownership_assign(
            actor=d.user("lc.chief"),
            case=supervised,
            leader=d.user("lc.chief"),
            tasks="督促责任单位修复消火栓，答复信访人",
            plan="一案一策：支队主官牵头，东城区大队具体落实，十日一报",
            deadline=d.today + datetime.timedelta(days=28),
            team=[d.user("lc.officer")],
        )
        d.created += 1


STEPS = (_meetings, _schedule, _ledger, _ownerships)


@transaction.atomic
def build_demo(stdout: TextIO | None = None) -> int:
    """Create the leadership demo records through the services; a second run creates nothing."""
    d = _Demo(timezone.localdate())
    for step in STEPS:
        step(d)
    if stdout is not None:
        stdout.write(f"演示领导责任记录：新建 {d.created} 条\n")
    return d.created
