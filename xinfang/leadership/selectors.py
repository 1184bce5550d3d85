"""Reads of the leadership part. Every one starts from `<Model>.objects.visible_to(user)` and declares its joins, so
the pages, the API and the xlsx exports see exactly the same rows.

    access_meeting / access_reception_day / access_reception / access_ownership / access_supervision
                                        404 out of scope (same as nonexistent), 403 in scope without the permission
    meeting_list, reception_day_list, reception_list, ownership_list, supervision_list   scoped, filtered lists
    published_schedule(unit, from_date) the public reception schedule (no sign-in; names and posts only)
    compliance_for_year(user, year)     per 支队/大队: meetings against quota and pace, reception days per period per
                                        leader, designation gaps — a fixed number of queries however many units
    board(user, unit, year)             the responsibility board of one unit
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case as DbCase
from django.db.models import Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from xinfang.core.scope import has_perm
from xinfang.leadership.models import (
    ASSIGN_PERM,
    LEADER_ROLES,
    RECORD_PERM,
    SUPERVISE_PERM,
    VIEW_PERM,
    DayStatus,
    Meeting,
    Ownership,
    OwnershipProgress,
    OwnershipStatus,
    QuotaCode,
    Reception,
    ReceptionDay,
    ReceptionVisitor,
    Supervision,
    SupervisionReport,
    SupervisionStatus,
)
from xinfang.leadership.quotas import (
    DUE,
    MISSED,
    MeetingPace,
    PeriodCell,
    QuotaValue,
    meeting_pace,
    quota_values,
    reception_cells,
    year_bounds,
)
from xinfang.orgs.models import Level, Post, Unit, User
from xinfang.orgs.roles import Role
from xinfang.orgs.selectors import compliance_list, tree_sorted

# ---------------------------------------------------------------------------------------------------
# Access


def _get(qs: QuerySet[Any], pk: Any, what: str) -> Any:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"{what}不存在或不在您的权限范围内") from None


def _deny(message: str = "您无权进行此操作") -> None:
    raise PermissionDenied(message)


def access_meeting(user: Any, pk: Any, perm: str = VIEW_PERM) -> Meeting:
    meeting: Meeting = _get(Meeting.objects.visible_to(user).select_related("unit", "recorded_by"), pk, "党委会记录")
    if perm != VIEW_PERM and not has_perm(user, perm, meeting.unit):
        _deny()
    return meeting


def access_reception_day(user: Any, pk: Any, perm: str = VIEW_PERM) -> ReceptionDay:
    day: ReceptionDay = _get(
        ReceptionDay.objects.visible_to(user).select_related("unit", "leader", "created_by"), pk, "接访日"
    )
    if perm != VIEW_PERM and not has_perm(user, perm, day.unit):
        _deny()
    return day


def access_reception(user: Any, pk: Any, perm: str = VIEW_PERM) -> Reception:
    reception: Reception = _get(
        Reception.objects.visible_to(user).select_related("unit", "leader", "recorded_by", "reception_day"),
        pk,
        "接访记录",
    )
    if perm != VIEW_PERM and not has_perm(user, perm, reception.unit):
        _deny()
    return reception


def may_on_ownership(user: Any, ownership: Ownership, perm: str) -> bool:
    """Record (progress, letter): at the case's unit or the owning unit. Assign (settle): at the owning unit."""
    if perm == RECORD_PERM:
        return has_perm(user, perm, ownership.case.unit) or has_perm(user, perm, ownership.unit)
    return has_perm(user, perm, ownership.unit)


def access_ownership(user: Any, pk: Any, perm: str = VIEW_PERM) -> Ownership:
    ownership: Ownership = _get(
        Ownership.objects.visible_to(user).select_related("case", "case__unit", "unit", "leader", "assigned_by"),
        pk,
        "包案",
    )
    if perm != VIEW_PERM and not may_on_ownership(user, ownership, perm):
        _deny()
    return ownership


def may_on_supervision(user: Any, supervision: Supervision, perm: str) -> bool:
    """Record (progress reports): at the case's unit. Supervision.manage (lift): at the listing unit."""
    if perm == SUPERVISE_PERM:
        return has_perm(user, perm, supervision.listed_by_unit)
    return has_perm(user, perm, supervision.case.unit)


