"""/api/v1/cases/: the full path of a petition through the API, its refusals, scope (404), permissions (403),
confidentiality (Art 30), masking, the documents list and constant list queries."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xinfang.api.cases_views import API_ACTIONS
from xinfang.cases import documents as glue
from xinfang.cases import services
from xinfang.cases.models import Case, CaseEvent, Category, Status
from xinfang.cases.tests.factories import CaseFactory, PetitionerDataFactory, advance, register
from xinfang.core import legal_calendar as cal
from xinfang.documents.models import GeneratedDocument
from xinfang.orgs.models import Post, User
from xinfang.orgs.roles import Role

D = datetime.date
CASES = "/api/v1/cases/"
ID_NUMBER = "110105199001051234"  # a valid GB 11643 number (check digit 4)
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def notices_connected():
    glue.connect()  # as CasesConfig.ready() does


def url(case_id, action: str = "") -> str:
    return f"{CASES}{case_id}/{action + '/' if action else ''}"


def letter(world, **overrides) -> dict:
    body = {
        "unit": world.unit("d1b1").pk,
        "channel": "letter",
        "received_on": "2026-03-02",
        "category": "appeal",
        "topic": "supervision",
        "title": "反映消防通道被占用",
        "content": "某商场消防通道长期被占用，多次举报无人处理，请求依法查处。",
        "petitioners": [{"name": "张三", "id_number": ID_NUMBER, "phone": PHONE, "address": "测试省甲市一区幸福路1号"}],
    }
    body.update(overrides)
    return body


def snapshot(case_id) -> tuple:
    return (
        Case.objects.filter(pk=case_id).values().get(),
        CaseEvent.objects.count(),
        GeneratedDocument.objects.count(),
    )


# ---------------------------------------------------------------------------------------------------
# The full path


def test_letter_goes_from_registration_to_a_review_case_one_level_up(world, token_client, media_root):
    officer = token_client(world.user("d1b1.officer"))
    chief = token_client(world.user("d1b1.chief"))

    r = officer.post(CASES, letter(world), format="json")
    assert r.status_code == 201, r.json()
    case = r.json()
    assert case["number"] == "d1b1-2026-0001"
    assert (case["unit"], case["status"], case["kind"]) == (world.unit("d1b1").pk, "registered", "initial")
    assert case["ack_due"] == "2026-03-17"  # received + 15 days (Art 23)
    assert case["due"] is None  # no conclusion limit before acceptance
    assert case["extension_days"] == 0
    assert case["overdue"] is True  # 2026-03-17 has passed, and nothing was decided
    assert case["query_code"] and len(case["query_code"]) == 12
    assert case["petitioners"] == [
        {
            "name": "张*",
            "id_number": "110105********1234",
            "phone": "138****5678",
            "address": "测试省甲市一****",
            "is_representative": False,
        }
    ]
    cid = case["id"]

    r = officer.post(url(cid, "accept"), {"accepted_on": "2026-03-05"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "accepted"
    assert r.json()["due"] == cal.extended_due(D(2026, 3, 5), 60, 0).isoformat()

    chief_id = world.user("d1b1.chief").pk
    r = officer.post(
        url(cid, "extend"),
        {"days": 15, "reason": "需要现场复核", "approved_by": chief_id, "notified_on": "2026-03-20"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["extension_days"] == 15
    assert r.json()["due"] == cal.extended_due(D(2026, 3, 5), 60, 15).isoformat()
    assert r.json()["extensions"][0]["approved_by"]["id"] == chief_id

    opinion = {
        "result": "explain",
        "facts": "经调查，商场已清理通道。",
        "opinion": "对反映的问题作出解释说明。",
        "legal_basis": "《中华人民共和国消防法》第二十八条",
        "issued_on": "2026-04-10",
    }
    r = officer.post(url(cid, "opinion"), opinion, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "opinion_drafted"
    assert r.json()["opinion"]["issued_on"] == "2026-04-10"  # the planned issue date

    r = chief.post(url(cid, "approve-opinion"), {}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "opinion_issued"  # approved and issued on the planned date
    assert r.json()["opinion"]["approved_by"] == chief_id

    r = officer.post(url(cid, "deliver"), {"delivered_on": "2026-04-12"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "delivered"
    assert r.json()["review_request_until"] == cal.due_date(D(2026, 4, 12), 30).isoformat()

    r = officer.post(url(cid, "evaluate"), {"rating": "dissatisfied"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "evaluated"
    assert r.json()["evaluation"]["rating"] == "dissatisfied"

    # The petitioner asks the 支队 (one level up) for 复查; its officer registers the request.
    r = token_client(world.user("d1.officer")).post(url(cid, "review"), {"requested_on": "2026-04-20"}, format="json")
    assert r.status_code == 201, r.json()
    review = r.json()
    assert review["kind"] == "review"
    assert review["parent_case"] == cid
    assert review["unit"] == world.unit("d1").pk
    assert review["status"] == "accepted"
    assert review["due"] == cal.review_due(D(2026, 4, 20), 30, 0).isoformat()
    assert review["number"] == "d1-2026-0001"
    assert review["query_code"]

    r = officer.get(url(cid))
    assert r.json()["reviews"] == [] or r.json()["reviews"] == [review["id"]]  # the review is at d1: out of his sight
    kinds = [d["kind"] for d in officer.get(url(cid, "documents")).json()]
    assert kinds == ["acceptance_notice", "extension_notice", "opinion"]
    timeline = [e["action"] for e in r.json()["events"]]
    assert timeline == [
        "register",
        "accept",
        "extend",
        "draft_opinion",
        "approve_opinion",
        "issue_opinion",
        "deliver",
        "evaluate",
        "request_review",
    ]


def test_documents_list_after_accept_shows_the_acceptance_notice_with_the_stored_files_sha256(
    world, token_client, media_root
):
    officer = token_client(world.user("d1b1.officer"))
    cid = officer.post(CASES, letter(world), format="json").json()["id"]
    assert officer.get(url(cid, "documents")).json() == []
    officer.post(url(cid, "accept"), {"accepted_on": "2026-03-05"}, format="json")

    r = officer.get(url(cid, "documents"))
    assert r.status_code == 200
    (doc,) = r.json()
    stored = GeneratedDocument.objects.get(pk=doc["id"])
    pdf = (Path(media_root) / stored.pdf.name).read_bytes()
    docx = (Path(media_root) / stored.docx.name).read_bytes()
    assert doc["kind"] == "acceptance_notice"
    assert doc["title"] == "信访事项受理告知书"
    assert doc["number"] == stored.number and doc["number"].endswith("号")
    assert doc["version"] == 1
    assert doc["owner"] == "case"
    assert doc["sha256"] == doc["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert doc["docx_sha256"] == hashlib.sha256(docx).hexdigest()
    assert doc["created_at"]

    download = officer.get(doc["pdf_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == doc["sha256"]
    assert doc["url"] == doc["pdf_url"]
    download = officer.get(doc["docx_url"])
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == doc["docx_sha256"]
    # Outside the issuing unit's scope, the file is as unknown as the case.
    assert token_client(world.user("d1b2.officer")).get(doc["pdf_url"]).status_code == 404


def test_opinion_approved_without_a_planned_date_is_issued_separately(world, token_client):
    case = advance(world, register(world), Status.ACCEPTED)
    officer = token_client(world.user("d1b1.officer"))
    body = {"result": "support", "facts": "属实。", "opinion": "予以解决。", "legal_basis": "《消防法》"}
    assert officer.post(url(case.pk, "opinion"), body, format="json").status_code == 200
    r = token_client(world.user("d1b1.leader")).post(url(case.pk, "approve-opinion"), {}, format="json")
    assert r.json()["status"] == "opinion_approved"
    assert "issue-opinion" in officer.get(url(case.pk)).json()["actions"]
    r = officer.post(url(case.pk, "issue-opinion"), {"issued_on": "2026-04-01"}, format="json")
    assert (r.status_code, r.json()["status"]) == (200, "opinion_issued")
    opinion_doc = [d for d in officer.get(url(case.pk, "documents")).json() if d["kind"] == "opinion"]
    assert [d["title"] for d in opinion_doc] == ["信访处理意见书"]
    officer.post(url(case.pk, "deliver"), {"delivered_on": "2026-04-02"}, format="json")
    # 予以支持: tracked until carried out, then concluded.
    r = officer.post(url(case.pk, "conclude"), {}, format="json")
    assert (r.status_code, r.json()["code"]) == (400, "not_carried_out")
    r = officer.post(url(case.pk, "carried-out"), {"carried_out_on": "2026-04-20", "note": "已整改"}, format="json")
    assert r.json()["opinion"]["carried_out_on"] == "2026-04-20"
    r = officer.post(url(case.pk, "conclude"), {"concluded_on": "2026-04-21"}, format="json")
    assert (r.status_code, r.json()["status"]) == (200, "concluded")


def test_decline_divert_and_forward_answer_the_updated_case(world, token_client):
    officer = token_client(world.user("d1b1.officer"))
    a, b, c = (register(world) for _ in range(3))

    r = officer.post(url(a.pk, "decline"), {"decided_on": "2026-03-04", "reason": "已依法处理完毕"}, format="json")
    assert (r.status_code, r.json()["status"], r.json()["decline_reason"]) == (200, "declined", "已依法处理完毕")

    body = {"decided_on": "2026-03-04", "art31_item": 1, "route": "依法向人民法院提起行政诉讼"}
    r = officer.post(url(b.pk, "divert"), body, format="json")
    assert (r.status_code, r.json()["status"], r.json()["due"]) == (200, "diverted", None)

    r = officer.post(
        url(c.pk, "forward"), {"to_unit": world.unit("d1b2").pk, "forwarded_on": "2026-03-04"}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert r.json()["unit"] == world.unit("d1b2").pk
    assert r.json()["status"] == "forwarded"
    assert r.json()["transfers"][0]["kind"] == "forward"
    kinds = {d["kind"] for d in officer.get(url(c.pk, "documents")).json()}
    assert kinds == {"forward_letter"}


def test_assignment_down_the_tree_and_the_objection(world, token_client):
    case = register(world, "d1")
    d1 = token_client(world.user("d1.officer"))
    body = {
        "to_unit": world.unit("d1b1").pk,
        "forwarded_on": "2026-03-03",
        "kind": "assign",
        "result_due": "2026-04-30",
    }
    r = d1.post(url(case.pk, "forward"), body, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["transfers"][0]["result_due"] == "2026-04-30"

    b1 = token_client(world.user("d1b1.officer"))
    r = b1.post(url(case.pk, "object"), {"objected_on": "2026-03-05", "reason": "不属于本单位职权"}, format="json")
    assert (r.status_code, r.json()["status"]) == (200, "objected")
    # Only the sending unit decides.
    assert b1.post(url(case.pk, "agree-objection"), {"decided_on": "2026-03-06"}, format="json").status_code == 403
    r = d1.post(url(case.pk, "agree-objection"), {"decided_on": "2026-03-06"}, format="json")
    assert (r.status_code, r.json()["status"], r.json()["unit"]) == (200, "registered", world.unit("d1").pk)


def test_hearing_days_lengthen_a_review_period(world, token_client):
    case = advance(world, register(world), Status.DELIVERED)
    review = services.review_request(actor=world.user("d1.officer"), case=case, requested_on=D(2026, 4, 10))
    r = token_client(world.user("d1.officer")).post(
        url(review.pk, "hearing"), {"days": 5, "held_on": "2026-04-15"}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert (r.json()["hearing_days"], r.json()["due"]) == (5, cal.review_due(D(2026, 4, 10), 30, 5).isoformat())


# ---------------------------------------------------------------------------------------------------
# Refusals: 400 with a code, and nothing changes


def _accepted(world):
    return advance(world, register(world), Status.ACCEPTED)


def _drafted(world):
    return advance(world, register(world), Status.OPINION_DRAFTED)


def _delivered(world):
    return advance(world, register(world), Status.DELIVERED)


def _accusation(world):
    return register(
        world, "d1", category=Category.ACCUSATION, topic="conduct", title="检举", accused_unit=world.unit("d1b1")
    )


REFUSALS = [
    # (name, case builder, user, action, body, code)
    ("accept_twice", _accepted, "d1b1.officer", "accept", {"accepted_on": "2026-03-06"}, "invalid_state"),
    ("accept_before_receipt", register, "d1b1.officer", "accept", {"accepted_on": "2026-03-01"}, "date_too_early"),
    ("accept_in_future", register, "d1b1.officer", "accept", {"accepted_on": "2099-01-01"}, "date_in_future"),
    ("accept_bad_date", register, "d1b1.officer", "accept", {"accepted_on": "05/03/2026"}, "invalid"),
    (
        "decline_without_reason",
        register,
        "d1b1.officer",
        "decline",
        {"decided_on": "2026-03-04", "reason": ""},
        "invalid",
    ),
    (
        "divert_item_6",
        register,
        "d1b1.officer",
        "divert",
        {"decided_on": "2026-03-04", "art31_item": 6, "route": "出具意见"},
        "invalid_art31_item",
    ),
    (
        "forward_to_accused",
        _accusation,
        "d1.officer",
        "forward",
        {"to_unit": "d1b1", "forwarded_on": "2026-03-04"},
        "forward_to_accused",
    ),
    (
        "assign_without_result_due",
        lambda w: register(w, "d1"),
        "d1.officer",
        "forward",
        {"to_unit": "d1b1", "forwarded_on": "2026-03-04", "kind": "assign"},
        "result_due_required",
    ),
    (
        "extension_over_30",
        _accepted,
        "d1b1.officer",
        "extend",
        {"days": 31, "reason": "复杂", "approved_by": "d1b1.chief", "notified_on": "2026-03-20"},
        "extension_limit",
    ),
    (
        "extension_not_approved_by_a_leader",
        _accepted,
        "d1b1.officer",
        "extend",
        {"days": 10, "reason": "复杂", "approved_by": "d1b2.officer", "notified_on": "2026-03-20"},
        "approver_not_leader",
    ),
    (
        "extension_before_acceptance",
        register,
        "d1b1.officer",
        "extend",
        {"days": 10, "reason": "复杂", "approved_by": "d1b1.chief", "notified_on": "2026-03-20"},
        "invalid_state",
    ),
    (
        "opinion_bad_result",
        _accepted,
        "d1b1.officer",
        "opinion",
        {"result": "maybe", "facts": "f", "opinion": "o", "legal_basis": "b"},
        "invalid",
    ),
    (
        "opinion_issue_before_acceptance",
        _accepted,
        "d1b1.officer",
        "opinion",
        {"result": "explain", "facts": "f", "opinion": "o", "legal_basis": "b", "issued_on": "2026-03-01"},
        "date_too_early",
    ),
    ("deliver_before_issue", _drafted, "d1b1.officer", "deliver", {"delivered_on": "2026-04-01"}, "invalid_state"),
    ("evaluate_before_delivery", _accepted, "d1b1.officer", "evaluate", {"rating": "satisfied"}, "invalid_state"),
    ("review_after_30_days", _delivered, "d1.officer", "review", {"requested_on": "2026-06-30"}, "review_late"),
    ("review_before_delivery", _accepted, "d1.officer", "review", {"requested_on": "2026-04-30"}, "invalid_state"),
    ("stale_version", register, "d1b1.officer", "accept", {"accepted_on": "2026-03-05", "version": 99}, "stale"),
]


@pytest.mark.parametrize(
    ("builder", "username", "action", "body", "code"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_a_refused_action_answers_400_with_a_code_and_changes_nothing(
    world, token_client, builder, username, action, body, code
):
    case = builder(world)
    body = {
        k: (world.user(v).pk if k == "approved_by" else world.unit(v).pk if k == "to_unit" else v)
        for k, v in body.items()
    }
    before = snapshot(case.pk)

    r = token_client(world.user(username)).post(url(case.pk, action), body, format="json")

    assert r.status_code == 400, r.json()
    assert r.json()["code"] == code
    assert r.json()["detail"]  # a Chinese explanation
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["detail"])
    assert snapshot(case.pk) == before


def test_approval_by_the_drafter_is_refused(world, token_client):
    """A chief who also holds an officer post drafts the opinion: he may not approve it himself."""
    chief = world.user("d1b1.chief")
    Post.objects.create(user=chief, unit=world.unit("d1b1"), role=Role.OFFICER, start_on=D(2020, 1, 1))
    case = _accepted(world)
    client = token_client(chief)
    body = {"result": "explain", "facts": "f", "opinion": "o", "legal_basis": "b"}
    assert client.post(url(case.pk, "opinion"), body, format="json").status_code == 200
    before = snapshot(case.pk)

    r = client.post(url(case.pk, "approve-opinion"), {}, format="json")

    assert (r.status_code, r.json()["code"]) == (400, "approver_is_drafter")
    assert snapshot(case.pk) == before


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"topic": "no-such-topic"}, "invalid_topic"),
        ({"petitioners": [{"name": "张三", "id_number": "110105198001011230"}]}, "invalid_id_number"),
        ({"category": "accusation"}, "accused_required"),
        ({"received_on": "2099-01-01"}, "date_in_future"),
        ({"channel": "pigeon"}, "invalid"),
        ({"title": ""}, "invalid"),
        ({"petitioners": []}, "petitioner_required"),
        ({"original_case": 999999}, "invalid_original"),
    ],
)
def test_a_refused_registration_answers_400_and_creates_nothing(world, token_client, overrides, code):
    counts = (Case.objects.count(), CaseEvent.objects.count())
    r = token_client(world.user("d1b1.officer")).post(CASES, letter(world, **overrides), format="json")
    assert r.status_code == 400, r.json()
    assert r.json()["code"] == code
    assert (Case.objects.count(), CaseEvent.objects.count()) == counts


def test_a_repeat_links_to_its_original_and_anonymous_collective_petitions_register(world, token_client):
    officer = token_client(world.user("d1b1.officer"))
    first = officer.post(CASES, letter(world), format="json").json()
    r = officer.post(CASES, letter(world, original_case=first["id"], received_on="2026-03-10"), format="json")
    assert (r.status_code, r.json()["original_case"]) == (201, first["id"])

    r = officer.post(CASES, letter(world, anonymous=True, petitioners=[]), format="json")
    assert (r.status_code, r.json()["anonymous"], r.json()["petitioners"]) == (201, True, [])

    people = [{"name": f"代表{i}", "is_representative": True} for i in range(3)]
    r = officer.post(CASES, letter(world, petitioners=people, headcount=30), format="json")
    assert (r.status_code, r.json()["collective"], r.json()["headcount"]) == (201, True, 30)

    r = officer.post(f"{CASES}repeat-candidates/", {"id_number": ID_NUMBER, "title": "消防通道被占用"}, format="json")
    assert r.status_code == 200
    found = {row["case"]["id"]: row for row in r.json()}
    assert found[first["id"]]["same_petitioner"] is True


# ---------------------------------------------------------------------------------------------------
# Scope (404) and permissions (403)

OTHER_POSTS = ["assign-handler", "declare-interest", "reset-query-code", "attachments"]


def test_a_sibling_brigade_officer_gets_404_on_every_case_endpoint(world, token_client):
    case = advance(world, register(world), Status.ACCEPTED)
    attachment = services.attachment_add(
        actor=world.user("d1b1.officer"), case=case, file=_upload("证据.pdf", b"%PDF-1.4 x")
    )
    before = snapshot(case.pk)
    outsider = token_client(world.user("d1b2.officer"))

    assert outsider.get(url(case.pk)).status_code == 404
    assert outsider.get(url(case.pk, "documents")).status_code == 404
    assert outsider.get(url(case.pk, f"attachments/{attachment.pk}")).status_code == 404
    for action in [*API_ACTIONS.values(), *OTHER_POSTS]:
        r = outsider.post(url(case.pk, action), {}, format="json")
        assert r.status_code == 404, action
        assert r.json() == {"code": "not_found", "detail": "信访事项不存在或不在您的权限范围内"}, action
    assert case.pk not in [c["id"] for c in outsider.get(CASES).json()["results"]]
    doc = GeneratedDocument.objects.get(kind="acceptance_notice")
    assert outsider.get(f"/api/v1/documents/{doc.pk}/pdf/").status_code == 404
    # Nonexistent ids answer the same.
    assert outsider.get(url(999999)).status_code == 404
    assert snapshot(case.pk) == before


def test_registering_at_a_unit_out_of_scope_is_404_and_without_the_permission_403(world, token_client):
    r = token_client(world.user("d1b2.officer")).post(CASES, letter(world), format="json")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    member = _member(world)
    r = token_client(member).post(CASES, letter(world), format="json")
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    assert Case.objects.count() == 0


def _member(world) -> User:
    """A 班子成员 of d1b1: sees the brigade's cases, may neither register nor handle nor approve."""
    user = User.objects.create_user(username="d1b1.member", password="x", name="班子成员", unit=world.unit("d1b1"))
    Post.objects.create(user=user, unit=world.unit("d1b1"), role=Role.MEMBER, start_on=D(2020, 1, 1))
    return user


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


