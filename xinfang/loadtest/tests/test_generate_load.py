"""The load generator (issue 8): deterministic, consistent data that the application works on afterwards."""

from __future__ import annotations

import datetime
from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Max
from django.http import Http404

from xinfang.cases import deadlines, selectors, services
from xinfang.cases.models import Case, CaseCounter, Kind, Opinion, Petitioner, Status
from xinfang.core.fields import TOKEN_PREFIX
from xinfang.loadtest.generator import LOAD_PASSWORD, digest, generate
from xinfang.orgs.models import Unit, User

TODAY = datetime.date(2026, 6, 15)
pytestmark = pytest.mark.django_db


def _generate(cases: int, seed: int = 7) -> None:
    generate("province", cases=cases, seed=seed, today=TODAY, log=lambda _msg: None)


def test_same_seed_same_data_and_another_seed_differs() -> None:
    digests = []
    for seed in (7, 7, 8):
        with transaction.atomic():
            _generate(300, seed)
            digests.append(digest())
            transaction.set_rollback(True)
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_data_is_consistent_and_the_application_works_on_it() -> None:
    _generate(600)
    units = {u.pk: u for u in Unit.objects.filter(code__startswith="LT")}
    assert {u.level for u in units.values()} == {"corps", "detachment", "brigade"}
    assert sum(1 for u in units.values() if u.level == "brigade") == 120
    for u in units.values():  # materialized paths are the chain of ids
        assert u.path == (units[u.parent_id].path if u.parent_id else "/") + f"{u.pk}/"

    cases = list(Case.objects.select_related("registered_unit"))
    assert len(cases) >= 600
    assert len({c.number for c in cases}) == len(cases)
    last: dict[tuple[int, int], int] = defaultdict(int)
    for c in cases:
        assert c.number == f"{c.registered_unit.code}-{c.year}-{c.seq:04d}"
        last[(c.registered_unit_id, c.year)] = max(last[(c.registered_unit_id, c.year)], c.seq)
        # Stored dates are exactly what the legal calendar gives (deadlines.py), so overdue is computed right.
        assert c.ack_due == deadlines.case_ack_due(c)
        if c.accepted_on is not None:
            assert c.due == deadlines.case_due(c)
        assert c.received_on <= TODAY
    counters = {(k.unit_id, k.year): k.last for k in CaseCounter.objects.all()}
    assert counters == dict(last)

    # A realistic mix: every state group, overdue and extended cases, repeats and 复查/复核 chains.
    statuses = {c.status for c in cases}
    assert {Status.REGISTERED, Status.ACCEPTED, Status.CONCLUDED, Status.DECLINED, Status.DIVERTED} <= statuses
    assert any(c.extension_days for c in cases)
    assert any(c.original_case_id for c in cases)
    reviews = [c for c in cases if c.kind == Kind.REVIEW]
    assert reviews and all(c.parent_case_id for c in reviews)
    by_id = {c.pk: c for c in cases}
    for r in reviews:  # 复查 one level up from the case it reviews
        assert units[by_id[r.parent_case_id].unit_id].parent_id == r.unit_id
    overdue = selectors.case_list(User.objects.get(username="ltp.chief"), overdue=True, today=TODAY)
    assert overdue.exists()
    assert Opinion.objects.filter(delivered_on__isnull=False).exists()

    # Personal data is real ciphertext under the configured keys, searchable through the keyed hashes.
    p = Petitioner.objects.first()
    assert p is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM cases_petitioner WHERE id = %s", [p.pk])
        assert cursor.fetchone()[0].startswith(TOKEN_PREFIX)
    assert len(p.id_number) == 18
    chief = User.objects.get(username="ltp.chief")
    assert p.case_id in set(selectors.case_list(chief, q=p.id_number, today=TODAY).values_list("pk", flat=True))

    # Scope: a 大队 officer sees his 大队's cases (and those it forwarded) and nothing of a sibling 大队.
    brigade = Case.objects.filter(unit__level="brigade").values_list("unit", flat=True).first()
    unit = units[brigade]
    officer = User.objects.get(username=f"{unit.code.lower()}.officer")
    assert officer.check_password(LOAD_PASSWORD)
    visible = set(Case.objects.visible_to(officer).values_list("pk", flat=True))
    forwarded = set(Case.objects.filter(transfers__from_unit=unit).values_list("pk", flat=True))
    assert visible and all(units[by_id[pk].unit_id].path.startswith(unit.path) or pk in forwarded for pk in visible)
    assert {c.pk for c in cases if c.unit_id == unit.pk} <= visible
    other = next(c for c in cases if c.unit_id != unit.pk and not units[c.unit_id].path.startswith(unit.path))
    with pytest.raises(Http404):
        selectors.access_case(officer, other.pk)

    # Registering a new case afterwards continues the unit's sequence.
    year = TODAY.year
    before = CaseCounter.objects.filter(unit=unit, year=year).values_list("last", flat=True).first() or 0
    case = services.case_register(
        actor=officer,
        unit=unit,
        channel="letter",
        received_on=TODAY,
        category="proposal",
        topic=Case.objects.values_list("topic_id", flat=True).first(),
        title="负载数据生成后新登记",
        content="新登记的信访事项。",
        petitioners=[{"name": "张三", "phone": "13800138000"}],
    )
    assert case.seq == before + 1
    assert case.number == f"{unit.code}-{year}-{before + 1:04d}"
    assert Case.objects.filter(registered_unit=unit, year=year).aggregate(m=Max("seq"))["m"] == before + 1


def test_refuses_a_database_with_cases_unless_forced() -> None:
    _generate(50)
    with pytest.raises(CommandError, match="已有信访事项"):
        call_command("generate_load", "--preset", "province", "--cases", "10")
    with pytest.raises(CommandError, match="单位代码已存在"):  # --force does not duplicate the tree
        call_command("generate_load", "--preset", "province", "--cases", "10", "--force")
