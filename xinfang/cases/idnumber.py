"""Resident identity card numbers (公民身份号码, GB 11643-1999): 18 characters — a 6-digit address code,
an 8-digit birth date, a 3-digit sequence, and a check character computed with ISO 7064 MOD 11-2."""

from __future__ import annotations

import datetime

from xinfang.core.errors import DomainError
from xinfang.core.fields import normalize_id_number

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # indexed by (sum of weighted digits) mod 11


def check_char(first17: str) -> str:
    """The check character of the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("17 digits expected")
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def birth_date(value: str) -> datetime.date | None:
    v = normalize_id_number(value)
    try:
        return datetime.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return None


def id_number_problem(value: str, today: datetime.date | None = None) -> str | None:
    """None if `value` is a valid 18-character number, else the reason in Chinese."""
    v = normalize_id_number(value)
    if len(v) != 18:
        return "身份证号码应为18位。"
    if not v[:17].isdigit() or not (v[17].isdigit() or v[17] == "X"):
        return "身份证号码前17位应为数字，最后一位为数字或X。"
    if v[0] == "0":
        return "身份证号码的地址码无效。"
    born = birth_date(v)
    if born is None or born.year < 1900 or born > (today or datetime.date.today()):
        return "身份证号码中的出生日期无效。"
    if check_char(v[:17]) != v[17]:
        return "身份证号码校验位不正确，请核对。"
    return None


def is_valid_id_number(value: str) -> bool:
    return id_number_problem(value) is None


def validate_id_number(value: str, field: str = "id_number") -> str:
    """The normalised number (upper-case X, no spaces); DomainError if it is not a valid GB 11643 number."""
    problem = id_number_problem(value)
    if problem:
        raise DomainError(problem, code="invalid_id_number", field=field)
    return normalize_id_number(value)