FORBIDDEN = [
    # (user, case state, action): in scope, without the permission the step needs where it applies
    ("d1b1.chief", Status.REGISTERED, "accept"),  # 主官 approves, does not handle
    ("d1b1.leader", Status.REGISTERED, "decline"),
    ("d1b1.chief", Status.ACCEPTED, "extend"),
    ("d1b1.chief", Status.ACCEPTED, "opinion"),
    ("d1b1.officer", Status.OPINION_DRAFTED, "approve-opinion"),  # the officer cannot approve
    ("d1b1.officer", Status.OPINION_DRAFTED, "return-opinion"),
    ("d1b1.chief", Status.OPINION_ISSUED, "deliver"),
    ("d1b1.officer", Status.DELIVERED, "review"),  # 复查 is registered by the unit one level up
    ("d1b1.member", Status.REGISTERED, "accept"),
    ("d1b1.member", Status.REGISTERED, "forward"),
    ("d1b1.member", Status.REGISTERED, "reset-query-code"),
    ("d1b1.member", Status.REGISTERED, "attachments"),
    ("d1b1.member", Status.REGISTERED, "assign-handler"),
]


@pytest.mark.parametrize(("username", "state", "action"), FORBIDDEN)
def test_in_scope_without_the_permission_is_403_and_changes_nothing(world, token_client, username, state, action):
    member = _member(world)
    case = advance(world, register(world), state)
    before = snapshot(case.pk)
    user = member if username == "d1b1.member" else world.user(username)
    body = {"handler": world.user("d1b1.officer").pk} if action == "assign-handler" else {}
    if action == "attachments":
        r = token_client(user).post(url(case.pk, action), {"file": _upload("a.txt", b"hello")}, format="multipart")
    else:
        r = token_client(user).post(url(case.pk, action), body, format="json")

    assert r.status_code == 403, r.json()
    assert r.json()["code"] == "forbidden"
    assert snapshot(case.pk) == before
    # He still sees the case.
    assert token_client(user).get(url(case.pk)).status_code == 200


