"""Personal data on screen (R-SEC): masked by default; unmasked only with `core.pii.unmask`, and audited.

Also the key rotation of the encrypted fields (`manage.py rotate_field_keys`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from xinfang.core.audit import audit_record
from xinfang.core.fields import EncryptedTextField, KeyedHashField
from xinfang.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from xinfang.core.scope import has_perm

UNMASK_PERM = "core.pii.unmask"

MaskKind = Literal["id_number", "phone", "address", "name"]

MASKERS: dict[str, Callable[[str | None], str]] = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "address": mask_address,
    "name": mask_name,
}


def masked(value: str | None, kind: MaskKind) -> str:
    """The masked form of `value` for display and exports."""
    try:
        masker = MASKERS[kind]
    except KeyError:
        raise ValueError(f"unknown mask kind: {kind!r}") from None
    return masker(value)


@transaction.atomic
def reveal(*, actor: Any, obj: models.Model, field: str, unit: Any, request: Any = None) -> str:
    """The unmasked value of `obj.<field>`: needs `core.pii.unmask` at `unit`; every reveal is audited."""
    if not has_perm(actor, UNMASK_PERM, unit):
        raise PermissionDenied("您无权查看未脱敏的个人信息")
    value = getattr(obj, field)
    audit_record(
        actor=actor, action="core.pii.revealed", target=obj, unit=unit, after={"field": field}, request=request
    )
    return "" if value is None else str(value)


# --- key rotation -------------------------------------------------------------------------------


@dataclass
class ModelRotation:
    label: str
    rows: int
    encrypted_fields: list[str]
    hash_fields: list[str]


@dataclass
class RotationResult:
    models: list[ModelRotation] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(m.rows for m in self.models)


def pii_models() -> list[tuple[type[models.Model], list[EncryptedTextField], list[KeyedHashField]]]:
    """Every installed concrete model with an encrypted or keyed-hash field, with those fields."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = model._meta.concrete_fields
        # Only fields the model itself declares: a multi-table child does not own its parent's columns.
        encrypted = [f for f in fields if isinstance(f, EncryptedTextField) and f.model is model]
        hashed = [f for f in fields if isinstance(f, KeyedHashField) and f.model is model]
        if encrypted or hashed:
            found.append((model, encrypted, hashed))
    return found


def _rotate_model(
    model: type[models.Model], encrypted: list[EncryptedTextField], hashed: list[KeyedHashField], batch_size: int
) -> int:
    manager = model._base_manager
    names = [f.attname for f in encrypted] + [f.attname for f in hashed]
    rows = 0
    last_pk: Any = None
    while True:
        qs = manager.select_for_update().order_by("pk")
        if last_pk is not None:
            qs = qs.filter(pk__gt=last_pk)
        batch = list(qs[:batch_size])
        if not batch:
            return rows
        for obj in batch:
            # Loading decrypted each value with any configured key; saving encrypts with the first key.
            for hf in hashed:
                setattr(obj, hf.attname, hf.digest(getattr(obj, hf.source) or ""))
        manager.bulk_update(batch, names)
        rows += len(batch)
        last_pk = batch[-1].pk


@transaction.atomic
def rotate_field_keys(
    *,
    batch_size: int = 500,
    targets: Iterable[tuple[type[models.Model], list[EncryptedTextField], list[KeyedHashField]]] | None = None,
    progress: Callable[[ModelRotation], None] | None = None,
) -> RotationResult:
    """Re-encrypt every EncryptedTextField value with the first key of FIELD_ENCRYPTION_KEYS and recompute
    every KeyedHashField with HASH_INDEX_KEY. One transaction: all rows or none."""
    result = RotationResult()
    for model, encrypted, hashed in pii_models() if targets is None else targets:
        rotation = ModelRotation(
            label=model._meta.label_lower,
            rows=_rotate_model(model, encrypted, hashed, batch_size),
            encrypted_fields=[f.name for f in encrypted],
            hash_fields=[f.name for f in hashed],
        )
        result.models.append(rotation)
        if progress is not None:
            progress(rotation)
    audit_record(
        actor=None,
        actor_username="system",
        action="core.pii.keys_rotated",
        after={"rows": result.rows, "models": {m.label: m.rows for m in result.models}},
    )
    return result
