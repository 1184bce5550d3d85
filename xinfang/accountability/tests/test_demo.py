"""The demo data of the incidents and accountability apps: built through the services on the demo corps, showing
what the pages are for (a non-compliant incident, a lookback, an overdue action, a report); a second run creates
nothing."""

from __future__ import annotations

import io

from django.utils import timezone

from xinfang.accountability import selectors
from xinfang.accountability.demo import build_demo as build_accountability
from xinfang.accountability.models import AccountabilityAction, AnnualReport, Lookback, ReviewCheck
from xinfang.incidents.demo import build_demo as build_incidents
from xinfang.incidents.models import Incident, Referral
from xinfang.orgs.demo import load_demo
from xinfang.orgs.models import User


def test_demo_is_built_through_the_services_and_is_idempotent(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    load_demo()
    build_incidents(stdout=io.StringIO())
    build_accountability(stdout=io.StringIO())
    counts = (Incident.objects.count(), ReviewCheck.objects.count(), AccountabilityAction.objects.count())
    assert build_incidents() == 0
    assert build_accountability() == 0
    assert (Incident.objects.count(), ReviewCheck.objects.count(), AccountabilityAction.objects.count()) == counts

    noncompliant = Incident.objects.noncompliant()
    assert noncompliant.filter(unit__code="lc", kind="in_beijing").exists()
    assert Referral.objects.filter(unit__code="qs01").exists()
    assert Lookback.objects.get().status == "decided"
    today = timezone.localdate()
    assert AccountabilityAction.objects.overdue(today).filter(target_unit__code="qs").exists()
    assert AnnualReport.objects.filter(unit__code="sf", year=today.year).exists()

    group = User.objects.get(username="sf.group")
    result = selectors.assessment(group, today.year)
    assert {r.unit.code for r in result.rows} == {"jz", "lc", "qs"}
    assert result.scheme is not None


def test_every_page_renders_on_the_demo_data(db, settings, tmp_path, client):
    from django.urls import reverse

    from xinfang.accountability.models import Recommendation
    from xinfang.cases.models import Case
    from xinfang.core.otp_testing import complete_second_factor
    from xinfang.incidents.models import ContingencyPlan

    settings.MEDIA_ROOT = tmp_path / "files"
    load_demo()
    build_incidents()
    build_accountability()
    year = timezone.localdate().year
    action = AccountabilityAction.objects.filter(kind="rectification").get()
    lookback = Lookback.objects.get()
    incident = Incident.objects.filter(kind="in_beijing").get()
    pages = [
        reverse("incidents:incident-list"),
        reverse("incidents:incident-detail", kwargs={"pk": incident.pk}),
        reverse("incidents:plan-list"),
        reverse("incidents:referral-list"),
        reverse("accountability:assessment") + f"?year={year}",
        reverse("accountability:assessment") + f"?year={year}&level=brigade",
        reverse("accountability:assessment-unit", kwargs={"year": year, "pk": action.target_unit_id}),
        reverse("accountability:check-list"),
        reverse("accountability:check-detail", kwargs={"pk": lookback.review_check_id}),
        reverse("accountability:lookback-list"),
        reverse("accountability:lookback-detail", kwargs={"pk": lookback.pk}),
        reverse("accountability:action-list"),
        reverse("accountability:action-create"),
        reverse("accountability:action-detail", kwargs={"pk": action.pk}),
        reverse("accountability:report-list"),
        reverse("accountability:scheme-list"),
        reverse("accountability:scheme-create"),
    ]
    user = User.objects.get(username="sf.group")
    client.force_login(user)
    complete_second_factor(client, user)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    pending = Case.objects.filter(kind="review", parent_case__unit__code="qs02").get()
    dept = User.objects.get(username="sf.dept")
    client.force_login(dept)
    complete_second_factor(client, dept)
    assert client.get(reverse("accountability:check-create", kwargs={"case_pk": pending.pk})).status_code == 200
    officer = User.objects.get(username="lc.officer")
    client.force_login(officer)
    complete_second_factor(client, officer)
    assert "进京上访" in client.get(reverse("incidents:incident-list")).content.decode()
    assert client.get(reverse("incidents:referral-create")).status_code == 200  # the ledger entries are offered
    assert client.get(reverse("accountability:action-detail", kwargs={"pk": action.pk})).status_code == 200
    assert ContingencyPlan.objects.exists() and Recommendation.objects.exists()
