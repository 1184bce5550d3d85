"""The leadership services state the rules: who records what where, the ownership rule for supervised cases
(seed 一(三)), 三到位一处理 before 停诉息访, lifting with a reason, the public schedule, the 包案责任书."""

from __future__ import annotations

import datetime
import io

import docx
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404

from xinfang.cases.models import Case, Category
from xinfang.cases.tests.factories import PetitionerDataFactory, register
from xinfang.core.errors import DomainError
from xinfang.core.models import AuditEvent
from xinfang.documents.models import GeneratedDocument
from xinfang.leadership import selectors, services
from xinfang.leadership.models import (
    Basis,
    DayStatus,
    Ownership,
    OwnershipStatus,
    Reception,
    SupervisionStatus,
)
from xinfang.leadership.tests.factories import case, meeting, member, ownership, reception, supervision, today
from xinfang.orgs.models import Level, Post, Unit, User
from xinfang.orgs.roles import Role

D = datetime.date


def _raises(code: str, fn, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as e:
        fn(*args, **kwargs)
    assert e.value.code == code, e.value.message
    return e.value


# --- 党委会 --------------------------------------------------------------------------------------------------


def test_meeting_is_recorded_with_its_minutes_and_audited(world):
    minutes = SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")
    m = services.meeting_record(
        actor=world.user("d1.officer"),
        unit=world.unit("d1"),
        held_on=today(),
        topics="研究年度信访工作",
        decisions="明确分管领导",
        minutes=minutes,
    )
    assert m.minutes_name == "纪要.pdf" and len(m.minutes_sha256) == 64
    assert default_storage.exists(m.minutes.name)
    assert AuditEvent.objects.filter(action="leadership.meeting.recorded", target_id=str(m.pk)).exists()


def test_meeting_refusals(world):
    officer = world.user("d1b1.officer")
    kw = {"held_on": today(), "topics": "议题", "decisions": "决定"}
    _raises("forbidden", services.meeting_record, actor=officer, unit=world.unit("d1"), **kw)
    _raises("forbidden", services.meeting_record, actor=world.user("sysadmin"), unit=world.unit("d1b1"), **kw)
    _raises(
        "date_in_future",
        services.meeting_record,
        actor=officer,
        unit=world.unit("d1b1"),
        held_on=today() + datetime.timedelta(days=1),
        topics="议题",
        decisions="决定",
    )
    _raises(
        "required",
        services.meeting_record,
        actor=officer,
        unit=world.unit("d1b1"),
        held_on=today(),
        topics="",
        decisions="决定",
    )
    fake = SimpleUploadedFile("纪要.pdf", b"not a pdf", content_type="application/pdf")
    _raises("minutes_content", services.meeting_record, actor=officer, unit=world.unit("d1b1"), minutes=fake, **kw)
    exe = SimpleUploadedFile("纪要.exe", b"MZ", content_type="application/octet-stream")
    _raises("minutes_type", services.meeting_record, actor=officer, unit=world.unit("d1b1"), minutes=exe, **kw)


# --- 接访 ---------------------------------------------------------------------------------------------------


def test_reception_day_plan_publish_and_the_public_schedule(world):
    future = today() + datetime.timedelta(days=10)
    day = services.reception_day_plan(
        actor=world.user("d1.officer"),
        unit=world.unit("d1"),
        leader=world.user("d1.chief"),
        planned_on=future,
        time_text="上午9:00—12:00",
        place="支队信访接待室",
    )
    assert day.role == Role.CHIEF
    assert selectors.published_schedule() == []
    services.reception_day_publish(actor=world.user("d1.officer"), day=day, published=True)
    rows = selectors.published_schedule(from_date=today())
    assert len(rows) == 1
    row = rows[0]
    assert (row.planned_on, row.leader_name, row.post, row.unit_name) == (
        future,
        "甲市消防救援支队主官",
        "主官",
        "甲市消防救援支队",
    )
    assert set(vars(row)) == {"planned_on", "time_text", "place", "unit_name", "leader_name", "post"}
    # Filtered by unit (its subtree) and date.
    assert selectors.published_schedule(unit=world.unit("d2")) == []
    assert len(selectors.published_schedule(unit=world.unit("c"))) == 1
    assert selectors.published_schedule(from_date=future + datetime.timedelta(days=1)) == []
    # A cancelled day leaves the public schedule.
    services.reception_day_cancel(actor=world.user("d1.officer"), day=day, reason="临时任务")
    assert selectors.published_schedule() == []


def test_reception_day_refusals(world):
    future = today() + datetime.timedelta(days=5)
    officer = world.user("d1.officer")
    _raises(
        "not_a_leader",
        services.reception_day_plan,
        actor=officer,
        unit=world.unit("d1"),
        leader=world.user("d1.officer"),
        planned_on=future,
    )
    _raises(
        "not_a_leader",
        services.reception_day_plan,
        actor=officer,
        unit=world.unit("d1"),
        leader=world.user("d1b1.chief"),
        planned_on=future,
    )
    _raises(
        "forbidden",
        services.reception_day_plan,
        actor=world.user("d2.officer"),
        unit=world.unit("d1"),
        leader=world.user("d1.chief"),
        planned_on=future,
    )
    services.reception_day_plan(actor=officer, unit=world.unit("d1"), leader=world.user("d1.chief"), planned_on=future)
    _raises(
        "duplicate_day",
        services.reception_day_plan,
        actor=officer,
        unit=world.unit("d1"),
        leader=world.user("d1.chief"),
        planned_on=future,
    )
    day = services.reception_day_plan(
        actor=officer, unit=world.unit("d1"), leader=world.user("d1.leader"), planned_on=future
    )
    _raises("date_in_future", services.reception_day_hold, actor=officer, day=day)


def test_reception_links_visitors_to_petitioners_and_marks_the_day_held(world):
    c = case(world, "d1b1", petitioners=[PetitionerDataFactory(name="王来访", phone="13800001111")])
    day = services.reception_day_plan(
        actor=world.user("d1b1.officer"), unit=world.unit("d1b1"), leader=world.user("d1b1.chief"), planned_on=today()
    )
    r = services.reception_record(
        actor=world.user("d1b1.officer"),
        leader=world.user("d1b1.chief"),
        received_on=today(),
        matter="反映消防通道被占用",
        outcome="当场答复，责成监督员核查",
        visitors=[{"petitioner": c.petitioners.get().pk}, {"name": "李陪同", "phone": "13900002222"}],
        case=c,
    )
    assert r.unit == world.unit("d1b1") and r.role == Role.CHIEF and r.headcount == 2 and r.case == c
    visitors = list(r.visitors.order_by("order"))
    assert visitors[0].petitioner is not None and visitors[0].name == "王来访" and visitors[0].phone == "13800001111"
    assert visitors[1].petitioner is None and visitors[1].name == "李陪同"
    # Stored encrypted.
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM leadership_receptionvisitor WHERE id = %s", [visitors[1].pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("enc1:") and "李陪同" not in raw
    day.refresh_from_db()
    assert day.status == DayStatus.HELD and r.reception_day == day


def test_reception_refusals(world):
    officer = world.user("d1b1.officer")
    other_case = case(world, "d1b2")
    _raises("not_a_leader", services.reception_record, actor=officer, leader=officer, received_on=today(), matter="事")
    _raises(
        "forbidden",
        services.reception_record,
        actor=officer,
        leader=world.user("d1b2.chief"),
        received_on=today(),
        matter="事",
    )
    _raises(
        "case_not_found",
        services.reception_record,
        actor=officer,
        leader=world.user("d1b1.chief"),
        received_on=today(),
        matter="事",
        case=other_case,
    )
    _raises(
        "petitioner_not_found",
        services.reception_record,
        actor=officer,
        leader=world.user("d1b1.chief"),
        received_on=today(),
        matter="事",
        visitors=[{"petitioner": other_case.petitioners.get().pk}],
    )
    _raises(
        "required",
        services.reception_record,
        actor=officer,
        leader=world.user("d1b1.chief"),
        received_on=today(),
        matter="事",
        visitors=[{"phone": "13800000000"}],
    )
    assert not Reception.objects.exists()


def test_a_leader_with_posts_at_two_units_names_the_unit(world):
    Post.objects.create(user=world.user("d1.leader"), unit=world.unit("d1b1"), role=Role.CHIEF, start_on=D(2020, 1, 1))
    _raises(
        "unit_required",
        services.reception_record,
        actor=world.user("d1.officer"),
        leader=world.user("d1.leader"),
        received_on=today(),
        matter="事",
    )
    r = services.reception_record(
        actor=world.user("d1.officer"),
        leader=world.user("d1.leader"),
        unit=world.unit("d1b1"),
        received_on=today(),
        matter="事",
    )
    assert r.unit == world.unit("d1b1") and r.role == Role.CHIEF


def test_reception_link_case(world):
    r = reception(world, "d1b1", "d1b1.chief", today())
    c = case(world, "d1b1")
    services.reception_link_case(actor=world.user("d1b1.officer"), reception=r, case=c)
    assert Reception.objects.get(pk=r.pk).case == c
    _raises(
        "already_linked",
        services.reception_link_case,
        actor=world.user("d1b1.officer"),
        reception=r,
        case=case(world, "d1b1"),
    )
    _raises("forbidden", services.reception_link_case, actor=world.user("d1b2.officer"), reception=r, case=c)


# --- 包案 and 挂牌督办: the ownership rule ------------------------------------------------------------------


def test_a_supervised_case_is_owned_by_the_chief_of_its_detachment_and_nobody_else(world):
    c = case(world, "d1b1")
    s = supervision(world, c)
    assert s.listed_by_unit == world.unit("c") and s.status == SupervisionStatus.ACTIVE
    # The system proposes the 支队主官 …
    proposal = services.proposed_owner(c)
    assert proposal is not None and proposal.user == world.user("d1.chief") and proposal.unit == world.unit("d1")
    # … and refuses another leader: the 支队's 分管领导, the 大队主官, the 总队主官, another 支队's chief.
    for leader in ("d1.leader", "d1b1.chief", "c.chief", "d2.chief"):
        _raises("supervised_owner", ownership, world, c, leader, "c.chief")
    o = ownership(world, c, "d1.chief", "d1.chief", deadline=s.deadline)
    assert o.unit == world.unit("d1") and o.role == Role.CHIEF and o.basis == Basis.SUPERVISED


def test_a_major_case_in_a_brigade_may_be_owned_by_the_brigade_chief(world):
    c = case(world, "d1b1")
    o = ownership(world, c, "d1b1.chief", "d1b1.chief")
    assert o.unit == world.unit("d1b1") and o.basis == Basis.MAJOR
    # Not by a leader of a unit beside it, nor by someone who is not a leader.
    c2 = case(world, "d1b1")
    _raises("owner_not_leader", ownership, world, c2, "d1b2.chief", "d1.chief")
    _raises("owner_not_leader", ownership, world, c2, "d1b1.officer", "d1.chief")
    # The officer may not assign an ownership.
    _raises("forbidden", ownership, world, c2, "d1b1.chief", "d1b1.officer")


def test_supervision_after_ownership_hands_over_to_the_detachment_chief(world):
    c = case(world, "d1b1")
    first = ownership(world, c, "d1b1.chief", "d1b1.chief")
    s = supervision(world, c)
    checks = selectors.supervision_owner_checks([s])
    assert checks[s.pk].ok is False and checks[s.pk].owner == first and checks[s.pk].required_unit == world.unit("d1")
    _raises("already_owned", ownership, world, c, "d1.chief", "d1.chief", deadline=s.deadline)
    second = ownership(world, c, "d1.chief", "d1.chief", deadline=s.deadline, replace=True)
    first.refresh_from_db()
    assert first.status == OwnershipStatus.HANDED_OVER and second.status == OwnershipStatus.OPEN
    s = selectors.supervision_list(world.user("c.chief")).get(pk=s.pk)
    assert selectors.supervision_owner_checks([s])[s.pk].ok is True


def test_ownership_deadline_rules(world):
    c = case(world, "d1b1")
    s = supervision(world, c, deadline=today() + datetime.timedelta(days=10))
    _raises(
        "deadline_after_supervision",
        ownership,
        world,
        c,
        "d1.chief",
        "d1.chief",
        deadline=today() + datetime.timedelta(days=11),
    )
    _raises(
        "deadline_before_start",
        ownership,
        world,
        c,
        "d1.chief",
        "d1.chief",
        deadline=today() - datetime.timedelta(days=1),
    )
    assert ownership(world, c, "d1.chief", "d1.chief", deadline=s.deadline)


def test_only_a_bureau_or_the_corps_lists_a_case_for_supervision(world):
    c = case(world, "d1b1")
    _raises("supervision_level", supervision, world, c, "d1.chief")
    _raises("supervision_level", supervision, world, c, "d1b1.chief")
    _raises("case_not_found", supervision, world, c, "d2.chief")
    _raises("supervision_level", supervision, world, c, "c.officer")  # no supervision.manage
    # A bureau order recorded by the corps needs the bureau's reference number.
    _raises("required", supervision, world, c, "c.chief", level="bureau")
    s = supervision(world, c, "c.leader", level="bureau", reference_no="消防救援局信访督〔2026〕3号")
    assert s.level == "bureau" and s.listed_by_unit == world.unit("c")
    _raises("already_supervised", supervision, world, c, "c.chief")


def test_a_bureau_unit_lists_in_its_own_name(world):
    bureau = Unit.objects.create(code="bj", name="国家消防救援局", level=Level.BUREAU)
    bureau.path = f"/{bureau.pk}/"
    bureau.save(update_fields=["path"])
    corps = world.unit("c")
    Unit.objects.filter(pk__in=[u.pk for u in world.units.values()]).update()  # paths below stay as they are
    # Put the corps under the bureau: every path gains the bureau's prefix.
    for u in Unit.objects.exclude(pk=bureau.pk):
        u.path = f"/{bureau.pk}{u.path}"
        u.depth += 1
        if u.pk == corps.pk:
            u.parent = bureau
        u.save()
    officer = User.objects.create_user(username="bj.chief", password="x", name="局领导", unit=bureau)
    Post.objects.create(user=officer, unit=bureau, role=Role.CHIEF, start_on=D(2020, 1, 1))
    c = case(world, "d1b1")
    s = services.supervision_open(actor=officer, case=c, level="bureau", deadline=today() + datetime.timedelta(days=9))
    assert s.listed_by_unit == bureau and s.reference_no == ""
    # Lifting is the listing unit's: the corps may not lift the bureau's supervision.
    _raises("forbidden", services.supervision_lift, actor=world.user("c.chief"), supervision=s, reason="已化解")


def test_supervision_progress_and_lifting_with_a_reason(world):
    c = case(world, "d1b1")
    s = supervision(world, c)
    services.supervision_report(actor=world.user("d1b1.officer"), supervision=s, on=today(), content="已约见信访人")
    _raises(
        "forbidden", services.supervision_report, actor=world.user("d2.officer"), supervision=s, on=today(), content="x"
    )
    _raises("forbidden", services.supervision_lift, actor=world.user("d1.chief"), supervision=s, reason="已化解")
    _raises("required", services.supervision_lift, actor=world.user("c.chief"), supervision=s, reason=" ")
    lifted = services.supervision_lift(actor=world.user("c.chief"), supervision=s, reason="信访人已停诉息访")
    assert lifted.status == SupervisionStatus.LIFTED and lifted.lift_reason == "信访人已停诉息访"
    _raises(
        "invalid_state",
        services.supervision_report,
        actor=world.user("d1b1.officer"),
        supervision=s,
        on=today(),
        content="x",
    )
    # Once lifted, the case is no longer under the supervised-ownership rule.
    assert ownership(world, c, "d1b1.chief", "d1b1.chief").basis == Basis.MAJOR


def test_settling_needs_every_applicable_item_of_three_in_place_one_handled(world):
    c = case(world, "d1b1")
    o = ownership(world, c, "d1b1.chief", "d1b1.chief")
    _raises(
        "checklist_incomplete",
        services.ownership_settle,
        actor=world.user("d1b1.chief"),
        ownership=o,
        settled=True,
        on=today(),
        note="息访",
    )
    services.ownership_progress(
        actor=world.user("d1b1.officer"),
        ownership=o,
        on=today(),
        note="解决了消防通道问题，正在帮扶",
        checklist={"resolve": {"applies": True, "done": True}, "assist": {"applies": True, "done": False}},
    )
    e = _raises(
        "checklist_incomplete",
        services.ownership_settle,
        actor=world.user("d1b1.chief"),
        ownership=o,
        settled=True,
        on=today(),
        note="息访",
    )
    assert "生活困难的帮扶救助到位" in e.message
    _raises(
        "invalid_checklist",
        services.ownership_progress,
        actor=world.user("d1b1.officer"),
        ownership=o,
        on=today(),
        note="x",
        checklist={"legal": {"applies": False, "done": True}},
    )
    services.ownership_progress(
        actor=world.user("d1b1.officer"),
        ownership=o,
        on=today(),
        note="已落实临时救助",
        checklist={"resolve": {"applies": True, "done": True}, "assist": {"applies": True, "done": True}},
    )
    # The officer records progress but does not decide the outcome.
    _raises(
        "forbidden",
        services.ownership_settle,
        actor=world.user("d1b1.officer"),
        ownership=o,
        settled=True,
        on=today(),
        note="息访",
    )
    settled = services.ownership_settle(
        actor=world.user("d1b1.chief"), ownership=o, settled=True, on=today(), note="信访人书面表示息诉罢访"
    )
    assert settled.status == OwnershipStatus.SETTLED and o.progress.count() == 2
    _raises(
        "invalid_state",
        services.ownership_progress,
        actor=world.user("d1b1.officer"),
        ownership=o,
        on=today(),
        note="x",
    )


def test_an_ownership_may_end_without_settlement(world):
    o = ownership(world, case(world, "d1b1"), "d1b1.chief", "d1b1.chief")
    ended = services.ownership_settle(
        actor=world.user("d1.chief"), ownership=o, settled=False, on=today(), note="信访人仍坚持诉求，转入下一轮包案"
    )
    assert ended.status == OwnershipStatus.UNSETTLED


def test_the_ownership_letter_is_generated_and_reads_back(world):
    c = case(world, "d1b1")
    supervision(world, c, reference_no="")
    o = ownership(
        world,
        c,
        "d1.chief",
        "d1.chief",
        tasks="查清占用消防通道的责任单位",
        plan="联合属地街道限期清理",
        team=[world.user("d1.officer"), world.user("d1b1.officer")],
        team_note="街道综治办张某",
        deadline=today() + datetime.timedelta(days=15),
    )
    doc = GeneratedDocument.objects.for_owner(o).get()
    assert doc.kind == "ownership_letter" and doc.version == 1 and doc.unit == world.unit("d1")
    assert doc.number.startswith("甲消信包〔")
    with default_storage.open(doc.docx.name, "rb") as fh:
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(fh.read())).paragraphs)
    for expected in (
        "领导包案责任书",
        "甲市消防救援支队主官",
        c.number,
        "查清占用消防通道的责任单位",
        "联合属地街道限期清理",
        "一案一策",
        "甲市消防救援支队信访干部",
        "街道综治办张某",
        "总队",
        "挂牌督办",
        "诉求合理的解决问题到位",
        "停诉息访",
    ):
        assert expected in text, expected
    # No petitioner's personal data in the letter.
    assert c.petitioners.get().name not in text
    with default_storage.open(doc.pdf.name, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    again = services.ownership_letter(actor=world.user("d1b1.officer"), ownership=o)
    assert again.version == 2 and again.number != ""
    _raises("forbidden", services.ownership_letter, actor=world.user("d2.officer"), ownership=o)


# --- scope ----------------------------------------------------------------------------------------------------


def test_a_brigade_sees_only_its_own(world):
    meeting(world, "d1b1", today())
    meeting(world, "d1b2", today())
    reception(world, "d1b1", "d1b1.chief", today())
    reception(world, "d1b2", "d1b2.chief", today())
    ownership(world, case(world, "d1b1"), "d1b1.chief", "d1b1.chief")
    ownership(world, case(world, "d1b2"), "d1b2.chief", "d1b2.chief")
    user = world.user("d1b1.officer")
    assert {m.unit.code for m in selectors.meeting_list(user)} == {"d1b1"}
    assert {r.unit.code for r in selectors.reception_list(user)} == {"d1b1"}
    assert {o.case.unit.code for o in selectors.ownership_list(user)} == {"d1b1"}
    chief = world.user("d1.chief")
    assert {m.unit.code for m in selectors.meeting_list(chief)} == {"d1b1", "d1b2"}
    with pytest.raises(Http404):
        selectors.access_meeting(user, selectors.meeting_list(chief).get(unit__code="d1b2").pk)


def test_a_supervised_case_owned_at_the_detachment_is_seen_by_the_brigade(world):
    c = case(world, "d1b1")
    s = supervision(world, c)
    o = ownership(world, c, "d1.chief", "d1.chief", deadline=s.deadline)
    assert selectors.access_ownership(world.user("d1b1.officer"), o.pk) == o
    assert selectors.access_supervision(world.user("d1b1.officer"), s.pk) == s
    for outsider in ("d1b2.officer", "d2.chief"):
        with pytest.raises(Http404):
            selectors.access_ownership(world.user(outsider), o.pk)
        with pytest.raises(Http404):
            selectors.access_supervision(world.user(outsider), s.pk)


def test_ownership_of_a_confidential_accusation_is_hidden_from_the_accused_unit(world):
    """Art 30: a 检举控告 case against d1b1, owned at d1, is invisible to d1b1 staff — so are its ownership,
    supervision and 包案责任书."""
    c = register(
        world,
        "d1",
        category=Category.ACCUSATION,
        topic="conduct",
        title="检举某大队干部",
        content="检举甲市一区大队干部在检查中吃拿卡要。",
        accused_unit=world.unit("d1b1"),
        received_on=today() - datetime.timedelta(days=2),
    )
    s = supervision(world, c)
    o = ownership(world, c, "d1.chief", "d1.chief", deadline=s.deadline)
    user = world.user("d1b1.officer")
    assert not Case.objects.visible_to(user).filter(pk=c.pk).exists()
    assert not selectors.ownership_list(user).filter(pk=o.pk).exists()
    assert not selectors.supervision_list(user).filter(pk=s.pk).exists()
    assert not GeneratedDocument.objects.visible_to(user).for_owner(o).exists()
    assert GeneratedDocument.objects.visible_to(world.user("d1.officer")).for_owner(o).exists()


def test_ownerships_of_the_leader_roles_only(world):
    m = member(world, "d1b1")
    o = ownership(world, case(world, "d1b1"), m.username, "d1b1.chief")
    assert o.role == Role.MEMBER and Ownership.objects.count() == 1


def test_a_supervised_case_settled_by_its_detachment_chief_stays_compliant_until_lifted(world):
    c = case(world, "d1b1")
    s = supervision(world, c)
    o = ownership(
        world, c, "d1.chief", "d1.chief", deadline=s.deadline, checklist={"educate": {"applies": True, "done": True}}
    )
    services.ownership_settle(actor=world.user("d1.chief"), ownership=o, settled=True, on=today(), note="已息访")
    check = selectors.supervision_owner_checks([s])[s.pk]
    assert check.ok and check.owner == o
