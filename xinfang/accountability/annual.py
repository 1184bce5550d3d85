"""The statistics of the annual petition-work report (条例 Art 41, R5.4), computed from the records of a unit's subtree
for a calendar year. Aggregates only — counts, never case titles or petitioners — so the frozen snapshot can be
read by anyone who may read the report.

    statistics(unit, year, today) -> dict (JSON-ready; stored as AnnualReport.context and rendered by reports.py)
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth

from xinfang.accountability import indicators as ind
from xinfang.accountability.integration import supervision_activity
from xinfang.accountability.models import (
    AccountabilityAction,
    ActionKind,
    Lookback,
    Recommendation,
    RecommendationStatus,
    ReviewCheck,
)
from xinfang.cases.models import (
    Case,
    Category,
    Channel,
    Disposition,
    Kind,
    OpinionResult,
    Status,
    Topic,
    Transfer,
    TransferKind,
)
from xinfang.incidents.models import Incident, IncidentKind, Referral, ReferralStatus
from xinfang.orgs.models import Unit

TOP = 10


def _choices(rows: dict[str, int], choices: Any) -> list[dict[str, Any]]:
    return [{"code": c, "label": str(label), "count": rows.get(c, 0)} for c, label in choices]


def statistics(unit: Unit, year: int, today: datetime.date) -> dict[str, Any]:
    period = ind.Period.of(year, today)
    inside = Q(unit__path__startswith=unit.path)
    received = Case.objects.filter(inside, received_on__range=period.span).order_by()

    def grouped(field: str) -> dict[str, int]:
        return {r[field]: r["n"] for r in received.values(field).annotate(n=Count("pk"))}

    by_kind = grouped("kind")
    by_channel = grouped("channel")
    by_category = grouped("category")
    topics = {r["topic_id"]: r["n"] for r in received.values("topic_id").annotate(n=Count("pk"))}
    topic_rows = [
        {"code": t.code, "label": t.name, "count": topics.get(t.pk, 0)}
        for t in Topic.objects.order_by("order", "code")
        if topics.get(t.pk) or t.active
    ]
    topic_rows.sort(key=lambda r: -r["count"])
    months = {
        r["m"]: r["n"] for r in received.annotate(m=ExtractMonth("received_on")).values("m").annotate(n=Count("pk"))
    }
    collective = received.filter(is_collective=True).aggregate(n=Count("pk"), people=Sum("headcount"))
    decided = Case.objects.filter(inside, decided_on__range=period.span).order_by()
    decisions = decided.aggregate(
        accepted=Count("pk", filter=Q(accepted_on__range=period.span, kind=Kind.INITIAL)),
        declined=Count("pk", filter=Q(status=Status.DECLINED)),
        diverted=Count("pk", filter=Q(status=Status.DIVERTED)),
    )
    issued = Case.objects.filter(inside, opinion__issued_on__range=period.span).order_by()
    results = {r["opinion__result"]: r["n"] for r in issued.values("opinion__result").annotate(n=Count("pk"))}
    # What the 复查/复核 opinions issued in the year did with the opinions they reviewed (维持/变更/撤销).
    dispositions = {
        r["opinion__disposition"]: r["n"]
        for r in issued.filter(kind__in=[Kind.REVIEW, Kind.REREVIEW])
        .values("opinion__disposition")
        .annotate(n=Count("pk"))
    }

    # Most-complained units: cases received, by the unit's children (the 支队 under a 总队, the 大队 under a 支队),
    # and the units most often accused in 检举控告 petitions.
    children = list(Unit.objects.filter(parent=unit).order_by("path"))
    paths = {r["unit__path"]: r["n"] for r in received.values("unit__path").annotate(n=Count("pk"))}
    by_child = [
        {"unit": c.name, "count": sum(n for p, n in paths.items() if p and p.startswith(c.path))} for c in children
    ]
    own = sum(n for p, n in paths.items() if p == unit.path)
    by_child.sort(key=lambda r: -r["count"])
    accused = (
        received.filter(category=Category.ACCUSATION, accused_unit__isnull=False)
        .values("accused_unit__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "accused_unit__name")[:TOP]
    )

    transfers = Transfer.objects.filter(from_unit__path__startswith=unit.path, on__range=period.span).order_by()
    transfer_counts = transfers.aggregate(
        forwarded=Count("pk", filter=Q(kind=TransferKind.FORWARD)),
        assigned=Count("pk", filter=Q(kind=TransferKind.ASSIGN)),
        objected=Count("pk", filter=Q(objected_on__isnull=False)),
    )
    actions = AccountabilityAction.objects.filter(
        target_unit__path__startswith=unit.path, issued_on__range=period.span
    ).order_by()
    action_counts = {r["kind"]: r["n"] for r in actions.values("kind").annotate(n=Count("pk"))}

    incidents = Incident.objects.filter(unit__path__startswith=unit.path, occurred_on__range=period.span).order_by()
    incident_counts = {r["kind"]: r["n"] for r in incidents.values("kind").annotate(n=Count("pk"))}
    noncompliant = incidents.noncompliant().count()
    referrals = Referral.objects.filter(unit__path__startswith=unit.path, referred_on__range=period.span).aggregate(
        n=Count("pk"), resolved=Count("pk", filter=Q(status=ReferralStatus.RESOLVED))
    )
    checks = ReviewCheck.objects.filter(subject_unit__path__startswith=unit.path, checked_on__range=period.span)
    check_counts = checks.aggregate(n=Count("pk"), failed=Count("pk", filter=Q(passed=False)))
    lookbacks = Lookback.objects.filter(unit__path__startswith=unit.path, created_at__year=year).aggregate(
        n=Count("pk"), decided=Count("pk", filter=Q(status="decided"))
    )

    figures = ind.compute([unit], period)[unit.pk]
    recommendations = [
        {
            "title": r.title,
            "content": r.content,
            "addressed_to": r.addressed_to,
            "made_on": r.made_on.isoformat(),
            "status": r.status,
            "status_label": r.get_status_display(),
            "response": r.response,
        }
        for r in Recommendation.objects.filter(unit=unit, year=year).order_by("made_on", "pk")
    ]
    return {
        "unit": unit.name,
        "unit_level": unit.level,
        "year": year,
        "as_of": today.isoformat(),
        "received": {
            "total": sum(by_kind.values()),
            "by_kind": _choices(by_kind, Kind.choices),
            "by_channel": _choices(by_channel, Channel.choices),
            "by_category": _choices(by_category, Category.choices),
            "by_topic": topic_rows,
            "by_month": [months.get(m, 0) for m in range(1, 13)],
            "collective": collective["n"] or 0,
            "collective_people": collective["people"] or 0,
        },
        "decisions": {k: v or 0 for k, v in decisions.items()},
        "opinions": _choices(results, OpinionResult.choices),
        "review_dispositions": _choices(dispositions, Disposition.choices),
        "indicators": [
            {
                "code": i.code,
                "label": i.label,
                "kind": i.kind,
                "formula": i.formula,
                **figures[i.code].as_dict(),
                "display": figures[i.code].percent if i.kind == ind.RATE else str(figures[i.code].numerator or 0),
            }
            for i in ind.INDICATORS
        ],
        "units": {
            "children": by_child,
            "own": own,
            "accused": [{"unit": r["accused_unit__name"], "count": r["n"]} for r in accused],
        },
        "transfers": {k: v or 0 for k, v in transfer_counts.items()},
        "supervision": supervision_activity(unit, period),
        "actions": _choices(action_counts, ActionKind.choices),
        "incidents": {**{k: incident_counts.get(k, 0) for k in IncidentKind.values}, "noncompliant": noncompliant},
        "referrals": {k: v or 0 for k, v in referrals.items()},
        "checks": {k: v or 0 for k, v in check_counts.items()},
        "lookbacks": {k: v or 0 for k, v in lookbacks.items()},
        "recommendations": recommendations,
        "recommendation_counts": _choices(
            {s: sum(r["status"] == s for r in recommendations) for s in RecommendationStatus.values},
            RecommendationStatus.choices,
        ),
    }
