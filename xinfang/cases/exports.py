"""xlsx export of the case list (R6.4 ledger): exactly the rows the list page shows for the same filters —
the same selector, `selectors.case_list` — limited to the cases the user may export (cases.case.export),
personal data masked, formula-like text neutralised, and every export audited (cases.case.exported).

Built for the national scale (issue target: ≥ 20,000 rows/s and peak RSS ≤ 300 MB at 100,000 rows). Model
instances + prefetch + openpyxl did ~117 rows/s on the 1M-case database. Now: values_list tuples through one
server-side cursor, each chunk's petitioners in one query (name, ID number, phone — decrypted by the field itself),
labels from dicts, the export scope ANDed onto the list's rows, and the sheet streamed by cases/xlsx_stream.py.
Measured (bench --export-child, 局 user, 100,119 rows, 2 cores): ~22,000–23,000 rows/s, peak RSS ~132 MB. Of the
~4.4 s, Fernet decryption of the ~303,000 personal-data values takes ~2.2 s (the cryptography library's ~6 µs per
token: the floor), the queries ~0.7 s, building the rows ~0.6 s, writing the sheet ~0.9 s."""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any, cast

from django.db import connections, models
from django.db.models.expressions import RawSQL
from django.utils import timezone

from xinfang.cases import selectors
from xinfang.cases.models import CaseQuerySet, Category, Channel, Kind, Petitioner, Status
from xinfang.cases.xlsx_stream import MAX_ROWS, XlsxStreamWriter
from xinfang.core.audit import audit_record
from xinfang.core.errors import DomainError
from xinfang.core.legal_calendar import DUE_STATE_LABELS, due_state
from xinfang.core.masking import mask_id_number, mask_name, mask_phone

EXPORT_PERM = "cases.case.export"
MAX_EXPORT_ROWS = MAX_ROWS - 1  # one sheet holds 1,048,576 rows, the header included
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000

COLUMNS: tuple[tuple[str, int], ...] = (
    ("编号", 18),
    ("类型", 10),
    ("事由", 36),
    ("类别", 12),
    ("业务分类", 16),
    ("来源渠道", 12),
    ("办理单位", 20),
    ("状态", 14),
    ("收到日期", 12),
    ("受理告知期限", 14),
    ("受理日期", 12),
    ("办结期限", 12),
    ("当前期限", 12),
    ("期限状态", 12),
    ("延期天数", 10),
    ("承办人", 14),
    ("信访人", 20),
    ("身份证号码", 22),
    ("联系电话", 16),
    ("人数", 8),
)

# A cell whose text begins with one of these is read as a formula by spreadsheet programs (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would evaluate gets a leading apostrophe; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _labels(choices: type[models.TextChoices]) -> dict[str, str]:
    """value → label as get_<field>_display gives it (the fields' choices are these classes'), neutralised once."""
    return {str(value): neutralise(str(label)) for value, label in choices.choices}


# What values_list fetches per case, in this order.
FIELDS = (
    "pk",
    "number",
    "kind",
    "title",
    "category",
    "topic__name",
    "channel",
    "unit__name",
    "status",
    "received_on",
    "ack_due",
    "accepted_on",
    "due",
    "deadline_on",  # the limit running now: the same date as Case.deadline
    "extension_days",
    "handler__name",
    "handler__username",
    "headcount",
    "is_anonymous",
)


def _id_list(ids: list[int], using: str) -> Any:
    """The right-hand side of `case_id__in` for a chunk of ids. On PostgreSQL one array parameter: Django's
    `IN (%s, %s, …)` with 2,000 placeholders costs ~3 times the query itself to build and parse (0.87 s against
    0.26 s for the petitioners of 100,000 cases)."""
    if connections[using].vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return ids


