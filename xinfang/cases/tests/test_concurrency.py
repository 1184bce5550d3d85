"""Gap-free, unique numbers under concurrent registration (the per-unit-per-year counter row is locked).

Runs on PostgreSQL only: SQLite serialises every writing transaction (BEGIN IMMEDIATE), and its shared-cache
in-memory test database cannot run concurrent writers at all. On SQLite the sequential and rolled-back cases
are covered by test_register.py."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from xinfang.cases.models import Case


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database with concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_unique_gap_free_numbers():
    from conftest import build_world
    from xinfang.cases.tests.factories import register

    world = build_world()
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(4):
                register(world, "d1b1")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(Case.objects.values_list("number", flat=True))
    year = Case.objects.values_list("year", flat=True).first()
    assert numbers == [f"d1b1-{year}-{i:04d}" for i in range(1, 25)]
