"""Bulk row writer for the load generator: COPY on PostgreSQL (psycopg `cursor.copy`), executemany on SQLite.

Rows are dicts keyed by field attname. Missing fields take the model field's default (auto_now / auto_now_add: the
load's timestamp; nullable: NULL; text: ""), so a field added to a model later does not break the generator; a field
that has none of these raises KeyError. Rows without a primary key get the next free ids (`next_ids`); sequences are
reset afterwards (`reset_sequences`). Values are written as given — no `get_prep_value`, so encrypted fields must
already hold their ciphertext and keyed-hash fields their digest (the generator computes both once per distinct
value).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

_MISSING = object()


class Writer:
    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.now = timezone.now()
        self._plans: dict[type[models.Model], tuple[str, list[str], list[Any], list[bool]]] = {}
        self._next: dict[type[models.Model], int] = {}
        self.counts: dict[str, int] = {}

    def next_ids(self, model: type[models.Model], n: int) -> range:
        """n fresh primary keys for `model` (after the largest one in the table)."""
        if model not in self._next:
            top = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
            self._next[model] = int(top or 0) + 1
        start = self._next[model]
        self._next[model] = start + n
        return range(start, start + n)

    def _plan(self, model: type[models.Model]) -> tuple[str, list[str], list[Any], list[bool]]:
        plan = self._plans.get(model)
        if plan is None:
            names: list[str] = []
            defaults: list[Any] = []
            is_json: list[bool] = []
            for f in model._meta.concrete_fields:
                if f.generated:  # computed by the database (e.g. Case.deadline_on)
                    continue
                names.append(f.attname)
                is_json.append(isinstance(f, models.JSONField))
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                    defaults.append(self.now if isinstance(f, models.DateTimeField) else self.now.date())
                elif f.has_default():
                    defaults.append(f.get_default())
                elif f.null:
                    defaults.append(None)
                elif isinstance(f, (models.CharField, models.TextField, models.FileField)) and not f.primary_key:
                    defaults.append("")
                else:
                    defaults.append(_MISSING)
            plan = (model._meta.db_table, names, defaults, is_json)
            self._plans[model] = plan
        return plan

    def write(self, model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
        table, names, defaults, is_json = self._plan(model)
        rows = list(rows)
        pk = model._meta.pk.attname
        missing = [row for row in rows if pk not in row]
        for row, new_id in zip(missing, self.next_ids(model, len(missing)) if missing else (), strict=True):
            row[pk] = new_id
        tuples = []
        for row in rows:
            values = []
            for name, default, js in zip(names, defaults, is_json, strict=True):
                v = row.get(name, default)
                if v is _MISSING:
                    raise KeyError(f"{model.__name__}.{name} has no value and no default")
                if js and v is not None:
                    v = json.dumps(v, ensure_ascii=False)
                values.append(v)
            tuples.append(values)
        if not tuples:
            return 0
        columns = {f.attname: f.column for f in model._meta.concrete_fields}
        cols = [connection.ops.quote_name(columns[n]) for n in names]
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(f"COPY {connection.ops.quote_name(table)} ({', '.join(cols)}) FROM STDIN") as copy:
                    for values in tuples:
                        copy.write_row(values)
        else:
            marks = ", ".join(["%s"] * len(cols))
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({', '.join(cols)}) VALUES ({marks})"  # noqa: S608
            with connection.cursor() as cursor:
                cursor.executemany(sql, [[_sqlite(v) for v in values] for values in tuples])
        self.counts[table] = self.counts.get(table, 0) + len(tuples)
        return len(tuples)

    def reset_sequences(self, models_: Iterable[type[models.Model]]) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


def _sqlite(v: Any) -> Any:
    if isinstance(v, datetime.datetime):
        if timezone.is_aware(v):
            v = timezone.make_naive(v, datetime.UTC)
        return v.isoformat(" ")
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v
