"""The unit-tree spreadsheet: reading an uploaded xlsx into ImportRows, and writing the blank template.

Columns (headers in row 1, in any order): 单位名称 / 单位代码 / 上级单位代码 / 层级, the level written as
消防救援局 / 总队 / 支队 / 大队 / 站. Reading only turns cells into text; every rule about the rows lives in
services.units_import_validate.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from xinfang.core.errors import DomainError
from xinfang.core.scope import scope_paths
from xinfang.core.security import check_xlsx_archive
from xinfang.orgs.models import LEVEL_RANK, Level, Unit
from xinfang.orgs.services import COL_CODE, COL_LEVEL, COL_NAME, COL_PARENT, UNIT_MANAGE, ImportRow

HEADERS = (COL_NAME, COL_CODE, COL_PARENT, COL_LEVEL)
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# Sheets often carry formatted but empty rows; stop scanning well before a crafted file can keep us busy.
MAX_SCANNED_ROWS = 50_000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_FILENAME = "单位导入模板.xlsx"
_ZIP_MAGIC = b"PK\x03\x04"


def _fail(message: str) -> DomainError:
    return DomainError(message, code="import_file", field="file")


def _cell_text(value: Any) -> str:
    """A cell as the text a person typed: 310100.0 -> "310100", dates as YYYY-MM-DD, blanks as ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


def _header_key(value: Any) -> str:
    return _cell_text(value).replace(" ", "").strip("*＊")


def read_units_xlsx(upload: Any) -> list[ImportRow]:
    """Parse an uploaded file (anything with .read(), .name and optionally .size) into rows.

    Raises DomainError (field "file") with a Chinese message for a file that is not a readable xlsx,
    is over 5 MB, lacks a header, or has more than 5,000 data rows.
    """
    name = str(getattr(upload, "name", "") or "")
    if not name.lower().endswith(".xlsx"):
        raise _fail("请上传 .xlsx 格式的 Excel 文件（不支持 .xls、.csv 等格式，可在 Excel 中“另存为”.xlsx）。")
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _fail("文件超过 5 MB，请拆分后分批导入。")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _fail("文件超过 5 MB，请拆分后分批导入。")
    if not data.startswith(_ZIP_MAGIC):
        raise _fail("文件无法读取：不是有效的 .xlsx 文件，或文件已损坏。")
    check_xlsx_archive(data)  # refuses zip bombs before openpyxl inflates anything
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise _fail("文件无法读取：不是有效的 .xlsx 文件，或文件已损坏。") from None
    try:
        return _read_sheet(wb)
    except DomainError:
        raise
    except Exception:
        raise _fail("文件无法读取：工作表内容损坏。") from None
    finally:
        wb.close()


def _read_sheet(wb: Any) -> list[ImportRow]:
    if not wb.worksheets:
        raise _fail("文件中没有工作表。")
    ws = wb.worksheets[0]
    ws.reset_dimensions()  # do not trust the stored sheet size; read the rows that are there
    rows_iter = ws.iter_rows(values_only=True)
    header = next(rows_iter, None)
    positions: dict[str, int] = {}
    for i, value in enumerate(header or ()):
        key = _header_key(value)
        if key in HEADERS and key not in positions:
            positions[key] = i
    missing = [h for h in HEADERS if h not in positions]
    if missing:
        raise _fail(f"第1行缺少表头：{'、'.join(missing)}。第1行应依次为：{'、'.join(HEADERS)}。")

    def cell(values: tuple[Any, ...], header_name: str) -> str:
        i = positions[header_name]
        return _cell_text(values[i]) if i < len(values) else ""

    rows: list[ImportRow] = []
    for row_number, values in enumerate(rows_iter, start=2):
        if row_number > MAX_SCANNED_ROWS:
            raise _fail(f"文件行数过多（超过{MAX_SCANNED_ROWS}行），请删除空行或拆分后导入。")
        texts = {h: cell(values, h) for h in HEADERS}
        if not any(texts.values()):
            continue  # blank rows are skipped, row numbers stay those Excel shows
        if len(rows) >= MAX_ROWS:
            raise _fail(f"数据行超过 {MAX_ROWS} 行，请拆分后分批导入。")
        rows.append(
            ImportRow(
                row=row_number,
                name=texts[COL_NAME],
                code=texts[COL_CODE],
                parent_code=texts[COL_PARENT],
                level=texts[COL_LEVEL].replace(" ", ""),
            )
        )
    if not rows:
        raise _fail("文件中没有数据行（表头下方为空）。")
    return rows


def template_example(user: Any) -> ImportRow | None:
    """One example row the user could import as it is: a new unit under the top unit he manages."""
    top = (
        Unit.objects.filter(path__in=scope_paths(user, UNIT_MANAGE), is_active=True)
        .exclude(level=Level.STATION)
        .order_by("path")
        .first()
    )
    if top is None:
        return None
    child_level = next(lv for lv in Level if LEVEL_RANK[lv] == top.rank + 1)
    prefix = top.code[:28]
    taken = set(Unit.objects.filter(code__startswith=f"{prefix}-").values_list("code", flat=True))
    code = next((f"{prefix}-{i:02d}" for i in range(1, 1000) if f"{prefix}-{i:02d}" not in taken), "")
    return ImportRow(row=2, name=f"示例{child_level.label}", code=code, parent_code=top.code, level=child_level.label)


def template_workbook(example: ImportRow | None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "单位"
    ws.append(list(HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    if example is not None:
        ws.append([example.name, example.code, example.parent_code, example.level])
    for column, width in zip("ABCD", (30, 16, 16, 10), strict=True):
        ws.column_dimensions[column].width = width
    notes = wb.create_sheet("填写说明")
    for line in (
        "第一个工作表第1行为表头：单位名称、单位代码、上级单位代码、层级（列顺序可调整，表头文字不可改）。",
        "单位代码：字母、数字、“-”或“_”，不超过32位，全省唯一。",
        "上级单位代码：可以是系统中已有的单位，也可以是本文件中的另一行（上下行顺序不限）。",
        "层级：消防救援局、总队、支队、大队、站；下级单位的层级必须低于上级单位。",
        "只有消防救援局或总队可以不填上级单位代码。",
        f"文件不超过 5 MB、{MAX_ROWS} 行；任何一行有错误时，整个文件都不会导入。",
        "示例行可直接导入；正式导入前请改为实际单位或删除。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
