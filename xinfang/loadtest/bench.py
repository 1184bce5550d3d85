"""`make bench`: server-side timings of the pages and endpoints that must stay fast at national scale (issue 8).

Every page is requested through Django's test client (the whole stack: middleware, session, view, template), signed
in as a user with posts at the level under test (the second factor is completed the way the test suite does it,
xinfang.core.otp_testing — the bench accounts hold no admin role anyway). For each: `warmup` requests, then
`requests` timed ones (median, p95), then one more under CaptureQueriesContext for the query count and the SQL time
alone; `ratio` = median page time / SQL time (how far the page is from its database floor).

The xlsx export runs in a child process (`bench --export-child`) so its peak RSS is its own. The overdue scan (the
reminders' scan of open cases with a running limit) and `send_reminders` (dry run, as many times as the others, then
timed once for real) are measured as functions.

Targets (issue 8 item 4) — `check()` marks each row PASS/FAIL:
    case list (any level and variant): p95 ≤ 50 ms, ≤ 12 queries, the same query count at every level and page
    case detail, my work: p95 ≤ 50 ms
    dashboard and assessment at the 局 (top) level: p95 ≤ 300 ms
    export: ≥ 20,000 rows/s, peak RSS ≤ 300 MB
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from xinfang.cases.models import Case
from xinfang.orgs.models import Level, Post, Unit, User

LIST_P95_MS = 50.0
LIST_MAX_QUERIES = 12
DETAIL_P95_MS = 50.0
TOP_P95_MS = 300.0
EXPORT_ROWS_PER_S = 20_000
EXPORT_MAX_RSS_MB = 300.0
EXPORT_ROWS = 100_000
MIN_REQUESTS = 3  # an item over its time budget still gets this many timed requests
LEVEL_LABELS = {"brigade": "大队", "detachment": "支队", "corps": "总队", "bureau": "局"}


@dataclass
class Row:
    name: str
    group: str
    level: str = ""
    url: str = ""
    n: int = 0
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    sql_ms: float | None = None
    ratio: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    target: str = ""
    verdict: str = ""  # PASS / FAIL / "" (no target) / "n/a"
    note: str = ""


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


class Bench:
    def __init__(
        self, requests: int = 20, warmup: int = 3, log: Callable[[str], None] = print, budget: float = 60.0
    ) -> None:
        self.requests = max(1, requests)
        self.budget = budget
        self.warmup = max(0, warmup)
        self.log = log
        self.only: set[str] = set()  # groups to measure (empty: all)
        self.rows: list[Row] = []
        self.today = timezone.localdate()
        self.clients: dict[str, Client] = {}

    # -------------------------------------------------------------------------------------------
    # Who

    def pick_units(self) -> dict[str, Unit]:
        """A busy 大队 (most cases) and its 支队, 总队 and 局 above it."""
        top = (
            Case.objects.filter(unit__level=Level.BRIGADE)
            .values("unit")
            .annotate(n=Count("id"))
            .order_by("-n", "unit")
            .first()
        )
        if top is None:
            raise RuntimeError("库中没有大队办理的信访事项：请先运行 generate_load")
        brigade = Unit.objects.get(pk=top["unit"])
        chain = {u.level: u for u in Unit.objects.filter(pk__in=[*brigade.ancestor_ids(), brigade.pk])}
        return {lv: chain[lv] for lv in ("brigade", "detachment", "corps", "bureau") if lv in chain}

    def user_at(self, unit: Unit, role: str) -> User:
        post = Post.objects.active(self.today).filter(unit=unit, role=role, user__is_active=True).order_by("user_id")
        found = post.select_related("user").first()
        if found is None:
            raise RuntimeError(f"{unit} 没有在岗的 {role}")
        return found.user

    def client_for(self, user: User) -> Client:
        client = self.clients.get(user.username)
        if client is None:
            from xinfang.core.otp_testing import complete_second_factor

            host = (settings.ALLOWED_HOSTS or ["127.0.0.1"])[0]
            client = Client(HTTP_HOST="127.0.0.1" if host in ("*", "") else host)
            client.force_login(user)
            complete_second_factor(client, user)
            self.clients[user.username] = client
        return client

    # -------------------------------------------------------------------------------------------
    # Measuring

    def wanted(self, group: str) -> bool:
        return not self.only or group in self.only

    def page(self, name: str, group: str, level: str, user: User, url: str) -> Row:
        row = Row(name=name, group=group, level=level, url=url)
        if not self.wanted(group):
            return row
        client = self.client_for(user)
        try:
            for _ in range(self.warmup):
                self._get(client, url)
            times: list[float] = []
            started = time.monotonic()
            for _ in range(self.requests):
                t0 = time.perf_counter()
                self._get(client, url)
                times.append((time.perf_counter() - t0) * 1000)
                if time.monotonic() - started > self.budget and len(times) >= MIN_REQUESTS:
                    row.note = f"超出 {self.budget:g} 秒预算，只测了 {len(times)} 次"
                    break
            with CaptureQueriesContext(connection) as ctx:
                self._get(client, url)
        except Exception as exc:  # reported in the table, the bench goes on
            row.verdict = "FAIL"
            row.note = f"{type(exc).__name__}: {exc}"[:200]
            self.rows.append(row)
            self.log(f"  {name:<40} 错误 {row.note}")
            return row
        self._fill(row, times, ctx)
        self.rows.append(row)
        self.log(f"  {name:<40} 中位 {row.median_ms:8.1f} ms  p95 {row.p95_ms:8.1f} ms  {row.queries:3d} 次查询")
        return row

    def function(self, name: str, group: str, fn: Callable[[], Any], repeat: int | None = None) -> Row:
        row = Row(name=name, group=group)
        if not self.wanted(group):
            return row
        times = []
        for i in range(max(1, repeat if repeat is not None else min(self.requests, 5))):
            if i == 0:
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    out = fn()
                    first = (time.perf_counter() - t0) * 1000
                queries_ctx = ctx
                row.extra["result"] = out
                times.append(first)
            else:
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
        self._fill(row, times, queries_ctx)
        self.rows.append(row)
        self.log(f"  {name:<40} 中位 {row.median_ms:8.1f} ms  p95 {row.p95_ms:8.1f} ms  {row.queries:3d} 次查询")
        return row

    @staticmethod
    def _get(client: Client, url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}")
        if getattr(response, "streaming", False):
            for _ in response.streaming_content:  # type: ignore[attr-defined]
                pass

    @staticmethod
    def _fill(row: Row, times: list[float], ctx: CaptureQueriesContext) -> None:
        row.n = len(times)
        row.median_ms = round(statistics.median(times), 2)
        row.p95_ms = round(_p95(times), 2)
        row.queries = len(ctx.captured_queries)
        row.sql_ms = round(sum(float(q["time"]) for q in ctx.captured_queries) * 1000, 2)
        row.ratio = round(row.median_ms / row.sql_ms, 1) if row.sql_ms else None

    # -------------------------------------------------------------------------------------------
    # The run

    def run(self, export: bool = True) -> list[Row]:
        units = self.pick_units()
        people = {lv: self.user_at(u, "officer" if lv == "brigade" else "chief") for lv, u in units.items()}
        top_level = "bureau" if "bureau" in units else "corps"
        self.log(
            f"单位：{'，'.join(f'{LEVEL_LABELS[lv]} {u.name}（{u.code}）' for lv, u in units.items())}；"
            f"信访事项 {Case.objects.count():,} 件"
        )
        case_list = reverse("cases:case-list")
        variants = (
            ("默认", ""),
            ("默认 第200页", "?page=200"),
            ("状态+类别", "?status=accepted&category=appeal"),
            ("按期限排序", "?sort=deadline"),
            ("按期限排序 第200页", "?sort=deadline&page=200"),
        )
        for lv, user in people.items():
            for label, query in variants:
                self.page(f"案件列表 {LEVEL_LABELS[lv]} {label}", "case_list", lv, user, case_list + query)
        api_cases = "/api/v1/cases/"
        for lv in ("brigade", top_level):
            self.page(f"API 案件列表 {LEVEL_LABELS[lv]}", "case_list", lv, people[lv], api_cases)
        # The API answers 404 past the last page (a 大队 has fewer than 200 pages of 50); the top level has them.
        top_api = f"API 案件列表 {LEVEL_LABELS[top_level]} 第200页"
        if Case.objects.visible_to(people[top_level]).count() > 200 * 50:
            self.page(top_api, "case_list", top_level, people[top_level], api_cases + "?page=200")
        brigade_user = people["brigade"]
        case = Case.objects.filter(unit=units["brigade"]).order_by("-received_on", "-id").first()
        if case is not None:
            self.page(
                "案件详情（大队）", "detail", "brigade", brigade_user, reverse("cases:case-detail", args=[case.pk])
            )
        self.page("我的待办（大队信访干部）", "my_work", "brigade", brigade_user, reverse("cases:my-work"))
        self.page("我的待办（支队主官）", "my_work", "detachment", people["detachment"], reverse("cases:my-work"))
        for lv, user in people.items():
            for label, path in (("首页看板", "/dashboard/"), ("API 看板", "/api/v1/dashboard/")):
                name = f"{label} {LEVEL_LABELS[lv]}"
                if self._resolves(path):
                    self.page(name, "dashboard", lv, user, f"{path}?unit={units[lv].pk}")
                else:
                    self.rows.append(
                        Row(name=name, group="dashboard", level=lv, url=path, verdict="n/a", note="not available")
                    )
                    self.log(f"  {name:<40} not available")
        top_user = people[top_level]
        self.page(f"岗位落实情况 {LEVEL_LABELS[top_level]}", "board", top_level, top_user, reverse("orgs:compliance"))
        self.page(f"排查报送看板 {LEVEL_LABELS[top_level]}", "board", top_level, top_user, reverse("screening:board"))
        year = self.today.year - 1
        for lv in ("detachment", top_level):
            self.page(
                f"年度考核 {year} {LEVEL_LABELS[lv]}", "assessment", lv, people[lv],
                f"{reverse('accountability:assessment')}?year={year}",
            )  # fmt: skip
        self.page(
            f"API 年度考核 {year} {LEVEL_LABELS[top_level]}", "assessment", top_level, top_user,
            f"/api/v1/assessments/?year={year}",
        )  # fmt: skip
        self.jobs()
        if export and self.wanted("export"):
            self.export(top_user)
        return self.rows

    @staticmethod
    def _resolves(path: str) -> bool:
        try:
            match = resolve(path)
        except Resolver404:
            return False
        return getattr(match.func, "__name__", "") != "not_found"

    def jobs(self) -> None:
        from django.db import transaction

        from xinfang.notifications.reminders import case_reminders, send_reminders

        today = self.today

        def scan() -> int:
            return sum(1 for _ in case_reminders(today))

        def dry() -> int:
            return send_reminders(today, dry_run=True).sent

        self.function("逾期扫描（提醒扫描在办事项）", "jobs", scan)
        self.function("send_reminders（试运行）", "jobs", dry)

        def real() -> int:
            with transaction.atomic():
                sent = send_reminders(today).sent
                transaction.set_rollback(True)  # measured, not kept: the bench leaves the data as it found it
            return sent

        self.function("send_reminders（发送，回滚）", "jobs", real, repeat=1)

    def export(self, user: User) -> None:
        """The xlsx export of the EXPORT_ROWS most recent cases the top user sees, in a child process."""
        since = (
            Case.objects.order_by("-received_on")
            .values_list("received_on", flat=True)[EXPORT_ROWS - 1 : EXPORT_ROWS]
            .first()
        )
        if since is None:
            since = Case.objects.order_by("received_on").values_list("received_on", flat=True).first()
        cmd = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench", "--export-child", user.username]
        if since is not None:
            cmd.append(since.isoformat())
        self.log(f"  导出（子进程）：{user.username} 收到日期 ≥ {since} …")
        proc = subprocess.run(  # noqa: S603 — this interpreter running our own manage.py
            cmd, capture_output=True, text=True, env=os.environ.copy(), check=False
        )
        row = Row(name=f"xlsx 导出（收到日期 ≥ {since}）", group="export")
        if proc.returncode != 0:
            row.verdict = "FAIL"
            row.note = (proc.stderr.strip().splitlines() or ["子进程失败"])[-1][:200]
        else:
            data = json.loads(proc.stdout.strip().splitlines()[-1])
            row.n = 1
            row.median_ms = row.p95_ms = round(data["seconds"] * 1000, 1)
            row.queries = data["queries"]
            row.extra = data
        self.rows.append(row)
        self.log(f"  {row.name:<40} {row.extra or row.note}")

    # -------------------------------------------------------------------------------------------
    # Targets

    def check(self) -> None:
        top = {r.level for r in self.rows if r.group == "dashboard"} & {"bureau"} or {"corps"}
        # The query count of one user's list must not depend on the page, the filters or the number of rows.
        per_level: dict[tuple[str, str], set[int]] = {}
        for r in self.rows:
            if r.group == "case_list" and r.queries is not None:
                per_level.setdefault((r.level, r.url.split("?")[0]), set()).add(r.queries)
        for r in self.rows:
            if r.verdict in ("FAIL", "n/a") or (r.median_ms is None and r.group != "export"):
                continue
            if r.group == "case_list":
                r.target = f"p95≤{LIST_P95_MS:g}ms, ≤{LIST_MAX_QUERIES} 查询, 同一用户各页各筛选查询数相同"
                ok = r.p95_ms is not None and r.p95_ms <= LIST_P95_MS and (r.queries or 0) <= LIST_MAX_QUERIES
                ok = ok and len(per_level[(r.level, r.url.split("?")[0])]) == 1
                r.verdict = "PASS" if ok else "FAIL"
            elif r.group in ("detail", "my_work"):
                r.target = f"p95≤{DETAIL_P95_MS:g}ms"
                r.verdict = "PASS" if (r.p95_ms or 0) <= DETAIL_P95_MS else "FAIL"
            elif r.group in ("dashboard", "assessment") and r.level in top:
                r.target = f"p95≤{TOP_P95_MS:g}ms"
                r.verdict = "PASS" if (r.p95_ms or 0) <= TOP_P95_MS else "FAIL"
            elif r.group == "export" and r.extra:
                r.target = f"≥{EXPORT_ROWS_PER_S:,} 行/秒, RSS≤{EXPORT_MAX_RSS_MB:g}MB"
                ok = r.extra["rows_per_s"] >= EXPORT_ROWS_PER_S and r.extra["peak_rss_mb"] <= EXPORT_MAX_RSS_MB
                r.verdict = "PASS" if ok else "FAIL"

    def table(self) -> str:
        head = f"{'项目':<44}{'次数':>5}{'中位ms':>10}{'p95ms':>10}{'查询':>6}{'SQLms':>10}{'倍数':>7}  结果  目标/说明"
        lines = [head, "-" * 130]
        for r in self.rows:

            def f(v: Any, fmt: str) -> str:
                return format(v, fmt) if v is not None else "—"

            extra = ""
            if r.group == "export" and r.extra:
                x = r.extra
                extra = f" {x['rows']:,} 行, {x['rows_per_s']:,.0f} 行/秒, 峰值 RSS {x['peak_rss_mb']:.0f} MB;"
            elif r.group == "jobs" and "result" in r.extra:
                extra = f" 结果 {r.extra['result']:,};"
            line = (
                f"{r.name:<44}{r.n:>5}{f(r.median_ms, '.1f'):>10}{f(r.p95_ms, '.1f'):>10}{f(r.queries, 'd'):>6}"
                f"{f(r.sql_ms, '.1f'):>10}{f(r.ratio, '.1f'):>7}  {r.verdict or '—':<5} {extra} {r.target} {r.note}"
            )
            lines.append(line.rstrip())
        return "\n".join(lines)

    @cached_property
    def cpu_seconds(self) -> float:
        """The machine's single-core speed, to compare runs made on different machines: the best of three timings of
        a fixed pure-Python loop (10,000,000 additions) — the pages' time beyond their SQL scales with it."""
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            total = 0
            for i in range(10_000_000):
                total += i
            best = min(best, time.perf_counter() - t0)
        return round(best, 2)

    def write_json(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        payload = {
            "at": timezone.now().isoformat(),
            "database": connection.vendor,
            "database_name": str(connection.settings_dict.get("NAME")),
            "cases": Case.objects.count(),
            "cpu_count": os.cpu_count(),
            "cpu_seconds": self.cpu_seconds,
            "load_average": os.getloadavg(),
            "requests": self.requests,
            "warmup": self.warmup,
            "rows": [asdict(r) for r in self.rows],
        }
        path = directory / f"bench-{stamp}.json"
        text = json.dumps(payload, ensure_ascii=False, indent=1, default=str)
        path.write_text(text, encoding="utf-8")
        (directory / "bench-latest.json").write_text(text, encoding="utf-8")
        return path


def export_child(username: str, since: datetime.date | None) -> dict[str, Any]:
    """Run the case export as `username` for the cases received on or after `since`; time, rows and peak RSS."""
    import resource

    from xinfang.cases import exports

    user = User.objects.get(username=username)
    filters: dict[str, Any] = {"received_from": since} if since else {}
    from django.db import transaction

    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        export = exports.case_export(actor=user, filters=filters)
        seconds = time.perf_counter() - t0
        transaction.set_rollback(True)  # the export's audit row is not kept: the bench changes nothing
    export.file.seek(0, os.SEEK_END)
    size = export.file.tell()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "rows": export.count,
        "seconds": round(seconds, 3),
        "rows_per_s": round(export.count / seconds, 1) if seconds else 0,
        "peak_rss_mb": round(rss_mb, 1),
        "bytes": size,
        "queries": len(ctx.captured_queries),
    }
