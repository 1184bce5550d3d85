"""Reads of the incidents app. Every read starts from `<Model>.objects.visible_to(user)`; the pages and the API use
these same functions.

    access_plan / access_contact / access_incident / access_referral   404 out of scope, 403 without the permission
    plan_list(user, ...)          plans with their review state (overdue after a year)
    contact_list(user, ...)       linkage organisations
    incident_list(user, ...)      incidents with `is_compliant` annotated and responders prefetched
    incident_cases(user, incident) the linked cases the user may see (Case.objects.visible_to)
    referral_list(user, ...)
    manageable_units(user)        units where the user may record (incidents.manage)
"""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from xinfang.cases.models import Case
from xinfang.core.scope import access_object
from xinfang.incidents.models import (
    MANAGE_PERM,
    VIEW_PERM,
    ContingencyPlan,
    Incident,
    IncidentNotice,
    IncidentResponder,
    LinkageContact,
    Referral,
    compliant_condition,
)
from xinfang.orgs.models import Unit


def access_plan(user: Any, pk: Any, perm: str = VIEW_PERM) -> ContingencyPlan:
    return access_object(ContingencyPlan.objects.select_related("unit"), user, pk, perm)


def access_contact(user: Any, pk: Any, perm: str = VIEW_PERM) -> LinkageContact:
    return access_object(LinkageContact.objects.select_related("unit"), user, pk, perm)


def access_incident(user: Any, pk: Any, perm: str = VIEW_PERM) -> Incident:
    return access_object(Incident.objects.select_related("unit").with_compliance(), user, pk, perm)


def access_referral(user: Any, pk: Any, perm: str = VIEW_PERM) -> Referral:
    return access_object(Referral.objects.select_related("unit", "case"), user, pk, perm)


Q_ = TypeVar("Q_", bound=QuerySet[Any])


def _unit_filter(qs: Q_, unit: Unit | None) -> Q_:
    return qs.filter(unit__path__startswith=unit.path) if unit is not None else qs


def plan_list(
    user: Any, *, unit: Unit | None = None, overdue: bool | None = None, include_retired: bool = False
) -> QuerySet[ContingencyPlan]:
    """Plans in scope; `overdue=True` keeps active plans more than a year past their last review.
    Queries: one (plans joined with their unit)."""
    today = timezone.localdate()
    qs = ContingencyPlan.objects.visible_to(user).select_related("unit")
    qs = _unit_filter(qs, unit)
    if not include_retired:
        qs = qs.filter(is_active=True)
    cutoff = _year_before(today)
    if overdue is True:
        qs = qs.filter(is_active=True, last_reviewed_on__lt=cutoff)
    elif overdue is False:
        qs = qs.filter(last_reviewed_on__gte=cutoff)
    return qs.order_by("unit__path", "title", "-id")


def _year_before(day: datetime.date) -> datetime.date:
    """A plan reviewed before this day is past its review date (review_due = last review + one year < day)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28) + datetime.timedelta(days=1)


def contact_list(user: Any, *, unit: Unit | None = None, include_inactive: bool = False) -> QuerySet[LinkageContact]:
    qs = _unit_filter(LinkageContact.objects.visible_to(user).select_related("unit"), unit)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("unit__path", "kind", "name")


def incident_list(
    user: Any,
    *,
    kind: str | None = None,
    status: str | None = None,
    compliant: bool | None = None,
    unit: Unit | None = None,
    year: int | None = None,
) -> QuerySet[Incident]:
    """Incidents in scope, newest first, each with `is_compliant` and `case_count`, its responders prefetched.
    Queries: the incidents (one, with the compliance subqueries) + their responders with users (one)."""
    qs = _unit_filter(Incident.objects.visible_to(user), unit).with_compliance()
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if compliant is True:
        qs = qs.filter(compliant_condition())
    elif compliant is False:
        qs = qs.exclude(compliant_condition())
    if year:
        qs = qs.filter(occurred_on__year=year)
    responders = IncidentResponder.objects.select_related("user").order_by("arrived_at", "id")
    return (
        qs.select_related("unit")
        .annotate(case_count=Count("cases", distinct=True))
        .prefetch_related(Prefetch("responders", queryset=responders))
        .order_by("-occurred_on", "-id")
    )


def incident_responders(incident: Incident) -> list[IncidentResponder]:
    return list(incident.responders.select_related("user", "recorded_by").order_by("arrived_at", "id"))


def incident_notices(incident: Incident) -> list[IncidentNotice]:
    return list(incident.notices.select_related("user").order_by("id"))


def incident_cases(user: Any, incident: Incident) -> tuple[list[Case], int]:
    """The linked cases the user may see, and how many others are linked but hidden from him (scope, Art 30)."""
    linked = incident.cases.order_by("pk").values_list("pk", flat=True)
    total = len(linked)
    visible = list(
        Case.objects.visible_to(user).filter(pk__in=list(linked)).select_related("unit").order_by("received_on", "pk")
    )
    return visible, total - len(visible)


def referral_list(user: Any, *, status: str | None = None, unit: Unit | None = None) -> QuerySet[Referral]:
    """Referrals in scope, each annotated `case_visible`: a linked case the user may not see (scope, Art 30) is shown
    neither by number nor by subject. Queries: one."""
    visible = Case.objects.visible_to(user).filter(pk=OuterRef("case_id"))
    qs = (
        _unit_filter(Referral.objects.visible_to(user), unit)
        .select_related("unit", "case")
        .annotate(case_visible=ExpressionWrapper(Q(case__isnull=True) | Exists(visible), output_field=BooleanField()))
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-referred_on", "-id")


def manageable_units(user: Any) -> QuerySet[Unit]:
    return Unit.objects.visible_to(user, MANAGE_PERM).filter(is_active=True).order_by("path")


def incident_counts(user: Any) -> dict[str, int]:
    return Incident.objects.visible_to(user).aggregate(
        open=Count("pk", filter=Q(status="open")),
        noncompliant=Count("pk", filter=~compliant_condition()),
    )
