import hashlib
import hmac
import io
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection, models

from xinfang.core.audit import audit_verify
from xinfang.core.fields import TOKEN_PREFIX, _fernet_key
from xinfang.core.models import AuditEvent
from xinfang.core.pii import pii_models
from xinfang.core.tests.piimodel import temporary_pii_model

PEOPLE = [
    ("110105199001011234", "13812345678"),
    ("11010519900101123x", "13900001111"),
    ("320102198512120021", None),
    ("", "13700002222"),
    ("440305197707070707", ""),
]


@pytest.fixture
def Probe(transactional_db) -> Iterator[type[models.Model]]:
    with temporary_pii_model() as model:
        yield model


def raw_rows(model: type[models.Model]) -> list[tuple[int, str, str, str | None]]:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, id_number, id_number_hash, phone FROM {table} ORDER BY id")
        return list(cursor.fetchall())


def fernet_for(key: str) -> Fernet:
    return Fernet(_fernet_key(key))


def token(raw: str) -> bytes:
    assert raw.startswith(TOKEN_PREFIX)
    return raw.removeprefix(TOKEN_PREFIX).encode()


def hmac_hex(key: str, value: str) -> str:
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def test_pii_models_finds_models_with_personal_data_fields(Probe):
    found = {model: ([f.name for f in enc], [f.name for f in hashed]) for model, enc, hashed in pii_models()}
    assert found[Probe] == (["id_number", "phone"], ["id_number_hash"])


def test_temporary_model_leaves_no_trace(transactional_db):
    with temporary_pii_model() as model:
        assert model in [m for m, _, _ in pii_models()]
    assert model not in [m for m, _, _ in pii_models()]
    assert "core_test_piiprobe" not in connection.introspection.table_names()


def test_rotation_re_encrypts_everything_with_the_new_key(Probe, settings):
    settings.FIELD_ENCRYPTION_KEYS = ["old-field-key"]
    settings.HASH_INDEX_KEY = "old-hash-key"
    for id_number, phone in PEOPLE:
        Probe.objects.create(id_number=id_number, phone=phone)
    before = raw_rows(Probe)
    assert all(fernet_for("old-field-key").decrypt(token(r[1])) for r in before if r[1])

    settings.FIELD_ENCRYPTION_KEYS = ["new-field-key", "old-field-key"]
    settings.HASH_INDEX_KEY = "new-hash-key"
    out = io.StringIO()
    call_command("rotate_field_keys", "--batch-size", "2", stdout=out)

    after = raw_rows(Probe)
    assert [r[0] for r in after] == [r[0] for r in before]
    new, old = fernet_for("new-field-key"), fernet_for("old-field-key")
    for (_, raw_id, raw_hash, raw_phone), (id_number, phone) in zip(after, PEOPLE, strict=True):
        for raw, plain in ((raw_id, id_number), (raw_phone, phone)):
            if not plain:
                assert raw == plain  # '' and NULL stay as they are
                continue
            assert new.decrypt(token(raw)).decode() == plain
            with pytest.raises(InvalidToken):
                old.decrypt(token(raw))
        expected_hash = hmac_hex("new-hash-key", id_number.upper()) if id_number else ""
        assert raw_hash == expected_hash

    # The old key can now be dropped: everything reads with the new key alone.
    settings.FIELD_ENCRYPTION_KEYS = ["new-field-key"]
    assert sorted(Probe.objects.values_list("id_number", flat=True)) == sorted(p[0] for p in PEOPLE)
    probe_hash = Probe._meta.get_field("id_number_hash").digest("11010519900101123X")
    assert Probe.objects.get(id_number_hash=probe_hash).phone == "13900001111"

    text = out.getvalue()
    assert "core.piiprobe：5 条记录" in text
    assert "共 5 条记录已重新加密" in text
    event = AuditEvent.objects.get(action="core.pii.keys_rotated")
    assert event.after["rows"] == 5
    assert event.after["models"]["core.piiprobe"] == 5
    assert audit_verify().ok


def test_rotation_is_all_or_nothing(Probe, settings):
    settings.FIELD_ENCRYPTION_KEYS = ["old-field-key"]
    for id_number, phone in PEOPLE[:3]:
        Probe.objects.create(id_number=id_number, phone=phone)
    settings.FIELD_ENCRYPTION_KEYS = ["lost-key"]
    Probe.objects.create(id_number="110105200001010000", phone="13600000000")  # under a key we no longer have
    before = raw_rows(Probe)

    settings.FIELD_ENCRYPTION_KEYS = ["new-field-key", "old-field-key"]
    with pytest.raises(ValueError):
        call_command("rotate_field_keys", "--batch-size", "2", stdout=io.StringIO())
    assert raw_rows(Probe) == before
    assert not AuditEvent.objects.filter(action="core.pii.keys_rotated").exists()


def test_rotation_with_no_rows_reports_zero(transactional_db):
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "共 0 条记录已重新加密" in out.getvalue()
    assert AuditEvent.objects.filter(action="core.pii.keys_rotated").count() == 1
