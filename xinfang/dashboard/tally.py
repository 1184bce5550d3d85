"""The dashboard's case counts from the tally (accountability/tally.py): per handling unit, kept while none of the
unit's cases changed (database triggers bump the unit's version in the transaction of every change).

`case_figures(user, unit, year, today)` returns exactly `selectors.case_figures_live(...)` — the grouped counts of
`cases.case_list(user, unit=unit, …)` — or None when the tally does not apply, and the page computes them live:

    * only on PostgreSQL (the triggers), and only when the user's case scope holds the unit's whole subtree: then
      case_list(user, unit=unit) is every case of the subtree except those Art 30 hides from him (检举控告 cases
      accusing one of his units, or naming him) — cases forwarded elsewhere or shared with him lie outside the
      subtree and are not counted by a unit filter anyway;
    * the subtree's counts are the sum of its units' tally rows (one row per unit and batch: received in the year —
      by status, month, category, channel, topic —, concluded in the year by month, overdue today);
    * the cases hidden from the user (few: those accusing his own units) are read live and taken off.
tests/test_tally.py compares both ways on random cases, for readers with and without hidden cases.
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractMonth

from xinfang.accountability import tally
from xinfang.accountability.indicators import Period
from xinfang.cases.models import VIEW_PERM as CASE_VIEW
from xinfang.cases.models import Case, Status, Topic
from xinfang.core.legal_calendar import DUE_OVERDUE, due_state_bounds
from xinfang.core.scope import scope_paths
from xinfang.orgs.models import Unit

if TYPE_CHECKING:
    from xinfang.dashboard.selectors import CaseFigures

RECEIVED = "dashboard:received"
CONCLUDED = "dashboard:concluded"
OVERDUE = "dashboard:overdue"
DIMENSIONS: dict[str, Any] = {
    "status": "status",
    "month": ExtractMonth("received_on"),
    "category": "category",
    "channel": "channel",
    "topic": "topic_id",
}


def hidden_from(user: Any) -> list[Q]:
    """The cases Art 30 hides from the user: the branches of cases.models.confidential_parts, the one definition
    (whose OR CaseQuerySet.hide_confidential_from excludes) — read as a UNION, each branch by its own index."""
    from xinfang.cases.models import confidential_parts

    return confidential_parts(user)


def _overdue_bounds(today: datetime.date) -> Q:
    """case_list(due_state=DUE_OVERDUE): the stored running limit within the state's bounds."""
    low, high = due_state_bounds(DUE_OVERDUE, today)
    condition = Q()
    if low is not None:
        condition &= Q(deadline_on__gte=low)
    if high is not None:
        condition &= Q(deadline_on__lte=high)
    return condition


def _per_unit(qs: QuerySet[Any], key: Any) -> dict[int, dict[str, int]]:
    """{unit id: {str(key value): count}} in one GROUP BY query."""
    grouped = qs.order_by().annotate(k=F(key) if isinstance(key, str) else key).values("unit_id", "k")
    rows = grouped.annotate(n=Count("pk")).values_list("unit_id", "k", "n")
    out: dict[int, dict[str, int]] = {}
    for unit_id, k, n in rows:
        out.setdefault(unit_id, {})[str(k)] = n
    return out