def test_actions_offered_follow_state_and_permission(world, token_client):
    case = register(world)
    assert set(token_client(world.user("d1b1.officer")).get(url(case.pk)).json()["actions"]) == {
        "accept",
        "decline",
        "divert",
        "forward",
    }
    assert token_client(world.user("d1b1.chief")).get(url(case.pk)).json()["actions"] == []


# ---------------------------------------------------------------------------------------------------
# Confidentiality (Art 30)


def test_an_accusation_against_a_brigade_is_hidden_from_its_staff(world, token_client):
    officer = token_client(world.user("d1.officer"))
    body = letter(
        world,
        unit=world.unit("d1").pk,
        category="accusation",
        topic="conduct",
        title="检举大队干部吃拿卡要",
        accused_unit=world.unit("d1b1").pk,
        accused_officials=[world.user("d1.leader").pk],
    )
    r = officer.post(CASES, body, format="json")
    assert r.status_code == 201, r.json()
    cid, number = r.json()["id"], r.json()["number"]
    officer.post(url(cid, "accept"), {"accepted_on": "2026-03-05"}, format="json")
    assert cid in [c["id"] for c in officer.get(CASES).json()["results"]]

    for name in ("d1b1.officer", "d1b1.chief", "d1b1.leader", "d1.leader"):
        client = token_client(world.user(name))
        listed = client.get(CASES, {"q": number}).json()
        assert listed["count"] == 0, name
        assert client.get(url(cid)).status_code == 404, name
        assert client.get(url(cid, "documents")).status_code == 404, name
        doc = GeneratedDocument.objects.get(object_id=cid, kind="acceptance_notice")
        assert client.get(f"/api/v1/documents/{doc.pk}/pdf/").status_code == 404, name

    # Nor may it be forwarded to the accused brigade.
    r = officer.post(
        url(cid, "forward"), {"to_unit": world.unit("d1b1").pk, "forwarded_on": "2026-03-06"}, format="json"
    )
    assert r.status_code == 400


