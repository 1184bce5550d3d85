"""Personal-data field types (R-SEC).

EncryptedTextField stores Fernet tokens (AES-128-CBC + HMAC) made with the first key of
settings.FIELD_ENCRYPTION_KEYS; every listed key can decrypt, so a key is rotated by putting a
new key first and running `manage.py rotate_field_keys`.

KeyedHashField keeps an HMAC-SHA256 of another field's normalised value (key: HASH_INDEX_KEY)
so exact lookups (e.g. an ID number) work without decrypting anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

TOKEN_PREFIX = "enc1:"


def _fernet_key(secret: str) -> bytes:
    # Any secret string becomes a valid 32-byte Fernet key.
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def cipher() -> MultiFernet:
    return _multifernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return TOKEN_PREFIX + cipher().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token.startswith(TOKEN_PREFIX):
        raise ValueError("not an encrypted value")
    try:
        return cipher().decrypt(token[len(TOKEN_PREFIX) :].encode()).decode()
    except InvalidToken as exc:  # wrong key or tampered value: fail loudly, never return garbage
        raise ValueError("encrypted value cannot be decrypted with the configured keys") from exc


def keyed_hash(value: str) -> str:
    key = settings.HASH_INDEX_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def normalize_default(value: str) -> str:
    return "".join(value.split())


def normalize_id_number(value: str) -> str:
    return "".join(value.split()).upper()


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(TOKEN_PREFIX):
            return decrypt(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def value_to_string(self, obj: Any) -> str:
        """Serialisation (dumpdata, fixtures) carries the ciphertext, never the personal data itself."""
        value = self.value_from_object(obj)
        if value is None or value == "":
            return value  # type: ignore[no-any-return]
        return encrypt(str(value))


class KeyedHashField(models.CharField):
    """HMAC of `source`'s normalised value, maintained on save; '' when the source is empty."""

    def __init__(
        self, *args: Any, source: str = "", normalizer: Callable[[str], str] = normalize_default, **kwargs: Any
    ) -> None:
        self.source = source
        self.normalizer = normalizer
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        raw = getattr(model_instance, self.source) or ""
        value = self.digest(raw)
        setattr(model_instance, self.attname, value)
        return value

    def digest(self, raw: str) -> str:
        normalized = self.normalizer(raw)
        return keyed_hash(normalized) if normalized else ""
