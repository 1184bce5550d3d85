"""Demo data of the accountability app for the demo corps (run after the demo cases and the incidents demo): the
总队's leading-group member (sf.group) and department officer (sf.dept), this year's scoring scheme, an adjustment,
the checks of the demo 复查/复核 chain (one standard failed → a lookback, proposed and decided), accountability
actions (one overdue), recommendations and this year's annual report. Made through the services; idempotent.

    build_demo(stdout=None) -> int   # the number of records created
"""

from __future__ import annotations

import copy
import datetime
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from xinfang.accountability import services
from xinfang.accountability.models import (
    AccountabilityAction,
    AnnualReport,
    AssessmentScheme,
    Recommendation,
    ReviewCheck,
    ScoreAdjustment,
    Standard,
)
from xinfang.accountability.scoring import DEFAULT_SCHEME
from xinfang.cases.models import Case, Kind
from xinfang.incidents.models import Incident, IncidentKind
from xinfang.orgs import services as org_services
from xinfang.orgs.models import Post, Unit, User
from xinfang.orgs.roles import Role

# The 总队's 信访工作领导小组 member and 业务处室 officer (fictitious people), DEMO_PASSWORD as every demo account.
PEOPLE = [
    ("sf.group", "郑国华", Role.GROUP),
    ("sf.dept", "孙立平", Role.DEPARTMENT),
]
ADJUSTMENT = "主动排查化解积案成效明显，经总队信访工作领导小组研究予以加分"


class _Demo:
    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.units = {u.code: u for u in Unit.objects.filter(code__in={"sf", "jz", "jz02", "lc", "qs"})}
        if len(self.units) < 5:
            raise RuntimeError("demo units missing: load the demo corps first")
        self.created = 0

    def ago(self, days: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days)

    def user(self, username: str) -> User:
        return User.objects.get(username=username)


def _people(d: _Demo) -> None:
    from xinfang.orgs.demo import DEMO_PASSWORD, POSTS_START

    corps = d.units["sf"]
    for username, name, role in PEOPLE:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = org_services.user_create(
                actor=d.user("sysadmin"), username=username, name=name, unit=corps, password=DEMO_PASSWORD
            )
            d.created += 1
        if not Post.objects.active().filter(user=user, unit=corps, role=role).exists():
            org_services.post_create(actor=d.user("secadmin"), user=user, unit=corps, role=role, start_on=POSTS_START)


def _scheme(d: _Demo) -> None:
    group = d.user("sf.group")
    year = d.today.year
    if not AssessmentScheme.objects.filter(year=year).exists():
        services.scheme_create(
            actor=group, year=year, data=copy.deepcopy(DEFAULT_SCHEME), name=f"{year}年度支队信访工作考核评分方案"
        )
        d.created += 1
    if not ScoreAdjustment.objects.filter(year=year, unit=d.units["qs"], reason=ADJUSTMENT).exists():
        services.adjustment_create(actor=group, year=year, unit=d.units["qs"], points="2", reason=ADJUSTMENT)
        d.created += 1


def _checks(d: _Demo) -> None:
    checker, group = d.user("sf.dept"), d.user("sf.group")
    review = Case.objects.filter(kind=Kind.REVIEW, parent_case__unit__code="jz02").order_by("pk").first()
    if review is not None and not ReviewCheck.objects.filter(case=review).exists():
        results = [{"standard": s, "passed": True, "note": ""} for s in Standard.values]
        results[4] = {"standard": Standard.PROCEDURE, "passed": False, "note": "处理意见书送达后未在卷宗中附送达回证。"}
        check = services.review_check_record(
            actor=checker, case=review, results=results, checked_on=d.ago(70), note="原处理事实清楚，送达程序有瑕疵。"
        )
        lookback = check.lookback
        services.lookback_propose(
            actor=checker, lookback=lookback, responsible_persons=[d.user("jz02.officer")],
            findings="承办人送达处理意见书后未及时归档送达回证，导致复查时无法证明送达日期。",
            proposed_handling="对承办人进行批评教育，大队开展卷宗规范化整改。",
        )  # fmt: skip
        services.lookback_decide(actor=group, lookback=lookback, decision="同意处理意见，并在全总队通报。")
        d.created += 1
    rereview = Case.objects.filter(kind=Kind.REREVIEW, parent_case__parent_case__unit__code="jz02").first()
    if rereview is not None and not ReviewCheck.objects.filter(case=rereview).exists():
        results = [{"standard": s, "passed": True, "note": ""} for s in Standard.values]
        services.review_check_record(actor=checker, case=rereview, results=results, checked_on=d.ago(50))
        d.created += 1


