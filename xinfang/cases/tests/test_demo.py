"""The demo corps holds cases in every state, built through the services; loading twice creates nothing."""

from __future__ import annotations

import io

from xinfang.cases.demo import build_demo_cases
from xinfang.cases.models import Case, Kind, Status
from xinfang.cases.selectors import access_case
from xinfang.orgs.demo import load_demo


def test_demo_cases_cover_every_state_and_are_idempotent(db):
    load_demo()  # its last step builds the demo cases
    created = Case.objects.count()
    assert created > 0
    out = io.StringIO()
    assert build_demo_cases(stdout=out) == 0
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    assert {Kind.REVIEW, Kind.REREVIEW} <= set(Case.objects.values_list("kind", flat=True))
    assert build_demo_cases() == 0
    assert Case.objects.count() == created


def test_demo_accusation_is_hidden_from_the_accused_brigade(db):
    from django.http import Http404

    from xinfang.orgs.models import User

    load_demo()
    build_demo_cases()
    case = Case.objects.get(category="accusation")
    assert access_case(User.objects.get(username="jz.officer"), case.pk) == case
    try:
        access_case(User.objects.get(username="jz01.officer"), case.pk)
    except Http404:
        pass
    else:  # pragma: no cover
        raise AssertionError("the accused brigade must not see the accusation")
