"""Masking helpers: what screens and exports show unless the user may and does unmask."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """110105199001011234 -> 110105********1234"""
    if not value:
        return ""
    v = value.strip()
    if len(v) <= 10:
        return v[:2] + "*" * max(len(v) - 2, 0)
    return v[:6] + "*" * (len(v) - 10) + v[-4:]


def mask_phone(value: str | None) -> str:
    """13812345678 -> 138****5678"""
    if not value:
        return ""
    v = value.strip()
    if len(v) < 7:
        return "*" * len(v)
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def mask_address(value: str | None) -> str:
    """Keep the first six characters (province/city), hide the rest."""
    if not value:
        return ""
    v = value.strip()
    keep = min(6, max(len(v) // 2, 1))
    return v[:keep] + "****"


def mask_name(value: str | None) -> str:
    """张三 -> 张*, 欧阳小明 -> 欧***"""
    if not value:
        return ""
    v = value.strip()
    return v[0] + "*" * (len(v) - 1)
