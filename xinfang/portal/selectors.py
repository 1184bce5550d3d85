"""Reads of the public portal. Nothing here is scoped to a signed-in user: the petitioner proves himself with
the case number, the 查询码 and the last four characters of his ID number or phone, and then sees only his own
case, in public words — dated steps with the acting unit, the notices and the opinion he was sent, and nothing
internal (no notes except the reasons he was told in writing, no officer names, no other case).

    petition_lookup(number, code, last4) -> Case | None   (every wrong answer is the same None)
    public_status(case) -> str
    public_progress_entries(case) -> [PublicEntry]
    public_documents(case) -> [GeneratedDocument]
    review_window(case) -> ReviewWindow | None
    published_channels() -> [(unit, [PublicChannel])]
    reception_schedule() -> (published: bool, rows)
"""

from __future__ import annotations

import datetime
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from xinfang.cases import deadlines
from xinfang.cases.models import (
    ANSWERED_STATUSES,
    Case,
    CaseEvent,
    Extension,
    Kind,
    Opinion,
    OpinionResult,
    Rating,
    Status,
    TransferKind,
)
from xinfang.cases.selectors import case_by_query_code, public_progress
from xinfang.documents.models import GeneratedDocument
from xinfang.orgs.models import Unit
from xinfang.portal.models import PublicChannel

# ---------------------------------------------------------------------------------------------------
# Finding the case


def _last4_matches(case: Case, last4: str) -> bool:
    wanted = (last4 or "").strip().upper()
    if len(wanted) != 4:
        return False
    found = False
    for p in case.petitioners.all():
        for value in (p.id_number or "", "".join(c for c in (p.phone or "") if c.isdigit())):
            tail = value.strip().upper()[-4:]
            # compare every candidate (no early exit) in constant time
            if len(tail) == 4 and hmac.compare_digest(tail.encode(), wanted.encode()):
                found = True
    return found


def petition_lookup(number: str, code: str, last4: str) -> Case | None:
    """The case whose number, 查询码 and last-four check all match — else None, whatever was wrong (the
    caller answers every None the same way, and pads the answer time; see views.query)."""
    case = case_by_query_code((number or "").strip(), (code or "").strip().upper())
    if case is None:
        # Do the same kind of work as a found case (one petitioner query) so both answers look alike.
        _last4_matches(Case(pk=0), last4)
        return None
    if not _last4_matches(case, last4):
        return None
    return case


def verified_case(case_id: Any, code: str) -> Case | None:
    """The case of the portal session, re-checked against its 查询码 (a reset code ends the session)."""
    from xinfang.cases.services import query_code_matches

    try:
        case = Case.objects.select_related("unit", "unit__parent", "topic").get(pk=int(case_id))
    except (Case.DoesNotExist, TypeError, ValueError):
        return None
    return case if query_code_matches(case, code or "") else None


# ---------------------------------------------------------------------------------------------------
# What the petitioner sees

PUBLIC_STATUS: dict[str, str] = {
    Status.REGISTERED: "已登记，待受理",
    Status.FORWARDED: "已转送/交办，待接收单位受理",
    Status.OBJECTED: "已转送/交办，待接收单位受理",
    Status.ACCEPTED: "已受理，正在办理",
    Status.OPINION_DRAFTED: "已受理，正在办理",
    Status.OPINION_APPROVED: "已受理，正在办理",
    Status.DECLINED: "不予受理",
    Status.DIVERTED: "已告知通过其他法定途径解决",
    Status.OPINION_ISSUED: "已出具处理意见，待送达",
    Status.DELIVERED: "处理意见已送达",
    Status.EVALUATED: "已评价",
    Status.CONCLUDED: "已办结",
}


def public_status(case: Case) -> str:
    return PUBLIC_STATUS.get(case.status, "办理中")