# ---------------------------------------------------------------------------------------------------
# The list: filters, pagination, masking, constant queries


def test_list_filters_by_status_overdue_unit_subtree_and_text(world, token_client):
    today = datetime.date.today()
    d1b1, d1b2 = world.unit("d1b1"), world.unit("d1b2")
    officer, other = world.user("d1b1.officer"), world.user("d1b2.officer")
    late = CaseFactory(unit=d1b1, registered_by=officer, ack_due=today - datetime.timedelta(days=1), title="逾期事项")
    fresh = CaseFactory(unit=d1b1, registered_by=officer, ack_due=today + datetime.timedelta(days=10), title="新事项")
    accepted = CaseFactory(
        unit=d1b2, registered_by=other, status=Status.ACCEPTED, accepted_on=today, due=today + datetime.timedelta(60)
    )
    person = PetitionerDataFactory(name="李四")
    named = CaseFactory(unit=d1b2, registered_by=other, petitioners=[person], ack_due=today)
    client = token_client(world.user("d1.chief"))

    def ids(**params) -> set[int]:
        r = client.get(CASES, params)
        assert r.status_code == 200, r.json()
        return {c["id"] for c in r.json()["results"]}

    assert ids() == {late.pk, fresh.pk, accepted.pk, named.pk}
    assert ids(status="accepted") == {accepted.pk}
    assert ids(status="registered,accepted") == {late.pk, fresh.pk, accepted.pk, named.pk}
    assert ids(overdue="true") == {late.pk}
    assert ids(unit=d1b2.pk) == {accepted.pk, named.pk}
    assert ids(q="逾期") == {late.pk}
    assert ids(q="李四") == {named.pk}  # a petitioner's exact name, through the keyed hash
    assert ids(q=person.id_number) == {named.pk}
    r = client.get(CASES, {"status": "bogus"})
    assert (r.status_code, r.json()["code"]) == (400, "invalid")

    page = client.get(CASES, {"page_size": 3, "sort": "number"}).json()
    assert page["count"] == 4 and len(page["results"]) == 3 and page["next"]
    row = next(c for c in client.get(CASES).json()["results"] if c["id"] == late.pk)
    assert (row["overdue"], row["due_state"], row["deadline"]) == (True, "overdue", late.ack_due.isoformat())


