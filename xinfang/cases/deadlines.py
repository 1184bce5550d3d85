"""Thin glue between cases and the legal calendar (xinfang.core.legal_calendar): which period applies to
which stored date, and the recomputation of stored due dates when the calendar changes.

    ack_due      = due_date(ack_from, 15)                        Art 23 受理告知 (ack_from: receipt, or the
                                                                 day a forwarded case reached this unit)
    due (初信初访) = extended_due(accepted_on, 60, extension_days)  Art 34, only Art 31 item 六 cases
    due (复查/复核) = review_due(received_on, 30, hearing_days)       Art 35/36
    objection_due = add_working_days(forwarded_on, 5)            Art 23
    last day to request 复查/复核 = due_date(delivered_on, 30)      Art 35/36
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q

from xinfang.core import legal_calendar as cal

if TYPE_CHECKING:
    from xinfang.cases.models import Case

ACK_DAYS = 15
CONCLUSION_DAYS = 60
MAX_EXTENSION_DAYS = 30
REVIEW_DAYS = 30
REVIEW_REQUEST_DAYS = 30
OBJECTION_WORKING_DAYS = 5


def ack_due(ack_from: datetime.date) -> datetime.date:
    return cal.due_date(ack_from, ACK_DAYS)


def objection_due(forwarded_on: datetime.date) -> datetime.date:
    return cal.add_working_days(forwarded_on, OBJECTION_WORKING_DAYS)


def review_request_last_day(delivered_on: datetime.date) -> datetime.date:
    return cal.due_date(delivered_on, REVIEW_REQUEST_DAYS)


def case_due(case: Case) -> datetime.date | None:
    """The conclusion due date of an accepted case, from its stored inputs."""
    from xinfang.cases.models import Kind

    if case.accepted_on is None:
        return None
    if case.kind == Kind.INITIAL:
        return cal.extended_due(case.accepted_on, CONCLUSION_DAYS, case.extension_days)
    return cal.review_due(case.accepted_on, REVIEW_DAYS, case.hearing_days)


def case_ack_due(case: Case) -> datetime.date | None:
    return ack_due(case.ack_from) if case.ack_from else None


def calendar_warnings(case: Case) -> list[str]:
    """Warnings for stored dates in years whose holiday arrangement is not known (weekends assumed)."""
    warnings = []
    for d in (case.ack_due, case.due):
        w = cal.calendar_warning(d)
        if w and w not in warnings:
            warnings.append(w)
    return warnings


def _affected(d: datetime.date | None, years: set[int]) -> bool:
    # A stored date in year Y+1 may have been shifted off a rest day at the end of year Y.
    return d is not None and (d.year in years or d.year - 1 in years)


def recompute_due_dates(years: set[int]) -> int:
    """Called by the legal calendar inside its change transaction: recompute the stored due dates of the open
    cases (and the objection limits of pending transfers) that may depend on the changed years.
    Returns the number of cases whose dates changed; each gets a timeline entry."""
    from xinfang.cases.models import ACK_STATUSES, CLOCK_STATUSES, Case, CaseEvent, Status, Transfer
    from xinfang.core.audit import audit_record

    if not years:
        return 0
    span = set(years) | {y + 1 for y in years}
    changed: list[Case] = []
    events: list[CaseEvent] = []
    with transaction.atomic():
        candidates = (
            Case.objects.select_for_update()
            .filter(status__in=ACK_STATUSES | CLOCK_STATUSES)
            .filter(Q(ack_due__year__in=span) | Q(due__year__in=span))
            .order_by("pk")
        )
        for case in candidates:
            before = {"ack_due": case.ack_due, "due": case.due}
            if case.status in ACK_STATUSES and _affected(case.ack_due, years):
                case.ack_due = case_ack_due(case)
            if case.status in CLOCK_STATUSES and _affected(case.due, years):
                case.due = case_due(case)
            after = {"ack_due": case.ack_due, "due": case.due}
            if after != before:
                case.version += 1
                changed.append(case)
                events.append(
                    CaseEvent(
                        case=case,
                        unit_id=case.unit_id,
                        action="due_recomputed",
                        from_status=case.status,
                        to_status=case.status,
                        note="节假日安排调整，期限重新计算",
                        data={
                            k: [str(before[k]) if before[k] else None, str(after[k]) if after[k] else None]
                            for k in after
                        },
                    )
                )
        if changed:
            Case.objects.bulk_update(changed, ["ack_due", "due", "version"])
            CaseEvent.objects.bulk_create(events)
        transfers = []
        for t in Transfer.objects.select_for_update().filter(
            case__status=Status.FORWARDED, objected_on__isnull=True, objection_due__year__in=span
        ):
            new = objection_due(t.on)
            if new != t.objection_due:
                t.objection_due = new
                transfers.append(t)
        if transfers:
            Transfer.objects.bulk_update(transfers, ["objection_due"])
        if changed or transfers:
            audit_record(
                actor=None,
                actor_username="system",
                action="cases.due_dates.recomputed",
                after={
                    "years": sorted(years),
                    "cases": [c.pk for c in changed],
                    "transfers": [t.pk for t in transfers],
                },
            )
    return len(changed)


def on_calendar_changed(years: set[int]) -> None:
    """The callback registered with legal_calendar.on_calendar_change (CasesConfig.ready)."""
    recompute_due_dates(years)
