"""Small input checks shared by the incidents and accountability services (each raises DomainError in Chinese)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from xinfang.core.errors import DomainError


def today() -> datetime.date:
    return timezone.localdate()


def clean_text(value: Any, label: str, field: str, *, required: bool = True, max_length: int | None = None) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(f"请填写{label}。", code="required", field=field)
    if max_length and len(text) > max_length:
        raise DomainError(f"{label}不能超过{max_length}个字。", code="too_long", field=field)
    return text


def clean_date(
    value: Any,
    label: str,
    field: str,
    *,
    required: bool = True,
    future_ok: bool = False,
    not_before: datetime.date | None = None,
    before_label: str = "",
) -> datetime.date | None:
    if value is None or value == "":
        if required:
            raise DomainError(f"请填写{label}。", code="required", field=field)
        return None
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            raise DomainError(f"{label}格式不正确，应为YYYY-MM-DD。", code="invalid_date", field=field) from None
    if not isinstance(value, datetime.date):
        raise DomainError(f"{label}格式不正确。", code="invalid_date", field=field)
    if not future_ok and value > today():
        raise DomainError(f"{label}不能晚于今天。", code="date_in_future", field=field)
    if not_before is not None and value < not_before:
        raise DomainError(
            f"{label}不能早于{before_label}（{not_before:%Y-%m-%d}）。", code="date_too_early", field=field
        )
    return value


def required_date(value: Any, label: str, field: str, **kwargs: Any) -> datetime.date:
    day = clean_date(value, label, field, required=True, **kwargs)
    assert day is not None
    return day


def clean_datetime(value: Any, label: str, field: str) -> datetime.datetime:
    if value is None or value == "":
        raise DomainError(f"请填写{label}。", code="required", field=field)
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise DomainError(f"{label}格式不正确。", code="invalid_datetime", field=field) from None
    if not isinstance(value, datetime.datetime):
        raise DomainError(f"{label}格式不正确。", code="invalid_datetime", field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + datetime.timedelta(minutes=5):
        raise DomainError(f"{label}不能晚于现在。", code="datetime_in_future", field=field)
    return value


def clean_decimal(value: Any, label: str, field: str, *, minimum: Decimal | None = None) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(f"{label}应为数字。", code="invalid_number", field=field) from None
    if not number.is_finite():
        raise DomainError(f"{label}应为数字。", code="invalid_number", field=field)
    if minimum is not None and number < minimum:
        raise DomainError(f"{label}不能小于{minimum}。", code="invalid_number", field=field)
    return number
