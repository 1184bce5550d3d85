"""The case documents (R6.3), generated when the step that calls for them is recorded.

The glue between the workflow and the documents app: every step the transition table marks with a notice
(workflow.NOTICES) records a CaseEvent whose `data["notice"]` names it; `case_notice_hook` (registered with
services.register_transition_hook by `connect()`, called from CasesConfig.ready) builds the DocumentSpec from
the case with documents/letters.py and stores it with document_generate — inside the step's transaction, so a
step and its document are committed together or not at all.

    notice            document (letters.py)                    owner        issuing unit (署名, scope)
    accept_notice     受理告知书       acceptance_notice          the case     the handling unit
    decline_notice    不予受理告知书   decline_notice             the case     the handling unit
    divert_notice     导出告知书       diversion_notice (route)   the case     the handling unit
    transfer_letter   转送函 / 交办函  forward_letter/assign_letter the transfer the sending unit
    extension_notice  延期告知书       extension_notice           the extension the handling unit
    opinion           信访处理意见书 / 复查意见书 / 复核意见书 (by the case kind)  the case  the handling unit

A 延期告知书 belongs to its extension and a 转送/交办函 to its transfer: a second extension or forwarding makes a
new document (version 1 of its own), not a new version of the first one. The dates are the step's business
dates (accepted_on, decided_on, forwarded_on, notified_on, issued_on).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models

from xinfang.cases.models import (
    Case,
    CaseEvent,
    Category,
    Channel,
    Extension,
    Kind,
    Opinion,
    Transfer,
    TransferKind,
)
from xinfang.cases.workflow import NOTICES
from xinfang.documents import letters
from xinfang.documents.models import GeneratedDocument
from xinfang.documents.selectors import document_latest
from xinfang.documents.services import document_generate
from xinfang.documents.spec import DocumentSpec

# A 总队 has no unit above it in the tree; its 复查 goes to the national Fire and Rescue Administration.
TOP_REVIEW_AUTHORITY = "国家消防救援局"
ANONYMOUS_ADDRESSEE = "信访人"
ANONYMOUS_PETITIONER = "匿名信访人"

# How the petition reached us, as the letters word it ("通过来信提出的…"). An assigned case was not
# brought to us by the petitioner: no channel is named.
CHANNEL_WORDS: dict[str, str] = {
    Channel.ONLINE: "网上信访",
    Channel.LETTER: "来信",
    Channel.PHONE: "来电",
    Channel.FAX: "传真",
    Channel.VISIT: "来访",
    Channel.ASSIGNED: "",
}

# The document kind (letters.DOCUMENT_KINDS) of each case kind's opinion.
OPINION_KINDS: dict[str, str] = {
    Kind.INITIAL: "opinion",
    Kind.REVIEW: "review_opinion",
    Kind.REREVIEW: "rereview_opinion",
}


@dataclass(frozen=True)
class NoticePlan:
    """What to generate for one step: the spec, the row it belongs to, and the issuing unit."""

    spec: DocumentSpec
    owner: models.Model
    unit: Any


# ---------------------------------------------------------------------------------------------------
# What the letters say about the case


def petitioner_names(case: Case, *, anonymous: str = ANONYMOUS_ADDRESSEE) -> str:
    """The petitioners as the letters name them: the representatives of a collective petition (at most 5,
    then "等N人"), else every named petitioner; `anonymous` when nobody is named."""
    people = list(case.petitioners.order_by("order", "id"))
    chosen = [p for p in people if p.is_representative] or people
    names = [(p.name or "").strip() for p in chosen if (p.name or "").strip()]
    if not names:
        return anonymous
    text = "、".join(names[:5])
    if case.is_collective and case.headcount > len(names[:5]):
        text += f"等{case.headcount}人"
    return text


def _common(case: Case) -> dict[str, Any]:
    return {
        "petitioner": petitioner_names(case),
        "received_on": case.received_on,
        "matter": case.title,
        "case_number": case.number,
        "channel": CHANNEL_WORDS.get(case.channel, ""),
        "collective": case.is_collective,
    }


def unit_above_name(unit: Any) -> str:
    """The unit one level above (where 复查/复核 is requested, Art 35/36)."""
    parent = unit.parent
    return parent.name if parent is not None else TOP_REVIEW_AUTHORITY


def _on(event: CaseEvent, fallback: datetime.date | None) -> datetime.date:
    day = event.on or fallback
    assert day is not None, f"step {event.action} has no business date"
    return day


# ---------------------------------------------------------------------------------------------------
# One builder per notice code of workflow.NOTICES


def _accept(case: Case, event: CaseEvent) -> NoticePlan:
    accepted_on = _on(event, case.accepted_on)
    spec = letters.acceptance_notice(
        unit_name=case.unit.name,
        accepted_on=accepted_on,
        due_on=case.due,
        **_common(case),
    )
    return NoticePlan(spec, case, case.unit)


def _decline(case: Case, event: CaseEvent) -> NoticePlan:
    spec = letters.decline_notice(
        unit_name=case.unit.name,
        decided_on=_on(event, case.decided_on),
        reason=case.decline_reason,
        **_common(case),
    )
    return NoticePlan(spec, case, case.unit)


def _divert(case: Case, event: CaseEvent) -> NoticePlan:
    assert case.art31_item is not None
    spec = letters.diversion_notice(
        unit_name=case.unit.name,
        decided_on=_on(event, case.decided_on),
        art31_item=int(case.art31_item),
        route=case.route,
        **_common(case),
    )
    return NoticePlan(spec, case, case.unit)


def _transfer(case: Case, event: CaseEvent) -> NoticePlan:
    transfer = Transfer.objects.select_related("from_unit", "to_unit").get(pk=event.data["transfer"], case=case)
    common = _common(case)
    del common["collective"]
    common["petitioner"] = petitioner_names(case, anonymous=ANONYMOUS_PETITIONER)
    shared = {
        "unit_name": transfer.from_unit.name,
        "to_unit_name": transfer.to_unit.name,
        "confidential": case.category == Category.ACCUSATION,
        **common,
    }
    if transfer.kind == TransferKind.ASSIGN:
        assert transfer.result_due is not None
        spec = letters.assign_letter(assigned_on=transfer.on, result_due=transfer.result_due, **shared)
    else:
        spec = letters.forward_letter(forwarded_on=transfer.on, **shared)
    return NoticePlan(spec, transfer, transfer.from_unit)


def _extension(case: Case, event: CaseEvent) -> NoticePlan:
    extension = Extension.objects.get(pk=event.data["extension"], case=case)
    assert case.accepted_on is not None
    spec = letters.extension_notice(
        unit_name=case.unit.name,
        accepted_on=case.accepted_on,
        reason=extension.reason,
        days=extension.days,
        new_due=extension.due_after,
        issued_on=extension.notified_on,
        **_common(case),
    )
    return NoticePlan(spec, extension, case.unit)


def _earlier_number(case: Case | None) -> str:
    """The 文号 of the opinion a 复查/复核 reviews (empty if it was never generated)."""
    if case is None:
        return ""
    doc: GeneratedDocument | None = document_latest(owner=case, kind=OPINION_KINDS[case.kind])
    return doc.number if doc is not None else ""


def _opinion(case: Case, event: CaseEvent) -> NoticePlan:
    row = Opinion.objects.get(case=case)
    issued_on = _on(event, row.issued_on)
    content: dict[str, Any] = {
        "request": row.request_summary or case.title,
        "facts": row.facts,
        "opinion": row.opinion,
        "legal_basis": row.legal_basis,
        "result": row.result,
        "issued_on": issued_on,
    }
    petitioner = petitioner_names(case)
    if case.kind == Kind.INITIAL:
        assert case.accepted_on is not None
        spec = letters.opinion(
            unit_name=case.unit.name,
            accepted_on=case.accepted_on,
            review_unit_name=unit_above_name(case.unit),
            **_common(case),
            **content,
        )
        return NoticePlan(spec, case, case.unit)
    assert case.parent_case_id is not None, "a 复查/复核 case reviews a parent case"
    parent = Case.objects.select_related("unit").get(pk=case.parent_case_id)
    if case.kind == Kind.REVIEW:
        spec = letters.review_opinion(
            unit_name=case.unit.name,
            petitioner=petitioner,
            case_number=case.number,
            original_unit_name=parent.unit.name,
            original_number=_earlier_number(parent),
            requested_on=case.received_on,
            rereview_unit_name=unit_above_name(case.unit),
            disposition=row.disposition,
            collective=case.is_collective,
            **content,
        )
    else:
        spec = letters.rereview_opinion(
            unit_name=case.unit.name,
            petitioner=petitioner,
            case_number=case.number,
            review_unit_name=parent.unit.name,
            review_number=_earlier_number(parent),
            requested_on=case.received_on,
            hearing_held=case.hearing_days > 0,
            disposition=row.disposition,
            collective=case.is_collective,
            **content,
        )
    return NoticePlan(spec, case, case.unit)


BUILDERS = {
    "accept_notice": _accept,
    "decline_notice": _decline,
    "divert_notice": _divert,
    "transfer_letter": _transfer,
    "extension_notice": _extension,
    "opinion": _opinion,
}
assert set(NOTICES.values()) <= set(BUILDERS), "every notice of the transition table has a builder"


# ---------------------------------------------------------------------------------------------------
# Generation


def notice_plan(event: CaseEvent) -> NoticePlan | None:
    """The document the recorded step calls for, or None. Pure apart from reads."""
    notice = (event.data or {}).get("notice", "")
    if not notice:
        return None
    builder = BUILDERS.get(notice)
    if builder is None:
        raise LookupError(f"no document builder for notice {notice!r}")
    return builder(event.case, event)


def case_notice_generate(*, actor: Any, event: CaseEvent, request: Any = None) -> GeneratedDocument | None:
    """Generate (and store immutably, with sha256) the document of a recorded step; None if it has none.

    Runs inside the step's transaction; a failure rolls the step back as well."""
    plan = notice_plan(event)
    if plan is None:
        return None
    return document_generate(actor=actor, owner=plan.owner, unit=plan.unit, spec=plan.spec, request=request)


