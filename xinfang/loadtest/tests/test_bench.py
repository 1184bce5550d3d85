"""`make bench` end to end on a tiny generated database, and the case list's query count at 1,000 and 10,000 cases."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xinfang.cases.models import Case
from xinfang.loadtest.bench import Bench, export_child
from xinfang.loadtest.generator import generate
from xinfang.orgs.models import User

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 15)


def _generate(cases: int) -> None:
    generate("province", cases=cases, seed=3, today=TODAY, log=lambda _msg: None)


def test_bench_runs_end_to_end(tmp_path: Path) -> None:
    _generate(300)
    call_command("bench", "--requests", "2", "--warmup", "0", "--no-export", "--out", str(tmp_path))
    data = json.loads((tmp_path / "bench-latest.json").read_text(encoding="utf-8"))
    rows = data["rows"]
    assert 0 < data["cpu_seconds"] < 60  # the machine's speed, to compare runs made on different machines
    names = {r["name"] for r in rows}
    assert any(n.startswith("案件列表 大队") for n in names) and any(n.startswith("案件列表 总队") for n in names)
    assert {"detail", "my_work", "board", "assessment", "jobs", "case_list"} <= {r["group"] for r in rows}
    for r in rows:  # every page answered 200 (a failure would carry its exception in the note)
        assert r["note"] in ("", "not available"), r
        if r["note"] == "":
            assert r["n"] == (2 if r["group"] != "jobs" else r["n"]) >= 1
            assert r["queries"] > 0 and r["verdict"] in ("PASS", "FAIL", "")
    # (The list's query count at 1,000 and 10,000 cases: the next test; an empty page makes two queries fewer.)
    # The export child measures rows, speed and memory, and leaves no audit row behind.
    chief = User.objects.get(username="ltp.chief")
    result = export_child(chief.username, None)
    assert result["rows"] == Case.objects.visible_to(chief).count()
    assert result["rows_per_s"] > 0 and result["peak_rss_mb"] > 0


def _list_queries(users: list[User], urls: list[str]) -> list[int | None]:
    """The query count of each (user, url) page; None for an empty page (an empty page skips the page and
    prefetch queries, whatever the size of the table — it is not a scale effect)."""
    bench = Bench()
    out: list[int | None] = []
    for user in users:
        client: Client = bench.client_for(user)
        for url in urls:
            client.get(url)  # warm (session, grants)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.status_code == 200
            out.append(len(ctx.captured_queries) if "data-case=" in response.content.decode() else None)
    return out


def test_case_list_query_count_is_the_same_at_1000_and_10000_cases() -> None:
    url = reverse("cases:case-list")
    urls = [url, url + "?page=2", url + "?category=appeal", url + "?sort=deadline"]
    results = []
    for n in (1_000, 10_000):
        with transaction.atomic():
            _generate(n)
            bench = Bench()
            units = bench.pick_units()  # the busiest 大队 and the units above it
            users = [bench.user_at(units["brigade"], "officer")]
            users += [bench.user_at(units[lv], "chief") for lv in ("detachment", "corps")]
            results.append(_list_queries(users, urls))
            transaction.set_rollback(True)
    small, large = results
    assert all(q is not None for q in large)
    compared = [(a, b) for a, b in zip(small, large, strict=True) if a is not None]
    assert len(compared) >= 9
    assert all(a == b for a, b in compared), results
    # ≤ 12 is the target for the list's own queries; the page adds the session, the header and the form's
    # choices (cases/tests/test_views.py counts them): it is reported by `make bench`, not asserted here.
