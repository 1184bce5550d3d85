"""xlsx export of the case list (R6.4 ledger): exactly the rows the list page shows for the same filters —
the same selector, `selectors.case_list` — limited to the cases the user may export (cases.case.export),
personal data masked, formula-like text neutralised, and every export audited (cases.case.exported).

openpyxl's write-only workbook streams rows into the file as the queryset is iterated in chunks, so a large
ledger never sits in memory as a worksheet."""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from xinfang.cases import selectors
from xinfang.cases.models import Case
from xinfang.core.audit import audit_record
from xinfang.core.legal_calendar import DUE_STATE_LABELS, due_state
from xinfang.core.masking import mask_id_number, mask_name, mask_phone

EXPORT_PERM = "cases.case.export"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 500

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


def _row(case: Case, today: datetime.date) -> list[Any]:
    people = list(case.petitioners.all())
    if case.is_anonymous and not people:
        names = "匿名"
    else:
        names = "、".join(mask_name(p.name) for p in people if p.name)
    return [
        case.number,
        case.get_kind_display(),
        case.title,
        case.get_category_display(),
        case.topic.name,
        case.get_channel_display(),
        case.unit.name,
        case.get_status_display(),
        case.received_on,
        case.ack_due,
        case.accepted_on,
        case.due,
        case.deadline,
        DUE_STATE_LABELS[due_state(case.deadline, today)],
        case.extension_days,
        case.handler.display_name if case.handler else "",
        names,
        "、".join(mask_id_number(p.id_number) for p in people if p.id_number),
        "、".join(mask_phone(p.phone) for p in people if p.phone),
        case.headcount,
    ]


def rows(user: Any, filters: dict[str, Any], today: datetime.date) -> Iterator[list[Any]]:
    """The export rows: case_list(user, **filters) limited to the user's export scope, in the list's order."""
    exportable = Case.objects.visible_to(user, EXPORT_PERM).values("pk")
    qs = selectors.case_list(user, today=today, **filters).filter(pk__in=exportable)
    for case in qs.iterator(chunk_size=CHUNK):
        yield [neutralise(v) for v in _row(case, today)]


def _header(ws: WriteOnlyWorksheet) -> None:
    bold = Font(bold=True)
    cells = []
    for title, _width in COLUMNS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        cells.append(cell)
    ws.append(cells)


@dataclass
class Export:
    file: IO[bytes]
    filename: str
    count: int


def case_export(*, actor: Any, filters: dict[str, Any], request: Any = None) -> Export:
    """Write the workbook to a temporary file and audit the export (who, which filters, how many rows)."""
    today = timezone.localdate()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("信访事项")
    for i, (_title, width) in enumerate(COLUMNS):
        ws.column_dimensions[_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    _header(ws)
    count = 0
    for row in rows(actor, filters, today):
        ws.append(row)
        count += 1
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # handed to the response, closed by it
    wb.save(out)
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


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
