"""Demo data of the incidents app for the demo corps (xinfang/orgs/demo.py; run after the demo cases): plans (one
overdue for review), linkage contacts, incidents (an at-corps visit with the 分管领导 on site, a Beijing petition
whose 主官 is not yet recorded, a collective visit linked to a case) and a referral to the joint meeting. Made
through the services, dated relative to today. Idempotent: each item is looked up first and only created if missing.

    build_demo(stdout=None) -> int   # the number of records created
"""

from __future__ import annotations

import datetime
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from xinfang.cases.models import Case
from xinfang.incidents import services
from xinfang.incidents.models import (
    ContingencyPlan,
    Incident,
    IncidentKind,
    LinkageContact,
    Referral,
    ResponderRole,
)
from xinfang.orgs.models import Unit, User

PLANS = [
    # unit, title, version, days since the last review
    ("sf", "示范省消防救援总队信访突发事件应急处置预案", "2025年修订版", 120),
    ("jz", "江州市消防救援支队信访突发事件应急处置预案", "2024年版", 200),
    ("lc", "临川市消防救援支队信访突发事件应急处置预案", "2023年版", 420),
    ("qs01", "青山区大队集体访应急处置预案", "2025年版", 60),
]
CONTACTS = [
    ("jz", "police", "江州市公安局指挥中心", "0791-86110110"),
    ("jz", "petition", "江州市信访局", "0791-86812345"),
    ("jz01", "street", "江州市鼓楼区华林街道办事处", "0791-86220001"),
    ("lc", "petition", "临川市信访局", "0794-82212345"),
    ("qs01", "street", "青山市青山区城关街道办事处", "0795-83330001"),
    ("qs01", "police", "青山市公安局青山分局", "0795-83110110"),
]
AT_CORPS = "江州市某小区业主代表到总队反映消防车通道整治问题"
IN_BEIJING = "临川市信访人赴京反映行政处罚问题"
COLLECTIVE = "政府专职消防员集体到大队反映工资拖欠"
REFERRAL = "政府专职消防员工资和加班补贴拖欠"


class _Demo:
    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.units = {u.code: u for u in Unit.objects.filter(code__in={"sf", "jz", "jz01", "lc", "qs", "qs01"})}
        if len(self.units) < 6:
            raise RuntimeError("demo units missing: load the demo corps first")
        self.users = {u.username: u for u in User.objects.filter(unit__code__in=list(self.units))}
        self.created = 0

    def ago(self, days: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days)

    def at(self, days: int, hour: int) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.ago(days), datetime.time(hour, 0)))


def _plans(d: _Demo) -> None:
    for code, title, version, days in PLANS:
        if ContingencyPlan.objects.filter(unit__code=code, title=title).exists():
            continue
        services.plan_create(
            actor=d.users[f"{code}.officer"], unit=d.units[code], title=title, version=version,
            last_reviewed_on=d.ago(days), note="含属地联动、现场处置、舆情应对和善后工作。",
        )  # fmt: skip
        d.created += 1
    for code, kind, name, phone in CONTACTS:
        if LinkageContact.objects.filter(unit__code=code, name=name).exists():
            continue
        services.contact_create(
            actor=d.users[f"{code}.officer"], unit=d.units[code], kind=kind, name=name, duty_phone=phone
        )
        d.created += 1


def _incidents(d: _Demo) -> None:
    officer = d.users["sf.officer"]
    if not Incident.objects.filter(summary=AT_CORPS).exists():
        incident = services.incident_open(
            actor=officer, unit=d.units["jz"], kind=IncidentKind.AT_CORPS, occurred_on=d.ago(20),
            occurred_at=datetime.time(9, 30), place="总队机关信访接待室", headcount=4, summary=AT_CORPS,
        )  # fmt: skip
        services.responder_record(
            actor=officer, incident=incident, user=d.users["jz.leader"], role=ResponderRole.LEADER,
            arrived_at=d.at(20, 11), note="支队分管领导到场接待，现场答复整治计划",
        )  # fmt: skip
        services.incident_close(
            actor=officer, incident=incident, handling="支队分管领导到场接待，会同属地街道说明消防车通道整治计划。",
            outcome="业主代表接受答复，当日返回；整治情况纳入支队督办。", closed_on=d.ago(20),
        )  # fmt: skip
        d.created += 1
    if not Incident.objects.filter(summary=IN_BEIJING).exists():
        linked = list(Case.objects.filter(unit__code="lc01", title="对行政处罚决定有异议")[:1])
        services.incident_open(
            actor=officer, unit=d.units["lc"], kind=IncidentKind.IN_BEIJING, occurred_on=d.ago(6), headcount=1,
            place="北京", summary=IN_BEIJING, cases=linked,
        )  # fmt: skip
        d.created += 1
    if not Incident.objects.filter(summary=COLLECTIVE).exists():
        linked = list(Case.objects.filter(unit__code="qs01", title="反映政府专职消防员工资拖欠")[:1])
        incident = services.incident_open(
            actor=d.users["qs01.officer"], unit=d.units["qs01"], kind=IncidentKind.COLLECTIVE, occurred_on=d.ago(78),
            headcount=12, place="大队营区门口", summary=COLLECTIVE, cases=linked,
        )  # fmt: skip
        services.responder_record(
            actor=d.users["qs01.officer"], incident=incident, user=d.users["qs01.chief"], role=ResponderRole.CHIEF,
            arrived_at=d.at(78, 10),
        )  # fmt: skip
        d.created += 1


def _referrals(d: _Demo) -> None:
    if Referral.objects.filter(subject=REFERRAL).exists():
        return
    linked = Case.objects.filter(unit__code="qs01", title="反映政府专职消防员工资拖欠").first()
    services.referral_create(
        actor=d.users["qs01.officer"], unit=d.units["qs01"], subject=REFERRAL, case=linked,
        reason="工资由属地财政保障，涉及人社、财政等部门职责，需属地政府统筹协调解决。", referred_on=d.ago(60),
        recipient_kind="joint_meeting", recipient="青山市青山区信访工作联席会议",
    )  # fmt: skip
    d.created += 1


@transaction.atomic
def build_demo(stdout: TextIO | None = None) -> int:
    """Create the incidents demo records; a second run creates nothing."""
    d = _Demo()
    for step in (_plans, _incidents, _referrals):
        step(d)
    if stdout is not None:
        stdout.write(f"应急联动演示数据：新建 {d.created} 条\n")
    return d.created