def public_deadline(case: Case) -> tuple[str, datetime.date] | None:
    """The limit running now, in public words."""
    if case.status in (Status.REGISTERED, Status.FORWARDED, Status.OBJECTED) and case.ack_due:
        return "告知是否受理的期限", case.ack_due
    if case.status in (Status.ACCEPTED, Status.OPINION_DRAFTED, Status.OPINION_APPROVED) and case.due:
        label = {Kind.INITIAL: "办结期限", Kind.REVIEW: "复查期限", Kind.REREVIEW: "复核期限"}[Kind(case.kind)]
        return label, case.due
    return None


@dataclass(frozen=True)
class PublicEntry:
    on: datetime.date
    label: str
    text: str


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _d(value: Any) -> str:
    d = _date(value)
    return f"{d:%Y年%m月%d日}" if d else ""


def _unit_names(events: Iterable[CaseEvent]) -> dict[int, str]:
    ids: set[int] = set()
    for e in events:
        if e.unit_id:
            ids.add(e.unit_id)
        for key in ("from_unit", "to_unit", "unit"):
            v = (e.data or {}).get(key)
            if isinstance(v, int):
                ids.add(v)
    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))


REVIEW_WORDS: dict[str, str] = {Kind.INITIAL: "复查", Kind.REVIEW: "复核"}


def public_progress_entries(case: Case) -> list[PublicEntry]:
    """The dated steps of the case (cases.selectors.public_progress) in public words."""
    events = public_progress(case)
    names = _unit_names(events)
    entries: list[PublicEntry] = []
    for e in events:
        data = e.data or {}
        unit = names.get(e.unit_id or 0, "")
        on = e.on or timezone.localtime(e.at).date()
        text = _describe(case, e, data, unit, names)
        if text is None:
            continue
        entries.append(PublicEntry(on=on, label=e.label, text=text))
    return entries


def _describe(case: Case, e: CaseEvent, data: dict[str, Any], unit: str, names: dict[int, str]) -> str | None:
    action = e.action
    if action == "register":
        return f"{unit}登记了您的信访事项。"
    if action == "review_registered":
        word = {Kind.REVIEW: "复查", Kind.REREVIEW: "复核"}.get(Kind(case.kind), "复查")
        return f"{unit}收到您的{word}请求并登记。"
    if action == "accept":
        due = _d(data.get("due"))
        return f"{unit}受理了您的信访事项" + (f"，办理期限至{due}。" if due else "。")
    if action == "decline":
        return f"{unit}决定不予受理。理由：{e.note}" if e.note else f"{unit}决定不予受理。"
    if action == "divert":
        return f"{unit}告知您通过其他法定途径解决：{e.note}" if e.note else f"{unit}告知您通过其他法定途径解决。"
    if action == "forward":
        kind = TransferKind(data["kind"]).label if data.get("kind") in TransferKind.values else "转送"
        to_unit = names.get(data.get("to_unit") or 0, "")
        from_unit = names.get(data.get("from_unit") or 0, unit)
        return f"{from_unit}将您的信访事项{kind}至{to_unit}办理。"
    if action == "agree_objection":
        return f"您的信访事项退回{unit}办理。"
    if action == "extend":
        due = _d(data.get("due"))
        days = data.get("days")
        reason = f"理由：{e.note}" if e.note else ""
        return f"{unit}延长办理期限{days}日至{due}。{reason}"
    if action == "issue_opinion":
        result = OpinionResult(data["result"]).label if data.get("result") in OpinionResult.values else ""
        return f"{unit}出具处理意见" + (f"（{result}）。" if result else "。")
    if action == "deliver":
        word = REVIEW_WORDS.get(case.kind, "")
        until = _d(data.get("review_request_until"))
        if word and until:
            return f"处理意见已送达。如不服，可于{until}前请求{word}。"
        return "处理意见已送达。"
    if action == "evaluate":
        rating = Rating(data["rating"]).label if data.get("rating") in Rating.values else ""
        return f"您的评价：{rating}。" if rating else "您已评价。"
    if action == "carry_out":
        return "处理意见已落实。"
    if action == "conclude":
        return f"{unit}办结了您的信访事项。"
    if action == "request_review":
        word = REVIEW_WORDS.get(case.kind, "复查")
        to_unit = names.get(data.get("unit") or 0, "")
        return f"您请求{word}，由{to_unit}办理。" if to_unit else f"您请求{word}。"
    return None