def _actions(d: _Demo) -> None:
    group = d.user("sf.group")
    beijing = Incident.objects.filter(unit__code="lc", kind=IncidentKind.IN_BEIJING).first()
    plans = [
        dict(
            kind="rectification", target_unit=d.units["lc"], reason="发生进京上访事件，支队主官未按规定赴京处置。",
            requirements="查明原因，落实主官第一责任，完善进京访应急处置预案。", issued_on=d.ago(2),
            deadline=d.today + datetime.timedelta(days=28), incidents=[beijing] if beijing else [],
        ),
        dict(
            kind="admonition", target_unit=d.units["lc"], target_person=d.user("lc.chief"),
            reason="进京上访事件发生后未按规定赴京处置。", issued_on=d.ago(2),
            deadline=d.today + datetime.timedelta(days=5), incidents=[beijing] if beijing else [],
        ),
        dict(
            kind="supervision", target_unit=d.units["qs"], reason="政府专职消防员工资拖欠问题久拖未决，引发集体访。",
            requirements="支队主官包案，会同属地政府限期解决。", issued_on=d.ago(40), deadline=d.ago(10),
        ),
    ]  # fmt: skip
    for plan in plans:
        if AccountabilityAction.objects.filter(kind=plan["kind"], reason=plan["reason"]).exists():
            continue
        services.action_issue(actor=group, **plan)  # type: ignore[arg-type]
        d.created += 1
    reason = "复查核查发现送达程序不规范（倒查已作出处理决定）。"
    if not AccountabilityAction.objects.filter(kind="bulletin", reason=reason).exists():
        from xinfang.accountability.models import Lookback

        lookbacks = list(Lookback.objects.filter(unit__code="jz02")[:1])
        action = services.action_issue(
            actor=group, kind="bulletin", target_unit=d.units["jz02"], reason=reason, issued_on=d.ago(15),
            requirements="全面检查信访卷宗送达回证归档情况。", lookbacks=lookbacks,
        )  # fmt: skip
        services.rectification_report(
            actor=d.user("jz02.chief"), action=action, report="已逐卷检查送达回证，补齐归档3件。", reported_on=d.ago(5)
        )
        services.action_close(actor=group, action=action, note="整改到位，予以办结。", closed_on=d.ago(3))
        d.created += 1


def _report(d: _Demo) -> None:
    group = d.user("sf.group")
    year = d.today.year
    items = [
        ("规范火灾事故认定复核告知", "建议统一火灾事故认定复核结果告知书格式，写明救济途径。", "火灾调查处", "adopted"),
        (
            "加强政府专职消防员待遇保障",
            "建议提请省政府督促各地落实政府专职消防员工资保障。",
            "示范省人民政府办公厅",
            "",
        ),
    ]
    for title, content, to, status in items:
        if Recommendation.objects.filter(unit=d.units["sf"], title=title).exists():
            continue
        rec = services.recommendation_create(
            actor=group, unit=d.units["sf"], year=year, title=title, content=content, addressed_to=to, made_on=d.ago(30)
        )
        if status:
            services.recommendation_respond(
                actor=group,
                recommendation=rec,
                status=status,
                response="已印发统一格式并组织培训。",
                responded_on=d.ago(10),
            )
        d.created += 1
    if not AnnualReport.objects.filter(unit=d.units["sf"], year=year).exists():
        services.annual_report_generate(actor=group, unit=d.units["sf"], year=year)
        d.created += 1


@transaction.atomic
def build_demo(stdout: TextIO | None = None) -> int:
    """Create the accountability demo records; a second run creates nothing."""
    d = _Demo()
    for step in (_people, _scheme, _checks, _actions, _report):
        step(d)
    if stdout is not None:
        stdout.write(f"考核问责演示数据：新建 {d.created} 条（总队领导小组账号 sf.group、业务处室账号 sf.dept）\n")
    return d.created