def test_personal_data_is_masked_everywhere(world, token_client):
    officer = token_client(world.user("d1b1.officer"))
    created = officer.post(CASES, letter(world), format="json")
    cid = created.json()["id"]
    for response in (created, officer.get(url(cid)), officer.get(CASES)):
        raw = response.content.decode()
        assert ID_NUMBER not in raw and PHONE not in raw and "张三" not in raw
        assert "110105********1234" in raw and "138****5678" in raw


def test_case_list_query_count_is_the_same_for_1_and_30_cases(world, token_client):
    officer = world.user("d1b1.officer")
    client = token_client(officer)
    CaseFactory(unit=world.unit("d1b1"), registered_by=officer, handler=officer)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(CASES)
        assert r.status_code == 200
        return len(ctx.captured_queries), r.json()["count"]

    client.get(CASES)  # warm the process-wide ContentType cache (used for the user's shares)
    one, n1 = count()
    for _ in range(29):
        CaseFactory(unit=world.unit("d1b1"), registered_by=officer, handler=officer)
    thirty, n30 = count()
    assert (n1, n30) == (1, 30)
    # token + user, the user's posts (grants), the scope's unit ids and forwarded cases, his home unit (Art 30),
    # his shares, the capped count, the cases (joined unit/topic/handler), their petitioners (prefetch)
    assert one == thirty == 8


