"""The reminders (R6.2) that `manage.py send_reminders` sends: computed from the stored dates of today's
records, sent through `notify` with a dedupe key per (record, deadline, stage) — so running the job twice, or
twice a day, sends nothing twice, and a missed day is caught up by the next run (the stage is "what is due
now", not "exactly 7 days left").

Cost (issue 8, a million cases): the case reminders are one streamed query per kind on the stored, indexed
running limit `Case.deadline_on`, plus a constant few for the people, handlers, declared interests, accused
officials and conflict units of all the cases at once; the run takes the reminders BATCH at a time, with one
lookup of the keys already sent and one multi-row insert per batch (services.notify_many). No query per case or
per person; memory holds the people and one batch, not the cases.

Nothing depends on the job having run: overdue and due-soon are computed from dates wherever they are shown
(cases.selectors.with_deadline); the reminders only bring them to people's attention.

Producers:
    case_reminders(today)    the 60-day (Art 34) / 30-day (Art 35/36) limits of accepted cases:
                             7 / 3 / 1 days before → the handler (or, with none, the unit's petition officers);
                             overdue → the same, plus the unit's 主官 and 分管领导.
                             The 15-day 受理告知 limit (Art 23) of undecided cases: 3 / 1 days before → the unit's
                             petition officers (and the handler if one is set); overdue → plus 主官 and 分管领导.
    part_reminders.PRODUCERS ownership and supervision deadlines, 党委会 quota behind pace, screening reports owed,
                             rectification and accountability deadlines (see that module)
    <app>.reminders.reminders(today)
                             any xinfang app may add its own: a module `reminders.py` with a function
                             `reminders(today: date) -> Iterable[Reminder]` (screening reports owed, quotas
                             behind pace, ownership/supervision/rectification deadlines …) is picked up here.
"""

from __future__ import annotations

import datetime
import importlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, NamedTuple

from django.apps import apps
from django.db.models import Q, QuerySet
from django.urls import reverse

from xinfang.cases.models import ACK_STATUSES, CLOCK_STATUSES, Case, Category, Kind, Recusal, conflict_unit_ids
from xinfang.cases.workflow import HANDLE
from xinfang.core.legal_calendar import DUE_1, DUE_3, DUE_7, DUE_OVERDUE, days_left, due_state, due_state_bounds
from xinfang.notifications.services import BATCH, notify_many, unsent
from xinfang.orgs.models import Post, User
from xinfang.orgs.roles import ROLE_PERMISSIONS, Role


@dataclass
class Reminder:
    recipients: list[Any]
    kind: str
    title: str
    body: str
    url: str
    dedupe_key: str


@dataclass
class RunResult:
    considered: int = 0
    sent: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    producers: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------
# Cases


HANDLER_ROLES = frozenset(role for role, perms in ROLE_PERMISSIONS.items() if HANDLE in perms)
LEAD_ROLES = frozenset({Role.CHIEF, Role.LEADER})
CLOCK_STAGES = {DUE_7: 7, DUE_3: 3, DUE_1: 1}
ACK_STAGES = {DUE_3: 3, DUE_1: 1}
KIND_LABELS: dict[str, str] = {Kind.INITIAL: "办结", Kind.REVIEW: "复查", Kind.REREVIEW: "复核"}
CHUNK = 2000  # case rows fetched per round trip while streaming
_PK = 918273645  # a stand-in pk for reversing the case URL once


class _People:
    """The active holders of handling and leading posts at the units of the cases, fetched in one query (the
    units as a subquery: nothing is held per case)."""

    def __init__(self, unit_ids: QuerySet[Any], today: datetime.date) -> None:
        self.by_unit: dict[int, dict[str, list[User]]] = defaultdict(lambda: defaultdict(list))
        posts = (
            Post.objects.active(today)
            .filter(unit_id__in=unit_ids, role__in=HANDLER_ROLES | LEAD_ROLES, user__is_active=True)
            .select_related("user")
            .order_by("unit_id", "role", "user_id")
        )
        self.users: dict[int, User] = {}
        for post in posts:
            user = self.users.setdefault(post.user_id, post.user)
            if user not in self.by_unit[post.unit_id][post.role]:
                self.by_unit[post.unit_id][post.role].append(user)

    def officers(self, unit_id: int) -> list[User]:
        return [u for role in sorted(HANDLER_ROLES) for u in self.by_unit[unit_id].get(role, [])]

    def leads(self, unit_id: int) -> list[User]:
        return [u for role in (Role.CHIEF, Role.LEADER) for u in self.by_unit[unit_id].get(role, [])]

    def same(self, user: User) -> User:
        return self.users.setdefault(user.pk, user)


