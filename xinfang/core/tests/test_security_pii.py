"""Personal data (R-SEC, 个人信息保护法): ID numbers, phones and addresses are unreadable in the database (every
column of every table, and the SQLite file's raw bytes) and in a `dumpdata` dump; key rotation re-encrypts with
the new key and the keyed-hash lookup keeps working; pages, the API and exports mask by default; unmasking is
audited."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from openpyxl import load_workbook

from xinfang.cases import selectors, services
from xinfang.cases.models import Petitioner, Status
from xinfang.cases.tests.factories import advance, register, valid_id
from xinfang.core.fields import TOKEN_PREFIX, decrypt
from xinfang.core.models import AuditEvent
from xinfang.core.otp_testing import complete_second_factor

ID = valid_id(731, born="19870405", region="110105")
PHONE = "13912345678"
ADDRESS = "测试省甲市一区幸福路一二三号四单元"
NAME = "欧阳信访"
SECRETS = (ID, PHONE, ADDRESS)


def petitioner() -> dict[str, str]:
    return {"name": NAME, "id_number": ID, "phone": PHONE, "address": ADDRESS}


def needles(value: str) -> list[bytes]:
    """The forms a value could take in a file: UTF-8, and the distinctive middle of it (no masking artefacts)."""
    raw = value.encode()
    return [raw, raw[4:-2]] if value.isdigit() else [raw]


def every_stored_value() -> str:
    """Every column of every table, as text — what anyone reading the database (or a plain SQL dump) sees."""
    parts: list[str] = []
    with connection.cursor() as cur:
        for table in connection.introspection.table_names():
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cur.fetchall():
                parts.extend(str(v) for v in row if v is not None)
    return "\n".join(parts)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def a_worked_case(world):
    """A case registered with full personal data and taken through acceptance (a notice is generated), plus a
    repeat search and an unmasking — everything that could copy the data somewhere else."""
    case = register(world, petitioners=[petitioner()], received_on=datetime.date(2026, 6, 1))
    case = advance(world, case, Status.ACCEPTED, accepted_on=datetime.date(2026, 6, 3))
    selectors.repeat_candidates(world.user("d1b1.officer"), id_number=ID, name=NAME, phone=PHONE)
    from xinfang.core.pii import reveal

    p = case.petitioners.get()
    for field in ("id_number", "phone", "address"):
        reveal(actor=world.user("d1b1.officer"), obj=p, field=field, unit=case.unit)
    return case


def test_personal_data_is_not_readable_anywhere_in_the_database(world, media):
    a_worked_case(world)
    stored = every_stored_value()
    for value in SECRETS:
        for needle in needles(value):
            assert needle.decode() not in stored, f"{value!r} is readable in the database"
    # It is there, encrypted.
    raw = Petitioner.objects.values_list("id_number", "phone", "address").get()
    assert all(v.startswith(TOKEN_PREFIX) for v in raw) is False  # values() decrypts through the field …
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone, address FROM cases_petitioner")
        assert all(v.startswith(TOKEN_PREFIX) for v in cur.fetchone())  # … the column holds only tokens


@pytest.mark.django_db(transaction=True)
def test_personal_data_is_not_in_the_database_file_or_a_sql_dump(tmp_path, media):
    """SQLite: the database file's raw bytes (free pages included). PostgreSQL: a plain-SQL pg_dump of the whole
    database, what anyone with the database password or a backup of it reads."""
    from conftest import build_world
    from xinfang.core.backup import _pg_env, _run, sqlite_backup

    world = build_world()
    a_worked_case(world)
    copy = tmp_path / "db.data"
    if connection.vendor == "sqlite":
        sqlite_backup(copy)  # the file exactly as the server would hold it
    else:
        args, env = _pg_env()
        name = str(connection.settings_dict["NAME"])
        _run(["pg_dump", *args, "--format=plain", "--no-owner", "--file", str(copy), name], env)
    data = Path(copy).read_bytes()
    assert b"cases_petitioner" in data and TOKEN_PREFIX.encode() in data
    for value in SECRETS:
        for needle in needles(value):
            assert needle not in data, f"{value!r} is in the database file"


def test_a_dumpdata_dump_holds_only_ciphertext(world, media):
    a_worked_case(world)
    out = io.StringIO()
    call_command("dumpdata", "--natural-foreign", stdout=out)
    dump = out.getvalue()
    assert '"cases.petitioner"' in dump and TOKEN_PREFIX in dump
    for value in SECRETS:
        for needle in needles(value):
            assert needle.decode() not in dump, f"{value!r} is readable in the dump"


def test_a_dump_loads_back_with_the_data_intact(world, media, tmp_path):
    """The ciphertext in a dump is loaded back as the same personal data (and stays encrypted in the table)."""
    case = register(world, petitioners=[petitioner()])
    dump = tmp_path / "petitioners.json"
    call_command("dumpdata", "cases.petitioner", "--output", str(dump))
    Petitioner.objects.all().delete()
    call_command("loaddata", str(dump), stdout=io.StringIO())
    p = Petitioner.objects.get(case=case)
    assert (p.name, p.id_number, p.phone, p.address) == (NAME, ID, PHONE, ADDRESS)
    assert list(selectors.case_list(world.user("d1b1.officer"), q=ID).values_list("pk", flat=True)) == [case.pk]
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM cases_petitioner WHERE case_id = %s", [case.pk])
        assert cur.fetchone()[0].startswith(TOKEN_PREFIX)


def test_key_rotation_reencrypts_and_the_keyed_hash_lookup_keeps_working(world, media, settings):
    settings.FIELD_ENCRYPTION_KEYS = ["old-field-key-2025"]
    case = register(world, petitioners=[petitioner()])
    officer = world.user("d1b1.officer")
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM cases_petitioner WHERE case_id = %s", [case.pk])
        old_token = cur.fetchone()[0]

    settings.FIELD_ENCRYPTION_KEYS = ["new-field-key-2026", "old-field-key-2025"]
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "cases.petitioner" in out.getvalue()
    assert AuditEvent.objects.filter(action="core.pii.keys_rotated").exists()

    settings.FIELD_ENCRYPTION_KEYS = ["new-field-key-2026"]  # the old key is dropped
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM cases_petitioner WHERE case_id = %s", [case.pk])
        new_token = cur.fetchone()[0]
    assert new_token != old_token and decrypt(new_token) == ID
    with pytest.raises(ValueError):
        settings.FIELD_ENCRYPTION_KEYS = ["old-field-key-2025"]
        decrypt(new_token)
    settings.FIELD_ENCRYPTION_KEYS = ["new-field-key-2026"]
    p = Petitioner.objects.get(case=case)
    assert (p.id_number, p.phone, p.address) == (ID, PHONE, ADDRESS)
    # The search box finds the case by the exact ID number and by the phone (keyed hashes, nothing decrypted).
    assert list(selectors.case_list(officer, q=ID).values_list("pk", flat=True)) == [case.pk]
    assert list(selectors.case_list(officer, q=ID.lower().replace("x", "X")).values_list("pk", flat=True)) == [case.pk]
    found = selectors.repeat_candidates(officer, id_number=ID)
    assert [c.case.pk for c in found] == [case.pk]


def test_a_new_hash_key_needs_the_rotation_and_then_lookups_work_again(world, media, settings):
    case = register(world, petitioners=[petitioner()])
    officer = world.user("d1b1.officer")
    settings.HASH_INDEX_KEY = "rotated-hash-key"
    assert not selectors.case_list(officer, q=ID).exists()  # the stored hashes are of the old key
    call_command("rotate_field_keys", stdout=io.StringIO())
    assert list(selectors.case_list(officer, q=ID).values_list("pk", flat=True)) == [case.pk]


# --- masked by default, unmasking audited -----------------------------------------------------------------------


def full_values_in(text: str) -> list[str]:
    return [v for v in SECRETS if v in text]


def test_the_case_page_and_the_api_show_masked_data(world, media, client):
    case = register(world, petitioners=[petitioner()])
    officer = world.user("d1b1.officer")
    client.force_login(officer)
    complete_second_factor(client, officer)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert full_values_in(html) == [] and ID[:6] in html  # masked, e.g. 110105********1234
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=officer).key}")
    body = api.get(f"/api/v1/cases/{case.pk}/").content.decode()
    assert full_values_in(body) == []
    assert not AuditEvent.objects.filter(action="core.pii.revealed").exists()


def test_unmasking_is_audited_per_view(world, media, client):
    case = register(world, petitioners=[petitioner()])
    officer = world.user("d1b1.officer")
    client.force_login(officer)
    complete_second_factor(client, officer)
    html = client.post(f"/cases/{case.pk}/reveal/").content.decode()
    assert set(full_values_in(html)) == set(SECRETS)
    events = AuditEvent.objects.filter(action="core.pii.revealed", actor=officer)
    assert events.count() >= 3 and {e.after["field"] for e in events} >= {"id_number", "phone", "address"}
    client.post(f"/cases/{case.pk}/reveal/")
    assert AuditEvent.objects.filter(action="core.pii.revealed", actor=officer).count() == 2 * events.count()


def test_a_user_without_the_unmask_permission_cannot_reveal(world, media, client):
    from xinfang.orgs.models import Post, User
    from xinfang.orgs.roles import Role

    case = register(world, petitioners=[petitioner()])
    member = User.objects.create_user(username="d1b1.member", password="Xinfang-Test-2026", unit=world.unit("d1b1"))
    Post.objects.create(user=member, unit=world.unit("d1b1"), role=Role.MEMBER, start_on=datetime.date(2020, 1, 1))
    client.force_login(member)
    complete_second_factor(client, member)
    assert client.post(f"/cases/{case.pk}/reveal/").status_code == 403
    assert not AuditEvent.objects.filter(action="core.pii.revealed").exists()


def test_the_case_export_is_masked(world, media, client):
    register(world, petitioners=[petitioner()])
    officer = world.user("d1b1.officer")
    client.force_login(officer)
    complete_second_factor(client, officer)
    r = client.get("/cases/export/")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True)
    text = "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
    assert full_values_in(text) == [] and re.search(r"110105\*+\d{3}[\dX]", text)
    assert NAME not in text  # names are masked too


def test_services_never_log_personal_data_in_the_audit_trail(world, media):
    a_worked_case(world)
    trail = "\n".join(str(v) for v in AuditEvent.objects.values_list("before", "after", "target_repr"))
    assert full_values_in(trail) == []
    assert services  # the module under test