# The notices written to the petitioner (documents.letters kinds); the opinion only once delivered.
NOTICE_KINDS = ("acceptance_notice", "decline_notice", "diversion_notice", "extension_notice")
OPINION_KINDS = ("opinion", "review_opinion", "rereview_opinion")


def _opinion(case: Case) -> Opinion | None:
    return Opinion.objects.filter(case=case).first()


def public_documents(case: Case) -> list[GeneratedDocument]:
    """The newest version of each document the petitioner was sent: the notices (受理/不予受理/导出/延期告知书)
    and, once delivered (送达 recorded), the 处理意见书 / 复查意见书 / 复核意见书. Never a 转送函/交办函."""
    types = ContentType.objects.get_for_models(Case, Extension)
    kinds = list(NOTICE_KINDS)
    opinion = _opinion(case)
    if opinion is not None and opinion.delivered_on is not None:
        kinds += list(OPINION_KINDS)
    qs = (
        GeneratedDocument.objects.filter(kind__in=kinds)
        .filter(
            Q(content_type=types[Case], object_id=case.pk)
            | Q(content_type=types[Extension], object_id__in=Extension.objects.filter(case=case).values("pk"))
        )
        .select_related("unit")
        .order_by("created_at", "id")
    )
    latest: dict[tuple[int, int, str], GeneratedDocument] = {}
    for doc in qs:
        key = (doc.content_type_id, doc.object_id, doc.kind)
        if key not in latest or doc.version > latest[key].version:
            latest[key] = doc
    return sorted(latest.values(), key=lambda d: (d.created_at, d.pk))


def public_document(case: Case, pk: Any) -> GeneratedDocument | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return next((d for d in public_documents(case) if d.pk == pk), None)


@dataclass(frozen=True)
class ReviewWindow:
    word: str  # 复查 or 复核
    unit_name: str  # who takes it
    last_day: datetime.date
    open: bool
    requested: Case | None  # the 复查/复核 case already requested


def review_window(case: Case, today: datetime.date | None = None) -> ReviewWindow | None:
    """Whether (and until when) the petitioner may request 复查/复核 of this case's delivered opinion."""
    if case.kind == Kind.REREVIEW or case.status not in ANSWERED_STATUSES:
        return None
    opinion = _opinion(case)
    if opinion is None or opinion.delivered_on is None:
        return None
    today = today or timezone.localdate()
    last_day = deadlines.review_request_last_day(opinion.delivered_on)
    parent = case.unit.parent
    requested = case.reviews.order_by("pk").first()
    return ReviewWindow(
        word=REVIEW_WORDS[case.kind],
        unit_name=parent.name if parent is not None else "",
        last_day=last_day,
        open=requested is None and today <= last_day and parent is not None,
        requested=requested,
    )


def can_evaluate(case: Case) -> bool:
    return case.status == Status.DELIVERED


# ---------------------------------------------------------------------------------------------------
# Published information (Art 18)


def published_channels() -> list[tuple[Unit, list[PublicChannel]]]:
    rows = PublicChannel.objects.published().select_related("unit").order_by("unit__path", "order", "kind", "id")
    grouped: dict[int, tuple[Unit, list[PublicChannel]]] = {}
    for row in rows:
        grouped.setdefault(row.unit_id, (row.unit, []))[1].append(row)
    return list(grouped.values())


SCHEDULE_LIMIT = 60


def reception_schedule() -> tuple[bool, list[Any]]:
    """The published leader-reception schedule (R1.3, Art 18) from the leadership app, when it provides
    `xinfang.leadership.selectors.published_schedule()`; (False, []) while it does not."""
    try:
        from xinfang.leadership.selectors import published_schedule
    except (ImportError, AttributeError):
        return False, []
    return True, list(published_schedule(limit=SCHEDULE_LIMIT))
