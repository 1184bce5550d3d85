"""`make bench-http`: throughput of a real server — gunicorn (4 sync workers on 127.0.0.1) on the generated database,
driven for `duration` seconds by a bounded pool of client threads, each signed in as its own user (大队 officers,
支队 and 总队 chiefs) and requesting a mixed read workload (case lists with and without filters and pages, case
details, my work, the cases API, the dashboard when it exists).

Sessions are created the way a sign-in creates them (Django's test client `force_login`, which fires the sign-in
signal that records the account's one live session, then the second-factor state of a non-admin account), so the
load does not go through /login/ and its per-address rate limit. Reports requests/s, p50/p95/p99 latency and
errors, and PASS/FAIL against issue 8: ≥ 300 requests/s, p99 ≤ 250 ms, zero errors.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from xinfang.cases.models import Case
from xinfang.orgs.models import Post

TARGET_RPS = 300.0
TARGET_P99_MS = 250.0


@dataclass
class Session:
    username: str
    cookie: str
    urls: list[str]


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def sessions(count: int, seed: int = 1) -> list[Session]:
    """`count` signed-in sessions of distinct users with the URLs each requests."""
    from django.test import Client

    from xinfang.core.otp_testing import complete_second_factor

    rng = random.Random(seed)
    today = timezone.localdate()
    posts = list(
        Post.objects.active(today)
        .filter(user__is_active=True, role__in=["officer", "chief"], unit__level__in=["brigade", "detachment", "corps"])
        .filter(unit__cases__isnull=False)
        .select_related("user", "unit")
        .distinct()
        .order_by("unit__level", "unit__path", "role", "user_id")
    )
    by_level: dict[str, list[Post]] = {}
    for p in posts:
        by_level.setdefault(p.unit.level, []).append(p)
    wanted = {"brigade": max(1, count * 6 // 10), "detachment": max(1, count * 3 // 10)}
    wanted["corps"] = max(1, count - wanted["brigade"] - wanted["detachment"])
    chosen: list[Post] = []
    seen: set[int] = set()
    for level, n in wanted.items():
        pool = by_level.get(level, [])
        rng.shuffle(pool)
        for p in pool:
            if len([c for c in chosen if c.unit.level == level]) >= n:
                break
            if p.user_id not in seen:
                seen.add(p.user_id)
                chosen.append(p)
    dashboard = [path for path in ("/dashboard/", "/api/v1/dashboard/") if _resolves(path)]
    case_list = reverse("cases:case-list")
    out = []
    for p in chosen:
        client = Client()
        client.force_login(p.user)
        complete_second_factor(client, p.user)
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        case_ids = list(
            Case.objects.filter(unit=p.unit).order_by("-received_on", "-id").values_list("pk", flat=True)[:20]
        )
        urls = [
            case_list,
            case_list,
            case_list + "?page=2",
            case_list + "?status=accepted",
            case_list + "?sort=deadline",
            reverse("cases:my-work"),
            "/api/v1/cases/",
            *[reverse("cases:case-detail", args=[pk]) for pk in case_ids[:4]],
            *[f"{path}?unit={p.unit_id}" for path in dashboard],
        ]
        out.append(Session(p.user.username, cookie, urls))
    return out


def _resolves(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "__name__", "") != "not_found"


def start_gunicorn(port: int, workers: int) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [
        str(gunicorn), "xinfang.wsgi:application", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
        "--worker-class", "sync", "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    env = os.environ.copy()
    env["PYTHONPATH"] = str(settings.BASE_DIR)
    proc = subprocess.Popen(cmd, cwd=str(settings.BASE_DIR), env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn 退出（{proc.returncode}）")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login/")
            if conn.getresponse().status in (200, 302):
                return proc
        except OSError:
            time.sleep(0.5)
    stop_gunicorn(proc)
    raise RuntimeError("gunicorn 60 秒内未就绪")


def stop_gunicorn(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def drive(port: int, people: list[Session], duration: float, seed: int = 1) -> tuple[Stats, float]:
    stats = Stats()
    stop_at = time.monotonic() + duration

    def worker(i: int, s: Session) -> None:
        rng = random.Random(seed * 1000 + i)
        lat: list[float] = []
        errors = 0
        samples: list[str] = []
        while time.monotonic() < stop_at:
            url = rng.choice(s.urls)
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", url, headers={"Cookie": s.cookie, "Host": "127.0.0.1"})
                resp = conn.getresponse()
                resp.read()
                conn.close()
                ok = resp.status == 200
                why = f"{resp.status} {url}"
            except OSError as exc:
                ok = False
                why = f"{type(exc).__name__} {url}"
            lat.append((time.perf_counter() - t0) * 1000)
            if not ok:
                errors += 1
                if len(samples) < 5:
                    samples.append(f"{s.username}: {why}")
        with stats.lock:
            stats.latencies.extend(lat)
            stats.errors += errors
            stats.error_samples.extend(samples[: max(0, 10 - len(stats.error_samples))])

    threads = [threading.Thread(target=worker, args=(i, s), daemon=True) for i, s in enumerate(people)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats, time.monotonic() - t0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] if ordered else 0.0


def report(stats: Stats, elapsed: float, clients: int, workers: int) -> dict[str, Any]:
    n = len(stats.latencies)
    result = {
        "at": timezone.now().isoformat(),
        "clients": clients,
        "workers": workers,
        "seconds": round(elapsed, 1),
        "requests": n,
        "rps": round(n / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(statistics.median(stats.latencies), 1) if n else None,
        "p95_ms": round(percentile(stats.latencies, 0.95), 1),
        "p99_ms": round(percentile(stats.latencies, 0.99), 1),
        "errors": stats.errors,
        "error_samples": stats.error_samples,
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
    }
    rps = n / elapsed if elapsed else 0.0
    p99 = percentile(stats.latencies, 0.99)
    result["verdict"] = "PASS" if rps >= TARGET_RPS and p99 <= TARGET_P99_MS and stats.errors == 0 else "FAIL"
    return result


def write(result: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"http-{timezone.now():%Y%m%d-%H%M%S}.json"
    text = json.dumps(result, ensure_ascii=False, indent=1, default=str)
    path.write_text(text, encoding="utf-8")
    (directory / "http-latest.json").write_text(text, encoding="utf-8")
    return path
