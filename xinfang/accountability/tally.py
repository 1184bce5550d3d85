"""The indicator tally: the case indicators' counts per handling unit, kept so that a 总队 or the 局 — thousands of
units, a million cases — reads them instead of grouping a year of cases on every page (issue #8).

What is stored is exactly what indicators.figures_of would compute for the records of one unit (not its subtree):
{code: [denominator, numerator]} for each batch of case indicators (the indicators sharing a model and a unit path),
per period (year, as of a day) — computed by the same query, from the same definitions, restricted to the units
asked for. Subtrees are summed at read time from the units' current paths (so moving a unit needs no refresh).

Why it stays exactly right:
    * Every change that can move a unit's counts — insert, delete or update (of a column the definitions read) of a
      case, an opinion or an evaluation — bumps TallyVersion.version of the units concerned (the case's handling
      unit and its parent case's unit, before and after), by a database trigger in the transaction of the change
      (migration 0002): whichever service, bulk update or raw SQL made it.
    * A tally row carries the version of its unit read BEFORE its counts were computed; it is used only while that
      is still the unit's current version. A change committed after the version was read has bumped the version,
      so the row is ignored and recomputed — a stale row is never read (and never a version newer than its counts).
    * Rows are keyed by the reference day as well as the year ("a limit still running today is not yet due").
    * TRUNCATE of those tables empties the tally; `manage.py reset_indicator_tally` empties it by hand (e.g. after
      loading data with triggers disabled).
Only on PostgreSQL (the triggers); elsewhere, and with ENABLED set to False, figures are computed live.
tests/test_tally.py runs random operations and compares every figure with the live computation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from xinfang.accountability.models import IndicatorTally, TallyVersion
from xinfang.orgs.models import Unit

if TYPE_CHECKING:
    from xinfang.accountability.indicators import Period

ENABLED = True  # tests switch it off to compare with the live computation
TALLIED_SOURCES = ("cases",)  # the triggers watch cases, opinions and evaluations (incidents are few: live)


def enabled(source: str) -> bool:
    return ENABLED and source in TALLIED_SOURCES and connection.vendor == "postgresql"


Counts = dict[str, Any]  # {code: [denominator, numerator]} for the indicators; the dashboard nests dicts


MANY_ROOTS = 20  # past this many subtrees, read every unit and keep those under them (cheaper than the ORs)


@dataclass(frozen=True)
class Snapshot:
    """The units under the assessed units (id, path) and their versions, read BEFORE any count is computed."""

    units: list[tuple[int, str]]
    versions: dict[int, int]

    @property
    def fingerprint(self) -> str:
        """Every unit of the subtrees with its version and path: equal iff nothing in them changed since."""
        return ";".join(f"{pk}:{self.versions.get(pk, 0)}:{path}" for pk, path in sorted(self.units))


def snapshot(roots: list[str], under: Callable[[str], Any]) -> Snapshot:
    """The units under `roots` (their outermost paths; `under(lookup)`: the Q of those subtrees) and their
    versions. Two queries."""
    if len(roots) > MANY_ROOTS:
        inside = tuple(roots)
        units = [(pk, p) for pk, p in Unit.objects.order_by().values_list("pk", "path") if p.startswith(inside)]
        wanted = {pk for pk, _path in units}
        everything = TallyVersion.objects.order_by().values_list("unit_id", "version")
        return Snapshot(units, {pk: v for pk, v in everything if pk in wanted})
    units = list(Unit.objects.filter(under("path")).order_by().values_list("pk", "path"))
    versions = dict(TallyVersion.objects.filter(under("unit__path")).order_by().values_list("unit_id", "version"))
    return Snapshot(units, versions)


def unit_counts(
    batch: str,
    snap: Snapshot,
    under: Callable[[str], Any],
    period: Period,
    compute: Callable[[list[int] | None], dict[int, Counts]],
) -> list[tuple[str, Counts]]:
    """(path, counts) of every unit of the snapshot, from the tally where it is current (its version is the one
    in the snapshot), else from `compute(unit ids)` (None: every unit under them) — then stored. Queries: the
    tally rows; when some are missing, the computation and the store."""
    if len(snap.units) > MANY_ROOTS * 10:
        wanted = {pk for pk, _path in snap.units}
        rows = [
            row
            for row in IndicatorTally.objects.filter(batch=batch, year=period.year, as_of=period.as_of)
            .order_by()
            .values_list("unit_id", "version", "counts")
            if row[0] in wanted
        ]
    else:
        rows = list(
            IndicatorTally.objects.filter(under("unit__path"), batch=batch, year=period.year, as_of=period.as_of)
            .order_by()
            .values_list("unit_id", "version", "counts")
        )
    versions = snap.versions
    current: dict[int, Counts] = {pk: counts for pk, version, counts in rows if version == versions.get(pk, 0)}
    missing = [pk for pk, _path in snap.units if pk not in current]
    if missing:
        fresh = compute(None if len(missing) == len(snap.units) else missing)  # after the versions were read
        computed = {pk: fresh.get(pk, {}) for pk in missing}
        _store(batch, period, computed, versions)
        current.update(computed)
    return [(path, current[pk]) for pk, path in snap.units]


def rolled_up(
    key: str,
    identity: str,
    anchor: int,
    roots: list[str],
    under: Callable[[str], Any],
    period: Period,
    build: Callable[[Snapshot], Any],
) -> Any:
    """A value summed over the subtrees (`build(snapshot)`, from unit_counts with that snapshot), kept in one row
    (`key`, `anchor`: a unit id, the period) with `identity` (what exactly was summed, e.g. the assessed units)
    and the snapshot's fingerprint: reused while both are the same — exactly when no counted record and no unit
    of the subtrees changed. Queries: the units, their versions, the row; when outdated, build's and the store."""
    snap = snapshot(roots, under)
    fingerprint = f"{identity}|{snap.fingerprint}"
    found = (
        IndicatorTally.objects.filter(batch=key, unit_id=anchor, year=period.year, as_of=period.as_of, version=0)
        .values_list("fingerprint", "counts")
        .first()
    )
    if found is not None and found[0] == fingerprint:
        return found[1]
    value = build(snap)
    try:
        with transaction.atomic():
            IndicatorTally.objects.filter(batch=key, unit_id=anchor, year=period.year).delete()
            IndicatorTally.objects.bulk_create(
                [
                    IndicatorTally(
                        unit_id=anchor, batch=key, year=period.year, as_of=period.as_of, version=0,
                        fingerprint=fingerprint, counts=value,
                    )
                ],
                ignore_conflicts=True,
            )  # fmt: skip
    except DatabaseError:
        pass
    return value


def _store(batch: str, period: Period, computed: dict[int, Counts], versions: dict[int, int]) -> None:
    """Replace the units' outdated rows of the batch, year and day (and, when storing today's, their rows of past
    days, which nothing asks for any more); another reader storing the same rows at once is harmless (ignored
    conflict). A database that refuses the write (read-only) just leaves the tally as it was."""
    old = Q(as_of=period.as_of)
    if period.as_of == timezone.localdate():
        old |= Q(as_of__lt=period.as_of)
    try:
        with transaction.atomic():
            IndicatorTally.objects.filter(old, batch=batch, year=period.year, unit_id__in=list(computed)).delete()
            IndicatorTally.objects.bulk_create(
                [
                    IndicatorTally(
                        unit_id=pk,
                        batch=batch,
                        year=period.year,
                        as_of=period.as_of,
                        version=versions.get(pk, 0),
                        counts=counts,
                    )
                    for pk, counts in computed.items()
                ],
                ignore_conflicts=True,
                batch_size=2000,
            )
    except DatabaseError:
        pass


def reset() -> int:
    """Forget every tally row (they are recomputed when next read)."""
    deleted, _ = IndicatorTally.objects.all().delete()
    return deleted