def conflict_units(users: Q) -> dict[int, set[int]]:
    """cases.models.conflict_unit_ids for every user matching `users`, in two queries: the ancestors-or-self of
    the units of his posts active today (at active units, as scope.user_grants) and of his home unit. Every
    matching user has an entry (an empty set if he has neither)."""
    found: dict[int, set[int]] = {}
    homes = User.objects.filter(users).values_list("pk", "unit__path")
    posts = (
        Post.objects.active()
        .filter(unit__is_active=True, user__is_active=True, user__in=User.objects.filter(users).values("pk"))
        .values_list("user_id", "unit__path")
    )
    for user_id, path in chain(homes, posts):
        found.setdefault(user_id, set()).update(int(p) for p in (path or "").strip("/").split("/") if p)
    return found


def _conflicted(user: User, case: Any, units: set[int] | None = None) -> bool:
    """Art 28/30 as workflow.is_conflicted, from prefetched rows: the accused and the recused get no reminder
    about the case (they may not even see it). `units`: the user's conflict_unit_ids, if already known."""
    if case.category == Category.ACCUSATION:
        if units is None:
            units = conflict_unit_ids(user)
        if case.accused_unit_id in units:
            return True
    if any(o.pk == user.pk for o in case.accused_officials.all()):
        return True
    return any(r.user_id == user.pk for r in case.recusals.all())


class _CaseRow(NamedTuple):
    pk: int
    number: str
    title: str
    kind: str
    deadline: datetime.date  # the running limit: `due` (办结/复查/复核) or `ack_due` (受理告知)
    unit_id: int
    unit_name: str
    handler_id: int | None
    category: str
    accused_unit_id: int | None


def _open_cases(today: datetime.date) -> QuerySet[Case]:
    """The cases any case reminder is about: a running limit (the stored `deadline_on`, indexed) within the
    reminder window — 7 days for 办结/复查/复核, 3 days for 受理告知 — or past it."""
    return Case.objects.filter(
        Q(status__in=sorted(CLOCK_STATUSES), deadline_on__lte=today + datetime.timedelta(days=7))
        | Q(status__in=sorted(ACK_STATUSES), deadline_on__lte=today + datetime.timedelta(days=3))
    )


class _Context:
    """Everything the case reminders need besides the cases themselves, for all of them at once (a constant
    number of queries, whatever the number of cases): who holds which post at their units, their handlers,
    declared interests and accused officials, and the conflict units of whoever may be told of an accusation."""

    def __init__(self, today: datetime.date) -> None:
        cases = _open_cases(today)
        # reversed once, then the pk substituted: reverse() for every case cost more than all the rest together
        self.case_url = reverse("cases:case-detail", kwargs={"pk": _PK})
        self.people = _People(cases.values("unit_id"), today)
        handlers = User.objects.filter(pk__in=cases.filter(handler__isnull=False).values("handler_id"))
        self.handlers = {u.pk: self.people.same(u) for u in handlers}
        self.recused: dict[int, set[int]] = defaultdict(set)
        for case_id, user_id in Recusal.objects.filter(case__in=cases).values_list("case_id", "user_id"):
            self.recused[case_id].add(user_id)
        self.accused: dict[int, set[int]] = defaultdict(set)
        accused = Case.accused_officials.through.objects.filter(case__in=cases)
        for case_id, user_id in accused.values_list("case_id", "user_id"):
            self.accused[case_id].add(user_id)
        accusations = cases.filter(category=Category.ACCUSATION)
        told = Post.objects.active(today).filter(
            unit_id__in=accusations.values("unit_id"), role__in=HANDLER_ROLES | LEAD_ROLES
        )
        self.units = conflict_units(
            Q(pk__in=told.values("user_id")) | Q(pk__in=accusations.filter(handler__isnull=False).values("handler_id"))
        )

    def conflicted(self, user: User, case: _CaseRow) -> bool:
        """_conflicted, from the rows fetched above."""
        if case.category == Category.ACCUSATION:
            units = self.units.get(user.pk)
            if units is None:  # not expected: everyone who can be told is loaded above
                units = conflict_unit_ids(user)
            if case.accused_unit_id in units:
                return True
        return user.pk in self.accused.get(case.pk, ()) or user.pk in self.recused.get(case.pk, ())

    def recipients(self, people: list[User], case: _CaseRow) -> list[User]:
        seen: set[int] = set()
        out = []
        for u in people:
            if u.pk in seen or not u.is_active or self.conflicted(u, case):
                continue
            seen.add(u.pk)
            out.append(u)
        return out

    def url(self, case: _CaseRow) -> str:
        return self.case_url.replace(str(_PK), str(case.pk))

    def handler(self, case: _CaseRow) -> User | None:
        return self.handlers.get(case.handler_id) if case.handler_id is not None else None