def test_topics_list_the_active_topic_codes(world, token_client):
    r = token_client(world.user("d1b1.officer")).get("/api/v1/topics/")
    assert r.status_code == 200
    codes = [t["code"] for t in r.json()["results"]]
    assert "supervision" in codes and "other" in codes


def test_anonymous_client_is_401(db, api_client):
    assert api_client.get(CASES).status_code == 401
    assert api_client.post(CASES, {}, format="json").status_code == 401


def test_attachments_upload_and_download_through_the_access_check(world, token_client):
    case = register(world)
    officer = token_client(world.user("d1b1.officer"))
    r = officer.post(
        url(case.pk, "attachments"), {"file": _upload("举报信.pdf", b"%PDF-1.4 letter")}, format="multipart"
    )
    assert r.status_code == 201, r.json()
    assert r.json()["name"] == "举报信.pdf"
    download = officer.get(r.json()["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 letter"
    r = officer.post(url(case.pk, "attachments"), {"file": _upload("evil.exe", b"MZ")}, format="multipart")
    assert (r.status_code, r.json()["code"]) == (400, "attachment_type")


def test_schema_documents_the_case_endpoints(world, token_client):
    schema = token_client(world.user("d1b1.officer")).get("/api/schema/", {"format": "json"}).json()
    paths = set(schema["paths"])
    assert {"/api/v1/cases/", "/api/v1/cases/{id}/", "/api/v1/cases/{id}/documents/", "/api/v1/topics/"} <= paths
    for action in API_ACTIONS.values():
        assert f"/api/v1/cases/{{id}}/{action}/" in paths, action


def test_rereview_goes_one_level_above_the_review_unit_and_is_final(world, token_client):
    case = advance(world, register(world), Status.DELIVERED)
    review = services.review_request(actor=world.user("d1.officer"), case=case, requested_on=D(2026, 4, 10))
    review = advance(world, review, Status.DELIVERED)
    corps = token_client(world.user("c.officer"))

    r = corps.post(url(review.pk, "review"), {"requested_on": "2026-05-10"}, format="json")

    assert r.status_code == 201, r.json()
    rereview = r.json()
    assert (rereview["kind"], rereview["parent_case"], rereview["unit"]) == ("rereview", review.pk, world.unit("c").pk)
    assert rereview["due"] == cal.review_due(D(2026, 5, 10), 30, 0).isoformat()
    advance(world, Case.objects.get(pk=rereview["id"]), Status.DELIVERED)
    kinds = [d["kind"] for d in corps.get(url(rereview["id"], "documents")).json()]
    assert kinds == ["rereview_opinion"]
    before = snapshot(rereview["id"])
    r = corps.post(url(rereview["id"], "review"), {"requested_on": "2026-07-01"}, format="json")
    assert (r.status_code, r.json()["code"]) == (400, "rereview_final")
    assert snapshot(rereview["id"]) == before
