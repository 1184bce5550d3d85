"""The audit trail (R-SEC): written by services inside their own transaction, hash-chained."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from xinfang.core.models import AuditEvent

GENESIS = "0" * 64
_ADVISORY_LOCK_KEY = 7_277_001


def _normalize(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps({"prev": prev_hash, **fields}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _fields(event: AuditEvent) -> dict[str, Any]:
    created: datetime = event.created_at
    return {
        "created_at": created.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "unit_id": event.unit_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_repr": event.target_repr,
        "before": event.before,
        "after": event.after,
        "ip": event.ip,
    }


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
    # SQLite: transactions start IMMEDIATE (settings), so writers are already serialized.


def client_ip(request: Any) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor: Any,
    action: str,
    target: Model | None = None,
    unit: Any = None,
    before: Any = None,
    after: Any = None,
    ip: str | None = None,
    request: Any = None,
    actor_username: str = "",
) -> AuditEvent:
    """Append one event to the chain. Call it inside the service's transaction."""
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        actor_obj = actor if actor is not None and getattr(actor, "pk", None) else None
        event = AuditEvent(
            created_at=timezone.now(),
            actor=actor_obj,
            actor_username=actor_username or (actor_obj.get_username() if actor_obj else ""),
            unit=unit,
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_repr=str(target)[:255] if target is not None else "",
            before=_normalize(before),
            after=_normalize(after),
            ip=ip or client_ip(request),
            prev_hash=last or GENESIS,
        )
        event.hash = _digest(event.prev_hash, _fields(event))
        event.save()
        return event


@dataclass
class VerifyResult:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def audit_verify(batch: int = 2000) -> VerifyResult:
    """Walk the chain in id order; report the first row whose link or content does not match."""
    prev = GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch):
        if event.prev_hash != prev:
            return VerifyResult(checked, event.pk, "链接断开：前一条记录被删除或修改")
        if _digest(event.prev_hash, _fields(event)) != event.hash:
            return VerifyResult(checked, event.pk, "内容与哈希不符：本条记录被修改")
        prev = event.hash
        checked += 1
    return VerifyResult(checked)
