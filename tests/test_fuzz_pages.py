"""Pages (R-SEC: bad input gets a clear answer, never a server error): every GET page without URL parameters, for
users at each level, with extreme values in the query parameters pages commonly read (dates at the ends of the
calendar, impossible dates, years and ids beyond any column, garbage text). A 200 with the value ignored or an
error message is fine; a 5xx is not."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.test import Client
from django.urls import reverse

from xinfang.core.otp_testing import complete_second_factor
from xinfang.core.tests.test_security_headers import parameterless_get_routes

DATE_NAMES = ("date", "on", "date_from", "date_to", "received_from", "received_to", "start", "end", "day", "since")
NUMBER_NAMES = ("year", "page", "unit", "case", "month", "quarter", "week", "user", "topic", "pk", "id")
DATES = ("0001-01-01", "9999-12-31", "2026-02-30")
NUMBERS = ("-1", "99999", str(2**63))
USERS = ("d1.chief", "d1b1.officer", "sysadmin", "auditor")


def test_every_page_survives_extreme_query_values(world: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    client = Client(raise_request_exception=True)
    failures: list[str] = []
    sent = 0
    # Each probe sets every parameter of its kind at once: one request per value, not per name.
    probes = [dict.fromkeys(DATE_NAMES, v) for v in DATES] + [dict.fromkeys(NUMBER_NAMES, v) for v in NUMBERS]
    for username in USERS:
        user = world.user(username)
        client.force_login(user)
        complete_second_factor(client, user)
        for name in parameterless_get_routes():
            url = reverse(name)
            if url.startswith("/api/"):
                continue  # the API has its own walk (tests/test_fuzz_api.py)
            for probe in probes:
                with transaction.atomic():
                    try:
                        status = client.get(f"{url}?{urlencode(probe)}").status_code
                    except Exception as exc:
                        status = 599
                        failures.append(f"{username} GET {url}?{urlencode(probe)} raised {type(exc).__name__}: {exc}")
                    transaction.set_rollback(True)
                sent += 1
                if 500 <= status < 599:
                    failures.append(f"{username} GET {url}?{urlencode(probe)} -> {status}")
    assert sent > 500
    unique = sorted({f.split(" ", 1)[1] for f in failures})
    assert not unique, f"{len(unique)} page requests failed:\n" + "\n".join(unique[:60])
