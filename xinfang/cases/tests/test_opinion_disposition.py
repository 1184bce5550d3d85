"""A 复查/复核 opinion states what it does with the opinion under review — 维持, 变更 or 撤销 (Art 35, 36): the
service, the form, the API and the 复查/复核意见书 carry it; a first-instance opinion has none. The 复查复核改变率 of
the assessment counts the 变更 and 撤销 (xinfang/accountability/tests/test_indicators.py)."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from xinfang.cases import documents as glue
from xinfang.cases import services
from xinfang.cases.models import Case, CaseEvent, Disposition, Kind, Opinion, Status
from xinfang.cases.tests.factories import advance, register
from xinfang.core.errors import DomainError
from xinfang.documents.models import GeneratedDocument
from xinfang.documents.spec import spec_from_context

D = datetime.date
TEXT = {"facts": "经复查，原认定事实清楚。", "opinion": "维持原处理意见。", "legal_basis": "《信访工作条例》第三十五条"}


@pytest.fixture(autouse=True)
def notices_connected():
    glue.connect()  # as CasesConfig.ready() does


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


def review_case(world) -> Case:
    initial = advance(world, register(world), Status.DELIVERED, accepted_on=D(2026, 3, 3), result="reject")
    return services.review_request(actor=world.user("d1.officer"), case=initial, requested_on=D(2026, 4, 1))


def refused(code: str, **kwargs) -> None:
    case = kwargs["case"]
    before = Case.objects.filter(pk=case.pk).values().get()
    events = CaseEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        services.opinion_draft(**kwargs)
    assert exc.value.code == code and exc.value.field == "disposition"
    assert Case.objects.filter(pk=case.pk).values().get() == before
    assert CaseEvent.objects.count() == events
    assert not Opinion.objects.filter(case=case).exists()


def test_a_review_opinion_must_state_its_disposition(world):
    review = review_case(world)
    actor = world.user("d1.officer")
    refused("disposition_required", actor=actor, case=review, result="reject", **TEXT)
    refused("disposition_required", actor=actor, case=review, result="reject", disposition="partly", **TEXT)
    row = services.opinion_draft(actor=actor, case=review, result="reject", disposition="uphold", **TEXT)
    assert row.disposition == Disposition.UPHOLD
    event = review.events.filter(action="draft_opinion").get()
    assert event.data["disposition"] == "uphold"


def test_a_rereview_opinion_must_state_its_disposition_too(world):
    review = advance(world, review_case(world), Status.DELIVERED, disposition="change")
    assert review.opinion.disposition == "change"
    rereview = services.review_request(
        actor=world.user("c.officer"), case=review, requested_on=review.opinion.delivered_on + datetime.timedelta(1)
    )
    assert rereview.kind == Kind.REREVIEW
    refused("disposition_required", actor=world.user("c.officer"), case=rereview, result="explain", **TEXT)
    row = services.opinion_draft(
        actor=world.user("c.officer"), case=rereview, result="explain", disposition="revoke", **TEXT
    )
    assert row.disposition == Disposition.REVOKE


def test_a_first_instance_opinion_has_no_disposition(world):
    case = services.case_accept(actor=world.user("d1b1.officer"), case=register(world), accepted_on=D(2026, 3, 4))
    refused(
        "disposition_not_applicable",
        actor=world.user("d1b1.officer"),
        case=case,
        result="explain",
        disposition="uphold",
        **TEXT,
    )
    assert (
        services.opinion_draft(actor=world.user("d1b1.officer"), case=case, result="explain", **TEXT).disposition == ""
    )


def test_the_review_opinion_letter_states_the_disposition(world):
    review = advance(world, review_case(world), Status.OPINION_ISSUED, result="support", disposition="change")
    (doc,) = GeneratedDocument.objects.for_owner(review).filter(kind="review_opinion")
    text = "\n".join(b.display_text for b in spec_from_context(doc.context).body)
    assert "本机关决定变更甲市一区大队作出的信访处理意见。" in text

    review = advance(world, review, Status.DELIVERED)
    rereview = services.review_request(
        actor=world.user("c.officer"), case=review, requested_on=review.opinion.delivered_on + datetime.timedelta(1)
    )
    rereview = advance(world, rereview, Status.OPINION_ISSUED, disposition="uphold")
    (doc,) = GeneratedDocument.objects.for_owner(rereview).filter(kind="rereview_opinion")
    text = "\n".join(b.display_text for b in spec_from_context(doc.context).body)
    assert "本机关决定维持甲市消防救援支队作出的复查意见。" in text


def test_the_opinion_form_asks_for_the_disposition_only_on_a_review(world, client):
    review = review_case(world)
    client.force_login(world.user("d1.officer"))
    page = client.get(f"/cases/{review.pk}/act/draft_opinion/").content.decode()
    assert 'name="disposition"' in page and "撤销" in page
    data = {"result": "reject", "version": Case.objects.get(pk=review.pk).version, **TEXT}
    r = client.post(f"/cases/{review.pk}/act/draft_opinion/", data)
    assert r.status_code == 200 and not Opinion.objects.filter(case=review).exists()
    r = client.post(f"/cases/{review.pk}/act/draft_opinion/", {**data, "disposition": "change"})
    assert r.status_code == 302
    assert Opinion.objects.get(case=review).disposition == "change"
    detail = client.get(f"/cases/{review.pk}/").content.decode()
    assert "变更原处理意见" in detail

    case = services.case_accept(actor=world.user("d1b1.officer"), case=register(world), accepted_on=D(2026, 3, 4))
    client.force_login(world.user("d1b1.officer"))
    page = client.get(f"/cases/{case.pk}/act/draft_opinion/").content.decode()
    assert 'name="disposition"' not in page


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_requires_and_shows_the_disposition(world):
    review = review_case(world)
    api = api_client(world.user("d1.officer"))
    url = f"/api/v1/cases/{review.pk}/opinion/"
    r = api.post(url, {"result": "reject", **TEXT}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "disposition_required"
    assert "维持、变更还是撤销" in r.json()["detail"]
    r = api.post(url, {"result": "reject", "disposition": "revoke", **TEXT}, format="json")
    assert r.status_code == 200, r.content
    opinion = r.json()["opinion"]
    assert (opinion["disposition"], opinion["disposition_label"]) == ("revoke", "撤销")

    initial = services.case_accept(actor=world.user("d1b1.officer"), case=register(world), accepted_on=D(2026, 3, 4))
    r = api_client(world.user("d1b1.officer")).post(
        f"/api/v1/cases/{initial.pk}/opinion/", {"result": "explain", "disposition": "uphold", **TEXT}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == "disposition_not_applicable"


def test_the_data_migration_derives_the_disposition_from_the_old_rule(world):
    """Review opinions recorded before the field: a result different from the reviewed opinion's → 变更, else 维持;
    first-instance opinions stay blank."""
    changed = advance(world, review_case(world), Status.DELIVERED, result="support", disposition="revoke")
    upheld = review_case(world)
    upheld = advance(world, upheld, Status.DELIVERED, result="reject", disposition="change")
    Opinion.objects.update(disposition="")
    migration = importlib.import_module("xinfang.cases.migrations.0004_opinion_disposition")
    migration.derive_dispositions(apps, None)
    assert Opinion.objects.get(case=changed).disposition == "change"  # reject → support
    assert Opinion.objects.get(case=upheld).disposition == "uphold"  # reject → reject
    assert set(Opinion.objects.filter(case__kind=Kind.INITIAL).values_list("disposition", flat=True)) == {""}
