"""Reads of cases. Every one starts from `Case.objects.visible_to(user)` (scope + Art 30 confidentiality) and
declares its select_related/prefetch_related, so the list page, the detail page, the API, exports, counts and
dashboards all see exactly the same cases.

    access_case(user, id, perm)             404 out of scope (or confidential), 403 without perm
    access_case_for_action(user, id, action) 404 / 403 by the transition table's permission and unit
    access_attachment(user, id)             the attachment of a visible case
    case_list(user, **filters)              the scoped, filtered, sorted list (QuerySet, constant queries)
    case_counts(user, **filters)            counts by status of the same list
    my_work(user)                           the user's queue, overdue and due-soon first
    case_detail(user, id)                   the case with its timeline and the steps the user may take
    repeat_candidates(user, ...)            earlier cases with the same petitioner or similar content (R2.3)
    case_by_query_code(number, code)        the portal's lookup by 查询码
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone

from xinfang.cases import deadlines
from xinfang.cases.models import (
    CLOSED_STATUSES,
    VIEW_PERM,
    Attachment,
    Case,
    CaseEvent,
    Extension,
    Kind,
    OpinionResult,
    Petitioner,
    Status,
    Topic,
    Transfer,
    normalize_name,
    normalize_phone,
)
from xinfang.cases.similarity import cosine, ngrams
from xinfang.cases.workflow import APPROVE, HANDLE, Transition, acting_unit, available_actions, transition_for
from xinfang.core.fields import KeyedHashField, normalize_id_number
from xinfang.core.legal_calendar import DUE_NONE, DUE_STATES, due_state_bounds
from xinfang.core.scope import has_perm, user_grants

# ---------------------------------------------------------------------------------------------------
# Access


RELATED = ("unit", "unit__parent", "topic", "handler", "accused_unit", "parent_case")


def _case_qs() -> QuerySet[Case]:
    return Case.objects.select_related(*RELATED)


def access_case(user: Any, case_id: Any, perm: str = VIEW_PERM) -> Case:
    """The case if visible to the user (else 404, the same as a nonexistent id); 403 if visible but the user
    lacks `perm` at the handling unit."""
    try:
        case = Case.objects.visible_to(user).select_related(*RELATED).get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("信访事项不存在或不在您的权限范围内") from None
    if perm != VIEW_PERM and not has_perm(user, perm, case.unit):
        raise PermissionDenied("您无权进行此操作")
    return case


def access_case_for_action(user: Any, case_id: Any, action: str) -> Case:
    """For a page or endpoint performing `action`: 404 if the case is not visible, 403 if the user lacks the
    action's permission at the unit the transition table names (state and guards are the service's 400)."""
    case = access_case(user, case_id)
    transition: Transition = transition_for(action)
    unit = acting_unit(case, transition.at)
    if unit is None:
        unit = case.unit
    if not has_perm(user, transition.perm, unit):
        raise PermissionDenied("您无权进行此操作")
    return case


def access_attachment(user: Any, attachment_id: Any) -> Attachment:
    """An attachment is served only if its case is visible to the user (404 otherwise)."""
    try:
        return (
            Attachment.objects.select_related("case", "case__unit")
            .filter(case__in=Case.objects.visible_to(user).values("pk"))
            .get(pk=attachment_id)
        )
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("附件不存在或不在您的权限范围内") from None


# ---------------------------------------------------------------------------------------------------
# Lists


def with_deadline(qs: QuerySet[Case], today: datetime.date | None = None) -> QuerySet[Case]:
    """Annotate `overdue` from the stored `deadline_on` (the limit running now, as Case.deadline computes it; a
    generated column the database keeps) — computed from dates, never by a scheduled job."""
    today = today or timezone.localdate()
    return qs.annotate(overdue=ExpressionWrapper(Q(deadline_on__lt=today), output_field=BooleanField()))


SORTS: dict[str, tuple[Any, ...]] = {
    "-received_on": ("-received_on", "-id"),
    "received_on": ("received_on", "id"),
    "deadline": (F("deadline_on").asc(nulls_last=True), "-received_on", "-id"),
    "-deadline": (F("deadline_on").desc(nulls_last=True), "-received_on", "-id"),
    "number": ("registered_unit__code", "year", "seq"),
    "-number": ("-registered_unit__code", "-year", "-seq"),
    "status": ("status", "-received_on", "-id"),
    "-updated_at": ("-updated_at", "-id"),
}
SORT_LABELS: dict[str, str] = {
    "-received_on": "收到日期（新→旧）",
    "received_on": "收到日期（旧→新）",
    "deadline": "期限（近→远）",
    "-deadline": "期限（远→近）",
    "number": "编号",
    "-number": "编号（倒序）",
    "status": "状态",
    "-updated_at": "最近更新",
}


def _hash(raw: str, normalizer: Any) -> str:
    return KeyedHashField(source="x", normalizer=normalizer).digest(raw)


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in value.split(",") if v]
    return [str(v) for v in value]


def case_list(
    user: Any,
    *,
    status: str | Iterable[str] | None = None,
    unit: Any = None,
    category: str | Iterable[str] | None = None,
    topic: Any = None,
    channel: str | Iterable[str] | None = None,
    kind: str | Iterable[str] | None = None,
    due_state: str | None = None,
    overdue: bool | None = None,
    open_only: bool = False,
    awaiting_carry_out: bool = False,
    received_from: datetime.date | None = None,
    received_to: datetime.date | None = None,
    concluded_from: datetime.date | None = None,
    concluded_to: datetime.date | None = None,
    q: str = "",
    sort: str = "-received_on",
    today: datetime.date | None = None,
) -> QuerySet[Case]:
    """The scoped case list with filters (R2 pages and API, the xlsx export uses the same function).

    `unit` (a Unit or id) keeps that unit's subtree; `awaiting_carry_out` keeps supported opinions not yet
    carried out; `topic` is a code or id; `due_state` one of
    legal_calendar.DUE_STATES; `q` matches number, title and content, and a petitioner's exact name, ID number or
    phone (through the keyed hashes — personal data is never decrypted for searching).
    Queries: the cases (one query, joined unit/topic/handler) + their petitioners (one prefetch query).
    """
    today = today or timezone.localdate()
    qs = with_deadline(Case.objects.visible_to(user), today)
    statuses = _as_list(status)
    if statuses:
        qs = qs.filter(status__in=statuses)
    if open_only:
        qs = qs.exclude(status__in=list(CLOSED_STATUSES))
    if awaiting_carry_out:  # R2.8: supported requests followed until carried out
        qs = qs.filter(
            opinion__result=OpinionResult.SUPPORT,
            opinion__issued_on__isnull=False,
            opinion__carried_out_on__isnull=True,
        )
    if unit not in (None, ""):
        from xinfang.orgs.models import Unit

        unit_obj = unit if isinstance(unit, Unit) else Unit.objects.filter(pk=unit).only("path").first()
        qs = qs.filter(unit__path__startswith=unit_obj.path) if unit_obj else qs.none()
    if _as_list(category):
        qs = qs.filter(category__in=_as_list(category))
    if topic not in (None, ""):
        qs = (
            qs.filter(topic_id=topic.pk)
            if isinstance(topic, Topic)
            else (qs.filter(topic_id=int(topic)) if str(topic).isdigit() else qs.filter(topic__code=topic))
        )
    if _as_list(channel):
        qs = qs.filter(channel__in=_as_list(channel))
    if _as_list(kind):
        qs = qs.filter(kind__in=_as_list(kind))
    if due_state:
        if due_state == DUE_NONE:
            qs = qs.filter(**{"deadline_on__isnull": True})
        elif due_state in DUE_STATES:
            low, high = due_state_bounds(due_state, today)
            if low is not None:
                qs = qs.filter(**{"deadline_on__gte": low})
            if high is not None:
                qs = qs.filter(**{"deadline_on__lte": high})
        else:
            qs = qs.none()
    if overdue is True:
        qs = qs.filter(**{"deadline_on__lt": today})
    elif overdue is False:
        qs = qs.filter(Q(**{"deadline_on__isnull": True}) | Q(**{"deadline_on__gte": today}))
    if received_from:
        qs = qs.filter(received_on__gte=received_from)
    if received_to:
        qs = qs.filter(received_on__lte=received_to)
    if concluded_from:
        qs = qs.filter(concluded_on__gte=concluded_from)
    if concluded_to:
        qs = qs.filter(concluded_on__lte=concluded_to)
    q = (q or "").strip()
    if q:
        people = Petitioner.objects.filter(case=OuterRef("pk")).filter(
            Q(name_hash=_hash(q, normalize_name))
            | Q(id_hash=_hash(q, normalize_id_number))
            | Q(phone_hash=_hash(q, normalize_phone))
        )
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(content__icontains=q) | Q(Exists(people)))
    qs = qs.select_related("unit", "topic", "handler").prefetch_related(
        Prefetch("petitioners", queryset=Petitioner.objects.order_by("order", "id"))
    )
    return qs.order_by(*SORTS.get(sort or "-received_on", SORTS["-received_on"]))


def case_counts(user: Any, **filters: Any) -> dict[str, int]:
    """Counts by status of exactly the cases case_list(user, **filters) returns (dashboards)."""
    from django.db.models import Count

    rows = case_list(user, **filters).order_by().values("status").annotate(n=Count("id"))
    counts = {s: 0 for s in Status.values}
    for row in rows:
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts[s] for s in Status.values)
    return counts


MY_WORK_DUE = {"overdue": "已逾期", "soon": "7日内到期"}


def my_work(user: Any, today: datetime.date | None = None, *, due: str = "", approval: bool = False) -> QuerySet[Case]:
    """The user's queue, overdue and due-soon first:
    open cases at a unit where he holds a handling post (exactly there, not the whole subtree) or that he
    handles; opinions awaiting approval where he approves; objections awaiting his unit's decision.
    `due` ("overdue" | "soon": within 7 days) and `approval` (opinions awaiting his approval) narrow it (the
    dashboard's my-work figures link here)."""
    today = today or timezone.localdate()
    grants = user_grants(user)
    handle_units = sorted({g.unit_id for g in grants if HANDLE in g.perms})
    approve_units = sorted({g.unit_id for g in grants if APPROVE in g.perms})
    objections = Transfer.objects.filter(
        case=OuterRef("pk"), to_unit_id=OuterRef("unit_id"), from_unit_id__in=handle_units, objection_decision=""
    ).exclude(objected_on=None)
    mine = (
        (Q(unit_id__in=handle_units) & ~Q(status__in=[Status.OBJECTED, Status.OPINION_DRAFTED]))
        | Q(handler_id=getattr(user, "pk", None))
        | Q(unit_id__in=approve_units, status=Status.OPINION_DRAFTED)
        | Q(Exists(objections), status=Status.OBJECTED)
    )
    qs = with_deadline(Case.objects.visible_to(user), today).exclude(status__in=list(CLOSED_STATUSES)).filter(mine)
    if due == "overdue":
        qs = qs.filter(**{"deadline_on__lt": today})
    elif due == "soon":
        qs = qs.filter(**{"deadline_on__gte": today, "deadline_on__lte": today + datetime.timedelta(days=7)})
    elif due:
        qs = qs.none()
    if approval:
        qs = qs.filter(unit_id__in=approve_units, status=Status.OPINION_DRAFTED)
    return qs.select_related("unit", "topic", "handler").order_by(
        F("deadline_on").asc(nulls_last=True), "received_on", "id"
    )


# ---------------------------------------------------------------------------------------------------
# Detail


@dataclass
class CaseDetail:
    case: Case
    events: list[CaseEvent]
    actions: list[Transition]
    deadline: datetime.date | None
    due_state: str
    warnings: list[str]
    review_request_until: datetime.date | None
    reviews: list[Case] = field(default_factory=list)
    repeats: list[Case] = field(default_factory=list)


def case_detail(user: Any, case_id: Any, today: datetime.date | None = None) -> CaseDetail:
    """The case, its dated timeline (every transition and transfer), and what the user may do next. Linked
    reviews and repeats are listed only if visible to the user."""
    today = today or timezone.localdate()
    try:  # access_case's check (404 outside the scope) and the page's prefetches in one fetch
        case = (
            Case.objects.visible_to(user)
            .select_related(*RELATED)
            .prefetch_related(
                Prefetch("petitioners", queryset=Petitioner.objects.order_by("order", "id")),
                "attachments",
                "accused_officials",
                Prefetch(
                    "transfers", queryset=Transfer.objects.select_related("from_unit", "to_unit").order_by("on", "id")
                ),
                Prefetch("extensions", queryset=Extension.objects.select_related("approved_by")),
                "recusals__user",
            )
            .select_related("first_unit", "first_officer", "registered_by", "original_case", "opinion", "evaluation")
            .get(pk=case_id)
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("信访事项不存在或不在您的权限范围内") from None
    events = list(case.events.select_related("actor", "unit").order_by("at", "id"))
    linked = list(
        Case.objects.visible_to(user)
        .filter(Q(parent_case=case) | Q(original_case=case))
        .select_related("unit")
        .order_by("-received_on", "-id")
    )
    reviews = [c for c in linked if c.parent_case_id == case.pk]
    repeats = [c for c in linked if c.original_case_id == case.pk]
    opinion = getattr(case, "opinion", None) if _has_opinion(case) else None
    until = None
    if opinion is not None and opinion.delivered_on and case.kind != Kind.REREVIEW:
        until = deadlines.review_request_last_day(opinion.delivered_on)
    return CaseDetail(
        case=case,
        events=events,
        actions=available_actions(user, case),
        deadline=case.deadline,
        due_state=case.due_state(today),
        warnings=deadlines.calendar_warnings(case),
        review_request_until=until,
        reviews=reviews,
        repeats=repeats,
    )


def _has_opinion(case: Case) -> bool:
    from xinfang.cases.models import Opinion

    try:
        case.opinion  # noqa: B018
    except Opinion.DoesNotExist:
        return False
    return True


def case_timeline(user: Any, case_id: Any) -> list[CaseEvent]:
    case = access_case(user, case_id)
    return list(case.events.select_related("actor", "unit").order_by("at", "id"))


# ---------------------------------------------------------------------------------------------------
# Repeat detection (R2.3)


@dataclass
class RepeatCandidate:
    case: Case
    same_petitioner: bool
    similarity: float
    reasons: list[str]


def repeat_candidates(
    user: Any,
    *,
    name: str = "",
    id_number: str = "",
    phone: str = "",
    title: str = "",
    content: str = "",
    exclude_case_id: int | None = None,
    threshold: float = 0.3,
    limit: int = 10,
    window: int = 3000,
) -> list[RepeatCandidate]:
    """Earlier cases in the user's visible scope with the same petitioner (ID number, or name + phone) or a
    similar content (character-bigram cosine ≥ threshold over the `window` most recent visible cases)."""
    visible = Case.objects.visible_to(user)
    if exclude_case_id:
        visible = visible.exclude(pk=exclude_case_id)
    reasons: dict[int, list[str]] = {}
    same: set[int] = set()
    person = Q(pk__in=[])
    if id_number.strip():
        person |= Q(id_hash=_hash(id_number, normalize_id_number))
    if name.strip() and phone.strip():
        person |= Q(name_phone_hash=_hash(f"{name}|{phone}", _name_phone))
    if person != Q(pk__in=[]):
        id_h = _hash(id_number, normalize_id_number) if id_number.strip() else None
        for case_id, hid in Petitioner.objects.filter(person, case__in=visible.values("pk")).values_list(
            "case_id", "id_hash"
        ):
            same.add(case_id)
            why = "同一信访人（身份证号码）" if id_h and hid == id_h else "同一信访人（姓名+电话）"
            reasons.setdefault(case_id, [])
            if why not in reasons[case_id]:
                reasons[case_id].append(why)
    scores: dict[int, float] = {}
    text = f"{title}\n{content}".strip()
    if text:
        probe = ngrams(text)
        for case_id, t, c in visible.order_by("-received_on", "-id").values_list("id", "title", "content")[:window]:
            score = cosine(probe, ngrams(f"{t}\n{c}"))
            if score >= threshold:
                scores[case_id] = score
                reasons.setdefault(case_id, []).append(f"内容相似（{score:.0%}）")
    ids = set(reasons)
    if not ids:
        return []
    cases = {c.pk: c for c in _case_qs().filter(pk__in=ids)}
    found = [
        RepeatCandidate(
            case=cases[i], same_petitioner=i in same, similarity=round(scores.get(i, 0.0), 3), reasons=reasons[i]
        )
        for i in ids
        if i in cases
    ]
    found.sort(key=lambda r: (not r.same_petitioner, -r.similarity, -r.case.received_on.toordinal(), -r.case.pk))
    return found[:limit]


def _name_phone(value: str) -> str:
    from xinfang.cases.models import normalize_name_phone

    return normalize_name_phone(value)


# ---------------------------------------------------------------------------------------------------
# Portal and reference data


def case_by_query_code(number: str, code: str) -> Case | None:
    """The case with this number if the 查询码 matches (for the public progress query, R2.12/R6.6)."""
    from xinfang.cases.services import query_code_matches

    case = _case_qs().filter(number=(number or "").strip()).first()
    if case is None or not query_code_matches(case, code or ""):
        return None
    return case


def public_progress(case: Case) -> list[CaseEvent]:
    """What the petitioner may see of the timeline: registration, forwarding, acceptance, extension, opinions,
    with dates — without internal notes or officers' names."""
    public = {
        "register", "review_registered", "accept", "decline", "divert", "forward", "agree_objection", "extend",
        "issue_opinion", "deliver", "evaluate", "carry_out", "conclude", "request_review",
    }  # fmt: skip
    return list(case.events.filter(action__in=public).order_by("at", "id"))


def topic_list(*, active_only: bool = True) -> QuerySet[Topic]:
    qs = Topic.objects.all()
    return qs.filter(active=True) if active_only else qs
