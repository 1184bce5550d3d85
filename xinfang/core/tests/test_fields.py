from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.db import connection, models

from xinfang.core.fields import TOKEN_PREFIX, _fernet_key, decrypt, encrypt, keyed_hash
from xinfang.core.tests.piimodel import temporary_pii_model

ID_NUMBER = "110105199001011234"
PHONE = "13812345678"


@pytest.fixture
def Probe(transactional_db) -> Iterator[type[models.Model]]:
    with temporary_pii_model() as model:
        yield model


def raw_row(model: type[models.Model], pk: int) -> tuple[str, str, str | None]:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, id_number_hash, phone FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()


def test_plaintext_never_reaches_the_column_and_decrypts_back(Probe):
    obj = Probe.objects.create(id_number=ID_NUMBER, phone=PHONE)
    raw_id, _, raw_phone = raw_row(Probe, obj.pk)
    assert ID_NUMBER not in raw_id and PHONE not in raw_phone
    assert raw_id.startswith(TOKEN_PREFIX) and raw_phone.startswith(TOKEN_PREFIX)
    assert decrypt(raw_id) == ID_NUMBER and decrypt(raw_phone) == PHONE
    fresh = Probe.objects.get(pk=obj.pk)
    assert fresh.id_number == ID_NUMBER
    assert fresh.phone == PHONE


def test_same_value_encrypts_differently_each_time():
    assert encrypt(ID_NUMBER) != encrypt(ID_NUMBER)


def test_empty_and_null_are_stored_as_is(Probe):
    obj = Probe.objects.create(id_number="", phone=None)
    raw_id, raw_hash, raw_phone = raw_row(Probe, obj.pk)
    assert (raw_id, raw_hash, raw_phone) == ("", "", None)


def test_keyed_hash_finds_the_row_without_decrypting(Probe):
    target = Probe.objects.create(id_number=ID_NUMBER, phone=PHONE)
    Probe.objects.create(id_number="110105199001015678", phone=PHONE)
    x_person = Probe.objects.create(id_number="11010519900101123X")
    field = Probe._meta.get_field("id_number_hash")
    assert Probe.objects.get(id_number_hash=field.digest(ID_NUMBER)).pk == target.pk
    # Normalised: spaces and a lower-case check letter find the same person.
    assert Probe.objects.get(id_number_hash=field.digest(" 110105 19900101123x ")).pk == x_person.pk
    assert not Probe.objects.filter(id_number_hash=field.digest("110105199001019999")).exists()
    _, raw_hash, _ = raw_row(Probe, target.pk)
    assert raw_hash == keyed_hash(ID_NUMBER)
    assert ID_NUMBER not in raw_hash


def test_hash_follows_the_source_on_save(Probe):
    obj = Probe.objects.create(id_number=ID_NUMBER)
    obj.id_number = "110105199001015678"
    obj.save()
    assert raw_row(Probe, obj.pk)[1] == keyed_hash("110105199001015678")


def test_wrong_key_fails_loudly(Probe, settings):
    obj = Probe.objects.create(id_number=ID_NUMBER)
    settings.FIELD_ENCRYPTION_KEYS = ["some-other-key"]
    with pytest.raises(ValueError):
        Probe.objects.get(pk=obj.pk)


def test_token_is_a_fernet_token_under_the_first_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["first", "second"]
    token = encrypt(PHONE).removeprefix(TOKEN_PREFIX).encode()
    assert Fernet(_fernet_key("first")).decrypt(token) == PHONE.encode()
    with pytest.raises(InvalidToken):
        Fernet(_fernet_key("second")).decrypt(token)
