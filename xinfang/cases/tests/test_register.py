"""Registration (R2.1–R2.3): numbers, petitioners, anonymity, collective petitions, Art 19/30/36 refusals."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from xinfang.cases import services
from xinfang.cases.models import Case, CaseCounter, CaseEvent, Category, Channel, Petitioner, Status
from xinfang.cases.selectors import case_by_query_code
from xinfang.cases.tests.factories import RECEIVED, PetitionerDataFactory, advance, register, valid_id
from xinfang.core.errors import DomainError
from xinfang.core.fields import keyed_hash
from xinfang.core.models import AuditEvent

D = datetime.date


def refused(expected: str, fn, **kwargs):
    with pytest.raises(DomainError) as exc:
        fn(**kwargs)
    assert exc.value.code == expected, exc.value.message
    return exc.value


def test_case_number_is_unit_code_year_and_sequence(world):
    first = register(world, "d1b1")
    second = register(world, "d1b1")
    other = register(world, "d1b2")
    assert first.number == "d1b1-2026-0001"
    assert second.number == "d1b1-2026-0002"
    assert other.number == "d1b2-2026-0001"
    nextyear = register(world, "d1b1", received_on=D(2025, 12, 30))
    assert nextyear.number == "d1b1-2025-0001"


def test_a_refused_registration_leaves_no_gap_in_the_numbers(world):
    register(world, "d1b1")
    with pytest.raises(DomainError):
        register(world, "d1b1", petitioners=[{"name": "李四", "id_number": "110105198001010000"}])
    with pytest.raises(DomainError):
        register(world, "d1b1", title="")
    assert register(world, "d1b1").number == "d1b1-2026-0002"
    assert CaseCounter.objects.get(unit=world.unit("d1b1"), year=2026).last == 2


def test_registration_stores_dates_status_timeline_and_audit(world):
    case = register(world, "d1b1")
    assert case.status == Status.REGISTERED
    assert case.kind == "initial"
    assert case.ack_from == RECEIVED
    assert case.ack_due == D(2026, 3, 17)  # received 2026-03-02 + 15 days (a Tuesday)
    assert case.due is None
    assert CaseEvent.objects.filter(case=case, action="register").count() == 1
    assert AuditEvent.objects.filter(action="cases.case.registered", target_id=str(case.pk)).exists()


def test_personal_data_is_encrypted_at_rest_and_found_by_keyed_hash(world):
    ident = valid_id(7)
    case = register(world, "d1b1", petitioners=[{"name": "王小明", "id_number": ident.lower(), "phone": "13800001111"}])
    p = Petitioner.objects.get(case=case)
    assert p.id_number == ident  # normalised (upper-case X) and decrypted on load
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id_number, phone FROM cases_petitioner WHERE id = %s", [p.pk])
        raw = cursor.fetchone()
    assert all(v.startswith("enc1:") for v in raw)
    assert "王小明" not in "".join(raw)
    assert Petitioner.objects.filter(id_hash=keyed_hash(ident)).count() == 1


def test_id_number_with_a_wrong_check_digit_is_refused(world):
    good = valid_id(3)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    refused(
        "invalid_id_number",
        register,
        world=world,
        petitioners=[{"name": "李四", "id_number": bad}],
    )


def test_anonymous_petition_needs_no_petitioner(world):
    case = register(world, "d1b1", is_anonymous=True, petitioners=[])
    assert case.is_anonymous and case.petitioners.count() == 0


def test_named_petition_without_petitioner_is_refused(world):
    refused("petitioner_required", register, world=world, petitioners=[])


def test_anonymous_petition_with_a_name_is_refused(world):
    refused("anonymous_named", register, world=world, is_anonymous=True, petitioners=[{"name": "李四"}])


def test_collective_petition_with_more_than_five_representatives_is_refused(world):
    reps = [PetitionerDataFactory(is_representative=True) for _ in range(6)]
    refused("too_many_representatives", register, world=world, headcount=30, petitioners=reps)


def test_collective_petition_records_headcount_and_up_to_five_representatives(world):
    reps = [PetitionerDataFactory(is_representative=True) for _ in range(5)]
    case = register(world, headcount=30, petitioners=reps)
    assert case.is_collective and case.headcount == 30
    assert case.petitioners.filter(is_representative=True).count() == 5


def test_collective_petition_listing_more_than_five_without_representatives_is_refused(world):
    people = [PetitionerDataFactory() for _ in range(6)]
    refused("representatives_required", register, world=world, headcount=10, petitioners=people)


def test_assigned_case_needs_its_source(world):
    refused("required", register, world=world, channel=Channel.ASSIGNED)
    case = register(world, channel=Channel.ASSIGNED, source="应急管理部消防救援局", reference_no="消信转〔2026〕12号")
    assert case.source == "应急管理部消防救援局" and case.reference_no == "消信转〔2026〕12号"


def test_received_date_in_the_future_is_refused(world):
    refused("date_in_future", register, world=world, received_on=datetime.date.today() + datetime.timedelta(days=2))


def test_registration_needs_the_register_permission_at_the_unit(world):
    refused("forbidden", register, world=world, code="d1b1", by="d1b2.officer")
    refused("forbidden", register, world=world, code="d1b1", by="sysadmin")  # 三员分立: admins handle no cases
    # a 支队 officer may register at a brigade below
    assert register(world, "d1b1", by="d1.officer").unit == world.unit("d1b1")


def test_inactive_topic_is_refused(world):
    from xinfang.cases.models import Topic

    Topic.objects.filter(code="products").update(active=False)
    refused("invalid_topic", register, world=world, topic="products")


def test_query_code_is_returned_once_and_stored_only_as_a_keyed_hash(world):
    case = register(world)
    code = case.plain_query_code
    assert len(code) == 12
    stored = Case.objects.get(pk=case.pk)
    assert code not in stored.query_code_hash and len(stored.query_code_hash) == 64
    assert case_by_query_code(case.number, code).pk == case.pk
    assert case_by_query_code(case.number, code.lower()).pk == case.pk
    assert case_by_query_code(case.number, "WRONGCODE234") is None
    new = services.case_reset_query_code(actor=world.user("d1b1.officer"), case=case)
    assert case_by_query_code(case.number, code) is None
    assert case_by_query_code(case.number, new).pk == case.pk


def test_accusation_needs_the_accused(world):
    refused("accused_required", register, world=world, category=Category.ACCUSATION)


def test_accused_fields_are_only_for_accusations(world):
    refused("accused_not_accusation", register, world=world, accused_unit=world.unit("d1b2"))


def test_accusation_cannot_be_handled_inside_the_accused_unit(world):
    # Art 30: a 检举控告 against the 支队 cannot be handled by the 支队 or its brigades
    refused(
        "accused_unit_handling",
        register,
        world=world,
        code="d1b1",
        category=Category.ACCUSATION,
        accused_unit=world.unit("d1"),
    )
    ok = register(world, "d1", category=Category.ACCUSATION, accused_unit=world.unit("d1b1"))
    assert ok.accused_unit == world.unit("d1b1")


def test_repeat_links_to_its_original(world):
    original = register(world, "d1b1")
    repeat = register(world, "d1b1", original_case=original)
    assert repeat.original_case == original
    assert list(original.repeats.all()) == [repeat]


def test_repeat_of_a_case_outside_the_scope_is_refused(world):
    original = register(world, "d1b2")
    refused("invalid_original", register, world=world, code="d1b1", original_case=original)


def test_higher_unit_refuses_a_matter_being_handled_below_within_its_limit(world):
    # Art 19
    below = register(world, "d1b1")
    advance(world, below, Status.ACCEPTED, accepted_on=D(2026, 3, 5))
    refused(
        "art19_in_progress_below",
        register,
        world=world,
        code="d1",
        received_on=D(2026, 3, 20),
        original_case=below,
    )
    # after the limit has passed (due 2026-05-06 = 03-05 + 60 days, shifted off the 劳动节 holiday) it may be taken up
    late = register(world, "d1", received_on=D(2026, 5, 8), original_case=below)
    assert late.unit == world.unit("d1")


def test_matter_through_rereview_is_refused_without_new_facts(world):
    # Art 36
    initial = advance(world, register(world, "d1b1"), Status.DELIVERED, accepted_on=D(2026, 3, 3))
    review = services.review_request(
        actor=world.user("d1.officer"),
        case=initial,
        requested_on=initial.opinion.delivered_on + datetime.timedelta(days=5),
    )
    review = advance(world, review, Status.DELIVERED)
    rereview = services.review_request(
        actor=world.user("c.officer"),
        case=review,
        requested_on=review.opinion.delivered_on + datetime.timedelta(days=5),
    )
    advance(world, rereview, Status.DELIVERED)
    refused("art36_closed", register, world=world, code="d1b1", received_on=D(2026, 11, 2), original_case=initial)
    again = register(
        world, "d1b1", received_on=D(2026, 11, 2), original_case=initial, new_facts="出现了新的火灾隐患证据"
    )
    assert again.new_facts == "出现了新的火灾隐患证据"


def test_new_facts_need_an_original_case(world):
    refused("new_facts_without_original", register, world=world, new_facts="新的事实")


def test_forwarded_case_keeps_its_number_and_does_not_block_the_receiving_units_numbers(world):
    sent = register(world, "d1")
    services.case_forward(
        actor=world.user("d1.officer"), case=sent, to_unit=world.unit("d1b1"), forwarded_on=D(2026, 3, 3)
    )
    sent.refresh_from_db()
    assert (
        sent.number == "d1-2026-0001" and sent.registered_unit == world.unit("d1") and sent.unit == world.unit("d1b1")
    )
    own = register(world, "d1b1")
    assert own.number == "d1b1-2026-0001"


def test_admin_extends_the_topic_list(world):
    from xinfang.cases.models import Topic

    topic = services.topic_create(actor=world.user("sysadmin"), code="rescue", name="应急救援")
    assert register(world, topic="rescue").topic == topic
    refused("duplicate_code", services.topic_create, actor=world.user("sysadmin"), code="rescue", name="其他名")
    refused("forbidden", services.topic_create, actor=world.user("d1b1.officer"), code="x", name="x")
    services.topic_update(actor=world.user("sysadmin"), topic=topic, active=False)
    assert not Topic.objects.get(code="rescue").active
    refused("invalid_topic", register, world=world, topic="rescue")
    assert Topic.objects.filter(active=True).count() == 8  # the seeded R2.2 list


def test_a_petitioner_files_only_online_petitions_himself(world):
    """The public portal registers on the petitioner's behalf (Art 21): channel 网上 only, no staff permission."""
    outsider = world.user("auditor")  # holds no case permission at all
    with pytest.raises(DomainError) as e:
        register(world, by="auditor", by_petitioner=True)  # a letter is never self-filed online
    assert e.value.code == "invalid_channel"
    with pytest.raises(DomainError) as e:
        register(world, by="auditor", channel=Channel.ONLINE)  # without by_petitioner the permission applies
    assert e.value.code == "forbidden"
    case = register(world, by=outsider.username, channel=Channel.ONLINE, by_petitioner=True)
    assert case.channel == Channel.ONLINE and case.status == Status.REGISTERED