def _petitioners(case_ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
    """(name, id_number, phone) of these cases' petitioners, by case, in Petitioner order — one query. values_list
    decrypts through EncryptedTextField.from_db_value itself; the address is never fetched."""
    people: dict[int, list[tuple[str, str, str]]] = {}
    using = Petitioner.objects.db
    qs = (
        Petitioner.objects.filter(case_id__in=_id_list(case_ids, using))
        .order_by("case_id", "order", "id")
        .values_list("case_id", "name", "id_number", "phone")
    )
    for case_id, name, id_number, phone in qs:
        people.setdefault(case_id, []).append((name, id_number, phone))
    return people


def _people_columns(persons: list[tuple[str, str, str]], anonymous: bool) -> tuple[str, str, str]:
    """信访人, 身份证号码, 联系电话: masked, joined with 、 in Petitioner order; 匿名 when an anonymous case has
    nobody."""
    if not persons:
        return ("匿名" if anonymous else ""), "", ""
    if len(persons) == 1:  # the common case, without three generator joins
        name, id_number, phone = persons[0]
        return mask_name(name), mask_id_number(id_number), mask_phone(phone)
    return (
        "、".join(mask_name(p[0]) for p in persons if p[0]),
        "、".join(mask_id_number(p[1]) for p in persons if p[1]),
        "、".join(mask_phone(p[2]) for p in persons if p[2]),
    )


def exportable(user: Any, filters: dict[str, Any], today: datetime.date) -> CaseQuerySet:
    """case_list(user, **filters) limited to the cases the user may export, in the list's order. visible_to is
    applied to the list's own rows (an AND on the same row), not as `pk IN (every exportable case)`: the same set,
    without PostgreSQL hashing the whole exportable table first (~0.6 s of 1.1 s at 1M cases)."""
    return cast(CaseQuerySet, selectors.case_list(user, today=today, **filters)).visible_to(user, EXPORT_PERM)


def rows(user: Any, filters: dict[str, Any], today: datetime.date) -> Iterator[list[Any]]:
    """The export rows: case_list(user, **filters) limited to the user's export scope, in the list's order.

    Tuples, not model instances: the cases CHUNK at a time (a server-side cursor on PostgreSQL), each chunk's
    petitioners in one query, display labels from dicts built once; `neutralise` runs on every text that does not
    come from those (already neutralised) labels — dates and numbers never need it."""
    qs = exportable(user, filters, today).prefetch_related(None).values_list(*FIELDS)
    kinds, categories, channels, statuses = (_labels(c) for c in (Kind, Category, Channel, Status))
    due_labels: dict[datetime.date | None, str] = {}  # deadline → 期限状态, computed once per date
    no_one: list[tuple[str, str, str]] = []
    cases = qs.iterator(chunk_size=CHUNK)
    while chunk := list(islice(cases, CHUNK)):
        people = _petitioners([r[0] for r in chunk])
        for r in chunk:
            names, id_numbers, phones = _people_columns(people.get(r[0], no_one), r[18])
            deadline = r[13]
            due_label = due_labels.get(deadline)
            if due_label is None:
                due_label = due_labels[deadline] = neutralise(DUE_STATE_LABELS[due_state(deadline, today)])
            yield [
                neutralise(r[1]),
                kinds.get(r[2]) or neutralise(r[2]),
                neutralise(r[3]),
                categories.get(r[4]) or neutralise(r[4]),
                neutralise(r[5]),
                channels.get(r[6]) or neutralise(r[6]),
                neutralise(r[7]),
                statuses.get(r[8]) or neutralise(r[8]),
                r[9],
                r[10],
                r[11],
                r[12],
                deadline,
                due_label,
                r[14],
                neutralise(r[15] or r[16]) if r[16] is not None else "",  # User.display_name; no handler → ""
                neutralise(names),
                neutralise(id_numbers),
                neutralise(phones),
                r[17],
            ]


@dataclass
class Export:
    file: IO[bytes]
    filename: str
    count: int


def case_export(*, actor: Any, filters: dict[str, Any], request: Any = None) -> Export:
    """Write the workbook to a temporary file and audit the export (who, which filters, how many rows)."""
    today = timezone.localdate()
    # Counting stops at the limit.
    if exportable(actor, filters, today).order_by()[: MAX_EXPORT_ROWS + 1].count() > MAX_EXPORT_ROWS:
        raise DomainError(
            f"符合条件的信访事项超过 {MAX_EXPORT_ROWS:,} 件，超出 Excel 单个工作表的行数上限。"
            "请缩小筛选范围（如收到日期、办理单位）后分批导出。",
            code="export_too_large",
        )
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # handed to the response, closed by it
    with XlsxStreamWriter(out, sheet_name="信访事项", columns=COLUMNS) as sheet:
        for row in rows(actor, filters, today):
            sheet.append(row)
    count = sheet.rows
    out.seek(0)
    audit_record(
        actor=actor,
        action="cases.case.exported",
        unit=getattr(actor, "unit", None),
        after={"count": count, "filters": _audit_filters(filters)},
        request=request,
    )
    return Export(file=out, filename=f"信访事项台账-{today:%Y%m%d}.xlsx", count=count)  # type: ignore[arg-type]


def _audit_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as recorded: the free-text query may be a petitioner's name or ID number, so only its
    presence is kept."""
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if value in (None, "", False):
            continue
        if key == "q":
            out[key] = "（已填写）"
        elif hasattr(value, "pk"):
            out[key] = value.pk
        else:
            out[key] = value
    return out
