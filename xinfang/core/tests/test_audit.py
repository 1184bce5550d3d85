import io
import itertools

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from xinfang.core.audit import GENESIS, audit_record, audit_verify
from xinfang.core.models import AuditEvent
from xinfang.orgs.services import unit_rename


def record_some(world, n: int = 5) -> list[AuditEvent]:
    admin = world.user("sysadmin")
    return [
        audit_record(actor=admin, action="core.test.done", unit=world.unit("d1"), after={"i": i, "名称": "测试"})
        for i in range(n)
    ]


def run_verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def raw_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_events_are_chained_in_order(world):
    events = record_some(world)
    assert events[0].prev_hash == GENESIS
    for prev, event in itertools.pairwise(events):
        assert event.prev_hash == prev.hash
    assert len({e.hash for e in events}) == len(events)


def test_event_records_actor_unit_target_and_change(world, rf):
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    unit = world.unit("d1b1")
    unit_rename(actor=world.user("sysadmin"), unit=unit, name="甲市新区大队", request=request)
    event = AuditEvent.objects.get(action="orgs.unit.renamed")
    assert event.actor == world.user("sysadmin")
    assert event.actor_username == "sysadmin"
    assert event.unit_id == unit.pk
    assert (event.target_type, event.target_id) == ("orgs.unit", str(unit.pk))
    assert event.before["name"] == "甲市一区大队"
    assert event.after["name"] == "甲市新区大队"
    assert event.ip == "10.1.2.3"


def test_event_rolls_back_with_the_transaction(world):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=world.user("sysadmin"), action="core.test.done")
        raise RuntimeError("service failed")
    assert AuditEvent.objects.count() == before
    assert audit_verify().ok


def test_verify_passes_on_an_intact_chain(world):
    record_some(world)
    code, out, err = run_verify()
    assert code == 0, err
    assert out.strip() == f"审计链完整：共 {AuditEvent.objects.count()} 条"


def test_verify_passes_on_an_empty_chain(db):
    code, out, _ = run_verify()
    assert code == 0
    assert out.strip() == "审计链完整：共 0 条"


def test_edited_row_is_named(world):
    events = record_some(world)
    victim = events[2]
    raw_sql("UPDATE core_auditevent SET after = %s WHERE id = %s", ['{"i": 99}', victim.pk])
    code, _, err = run_verify()
    assert code == 1
    assert f"审计链在第 {victim.pk} 条记录处断开：" in err
    assert "内容与哈希不符" in err
    assert audit_verify().broken_id == victim.pk


def test_edited_actor_is_named(world):
    events = record_some(world)
    raw_sql("UPDATE core_auditevent SET actor_username = %s WHERE id = %s", ["someone", events[0].pk])
    code, _, err = run_verify()
    assert code == 1
    assert f"第 {events[0].pk} 条" in err


def test_deleted_middle_row_breaks_the_next_link(world):
    events = record_some(world)
    raw_sql("DELETE FROM core_auditevent WHERE id = %s", [events[2].pk])
    code, _, err = run_verify()
    assert code == 1
    assert f"审计链在第 {events[3].pk} 条记录处断开：" in err
    assert "链接断开" in err


def test_rehashed_row_still_breaks_the_chain(world):
    """Recomputing an edited row's own hash does not help: the next row points to the old hash."""
    events = record_some(world)
    raw_sql("UPDATE core_auditevent SET hash = %s WHERE id = %s", ["f" * 64, events[1].pk])
    result = audit_verify()
    assert result.broken_id == events[1].pk


def test_saving_an_existing_row_is_refused(world):
    event = record_some(world, 1)[0]
    event.action = "core.test.changed"
    with pytest.raises(PermissionError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "core.test.done"


def test_deleting_a_row_is_refused(world):
    event = record_some(world, 1)[0]
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_are_refused(world):
    record_some(world, 3)
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(action="core.test.done").update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    events = list(AuditEvent.objects.all())
    for e in events:
        e.action = "x"
    with pytest.raises(PermissionError), transaction.atomic():  # bulk_update marks its transaction failed
        AuditEvent.objects.bulk_update(events, ["action"])
    assert AuditEvent.objects.filter(action="core.test.done").count() == 3
    assert audit_verify().ok