def case_figures(user: Any, unit: Unit, year: int, today: datetime.date) -> CaseFigures | None:
    from xinfang.dashboard.selectors import CaseFigures

    if not tally.enabled("cases") or not any(unit.path.startswith(p) for p in scope_paths(user, CASE_VIEW)):
        return None
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    roots = [unit.path]

    def under(lookup: str) -> Q:
        return Q(**{f"{lookup}__startswith": unit.path})

    def where(ids: list[int] | None) -> Q:
        return under("unit__path") if ids is None else Q(unit_id__in=ids)

    def received(ids: list[int] | None) -> dict[int, dict[str, Any]]:
        qs = Case.objects.filter(where(ids), received_on__gte=start, received_on__lte=end)
        out: dict[int, dict[str, Any]] = {}
        for name, key in DIMENSIONS.items():
            for pk, counts in _per_unit(qs, key).items():
                out.setdefault(pk, {})[name] = counts
        return out

    def concluded(ids: list[int] | None) -> dict[int, dict[str, Any]]:
        qs = Case.objects.filter(where(ids), concluded_on__gte=start, concluded_on__lte=end)
        return {pk: {"month": counts} for pk, counts in _per_unit(qs, ExtractMonth("concluded_on")).items()}

    def overdue(ids: list[int] | None) -> dict[int, dict[str, Any]]:
        rows = (
            Case.objects.filter(where(ids), _overdue_bounds(today))
            .order_by()
            .values("unit_id")
            .annotate(n=Count("pk"))
            .values_list("unit_id", "n")
        )
        return {pk: {"n": n} for pk, n in rows}

    fixed = Period(year, start)  # received and concluded counts do not depend on the day

    def build(snap: tally.Snapshot) -> dict[str, dict[str, int]]:
        """The subtree's counts, summed from its units' rows."""
        sums: dict[str, Counter[str]] = {name: Counter() for name in (*DIMENSIONS, "concluded", "overdue")}
        for _path, counts in tally.unit_counts(RECEIVED, snap, under, fixed, received):
            for name in DIMENSIONS:
                sums[name].update(counts.get(name, {}))
        for _path, counts in tally.unit_counts(CONCLUDED, snap, under, fixed, concluded):
            sums["concluded"].update(counts.get("month", {}))
        for path, counts in tally.unit_counts(OVERDUE, snap, under, Period(today.year, today), overdue):
            if counts.get("n"):
                sums["overdue"][path] = counts["n"]
        return {name: dict(c) for name, c in sums.items()}

    kept = tally.rolled_up(f"sum:dashboard:{unit.pk}", unit.path, unit.pk, roots, under, Period(year, today), build)
    sums = {name: Counter(values) for name, values in kept.items()}
    overdue_paths = sums.pop("overdue")

    # Art 30: take off what the user may not see
    late = _overdue_bounds(today)

    def hidden(*extra: Q) -> dict[int, tuple[Any, ...]]:
        """{pk: row} of the subtree's cases hidden from the user (one UNION of index look-ups)."""
        parts = [
            Case.objects.filter(under("unit__path"), part, *extra)
            .order_by()
            .values_list("pk", "unit__path", "status", "received_on", "category", "channel", "topic_id", "concluded_on")
            for part in hidden_from(user)
        ]
        return {row[0]: row[1:] for row in (parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0])}

    for _path, status, received_on, category, channel, topic_id, concluded_on in hidden().values():
        if start <= received_on <= end:
            for name, value in (
                ("status", status),
                ("month", received_on.month),
                ("category", category),
                ("channel", channel),
                ("topic", topic_id),
            ):
                sums[name][str(value)] -= 1
        if concluded_on is not None and start <= concluded_on <= end:
            sums["concluded"][str(concluded_on.month)] -= 1
    for path, *_rest in hidden(late).values():
        overdue_paths[path] -= 1

    status = {s: sums["status"].get(s, 0) for s in Status.values}
    status["total"] = sum(status[s] for s in Status.values)
    topic_counts = {int(k): n for k, n in sums["topic"].items() if n}
    topics = [
        {"topic__code": t["code"], "topic__name": t["name"], "topic__order": t["order"], "n": topic_counts[t["pk"]]}
        for t in Topic.objects.filter(pk__in=list(topic_counts)).values("pk", "code", "name", "order")
    ]
    return CaseFigures(
        status=status,
        new_by_month={int(k): n for k, n in sums["month"].items() if n},
        concluded_by_month={int(k): n for k, n in sums["concluded"].items() if n},
        category={k: n for k, n in sums["category"].items() if n},
        channel={k: n for k, n in sums["channel"].items() if n},
        topics=topics,
        overdue_paths={p: n for p, n in overdue_paths.items() if n},
    )