def _rows(statuses: frozenset[str], first: datetime.date | None, last: datetime.date) -> Iterator[_CaseRow]:
    """The cases in `statuses` whose running limit falls in [first, last], streamed in pk order."""
    qs = Case.objects.filter(status__in=sorted(statuses), deadline_on__lte=last)
    if first is not None:
        qs = qs.filter(deadline_on__gte=first)
    rows = (
        qs.order_by("pk")
        .values_list(
            "pk",
            "number",
            "title",
            "kind",
            "deadline_on",
            "unit_id",
            "unit__name",
            "handler_id",
            "category",
            "accused_unit_id",
        )
        .iterator(chunk_size=CHUNK)
    )
    for row in rows:
        yield _CaseRow(*row)


def case_reminders(today: datetime.date) -> Iterator[Reminder]:
    """One query per kind of reminder (overdue, due soon; 受理告知 overdue, due soon) on the stored running limit,
    streamed, plus the constant number of _Context: memory holds the people, not the cases."""
    ctx = _Context(today)
    overdue = due_state_bounds(DUE_OVERDUE, today)[1]
    assert overdue is not None
    soon = due_state_bounds(DUE_1, today)[0]
    for case in _rows(CLOCK_STATUSES, None, overdue):
        yield _clock_overdue(case, today, ctx)
    for case in _rows(CLOCK_STATUSES, soon, today + datetime.timedelta(days=7)):
        yield _clock_due(case, today, ctx)
    for case in _rows(ACK_STATUSES, None, overdue):
        yield _ack_overdue(case, today, ctx)
    for case in _rows(ACK_STATUSES, soon, today + datetime.timedelta(days=3)):
        yield _ack_due(case, today, ctx)


def _handlers(case: _CaseRow, ctx: _Context) -> list[User]:
    handler = ctx.handler(case)
    if handler is not None and handler.is_active:
        return [handler]
    return ctx.people.officers(case.unit_id)


def _clock_overdue(case: _CaseRow, today: datetime.date, ctx: _Context) -> Reminder:
    what = KIND_LABELS.get(case.kind, "办结")
    late = -(days_left(case.deadline, today) or 0)
    return Reminder(
        recipients=ctx.recipients(_handlers(case, ctx) + ctx.people.leads(case.unit_id), case),
        kind="case.overdue",
        title=f"已逾期：{case.number} {case.title}"[:200],
        body=f"{case.unit_name}办理的信访事项“{case.title}”{what}期限为{case.deadline:%Y年%m月%d日}，已逾期{late}日。",
        url=ctx.url(case),
        dedupe_key=f"case:{case.pk}:overdue:{case.deadline.isoformat()}",
    )


