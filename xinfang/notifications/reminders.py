"""The reminders (R6.2) that `manage.py send_reminders` sends: computed from the stored dates of today's
records, sent through `notify` with a dedupe key per (record, deadline, stage) — so running the job twice, or
twice a day, sends nothing twice, and a missed day is caught up by the next run (the stage is "what is due
now", not "exactly 7 days left").

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
from typing import Any

from django.apps import apps
from django.db.models import Prefetch
from django.urls import reverse

from xinfang.cases.models import ACK_STATUSES, CLOCK_STATUSES, Case, Category, Kind, Recusal, conflict_unit_ids
from xinfang.cases.workflow import HANDLE
from xinfang.core.legal_calendar import DUE_1, DUE_3, DUE_7, DUE_OVERDUE, days_left, due_state
from xinfang.notifications.models import Notification
from xinfang.notifications.services import notify
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


class _People:
    """The active holders of handling and leading posts at the units of the cases, fetched in one query."""

    def __init__(self, unit_ids: set[int], today: datetime.date) -> None:
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


def _conflicted(user: User, case: Case) -> bool:
    """Art 28/30 as workflow.is_conflicted, from prefetched rows: the accused and the recused get no reminder
    about the case (they may not even see it)."""
    if case.category == Category.ACCUSATION and case.accused_unit_id in conflict_unit_ids(user):
        return True
    if any(o.pk == user.pk for o in case.accused_officials.all()):
        return True
    return any(r.user_id == user.pk for r in case.recusals.all())


def _cases(statuses: frozenset[str], date_field: str, latest: datetime.date) -> Iterator[Case]:
    qs = (
        Case.objects.filter(status__in=list(statuses), **{f"{date_field}__isnull": False, f"{date_field}__lte": latest})
        .select_related("unit", "handler")
        .prefetch_related(
            "accused_officials", Prefetch("recusals", queryset=Recusal.objects.only("case_id", "user_id"))
        )
        .order_by("pk")
    )
    yield from qs.iterator(chunk_size=500)


def _recipients(people: list[User], case: Case) -> list[User]:
    seen: set[int] = set()
    out = []
    for u in people:
        if u.pk in seen or not u.is_active or _conflicted(u, case):
            continue
        seen.add(u.pk)
        out.append(u)
    return out


def case_reminders(today: datetime.date) -> Iterator[Reminder]:
    horizon = today + datetime.timedelta(days=7)
    clock = list(_cases(CLOCK_STATUSES, "due", horizon))
    ack = list(_cases(ACK_STATUSES, "ack_due", today + datetime.timedelta(days=3)))
    people = _People({c.unit_id for c in clock + ack}, today)
    for case in clock:
        yield from _clock_reminder(case, today, people)
    for case in ack:
        yield from _ack_reminder(case, today, people)


def _handlers(case: Case, people: _People) -> list[User]:
    if case.handler is not None and case.handler.is_active:
        return [people.same(case.handler)]
    return people.officers(case.unit_id)


def _url(case: Case) -> str:
    return reverse("cases:case-detail", kwargs={"pk": case.pk})


def _clock_reminder(case: Case, today: datetime.date, people: _People) -> Iterator[Reminder]:
    assert case.due is not None
    state = due_state(case.due, today)
    what = KIND_LABELS.get(case.kind, "办结")
    if state == DUE_OVERDUE:
        late = -(days_left(case.due, today) or 0)
        yield Reminder(
            recipients=_recipients(_handlers(case, people) + people.leads(case.unit_id), case),
            kind="case.overdue",
            title=f"已逾期：{case.number} {case.title}"[:200],
            body=f"{case.unit.name}办理的信访事项“{case.title}”{what}期限为{case.due:%Y年%m月%d日}，已逾期{late}日。",
            url=_url(case),
            dedupe_key=f"case:{case.pk}:overdue:{case.due.isoformat()}",
        )
    elif state in CLOCK_STAGES:
        left = days_left(case.due, today)
        yield Reminder(
            recipients=_recipients(_handlers(case, people), case),
            kind="case.due_soon",
            title=(f"{left}日内到期" if left else "今日到期") + f"：{case.number} {case.title}"[:200],
            body=f"信访事项“{case.title}”{what}期限为{case.due:%Y年%m月%d日}（还剩{left}日）。",
            url=_url(case),
            dedupe_key=f"case:{case.pk}:due:{case.due.isoformat()}:{CLOCK_STAGES[state]}",
        )


def _ack_reminder(case: Case, today: datetime.date, people: _People) -> Iterator[Reminder]:
    assert case.ack_due is not None
    state = due_state(case.ack_due, today)
    officers = people.officers(case.unit_id)
    if case.handler is not None:
        officers = [people.same(case.handler), *officers]
    if state == DUE_OVERDUE:
        late = -(days_left(case.ack_due, today) or 0)
        yield Reminder(
            recipients=_recipients(officers + people.leads(case.unit_id), case),
            kind="case.ack_overdue",
            title=f"受理告知已逾期：{case.number} {case.title}"[:200],
            body=(
                f"{case.unit.name}收到的信访事项“{case.title}”应于{case.ack_due:%Y年%m月%d日}前告知信访人是否受理"
                f"（条例第二十三条），已逾期{late}日。"
            ),
            url=_url(case),
            dedupe_key=f"case:{case.pk}:ack-overdue:{case.ack_due.isoformat()}",
        )
    elif state in ACK_STAGES:
        left = days_left(case.ack_due, today)
        yield Reminder(
            recipients=_recipients(officers, case),
            kind="case.ack_due",
            title=f"待受理告知：{case.number} {case.title}"[:200],
            body=f"信访事项“{case.title}”应于{case.ack_due:%Y年%m月%d日}前告知信访人是否受理（还剩{left}日）。",
            url=_url(case),
            dedupe_key=f"case:{case.pk}:ack:{case.ack_due.isoformat()}:{ACK_STAGES[state]}",
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


def _sent_before(keys: list[str], chunk: int = 500) -> set[tuple[int, str]]:
    """(recipient, key) pairs already sent, in chunks (SQLite limits the parameters of one query)."""
    pairs: set[tuple[int, str]] = set()
    for i in range(0, len(keys), chunk):
        pairs.update(
            Notification.objects.filter(dedupe_key__in=keys[i : i + chunk]).values_list("recipient_id", "dedupe_key")
        )
    return pairs


def send_reminders(today: datetime.date, *, dry_run: bool = False) -> RunResult:
    """Send every reminder due on `today` that has not been sent yet. Idempotent."""
    result = RunResult()
    for name, produce in producers():
        result.producers.append(name)
        batch = [r for r in produce(today) if r.recipients]
        if not batch:
            continue
        sent_before = _sent_before(sorted({r.dedupe_key for r in batch}))
        for reminder in batch:
            result.considered += 1
            fresh = [u for u in reminder.recipients if (u.pk, reminder.dedupe_key) not in sent_before]
            if not fresh:
                continue
            if dry_run:
                created = len(fresh)
            else:
                created = len(
                    notify(
                        recipients=fresh,
                        kind=reminder.kind,
                        title=reminder.title,
                        body=reminder.body,
                        url=reminder.url,
                        dedupe_key=reminder.dedupe_key,
                    )
                )
            result.sent += created
            result.by_kind[reminder.kind] += created
    return result
