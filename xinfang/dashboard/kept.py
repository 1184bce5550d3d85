"""Sections of the dashboard kept between pages while nothing they are read from changed (issue #8: the 局's
quota card reads 3,400 units, 10,600 leaders' posts and their reception days; its screening card ~10,000 report
obligations — ~1–2 s each time, for figures that change a few times a day).

`kept(name, sources, key, compute)` returns `compute()` — computed now, or the value computed earlier for the same
key while none of `sources` changed since. Why a kept value is exactly what computing it now would give:
    * Every statement that changes a table a source is read from bumps SourceVersion.version of the source, by a
      database trigger in the transaction of the change (migration 0001) — whichever service, bulk update or raw
      SQL made it.
    * A value is stored under the versions read BEFORE it was computed. A change committed after that read bumped
      a version, so the value is never found again; a change committed before it is in both the versions and the
      value.
    * A transaction that has written anything (its own changes are not yet committed, and may be rolled back)
      neither reads nor stores kept values.
    * The key holds everything else the value depends on: the user (his scope), the unit, the year and the day.
    * Versions only grow. Emptying dashboard_sourceversion by hand would restart them: clear the cache with it.
Only on PostgreSQL (the triggers); elsewhere, and with ENABLED set to False, values are computed live.
Values live in the cache (settings.CACHES, shared by the workers) for a day at most; each app server may keep its
own copy — they are keyed by the database's versions, so none is ever stale. tests/test_kept.py compares kept and
live sections after every kind of change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection

ENABLED = True  # tests switch it off to compare with the live computation
TIMEOUT = 24 * 3600  # a kept value keys the day: it is of no use after it

# The tables each source is read from: migration 0001 puts the triggers on them (keep the two in step).
SOURCES: dict[str, tuple[str, ...]] = {
    "org": ("orgs_unit", "orgs_post", "orgs_user", "core_share"),
    "leadership": ("leadership_meeting", "leadership_receptionday", "leadership_reception", "leadership_quota"),
    "screening": (
        "screening_screeningreport",
        "screening_cadence",
        "screening_specialperiod",
        "screening_specialperiod_scope_units",
        "core_calendarday",
    ),
}

T = TypeVar("T")


def enabled() -> bool:
    return ENABLED and connection.vendor == "postgresql"


def versions(sources: tuple[str, ...]) -> dict[str, int] | None:
    """The sources' current versions, or None when this transaction has written something (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.name, s.version, pg_current_xact_id_if_assigned() IS NULL"
            " FROM (SELECT unnest(%s::text[]) AS name) AS w"
            " LEFT JOIN dashboard_sourceversion s ON s.name = w.name",
            [list(sources)],
        )
        rows = cursor.fetchall()
    if rows and not rows[0][2]:
        return None
    found = {name: version for name, version, _clean in rows if name is not None}
    return {name: found.get(name, 0) for name in sources}


def kept(name: str, sources: tuple[str, ...], key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """compute(), or the value kept for (`name`, `key`) while none of `sources` changed. Queries: the versions;
    on a miss, compute's."""
    unknown = set(sources) - set(SOURCES)
    if unknown:
        raise ValueError(f"unknown sources: {sorted(unknown)}")
    if not enabled():
        return compute()
    current = versions(tuple(sorted(sources)))
    if current is None:
        return compute()
    digest = hashlib.sha256(repr((key, sorted(current.items()))).encode()).hexdigest()[:32]
    cache_key = f"xinfang:kept:{name}:{digest}"
    found = cache.get(cache_key)
    if found is not None:
        return found[0]  # type: ignore[no-any-return]
    value = compute()
    cache.set(cache_key, (value,), TIMEOUT)
    return value