def _clock_due(case: _CaseRow, today: datetime.date, ctx: _Context) -> Reminder:
    what = KIND_LABELS.get(case.kind, "办结")
    left = days_left(case.deadline, today)
    return Reminder(
        recipients=ctx.recipients(_handlers(case, ctx), case),
        kind="case.due_soon",
        title=(f"{left}日内到期" if left else "今日到期") + f"：{case.number} {case.title}"[:200],
        body=f"信访事项“{case.title}”{what}期限为{case.deadline:%Y年%m月%d日}（还剩{left}日）。",
        url=ctx.url(case),
        dedupe_key=f"case:{case.pk}:due:{case.deadline.isoformat()}:{CLOCK_STAGES[due_state(case.deadline, today)]}",
    )


def _ack_officers(case: _CaseRow, ctx: _Context) -> list[User]:
    officers = ctx.people.officers(case.unit_id)
    handler = ctx.handler(case)
    return [handler, *officers] if handler is not None else officers


def _ack_overdue(case: _CaseRow, today: datetime.date, ctx: _Context) -> Reminder:
    late = -(days_left(case.deadline, today) or 0)
    return Reminder(
        recipients=ctx.recipients(_ack_officers(case, ctx) + ctx.people.leads(case.unit_id), case),
        kind="case.ack_overdue",
        title=f"受理告知已逾期：{case.number} {case.title}"[:200],
        body=(
            f"{case.unit_name}收到的信访事项“{case.title}”应于{case.deadline:%Y年%m月%d日}前告知信访人是否受理"
            f"（条例第二十三条），已逾期{late}日。"
        ),
        url=ctx.url(case),
        dedupe_key=f"case:{case.pk}:ack-overdue:{case.deadline.isoformat()}",
    )


def _ack_due(case: _CaseRow, today: datetime.date, ctx: _Context) -> Reminder:
    left = days_left(case.deadline, today)
    return Reminder(
        recipients=ctx.recipients(_ack_officers(case, ctx), case),
        kind="case.ack_due",
        title=f"待受理告知：{case.number} {case.title}"[:200],
        body=f"信访事项“{case.title}”应于{case.deadline:%Y年%m月%d日}前告知信访人是否受理（还剩{left}日）。",
        url=ctx.url(case),
        dedupe_key=f"case:{case.pk}:ack:{case.deadline.isoformat()}:{ACK_STAGES[due_state(case.deadline, today)]}",
    )


# ---------------------------------------------------------------------------------------------------
# Other apps' producers


Producer = Callable[[datetime.date], Iterable[Reminder]]


def app_producers() -> list[tuple[str, Producer]]:
    """`reminders(today)` of every xinfang app that has a reminders module (besides this one)."""
    found: list[tuple[str, Producer]] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("xinfang.") or config.name == "xinfang.notifications":
            continue
        name = f"{config.name}.reminders"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        producer = getattr(module, "reminders", None)
        if callable(producer):
            found.append((name, producer))
    return found


def producers() -> list[tuple[str, Producer]]:
    from xinfang.notifications.part_reminders import PRODUCERS

    return [("xinfang.notifications.reminders.case_reminders", case_reminders), *PRODUCERS, *app_producers()]


# ---------------------------------------------------------------------------------------------------
# The run


def _batches(reminders: Iterable[Reminder], size: int) -> Iterator[list[Reminder]]:
    batch: list[Reminder] = []
    for reminder in reminders:
        batch.append(reminder)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def send_reminders(today: datetime.date, *, dry_run: bool = False) -> RunResult:
    """Send every reminder due on `today` that has not been sent yet. Idempotent.

    Each producer's reminders are taken BATCH at a time: one query for the (recipient, key) pairs already sent,
    one multi-row insert for the rest (services.notify_many) — so the queries grow with the batches, not with
    the cases or the people, and memory holds one batch."""
    result = RunResult()
    for name, produce in producers():
        result.producers.append(name)
        for batch in _batches((r for r in produce(today) if r.recipients), BATCH):
            result.considered += len(batch)
            kinds = [kind for _, kind in unsent(batch)] if dry_run else [n.kind for n in notify_many(batch)]
            result.sent += len(kinds)
            result.by_kind.update(kinds)
    return result