def access_supervision(user: Any, pk: Any, perm: str = VIEW_PERM) -> Supervision:
    supervision: Supervision = _get(
        Supervision.objects.visible_to(user).select_related("case", "case__unit", "listed_by_unit", "listed_by"),
        pk,
        "挂牌督办",
    )
    if perm != VIEW_PERM and not may_on_supervision(user, supervision, perm):
        _deny()
    return supervision


# ---------------------------------------------------------------------------------------------------
# Lists (page, API and xlsx export share each one)


def _in_unit(qs: QuerySet[Any], unit: Unit | None, *lookups: str) -> QuerySet[Any]:
    if unit is None:
        return qs
    condition = Q()
    for lookup in lookups:
        condition |= Q(**{f"{lookup}__startswith": unit.path})
    return qs.filter(condition)


def meeting_list(
    user: Any,
    *,
    unit: Unit | None = None,
    year: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[Meeting]:
    qs = _in_unit(Meeting.objects.visible_to(user), unit, "unit__path").select_related("unit", "recorded_by")
    if year:
        qs = qs.filter(held_on__year=year)
    if date_from:
        qs = qs.filter(held_on__gte=date_from)
    if date_to:
        qs = qs.filter(held_on__lte=date_to)
    return qs.order_by("-held_on", "-id")


def reception_day_list(
    user: Any,
    *,
    unit: Unit | None = None,
    leader: User | None = None,
    status: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    published: bool | None = None,
) -> QuerySet[ReceptionDay]:
    qs = _in_unit(ReceptionDay.objects.visible_to(user), unit, "unit__path").select_related("unit", "leader")
    if leader is not None:
        qs = qs.filter(leader=leader)
    if status:
        qs = qs.filter(status=status)
    if date_from:
        qs = qs.filter(planned_on__gte=date_from)
    if date_to:
        qs = qs.filter(planned_on__lte=date_to)
    if published is not None:
        qs = qs.filter(published=published)
    return qs.order_by("planned_on", "unit__path", "id")


def reception_list(
    user: Any,
    *,
    unit: Unit | None = None,
    leader: User | None = None,
    year: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    q: str = "",
) -> QuerySet[Reception]:
    qs = (
        _in_unit(Reception.objects.visible_to(user), unit, "unit__path")
        .select_related("unit", "leader", "case")
        .prefetch_related(Prefetch("visitors", queryset=ReceptionVisitor.objects.order_by("order", "id")))
    )
    if leader is not None:
        qs = qs.filter(leader=leader)
    if year:
        qs = qs.filter(received_on__year=year)
    if date_from:
        qs = qs.filter(received_on__gte=date_from)
    if date_to:
        qs = qs.filter(received_on__lte=date_to)
    if q:
        qs = qs.filter(Q(matter__icontains=q) | Q(outcome__icontains=q))
    return qs.order_by("-received_on", "-id")


def ownership_list(
    user: Any,
    *,
    unit: Unit | None = None,
    leader: User | None = None,
    status: str | None = None,
    open_only: bool = False,
    case: Any = None,
) -> QuerySet[Ownership]:
    qs = (
        _in_unit(Ownership.objects.visible_to(user), unit, "unit__path", "case__unit__path")
        .select_related("case", "case__unit", "unit", "leader")
        .annotate(progress_count=Count("progress"))
    )
    if leader is not None:
        qs = qs.filter(leader=leader)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status=OwnershipStatus.OPEN)
    if case is not None:
        qs = qs.filter(case=case)
    # Open ownerships first, nearest deadline first.
    closed = DbCase(When(status=OwnershipStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.order_by(closed, "deadline", "id")


def supervision_list(
    user: Any,
    *,
    unit: Unit | None = None,
    status: str | None = None,
    level: str | None = None,
    case: Any = None,
) -> QuerySet[Supervision]:
    qs = (
        _in_unit(Supervision.objects.visible_to(user), unit, "case__unit__path")
        .select_related("case", "case__unit", "listed_by_unit")
        .annotate(report_count=Count("reports"))
    )
    if status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if case is not None:
        qs = qs.filter(case=case)
    return qs.order_by("status", "deadline", "id")


def ownership_progress_list(ownership: Ownership) -> list[OwnershipProgress]:
    return list(ownership.progress.select_related("recorded_by").order_by("on", "id"))


def supervision_report_list(supervision: Supervision) -> list[SupervisionReport]:
    return list(supervision.reports.select_related("reported_by").order_by("on", "id"))


# ---------------------------------------------------------------------------------------------------
# Supervised cases: is each owned as the rule requires?


@dataclass
class OwnerCheck:
    ok: bool
    owner: Ownership | None
    required_unit: Unit | None  # the unit whose 主官 must own the case
    proposed: Post | None = None  # the active 主官 post of required_unit: the system's proposal


def supervision_owner_checks(supervisions: Iterable[Supervision]) -> dict[int, OwnerCheck]:
    """For each supervision: its case's ownership (open, or settled), whether it is the 支队主官's, and the
    proposed owner (the 支队's active 主官). Three queries whatever the number of supervisions."""
    sups = list(supervisions)
    if not sups:
        return {}
    case_ids = {s.case_id for s in sups}
    # The open ownership of each case; failing one, the one that settled it (停诉息访) — the latter listed first so
    # that an open one overrides it.
    owners = {
        o.case_id: o
        for o in Ownership.objects.filter(
            case_id__in=case_ids, status__in=[OwnershipStatus.OPEN, OwnershipStatus.SETTLED]
        )
        .select_related("leader", "unit")
        .order_by("-status", "pk")  # "settled" before "open"
    }
    ancestor_ids = {i for s in sups for i in [*s.case.unit.ancestor_ids(), s.case.unit_id]}
    detachments = {u.pk: u for u in Unit.objects.filter(pk__in=ancestor_ids, level=Level.DETACHMENT)}
    required: dict[int, Unit] = {}
    for s in sups:
        chain = [*s.case.unit.ancestor_ids(), s.case.unit_id]
        required[s.pk] = next((detachments[i] for i in chain if i in detachments), s.case.unit)
    chiefs: dict[int, Post] = {}
    for post in (
        Post.objects.active()
        .filter(unit_id__in={u.pk for u in required.values()}, role=Role.CHIEF, user__is_active=True)
        .select_related("user", "unit")
        .order_by("-start_on", "-pk")
    ):
        chiefs[post.unit_id] = post  # the earliest-appointed active chief wins, as services.proposed_owner
    out: dict[int, OwnerCheck] = {}
    for s in sups:
        unit = required[s.pk]
        owner = owners.get(s.case_id)
        ok = owner is not None and owner.role == Role.CHIEF and owner.unit_id == unit.pk
        out[s.pk] = OwnerCheck(ok, owner, unit, chiefs.get(unit.pk))
    return out


# ---------------------------------------------------------------------------------------------------
# The public reception schedule (条例 Art 18): no sign-in, names and posts only


@dataclass(frozen=True)
class PublicReceptionDay:
    planned_on: datetime.date
    time_text: str
    place: str
    unit_name: str
    leader_name: str
    post: str


def published_schedule(
    unit: Unit | None = None, from_date: datetime.date | None = None, *, limit: int = 200
) -> list[PublicReceptionDay]:
    """Published, still planned reception days from `from_date` (default today), of `unit` and the units below it.

    For the public portal: nothing but the date, time, place, unit, and the leader's name and post."""
    start = from_date or timezone.localdate()
    qs = ReceptionDay.objects.filter(
        published=True, status=DayStatus.PLANNED, planned_on__gte=start, unit__is_active=True
    )
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    rows = qs.select_related("unit", "leader").order_by("planned_on", "unit__path", "id")[:limit]
    return [
        PublicReceptionDay(
            planned_on=d.planned_on,
            time_text=d.time_text,
            place=d.place,
            unit_name=d.unit.name,
            leader_name=d.leader.display_name,
            post=d.get_role_display(),
        )
        for d in rows
    ]


# ---------------------------------------------------------------------------------------------------
# Yearly compliance (R1.2, R1.3; R1.1's designation gaps)


@dataclass
class LeaderRow:
    user: User
    role: str
    remit: str
    serving_from: datetime.date
    serving_to: datetime.date | None
    cells: list[PeriodCell]
    quota: QuotaValue | None  # None: no minimum (大队 leaders receive "随时")

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def days_total(self) -> int:
        return sum(c.days for c in self.cells)

    def gaps(self) -> list[str]:
        if self.quota is None:
            return []
        out = []
        for c in self.cells:
            if c.state == MISSED:
                out.append(
                    f"{self.role_label}{self.user.display_name}{c.span.label}接访{c.days}天，未达到{c.required}天"
                )
        return out


@dataclass
class UnitCompliance:
    unit: Unit
    year: int
    pace: MeetingPace
    chiefs: list[LeaderRow] = field(default_factory=list)
    members: list[LeaderRow] = field(default_factory=list)
    designation_gaps: list[str] = field(default_factory=list)

    @property
    def reception_gaps(self) -> list[str]:
        return [g for row in (*self.chiefs, *self.members) for g in row.gaps()]

    @property
    def reception_due(self) -> list[str]:
        """Periods running now without the minimum yet (a reminder, not yet a gap)."""
        return [
            f"{row.role_label}{row.user.display_name}{c.span.label}尚未接访"
            for row in (*self.chiefs, *self.members)
            if row.quota is not None
            for c in row.cells
            if c.state == DUE
        ]

    @property
    def meeting_gap(self) -> str:
        p = self.pace
        if not p.applicable:
            return ""
        if p.behind_pace:
            return f"党委会研究信访工作落后进度：已{p.held}次，全年应不少于{p.required}次"
        return ""

    @property
    def gaps(self) -> list[str]:
        return [g for g in [self.meeting_gap, *self.designation_gaps, *self.reception_gaps] if g]


def _ref_day(year: int, today: datetime.date) -> datetime.date:
    """The day whose posts count for `year`: today within the year, its last day for a past year."""
    first, last = year_bounds(year)
    return min(max(today, first), last) if year <= today.year else today


def _existing_in_tree_order(units_qs: QuerySet[Unit], last: datetime.date) -> tuple[list[Unit], QuerySet[Unit]]:
    """The units of `units_qs` (支队 and 大队) created on or before `last` (local date), in the order tree_sorted
    gives them among all of `units_qs` — selected in SQL first, so units created later are never loaded.
    tree_sorted orders a 大队 by its ancestors' codes; of those only a 支队 parent can be in `units_qs` (levels
    strictly descend), so a kept 大队's parent that was not kept is sorted along (one more query, only then) and
    dropped. Also returns the kept units' queryset (for subqueries: no list of thousands of ids to send)."""
    cutoff = timezone.make_aware(datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min))
    kept_qs = units_qs.filter(created_at__lt=cutoff)
    kept = list(kept_qs)
    kept_ids = {u.pk for u in kept}
    wanted = {u.parent_id for u in kept if u.level == Level.BRIGADE and u.parent_id not in kept_ids}
    extra = list(units_qs.filter(pk__in=wanted)) if wanted else []
    return [u for u in tree_sorted([*kept, *extra]) if u.pk in kept_ids], kept_qs


def compliance_for_year(
    user: Any,
    year: int,
    *,
    today: datetime.date | None = None,
    root: Unit | None = None,
    quotas: dict[str, QuotaValue] | None = None,
    designations: bool = True,
) -> list[UnitCompliance]:
    """Every 支队 and 大队 the user sees (under `root` when given) that existed in `year`, in tree order.

    Queries, whatever the number of units: the units, the quotas, the meeting counts, the leaders' posts, the
    held reception days, the ledger's reception dates, and the designation check (orgs.compliance_list: 2)."""
    today = today or timezone.localdate()
    first, last = year_bounds(year)
    ref = _ref_day(year, today)
    units_qs = Unit.objects.visible_to(user, VIEW_PERM).filter(
        is_active=True, level__in=[Level.DETACHMENT, Level.BRIGADE]
    )
    if root is not None:
        units_qs = units_qs.filter(path__startswith=root.path)
    units, kept_qs = _existing_in_tree_order(units_qs, last)
    if not units:
        return []
    unit_ids = kept_qs.values("pk")  # the same units, as a subquery
    quotas = quotas or quota_values()
    held = dict(
        Meeting.objects.visible_to(user)
        .filter(unit_id__in=unit_ids, held_on__gte=first, held_on__lte=last)
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    posts_qs = Post.objects.active(ref).filter(unit_id__in=unit_ids, role__in=LEADER_ROLES, user__is_active=True)
    posts = list(posts_qs.select_related("user").order_by("unit_id", "role", "start_on", "pk"))
    leader_ids = posts_qs.values("user_id")  # the posts' users, as a subquery
    dates: dict[int, set[datetime.date]] = defaultdict(set)
    for leader_id, day in (
        ReceptionDay.objects.visible_to(user)
        .filter(leader_id__in=leader_ids, status=DayStatus.HELD, planned_on__gte=first, planned_on__lte=last)
        .values_list("leader_id", "planned_on")
    ):
        dates[leader_id].add(day)
    for leader_id, day in (
        Reception.objects.visible_to(user)
        .filter(leader_id__in=leader_ids, received_on__gte=first, received_on__lte=last)
        .values_list("leader_id", "received_on")
    ):
        dates[leader_id].add(day)
    # The designation check (R1.1) — skipped by callers that show only the quotas (the dashboard's card: ~0.4 s at
    # the 局's 3,400 units).
    gaps = {row.unit.pk: row.problems for row in compliance_list(user, ref)} if designations else {}

    rows: dict[int, UnitCompliance] = {}
    created_on: dict[int, datetime.date] = {}
    for u in units:
        created = created_on[u.pk] = timezone.localdate(u.created_at)
        code = QuotaCode.MEETING_DETACHMENT if u.level == Level.DETACHMENT else QuotaCode.MEETING_BRIGADE
        pace = meeting_pace(
            quota=quotas[code].minimum, year=year, created_on=created, held=held.get(u.pk, 0), today=today
        )
        rows[u.pk] = UnitCompliance(unit=u, year=year, pace=pace, designation_gaps=list(gaps.get(u.pk, [])))
    by_unit = {u.pk: u for u in units}
    for p in posts:
        unit = by_unit[p.unit_id]
        serving_from = max(p.start_on, created_on[unit.pk])
        if unit.level == Level.DETACHMENT:
            quota: QuotaValue | None = quotas[
                QuotaCode.RECEPTION_CHIEF if p.role == Role.CHIEF else QuotaCode.RECEPTION_MEMBER
            ]
        else:
            quota = None
        cells = reception_cells(
            year=year,
            period=quota.period if quota else "quarter",
            minimum=quota.minimum if quota else 0,
            dates=dates.get(p.user_id, ()),
            today=today,
            serving_from=serving_from,
            serving_to=p.end_on,
        )
        row = LeaderRow(p.user, p.role, p.remit, serving_from, p.end_on, cells, quota)
        target = rows[p.unit_id]
        (target.chiefs if p.role == Role.CHIEF else target.members).append(row)
    return list(rows.values())


# ---------------------------------------------------------------------------------------------------
# The responsibility board of one unit


@dataclass
class Board:
    unit: Unit
    year: int
    chiefs: list[Post]
    leaders: list[Post]
    members: list[Post]
    own: UnitCompliance | None
    below: list[UnitCompliance]
    ownerships: list[Ownership]
    supervisions: list[Supervision]
    owner_checks: dict[int, OwnerCheck]
    can_record: bool = False
    can_assign: bool = False

    @property
    def supervision_rows(self) -> list[dict[str, Any]]:
        return [{"s": s, "check": self.owner_checks[s.pk]} for s in self.supervisions]

    @property
    def supervision_gaps(self) -> list[Supervision]:
        return [s for s in self.supervisions if not self.owner_checks[s.pk].ok]

    @property
    def units_with_gaps(self) -> int:
        return sum(1 for r in self.below if r.gaps)


BOARD_LIMIT = 100


def board(user: Any, unit: Unit, year: int, *, today: datetime.date | None = None) -> Board:
    """第一责任人, 分管领导, each 班子成员's remit; meeting and reception progress of the unit and of every
    支队/大队 below; open ownerships and active supervisions in the subtree (with whether each supervised case is
    owned as the rule requires). A fixed number of queries."""
    today = today or timezone.localdate()
    posts = list(
        Post.objects.active(today)
        .filter(unit=unit, role__in=LEADER_ROLES, user__is_active=True)
        .select_related("user")
        .order_by("role", "start_on", "pk")
    )
    rows = compliance_for_year(user, year, today=today, root=unit)
    own = next((r for r in rows if r.unit.pk == unit.pk), None)
    below = [r for r in rows if r.unit.pk != unit.pk]
    ownerships = list(ownership_list(user, unit=unit, open_only=True)[:BOARD_LIMIT])
    supervisions = list(supervision_list(user, unit=unit, status=SupervisionStatus.ACTIVE)[:BOARD_LIMIT])
    return Board(
        unit=unit,
        year=year,
        chiefs=[p for p in posts if p.role == Role.CHIEF],
        leaders=[p for p in posts if p.role == Role.LEADER],
        members=[p for p in posts if p.role == Role.MEMBER],
        own=own,
        below=below,
        ownerships=ownerships,
        supervisions=supervisions,
        owner_checks=supervision_owner_checks(supervisions),
        can_record=has_perm(user, RECORD_PERM, unit),
        can_assign=has_perm(user, ASSIGN_PERM, unit),
    )


# ---------------------------------------------------------------------------------------------------
# Choices for forms


def leader_posts_in_scope(user: Any, perm: str, on: datetime.date | None = None) -> QuerySet[Post]:
    """Active 班子成员 posts at units where `user` holds `perm` (the leaders he may record or assign for)."""
    units = Unit.objects.visible_to(user, perm).filter(is_active=True)
    return (
        Post.objects.active(on or timezone.localdate())
        .filter(unit__in=units.values("pk"), role__in=LEADER_ROLES, user__is_active=True)
        .select_related("user", "unit")
        .order_by("unit__path", "role", "user__name")
    )


# ---------------------------------------------------------------------------------------------------
# The records behind the assessment's quota figures (R5.1: 党委会研究部署完成率, 领导接访完成率). Used by
# xinfang.accountability.integration for the figures and their drill-down. UNSCOPED, like the figures (facts about
# the unit): a page lists them only through `Meeting/ReceptionDay/Reception.objects.visible_to(user)`.


def quota_meetings(units: Iterable[Unit], start: datetime.date, end: datetime.date) -> QuerySet[Meeting]:
    """The meetings the units' own 党委 held in [start, end] — what the meeting quota counts (not the subtree's)."""
    return Meeting.objects.filter(unit__in=[u.pk for u in units], held_on__range=(start, end)).order_by("held_on", "pk")


@dataclass(frozen=True)
class PostFacts:
    """What the reception quota reads of a post (quota_leader_posts(light=True): no model instances)."""

    pk: int
    user_id: int
    unit_id: int
    role: str
    start_on: datetime.date
    end_on: datetime.date | None


def quota_leader_posts(units: Iterable[Unit], on: datetime.date, *, light: bool = False) -> list[Any]:
    """The 班子成员 posts (主官, 分管领导, 班子成员) active on `on` at the units, whose reception days the reception
    quota counts; with the user (`light`: as PostFacts, for counting)."""
    posts = (
        Post.objects.active(on)
        .filter(unit_id__in=[u.pk for u in units], role__in=list(LEADER_ROLES), user__is_active=True)
        .order_by("unit_id", "pk")
    )
    if light:
        fields = ("pk", "user_id", "unit_id", "role", "start_on", "end_on")
        return [PostFacts(*row) for row in posts.values_list(*fields)]
    return list(posts.select_related("user"))


def quota_reception_days(leader_ids: Iterable[int], start: datetime.date, end: datetime.date) -> QuerySet[ReceptionDay]:
    """The leaders' reception days held (接访日, status 已接访) in [start, end]."""
    return ReceptionDay.objects.filter(
        leader_id__in=list(leader_ids), status=DayStatus.HELD, planned_on__range=(start, end)
    ).order_by("planned_on", "pk")


def quota_receptions(leader_ids: Iterable[int], start: datetime.date, end: datetime.date) -> QuerySet[Reception]:
    """The leaders' receptions in the ledger (接访记录) in [start, end] — a reception counts on its day too."""
    return Reception.objects.filter(leader_id__in=list(leader_ids), received_on__range=(start, end)).order_by(
        "received_on", "pk"
    )
