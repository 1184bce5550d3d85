"""The permission-matrix rows this part hands to tests/test_permission_matrix.py, checked here the way that test
checks them (each request in a rolled-back savepoint), so they are right before and after they are merged."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from xinfang.notifications.tests import matrix as notification_rows
from xinfang.portal.tests import matrix as portal_rows

USERS = ["anonymous", "d1b1.officer", "d1b2.officer", "d1.chief", "sysadmin", "secadmin", "auditor"]
ROWS = {**notification_rows.ROWS, **portal_rows.ROWS}
# the import pages are mounted the way xinfang/cases/urls.py will mount them
pytestmark = pytest.mark.urls("xinfang.cases.tests.test_import_views")


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", sorted(ROWS))
def test_row(name: str, method: str, world: Any, client: Any) -> None:
    from xinfang.core.otp_testing import complete_second_factor

    kwargs, get_codes, post_codes = ROWS[name]
    url = reverse(name, kwargs=kwargs(world))
    expected = get_codes if method == "get" else post_codes
    got = []
    for username in USERS:
        with transaction.atomic():
            client.logout()
            if username != "anonymous":
                client.force_login(world.user(username))
                complete_second_factor(client, world.user(username))
            got.append(getattr(client, method)(url).status_code)
            transaction.set_rollback(True)
    assert got == expected, f"{method.upper()} {url}: {dict(zip(USERS, got, strict=True))}"
