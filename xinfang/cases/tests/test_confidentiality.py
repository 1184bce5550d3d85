"""Art 30 / R2.12: a 检举控告 case is invisible to the accused unit's staff and to the accused officials — in
lists, search, counts, detail, attachments, repeat detection and the work queue — and forwarding units keep
sight of what they sent."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from xinfang.cases import services
from xinfang.cases.models import Case, Category, Status
from xinfang.cases.selectors import (
    access_attachment,
    access_case,
    case_counts,
    case_list,
    my_work,
    repeat_candidates,
)
from xinfang.cases.tests.factories import PetitionerDataFactory, register
from xinfang.orgs.models import Post, User

D = datetime.date


@pytest.fixture
def accusation(world):
    """Registered at the 支队 d1 against its brigade d1b1 and the 支队's own leader."""
    person = PetitionerDataFactory(name="赵举报")
    return register(
        world,
        "d1",
        category=Category.ACCUSATION,
        topic="conduct",
        title="检举某大队干部吃拿卡要",
        content="检举甲市一区大队在消防检查中吃拿卡要，要求查处。",
        accused_unit=world.unit("d1b1"),
        accused_officials=[world.user("d1.leader")],
        petitioners=[person],
        attachments=[SimpleUploadedFile("证据.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")],
    ), person


def visible_ids(user):
    return set(Case.objects.visible_to(user).values_list("pk", flat=True))


def test_accusation_case_is_invisible_to_accused_unit_staff(world, accusation):
    case, _ = accusation
    for name in ("d1b1.officer", "d1b1.chief", "d1b1.leader"):
        user = world.user(name)
        assert case.pk not in visible_ids(user)
        assert case.pk not in set(case_list(user).values_list("pk", flat=True))
        with pytest.raises(Http404):
            access_case(user, case.pk)


def test_accusation_case_is_invisible_to_the_accused_official(world, accusation):
    case, _ = accusation
    accused = world.user("d1.leader")  # a post at the handling unit itself
    assert case.pk not in visible_ids(accused)
    with pytest.raises(Http404):
        access_case(accused, case.pk)
    # the rest of the 支队 and the 总队 see it
    for name in ("d1.officer", "d1.chief", "c.officer"):
        assert access_case(world.user(name), case.pk) == case


def test_anyone_with_a_post_or_home_unit_inside_the_accused_unit_is_excluded(world, accusation):
    case, _ = accusation
    # a 支队 officer whose home unit is the accused brigade
    seconded = User.objects.create_user(username="seconded", password="x" * 12, unit=world.unit("d1b1"))
    Post.objects.create(user=seconded, unit=world.unit("d1"), role="officer", start_on=D(2020, 1, 1))
    assert case.pk not in visible_ids(seconded)
    # a 支队 officer with a second post in the accused brigade
    double = world.user("d1.officer")
    Post.objects.create(user=double, unit=world.unit("d1b1"), role="member", start_on=D(2020, 1, 1))
    from xinfang.core.scope import forget_grants

    forget_grants(double)
    assert case.pk not in visible_ids(double)


def test_confidential_case_is_left_out_of_counts(world, accusation):
    other = register(world, "d1b1")
    officer = world.user("d1b1.officer")
    assert case_counts(officer)["total"] == 1
    assert case_counts(world.user("d1.officer"))["total"] == 2
    assert case_list(officer).count() == 1 and case_list(officer).first() == other


def test_confidential_case_is_left_out_of_search_and_repeat_detection(world, accusation):
    case, person = accusation
    officer = world.user("d1b1.officer")
    assert not case_list(officer, q="吃拿卡要").exists()
    assert not case_list(officer, q="赵举报").exists()
    assert repeat_candidates(officer, id_number=person.id_number, content=case.content) == []
    found = repeat_candidates(world.user("d1.officer"), id_number=person.id_number)
    assert [r.case for r in found] == [case]


def test_confidential_case_attachments_are_not_served_to_the_accused(world, accusation):
    case, _ = accusation
    attachment = case.attachments.get()
    assert access_attachment(world.user("d1.officer"), attachment.pk) == attachment
    with pytest.raises(Http404):
        access_attachment(world.user("d1b1.officer"), attachment.pk)
    with pytest.raises(Http404):
        access_attachment(world.user("d1.leader"), attachment.pk)


def test_confidential_case_is_not_in_the_accused_work_queue(world, accusation):
    case, _ = accusation
    assert case not in my_work(world.user("d1.leader"))
    assert case in my_work(world.user("d1.officer"))


def test_other_categories_are_not_hidden(world):
    case = register(world, "d1b1")
    assert case.pk in visible_ids(world.user("d1b1.officer"))


def test_scope_sibling_units_see_nothing_of_each_other(world):
    case = register(world, "d1b1")
    with pytest.raises(Http404):
        access_case(world.user("d1b2.officer"), case.pk)
    with pytest.raises(Http404):
        access_case(world.user("d2.chief"), case.pk)
    assert access_case(world.user("d1.chief"), case.pk) == case


def test_forwarding_unit_keeps_sight_of_the_case_it_sent(world):
    case = register(world, "d1")
    services.case_forward(
        actor=world.user("d1.officer"), case=case, to_unit=world.unit("d2b1"), forwarded_on=D(2026, 3, 4)
    )
    assert access_case(world.user("d1.officer"), case.pk) == case
    assert access_case(world.user("d2b1.officer"), case.pk) == case
    with pytest.raises(Http404):
        access_case(world.user("d2b2.officer"), case.pk)
    # the sender can read, not handle: the receiving unit now handles it
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        access_case(world.user("d1.officer"), case.pk, "cases.case.handle")


def test_shared_case_stays_hidden_from_the_accused(world, accusation):
    from django.contrib.contenttypes.models import ContentType

    from xinfang.core.models import Share

    case, _ = accusation
    accused = world.user("d1b1.officer")
    Share.objects.create(
        content_type=ContentType.objects.get_for_model(Case), object_id=case.pk, user=accused, reason="误共享"
    )
    assert case.pk not in visible_ids(accused)


def test_accused_official_cannot_act_on_the_case_even_when_visible_by_other_path(world, accusation):
    case, _ = accusation
    from xinfang.core.errors import DomainError

    with pytest.raises(DomainError) as exc:
        services.case_accept(actor=world.user("d1.leader"), case=case, accepted_on=D(2026, 3, 3))
    assert exc.value.code in {"forbidden", "conflict_of_interest"}
    assert Case.objects.get(pk=case.pk).status == Status.REGISTERED
