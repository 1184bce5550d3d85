"""Reminders for the other parts of the corps' rules, read from their own models and rules (R6.2):

    ownership_reminders      领导包案 deadlines (R1.4): 7/3/1 days → the owning leader; overdue → + the unit's 主官
    supervision_reminders    挂牌督办 deadlines (R1.5): 7/3/1 days and overdue → the supervised case's handler and its
                             unit's 主官 and 分管领导
    meeting_pace_reminders   党委会 quota behind pace (R1.2, leadership.quotas) by at least one whole meeting: once a
                             month while behind → the unit's 主官 and 分管领导
    screening_reminders      排查报告 owed (R3.2/R3.3, screening.selectors.obligations_between): due today or tomorrow
                             and not filed → the unit's petition officers; missing (past due, none filed, within 14
                             days) → + the unit's 主官
    rectification_reminders  督查 限期整改 items (R3.5): 7/3/1 days → the responsible person; overdue → + the
                             responsible unit's 主官
    action_reminders         问责 约谈/挂牌督办/责令限期整改 deadlines (R5.3) while no rectification was reported:
                             7/3/1 days and overdue → the person held to account, else the unit's 主官 and 分管领导

Every stage has its own dedupe key (record, deadline, stage), as for cases. Nothing depends on these having run:
each part computes overdue from its dates on its own pages.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from xinfang.core.legal_calendar import DUE_1, DUE_3, DUE_7, DUE_OVERDUE, days_left, due_state
from xinfang.notifications.reminders import Reminder, _conflicted, conflict_units
from xinfang.orgs.models import Post, User
from xinfang.orgs.roles import ROLE_PERMISSIONS, Role

STAGES = {DUE_7: 7, DUE_3: 3, DUE_1: 1}
DAY = datetime.timedelta(days=1)


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


class _Posts:
    """Active posts at a set of units, by role (one query)."""

    def __init__(self, unit_ids: Iterable[int], today: datetime.date) -> None:
        self.by_unit: dict[int, dict[str, list[User]]] = defaultdict(lambda: defaultdict(list))
        ids = set(unit_ids)
        if not ids:
            return
        posts = (
            Post.objects.active(today)
            .filter(unit_id__in=ids, user__is_active=True, unit__is_active=True)
            .select_related("user")
            .order_by("unit_id", "role", "user_id")
        )
        for p in posts:
            self.by_unit[p.unit_id][p.role].append(p.user)

    def everyone(self) -> Iterator[User]:
        return (u for roles in self.by_unit.values() for users in roles.values() for u in users)

    def role(self, unit_id: int, *roles: str) -> list[User]:
        return [u for r in roles for u in self.by_unit[unit_id].get(r, [])]

    def with_perm(self, unit_id: int, perm: str, *, only: Iterable[str] | None = None) -> list[User]:
        roles = [r for r, perms in ROLE_PERMISSIONS.items() if perm in perms and (only is None or r in only)]
        return self.role(unit_id, *roles)


def _conflicts(users: Iterable[User | None]) -> dict[int, set[int]]:
    """The conflict units (Art 30) of everyone who may be told of the cases, in two queries (not two per person)."""
    ids = sorted({u.pk for u in users if u is not None})
    return conflict_units(Q(pk__in=ids)) if ids else {}


def _people(users: Iterable[User | None], case: Any = None, units: dict[int, set[int]] | None = None) -> list[User]:
    seen: set[int] = set()
    out = []
    for u in users:
        if u is None or not u.is_active or u.pk in seen:
            continue
        if case is not None and _conflicted(u, case, (units or {}).get(u.pk)):
            continue
        seen.add(u.pk)
        out.append(u)
    return out


def _stage(deadline: datetime.date, today: datetime.date) -> tuple[str, int | None]:
    return due_state(deadline, today), days_left(deadline, today)


# ---------------------------------------------------------------------------------------------------
# 领导责任 (leadership)


def ownership_reminders(today: datetime.date) -> Iterator[Reminder]:
    from xinfang.leadership.models import Ownership, OwnershipStatus

    rows = list(
        Ownership.objects.filter(status=OwnershipStatus.OPEN, deadline__lte=today + 7 * DAY)
        .select_related("case", "unit", "leader")
        .prefetch_related("case__accused_officials", "case__recusals")
        .order_by("pk")
    )
    posts = _Posts({o.unit_id for o in rows}, today)
    units = _conflicts([*posts.everyone(), *(o.leader for o in rows)])
    for o in rows:
        state, left = _stage(o.deadline, today)
        what = f"包案事项“{o.case.title}”（{o.case.number}）"
        if state == DUE_OVERDUE:
            yield Reminder(
                recipients=_people([o.leader, *posts.role(o.unit_id, Role.CHIEF)], o.case, units),
                kind="leadership.ownership_overdue",
                title=f"包案已逾期：{o.case.number} {o.case.title}"[:200],
                body=f"{what}限期{o.deadline:%Y年%m月%d日}解决，已逾期{-(left or 0)}日，尚未停诉息访。",
                url=_url("leadership:ownership-detail", o.pk),
                dedupe_key=f"ownership:{o.pk}:overdue:{o.deadline.isoformat()}",
            )
        elif state in STAGES:
            yield Reminder(
                recipients=_people([o.leader], o.case, units),
                kind="leadership.ownership_due",
                title=f"包案期限将至（{left}日）：{o.case.number} {o.case.title}"[:200],
                body=f"{what}限期{o.deadline:%Y年%m月%d日}解决。",
                url=_url("leadership:ownership-detail", o.pk),
                dedupe_key=f"ownership:{o.pk}:due:{o.deadline.isoformat()}:{STAGES[state]}",
            )


def supervision_reminders(today: datetime.date) -> Iterator[Reminder]:
    from xinfang.leadership.models import Supervision, SupervisionStatus

    rows = list(
        Supervision.objects.filter(status=SupervisionStatus.ACTIVE, deadline__lte=today + 7 * DAY)
        .select_related("case", "case__unit", "case__handler")
        .prefetch_related("case__accused_officials", "case__recusals")
        .order_by("pk")
    )
    posts = _Posts({s.case.unit_id for s in rows}, today)
    units = _conflicts([*posts.everyone(), *(s.case.handler for s in rows)])
    for s in rows:
        case = s.case
        state, left = _stage(s.deadline, today)
        people = _people([case.handler, *posts.role(case.unit_id, Role.CHIEF, Role.LEADER)], case, units)
        level = s.get_level_display()
        if state == DUE_OVERDUE:
            yield Reminder(
                recipients=people,
                kind="leadership.supervision_overdue",
                title=f"挂牌督办已逾期：{case.number} {case.title}"[:200],
                body=f"{level}挂牌督办的信访事项督办期限为{s.deadline:%Y年%m月%d日}，已逾期{-(left or 0)}日。",
                url=_url("leadership:supervision-detail", s.pk),
                dedupe_key=f"supervision:{s.pk}:overdue:{s.deadline.isoformat()}",
            )
        elif state in STAGES:
            yield Reminder(
                recipients=people,
                kind="leadership.supervision_due",
                title=f"督办期限将至（{left}日）：{case.number} {case.title}"[:200],
                body=f"{level}挂牌督办的信访事项督办期限为{s.deadline:%Y年%m月%d日}。",
                url=_url("leadership:supervision-detail", s.pk),
                dedupe_key=f"supervision:{s.pk}:due:{s.deadline.isoformat()}:{STAGES[state]}",
            )


def meeting_pace_reminders(today: datetime.date) -> Iterator[Reminder]:
    from django.db.models import Count
    from django.utils import timezone

    from xinfang.leadership.models import Meeting, QuotaCode
    from xinfang.leadership.quotas import meeting_pace, quota_values, year_bounds
    from xinfang.orgs.models import Level, Unit

    first, last = year_bounds(today.year)
    units = list(Unit.objects.filter(is_active=True, level__in=[Level.DETACHMENT, Level.BRIGADE]).order_by("path"))
    held = dict(
        Meeting.objects.filter(unit_id__in=[u.pk for u in units], held_on__gte=first, held_on__lte=last)
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    quotas = quota_values()
    posts = _Posts({u.pk for u in units}, today)
    for u in units:
        code = QuotaCode.MEETING_DETACHMENT if u.level == Level.DETACHMENT else QuotaCode.MEETING_BRIGADE
        pace = meeting_pace(
            quota=quotas[code].minimum,
            year=today.year,
            created_on=timezone.localdate(u.created_at),
            held=held.get(u.pk, 0),
            today=today,
        )
        # Behind by at least one whole meeting: fewer held than the share of the year gone calls for (a 大队 with
        # none held is reminded from 1 April, a 支队 from 2 July) — not on 1 January, when every unit is "behind".
        due_by_now = int(pace.required * pace.share_gone)
        if not pace.behind_pace or pace.held >= due_by_now:
            continue
        yield Reminder(
            recipients=_people(posts.role(u.pk, Role.CHIEF, Role.LEADER)),
            kind="leadership.meeting_behind",
            title=f"党委会研究信访工作落后进度：{u.name}"[:200],
            body=(
                f"{u.name}{today.year}年已召开党委会研究部署信访工作{pace.held}次，全年应不少于{pace.required}次"
                f"（时间已过{pace.percent_gone}%，完成{pace.percent_met}%）。"
            ),
            url=_url("leadership:board-unit", u.pk),
            dedupe_key=f"meeting-pace:{u.pk}:{today:%Y-%m}",
        )


# ---------------------------------------------------------------------------------------------------
# 排查预警 (screening)


def screening_reminders(today: datetime.date) -> Iterator[Reminder]:
    from xinfang.orgs.models import Unit
    from xinfang.screening.models import REPORT_PERM, REPORTING_LEVELS
    from xinfang.screening.selectors import obligations_between

    units = list(Unit.objects.filter(is_active=True, level__in=list(REPORTING_LEVELS)).order_by("path"))
    # Quarterly periods are the longest: every period that can be due now or was due in the last 14 days
    # started within the last ~110 days.
    obligations = obligations_between(units, today - 110 * DAY, today, today)
    posts = _Posts({u.pk for u in units}, today)
    for o in obligations:
        if o.report is not None:
            continue
        officers = posts.with_perm(o.unit.pk, REPORT_PERM, only=[Role.OFFICER])
        key = f"screening:{o.unit.pk}:{o.period}:{o.period_start.isoformat()}"
        if today > o.due_on:
            if (today - o.due_on).days > 14:
                continue
            yield Reminder(
                recipients=_people([*officers, *posts.role(o.unit.pk, Role.CHIEF)]),
                kind="screening.report_missing",
                title=f"排查报告未报送：{o.unit.name} {o.label}"[:200],
                body=f"{o.unit.name}{o.label}的排查报告（含零报告）应于{o.due_on:%Y年%m月%d日}前报送，至今未报。",
                url=_url_plain("screening:report-new"),
                dedupe_key=f"{key}:missing",
            )
        elif (o.due_on - today).days <= 1:
            yield Reminder(
                recipients=_people(officers),
                kind="screening.report_due",
                title=f"排查报告待报送：{o.unit.name} {o.label}"[:200],
                body=f"{o.unit.name}{o.label}的排查报告（无情况时报零报告）应于{o.due_on:%Y年%m月%d日}前报送。",
                url=_url_plain("screening:report-new"),
                dedupe_key=f"{key}:due",
            )


def _url_plain(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def rectification_reminders(today: datetime.date) -> Iterator[Reminder]:
    from xinfang.screening.models import RectificationItem

    rows = list(
        RectificationItem.objects.filter(closed_on__isnull=True, deadline__lte=today + 7 * DAY)
        .select_related("inspection", "owner_unit", "owner")
        .order_by("pk")
    )
    posts = _Posts({r.owner_unit_id for r in rows}, today)
    for r in rows:
        state, left = _stage(r.deadline, today)
        what = r.description.strip().splitlines()[0][:60] if r.description.strip() else "整改事项"
        url = _url("screening:inspection-detail", r.inspection_id)
        if state == DUE_OVERDUE:
            yield Reminder(
                recipients=_people([r.owner, *posts.role(r.owner_unit_id, Role.CHIEF)]),
                kind="screening.rectification_overdue",
                title=f"督查整改已逾期：{what}"[:200],
                body=f"{r.owner_unit.name}的整改事项应于{r.deadline:%Y年%m月%d日}前完成，已逾期{-(left or 0)}日。",
                url=url,
                dedupe_key=f"rectification-item:{r.pk}:overdue:{r.deadline.isoformat()}",
            )
        elif state in STAGES:
            yield Reminder(
                recipients=_people([r.owner]),
                kind="screening.rectification_due",
                title=f"督查整改期限将至（{left}日）：{what}"[:200],
                body=f"{r.owner_unit.name}的整改事项应于{r.deadline:%Y年%m月%d日}前完成。",
                url=url,
                dedupe_key=f"rectification-item:{r.pk}:due:{r.deadline.isoformat()}:{STAGES[state]}",
            )


# ---------------------------------------------------------------------------------------------------
# 考核问责 (accountability)


def action_reminders(today: datetime.date) -> Iterator[Reminder]:
    from xinfang.accountability.models import DEADLINE_KINDS, AccountabilityAction, ActionStatus

    rows = list(
        AccountabilityAction.objects.filter(
            kind__in=list(DEADLINE_KINDS),
            status=ActionStatus.ISSUED,
            deadline__isnull=False,
            deadline__lte=today + 7 * DAY,
        )
        .select_related("target_unit", "target_person")
        .order_by("pk")
    )
    posts = _Posts({a.target_unit_id for a in rows}, today)
    for a in rows:
        assert a.deadline is not None
        state, left = _stage(a.deadline, today)
        kind = a.get_kind_display()
        people = _people(
            [a.target_person] if a.target_person else posts.role(a.target_unit_id, Role.CHIEF, Role.LEADER)
        )
        url = _url("accountability:action-detail", a.pk)
        if state == DUE_OVERDUE:
            yield Reminder(
                recipients=people,
                kind="accountability.action_overdue",
                title=f"{kind}期限已过：{a.target_unit.name}"[:200],
                body=f"{kind}的期限为{a.deadline:%Y年%m月%d日}，已逾期{-(left or 0)}日，尚未报送整改情况。",
                url=url,
                dedupe_key=f"action:{a.pk}:overdue:{a.deadline.isoformat()}",
            )
        elif state in STAGES:
            yield Reminder(
                recipients=people,
                kind="accountability.action_due",
                title=f"{kind}期限将至（{left}日）：{a.target_unit.name}"[:200],
                body=f"{kind}的期限为{a.deadline:%Y年%m月%d日}，请按要求报送整改情况。",
                url=url,
                dedupe_key=f"action:{a.pk}:due:{a.deadline.isoformat()}:{STAGES[state]}",
            )


PRODUCERS = (
    ("xinfang.notifications.part_reminders.ownership_reminders", ownership_reminders),
    ("xinfang.notifications.part_reminders.supervision_reminders", supervision_reminders),
    ("xinfang.notifications.part_reminders.meeting_pace_reminders", meeting_pace_reminders),
    ("xinfang.notifications.part_reminders.screening_reminders", screening_reminders),
    ("xinfang.notifications.part_reminders.rectification_reminders", rectification_reminders),
    ("xinfang.notifications.part_reminders.action_reminders", action_reminders),
)