def case_notice_hook(event: CaseEvent) -> None:
    """The transition hook: the step's actor issues the document (None for the petitioner's portal steps)."""
    case_notice_generate(actor=event.actor, event=event)


def connect() -> None:
    """Register the hook with the case services (idempotent). Called from CasesConfig.ready()."""
    from xinfang.cases.services import register_transition_hook

    register_transition_hook(case_notice_hook)


def case_document_list(user: Any, case: Case) -> models.QuerySet[GeneratedDocument]:
    """Every version of every document of `case` that `user` may see (scope of the issuing unit), oldest first.
    Call after access_case: the case itself is visible."""
    return (
        GeneratedDocument.objects.visible_to(user)
        .filter(case_documents(case))
        .select_related("content_type", "unit")
        .order_by("created_at", "id")
    )


def case_documents(case: Case) -> models.Q:
    """The condition selecting every document of a case: its own (notices, opinion) and those of its
    extensions (延期告知书) and transfers (转送/交办函). Combine with GeneratedDocument.objects.visible_to(user)."""
    from django.contrib.contenttypes.models import ContentType

    types = ContentType.objects.get_for_models(Case, Extension, Transfer)
    return (
        models.Q(content_type=types[Case], object_id=case.pk)
        | models.Q(content_type=types[Extension], object_id__in=Extension.objects.filter(case=case).values("pk"))
        | models.Q(content_type=types[Transfer], object_id__in=Transfer.objects.filter(case=case).values("pk"))
    )
