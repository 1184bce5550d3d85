"""Demo screening records for the demo corps (xinfang/orgs/demo.py), made through the screening services and dated
relative to today, so that the board shows every state: reports on time, late, missing and not yet due, zero
reports, a month's roll-up, a special period with its roster, warnings at each step (one escalated), inspections
with open rectification items, a bulletin, and this year's trainings.

    build_demo(stdout=None) -> int   # the number of records created; a second run creates nothing

Records dated in the past are filed with the services' clock set to that moment (the services read it through
`services._now`), so their on-time/late state is what it would have been."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from xinfang.cases.models import Case, Topic
from xinfang.orgs.models import Unit, User
from xinfang.screening import periods, selectors, services
from xinfang.screening.models import Conflict

MARKER = "江滨区某小区业主因消防设施维修基金使用产生纠纷"
BRIGADES = ("jz01", "jz02", "jz03", "jz04", "lc01", "lc02", "lc03", "qs01", "qs02", "qs03")


@contextmanager
def _at(moment: datetime.datetime) -> Iterator[None]:
    """File as of `moment` (demo only)."""
    saved = services._now
    services._now = lambda: moment  # type: ignore[assignment]
    try:
        yield
    finally:
        services._now = saved  # type: ignore[assignment]


class _Demo:
    def __init__(self) -> None:
        self.now = timezone.localtime()
        self.today = self.now.date()
        codes = ("sf", "jz", "lc", "qs", *BRIGADES)
        self.units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
        missing = set(codes) - set(self.units)
        if missing:
            raise RuntimeError(f"demo units missing ({', '.join(sorted(missing))}): load the demo corps first")
        self.users = {u.username: u for u in User.objects.filter(unit__code__in=codes)}
        self.created = 0

    def moment(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        tz = timezone.get_current_timezone()
        return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=tz)

    def days_ago(self, n: int) -> datetime.date:
        return self.today - datetime.timedelta(days=n)

    def user(self, name: str) -> User:
        return self.users[name]

    def conflict(self, code: str, title: str, **kw: Any) -> Conflict:
        kw.setdefault("topic", Topic.objects.get(code="other"))
        kw.setdefault("risk_level", "general")
        kw.setdefault("leader", self.user(f"{code}.chief"))
        kw.setdefault("measures", "责任领导牵头，约见当事人听取诉求，协调相关部门逐项解决，定期回访。")
        kw.setdefault("found_on", self.days_ago(40))
        c = services.conflict_create(
            actor=self.user(f"{code}.officer"),
            unit=self.units[code],
            title=title,
            description=kw.pop("description"),
            **kw,
        )
        self.created += 1
        return c

    def report(self, code: str, kind: str, start: datetime.date, filed: datetime.date, items: list[Conflict]) -> None:
        with _at(self.moment(filed, 16)):
            services.report_file(
                actor=self.user(f"{code}.officer"),
                unit=self.units[code],
                period=kind,
                period_start=start,
                is_zero=not items,
                conflicts=items,
                summary="" if items else "本期排查未发现矛盾纠纷。",
            )
        self.created += 1


def _conflicts(d: _Demo) -> dict[str, Conflict]:
    case = Case.objects.filter(unit__code="jz02").order_by("id").first()
    people = list(case.petitioners.all()) if case is not None else []
    c = {
        "fund": d.conflict(
            "jz02",
            MARKER,
            description="约40户业主认为物业擅自使用维修基金更换消防设施，多次到社区反映，有串联到支队集体反映的苗头。",
            risk_level="serious",
            collective_risk=True,
            headcount=40,
            cases=[case] if case is not None else [],
            petitioners=people,
        ),
        "wage": d.conflict(
            "jz01",
            "原政府专职消防员反映退役补助未落实",
            description="3名原政府专职消防员反映离队时承诺的补助未发放。",
            topic=Topic.objects.get(code="professional_firefighters"),
            headcount=3,
        ),
        "inspect": d.conflict(
            "lc01",
            "商户对消防检查处罚决定有异议",
            description="某商户认为消防监督检查的处罚过重，扬言到总队上访。",
            topic=Topic.objects.get(code="penalty"),
            risk_level="major",
            headcount=1,
            found_on=d.days_ago(20),
        ),
        "noise": d.conflict(
            "qs01",
            "居民反映消防站训练噪声扰民",
            description="消防站周边居民反映清晨训练噪声大。",
            found_on=d.days_ago(30),
        ),
    }
    with _at(d.moment(d.days_ago(10))):
        services.conflict_progress_add(
            actor=d.user("qs01.officer"),
            conflict=c["noise"],
            on=d.days_ago(12),
            note="调整训练时间至8点以后，走访居民说明情况，居民表示理解。",
            status="resolved",
        )
        services.conflict_progress_add(
            actor=d.user("jz02.officer"),
            conflict=c["fund"],
            on=d.days_ago(11),
            note="支队分管领导约见业主代表，协调住建部门审计维修基金使用情况。",
            status="resolving",
        )
    return c


def _reports(d: _Demo, c: dict[str, Conflict]) -> None:
    """Six weeks of brigade reports (on time, zero, late, missing), two months of detachment reports, the corps'
    last quarter."""
    rules = selectors.cadence_rules()
    week = rules["brigade"]
    this_start, _ = periods.asked_period(week, d.today)
    starts = [this_start - datetime.timedelta(weeks=k) for k in range(5, -1, -1)]
    items = {"jz01": [c["wage"]], "jz02": [c["fund"]], "lc01": [c["inspect"]], "qs01": [c["noise"]]}
    for i, start in enumerate(starts):
        end = start + datetime.timedelta(days=6)
        due = periods.due_on(week, start, end)
        for j, code in enumerate(BRIGADES):
            if (code == "qs03" and i >= 3) or (code == "lc03" and i == len(starts) - 1):
                continue  # missed
            late = code == "lc02" and i % 2 == 1
            filed = due + datetime.timedelta(days=2) if late else max(end, due - datetime.timedelta(days=(j % 2)))
            if filed > d.today:
                continue  # not due yet / not filed yet
            mine = items.get(code, []) if i >= 3 else []
            d.report(code, "week", start, filed, mine)
    month = rules["detachment"]
    last_month, _ = periods.asked_period(month, d.today)
    before = periods.bounds(periods.MONTH, last_month - periods.ONE_DAY)[0]
    for start in (before, last_month):
        end = periods.bounds(periods.MONTH, start)[1]
        due = periods.due_on(month, start, end)
        for code, shift in (("jz", -1), ("lc", 3)):
            filed = due + datetime.timedelta(days=shift)
            if filed <= d.today:
                own = [c["fund"]] if code == "jz" and start == last_month else []
                d.report(code, "month", start, filed, own)
    quarter = rules["corps"]
    q_start, q_end = periods.asked_period(quarter, d.today)
    q_due = periods.due_on(quarter, q_start, q_end)
    if q_due - periods.ONE_DAY <= d.today:
        d.report("sf", "quarter", q_start, min(d.today, q_due - periods.ONE_DAY), [])


def _special_period(d: _Demo) -> None:
    start, end = d.days_ago(2), d.today + datetime.timedelta(days=3)
    with _at(d.moment(d.days_ago(3))):
        period = services.special_period_declare(
            actor=d.user("jz.chief"),
            unit=d.units["jz"],
            name="江州市重要活动期间",
            kind="event",
            start_on=start,
            end_on=end,
            note="活动期间实行全天候排查、24小时信访值班和“零报告”制度。",
        )
    d.created += 1
    for code in ("jz", "jz01", "jz02"):
        for k in range(3):
            day = start + datetime.timedelta(days=k)
            if day > d.today:
                break
            if code == "jz02" and day == d.today:
                continue  # today's report still owed
            d.report(code, "day", day, day, [])
        for k, (officer, hours) in enumerate(((f"{code}.officer", (0, 8)), (f"{code}.leader", (8, 20)))):
            if code == "jz01" and k == 1:
                continue  # a gap in the roster: 08:00–24:00 unassigned
            first, last = hours
            with _at(d.moment(d.days_ago(3))):
                services.duty_shift_add(
                    actor=d.user(f"{code}.officer"),
                    special_period=period,
                    unit=d.units[code],
                    starts_at=d.moment(d.today, first),
                    ends_at=d.moment(d.today, last),
                    officer=d.user(officer),
                    phone=f"0791-8800{k}{len(code)}{code[-1]}",
                )
            d.created += 1
        if code != "jz01":
            with _at(d.moment(d.days_ago(3))):
                services.duty_shift_add(
                    actor=d.user(f"{code}.officer"),
                    special_period=period,
                    unit=d.units[code],
                    starts_at=d.moment(d.today, 20),
                    ends_at=d.moment(d.today + periods.ONE_DAY, 0),
                    officer=d.user(f"{code}.chief"),
                    phone="0791-88009999",
                )
            d.created += 1


def _warnings(d: _Demo, c: dict[str, Conflict]) -> None:
    hours = datetime.timedelta(hours=1)
    # the 江滨区 warning: acknowledged by the detachment, waiting at the corps
    t0 = d.now - 5 * hours
    with _at(t0):
        w = services.warning_raise(
            actor=d.user("jz02.officer"),
            unit=d.units["jz02"],
            title="业主拟于周一到支队集体反映维修基金问题",
            description="业主微信群商议约30人周一上午到支队集体反映。",
            risk="collective",
            headcount=30,
            conflict=c["fund"],
            discovered_at=t0 - 2 * hours,
        )
    with _at(t0 + hours):
        services.warning_acknowledge(actor=d.user("jz.officer"), warning=w, note="已掌握，分管领导当日约见业主代表")
    with _at(t0 + 3 * hours):
        services.warning_control(
            actor=d.user("jz02.chief"), warning=w, note="大队主官与社区、住建部门共同约见业主代表，答复审计安排。"
        )
    # the 东城区 warning: nobody acknowledged it for a day — escalated to the corps
    t1 = d.now - 26 * hours
    with _at(t1):
        services.warning_raise(
            actor=d.user("lc01.officer"),
            unit=d.units["lc01"],
            title="商户扬言到总队上访",
            description="对处罚决定不服，称将联系其他商户到总队反映。",
            risk="collective",
            headcount=5,
            conflict=c["inspect"],
        )
    # a resolved one
    t2 = d.now - 20 * 24 * hours
    with _at(t2):
        w3 = services.warning_raise(
            actor=d.user("qs01.officer"),
            unit=d.units["qs01"],
            title="居民拟联名反映训练噪声",
            description="周边居民酝酿联名信。",
            risk="collective",
            conflict=c["noise"],
        )
    with _at(t2 + 2 * hours):
        services.warning_acknowledge(actor=d.user("qs.officer"), warning=w3)
    with _at(t2 + 4 * hours):
        services.warning_acknowledge(actor=d.user("sf.officer"), warning=w3)
        services.warning_control(actor=d.user("qs01.chief"), warning=w3, note="当日调整训练时间")
    with _at(t2 + 8 * 24 * hours):
        services.warning_resolve(actor=d.user("qs01.chief"), warning=w3, note="走访居民，居民表示理解，不再联名反映")
    d.created += 3


def _inspections_and_bulletin(d: _Demo) -> None:
    q_start, _ = periods.bounds(periods.QUARTER, d.today)
    on = max(q_start, d.days_ago(15))
    with _at(d.moment(on)):
        services.inspection_create(
            actor=d.user("jz.leader"),
            unit=d.units["jz"],
            on=on,
            inspectors="陈国平、杨丽华",
            units_visited=[d.units["jz01"], d.units["jz02"]],
            findings="两个大队落实每周排查，台账基本完整。",
            problems="江滨区大队维修基金纠纷化解措施不够具体；鼓楼区大队个别周报迟报。",
            items=[
                {
                    "description": "细化维修基金纠纷化解方案，明确时间节点",
                    "owner_unit": d.units["jz02"],
                    "owner": d.user("jz02.chief"),
                    "deadline": on + datetime.timedelta(days=30),
                },
                {
                    "description": "建立周报提醒，确保按时报送",
                    "owner_unit": d.units["jz01"],
                    "owner": d.user("jz01.officer"),
                    "deadline": on + datetime.timedelta(days=10),
                },
            ],
        )
    prev_q = periods.bounds(periods.QUARTER, q_start - periods.ONE_DAY)[0] + datetime.timedelta(days=40)
    with _at(d.moment(prev_q)):
        services.inspection_create(
            actor=d.user("lc.leader"),
            unit=d.units["lc"],
            on=prev_q,
            inspectors="罗文涛",
            units_visited=[d.units["lc01"], d.units["lc02"]],
            findings="排查工作正常开展。",
        )
    d.created += 2
    month_start = periods.bounds(periods.MONTH, periods.bounds(periods.MONTH, d.today)[0] - periods.ONE_DAY)[0]
    services.bulletin_issue(actor=d.user("jz.chief"), unit=d.units["jz"], period="month", period_start=month_start)
    d.created += 1


def _trainings(d: _Demo) -> None:
    year_start = datetime.date(d.today.year, 1, 1)
    on = max(year_start, d.days_ago(120))
    officers = [d.user(f"{code}.officer") for code in ("sf", "jz", "jz01", "jz02", "lc", "lc01", "qs")]
    with _at(d.moment(on)):
        services.training_create(
            actor=d.user("sf.officer"),
            unit=d.units["sf"],
            on=on,
            topic="《信访工作条例》与信访事项办理规范",
            hours=Decimal("8"),
            location="总队培训中心",
            trainees=officers,
        )
    on2 = max(year_start, d.days_ago(45))
    with _at(d.moment(on2)):
        services.training_create(
            actor=d.user("jz.officer"),
            unit=d.units["jz"],
            on=on2,
            topic="群众工作方法与矛盾纠纷化解",
            hours=Decimal("4"),
            location="江州市支队",
            trainees=[d.user(f"{code}.officer") for code in ("jz01", "jz03")],
        )
    d.created += 2


@transaction.atomic
def build_demo(stdout: TextIO | None = None) -> int:
    """Create the demo screening records; a second run creates nothing (the first conflict marks them)."""
    if Conflict.objects.filter(title=MARKER).exists():
        if stdout is not None:
            stdout.write("演示排查预警数据已存在，未作改动。\n")
        return 0
    d = _Demo()
    c = _conflicts(d)
    _reports(d, c)
    _special_period(d)
    _warnings(d, c)
    _inspections_and_bulletin(d)
    _trainings(d)
    if stdout is not None:
        stdout.write(f"演示排查预警数据：新建 {d.created} 条\n")
    return d.created
