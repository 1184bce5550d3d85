"""A throw-away model with personal-data fields, for the field and key-rotation tests.

No app model uses the fields yet, so the tests declare one under the `core` app label, create its
table with the schema editor, and remove both the table and the registry entry afterwards (so
`apps.get_models()` and `makemigrations` never see it outside these tests). The schema editor cannot
run inside SQLite's test transaction, hence `transactional_db`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import connection, models

from xinfang.core.fields import EncryptedTextField, KeyedHashField, normalize_id_number

MODEL_NAME = "piiprobe"


@contextmanager
def temporary_pii_model() -> Iterator[type[models.Model]]:
    class PiiProbe(models.Model):
        id_number = EncryptedTextField(blank=True)
        id_number_hash = KeyedHashField(source="id_number", normalizer=normalize_id_number)
        phone = EncryptedTextField(blank=True, null=True)

        class Meta:
            app_label = "core"
            db_table = "core_test_piiprobe"

        def __str__(self) -> str:
            return f"PiiProbe {self.pk}"

    with connection.schema_editor() as editor:
        editor.create_model(PiiProbe)
    try:
        yield PiiProbe
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(PiiProbe)
        del apps.all_models["core"][MODEL_NAME]
        apps.clear_cache()
