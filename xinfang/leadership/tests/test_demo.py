"""The leadership demo records are made through the services on the demo corps; loading twice creates nothing."""

from __future__ import annotations

import io

from django.utils import timezone

from xinfang.documents.models import GeneratedDocument
from xinfang.leadership import selectors
from xinfang.leadership.demo import build_demo
from xinfang.leadership.models import Meeting, Ownership, Reception, ReceptionDay, Supervision
from xinfang.orgs.demo import load_demo
from xinfang.orgs.models import User


def test_demo_is_built_through_the_services_and_idempotent(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    load_demo()  # its steps include this part's demo
    out = io.StringIO()
    assert build_demo(stdout=out) == 0
    counts = [m.objects.count() for m in (Meeting, ReceptionDay, Reception, Ownership, Supervision)]
    assert all(counts), counts
    assert build_demo() == 0
    assert [m.objects.count() for m in (Meeting, ReceptionDay, Reception, Ownership, Supervision)] == counts
    # The supervised case is owned by its 支队主官; the ownerships have their 包案责任书.
    sup = Supervision.objects.get()
    assert selectors.supervision_owner_checks([sup])[sup.pk].ok
    assert GeneratedDocument.objects.filter(kind="ownership_letter").count() == Ownership.objects.count()
    # The public schedule shows published days with names and posts only.
    assert len(selectors.published_schedule()) >= 3
    # The corps sees every unit's gaps.
    rows = selectors.compliance_for_year(User.objects.get(username="sf.chief"), timezone.localdate().year)
    assert {r.unit.code for r in rows} >= {"jz", "lc", "qs", "jz01"}
