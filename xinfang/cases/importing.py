"""Import of historical cases from an xlsx ledger (R6.4): a downloadable template, every row validated, an error
workbook marking each bad cell, duplicates against existing cases reported, and all or nothing.

    template_workbook(actor) -> bytes                   the template (Chinese headers, one example row, dropdowns)
    read_ledger(data, name) -> Ledger                   the sheet's rows as text (whole-file problems: DomainError)
    validate_ledger(actor, ledger) -> (records, errors) every cell of every row checked, nothing written
    find_duplicates(actor, records) -> [Duplicate]      against the cases the actor can see, and inside the file
    cases_import(*, actor, records, ...) -> [case ids]  ONE transaction; any refusal rolls every row back
    import_ledger(*, actor, data, name, ...)            the whole run (the page's job, the API's job and
                                                        `manage.py import_cases` all call this)
    error_workbook(data, ledger, errors) -> bytes       the uploaded workbook with each bad cell marked

Through the domain: every row is registered by `services.case_register` (numbering, petitioner encryption and
keyed hashes, the Art 30 rule, the audit record) with the historical receipt date. The recorded outcome (受理,
不予受理, 导出, 处理意见出具/送达, 满意度评价, 落实, 办结) is then written by `_apply_outcome` in this module
— the dedicated historical-import step: it sets the same columns the workflow services set, records one
timeline entry per step with its historical business date (data["imported"] = true) and audits the case as
`cases.case.imported`. It deliberately does not run the step services: those would generate today's
notices with new 文号 for letters that were issued on paper years ago, and their approval rule (approver ≠
drafter) cannot be replayed for an old record. Deadlines are computed from the historical dates by the same
legal calendar (deadlines.py), so an imported open case is overdue exactly when its dates say so.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from xinfang.cases import deadlines, services
from xinfang.cases.exports import XLSX, neutralise
from xinfang.cases.idnumber import check_char, id_number_problem
from xinfang.cases.models import (
    DIVERT_ITEMS,
    Art31Item,
    Case,
    CaseEvent,
    Category,
    Channel,
    Evaluation,
    Kind,
    Opinion,
    OpinionResult,
    Petitioner,
    Rating,
    Status,
    Topic,
    conflict_unit_ids,
)
from xinfang.cases.workflow import HANDLE, REGISTER
from xinfang.core.audit import audit_record
from xinfang.core.errors import DomainError
from xinfang.core.legal_calendar import extended_due
from xinfang.core.scope import has_perm, scope_paths
from xinfang.core.security import check_xlsx_archive
from xinfang.orgs.models import Unit, User

IMPORT_PERM = "cases.case.import"
JOB_KIND = "cases.import"
XLSX_CONTENT_TYPE = XLSX
TEMPLATE_FILENAME = "信访事项历史台账导入模板.xlsx"
SHEET_TITLE = "信访事项"
MAX_BYTES = 10 * 1024 * 1024
MAX_SCANNED_ROWS = 50_000
EARLIEST = datetime.date(1990, 1, 1)
_ZIP_MAGIC = b"PK\x03\x04"


def max_rows() -> int:
    return int(getattr(settings, "XINFANG_IMPORT_MAX_ROWS", 5000))


def inline_rows() -> int:
    """Files with at most this many rows are imported during the request; larger ones in the background."""
    return int(getattr(settings, "XINFANG_IMPORT_INLINE_ROWS", 200))


# ---------------------------------------------------------------------------------------------------
# The columns


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    width: int
    note: str


COLUMNS: tuple[Column, ...] = (
    Column("unit", "办理单位代码", True, 14, "系统中的单位代码；须为您有权导入的单位"),
    Column("channel", "来源渠道", True, 12, "网上信访、来信、来电、传真、来访、上级交办/转送"),
    Column("source", "交办/转送机关", False, 18, "来源渠道为“上级交办/转送”时必填"),
    Column("reference_no", "来文编号", False, 16, "可填原台账编号或来文编号"),
    Column("received_on", "收到日期", True, 12, "YYYY-MM-DD，不晚于今天"),
    Column("category", "类别", True, 12, "建议意见类、检举控告类、申诉求决类、涉法涉诉类"),
    Column("topic", "业务分类", True, 16, "系统中启用的业务分类名称"),
    Column("title", "事由", True, 30, "不超过200字"),
    Column("content", "主要内容", True, 40, ""),
    Column("anonymous", "匿名", False, 8, "是/否，空白为否；匿名时不填姓名和身份证号码"),
    Column("name", "信访人姓名", False, 12, "非匿名时必填"),
    Column("id_number", "身份证号码", False, 22, "18位，按GB 11643校验；请以文本格式填写"),
    Column("phone", "联系电话", False, 14, ""),
    Column("address", "住址", False, 24, ""),
    Column("headcount", "人数", False, 8, "整数，空白为1；5人以上为集体访"),
    Column("accused_unit", "被反映单位代码", False, 14, "仅检举控告类填写（与被反映人员至少填一项）"),
    Column("accused_names", "被反映人员", False, 16, "仅检举控告类填写"),
    Column(
        "status",
        "办理状态",
        False,
        14,
        "待受理、已受理、不予受理、已导出、已出具处理意见、已送达、已办结；空白为待受理",
    ),
    Column("decided_on", "受理/决定日期", False, 14, "办理状态不是待受理时必填；不早于收到日期"),
    Column("handler", "承办人账号", False, 14, "可选；须为办理单位的信访干部"),
    Column("decline_reason", "不予受理理由", False, 24, "不予受理时必填"),
    Column("art31_item", "导出情形", False, 10, "已导出时必填：条例第三十一条第（一）至（五）项，填1—5"),
    Column("route", "导出途径", False, 24, "已导出时必填"),
    Column("result", "处理结果", False, 12, "予以支持、解释说明、不予支持（已出具处理意见及以后必填）"),
    Column("facts", "事实和理由", False, 30, "可选"),
    Column("opinion", "处理意见", False, 30, "已出具处理意见及以后必填"),
    Column("legal_basis", "依据", False, 24, "可选"),
    Column("issued_on", "出具日期", False, 12, "已出具处理意见及以后必填；不早于受理日期"),
    Column("delivered_on", "送达日期", False, 12, "已送达、已办结时必填；不早于出具日期"),
    Column("rating", "满意度", False, 10, "满意、基本满意、不满意（可选，送达后才有）"),
    Column("carried_out_on", "落实日期", False, 12, "予以支持且已办结时必填"),
    Column("concluded_on", "办结日期", False, 12, "已办结时必填；不早于送达日期"),
)
BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
REQUIRED_HEADERS = tuple(c.header for c in COLUMNS if c.required)

REGISTERED, ACCEPTED, DECLINED, DIVERTED = "registered", "accepted", "declined", "diverted"
ISSUED, DELIVERED, CONCLUDED = "opinion_issued", "delivered", "concluded"
STATUS_CHOICES: dict[str, str] = {
    "待受理": REGISTERED,
    "已受理": ACCEPTED,
    "已受理办理中": ACCEPTED,
    "办理中": ACCEPTED,
    "不予受理": DECLINED,
    "已导出": DIVERTED,
    "导出": DIVERTED,
    "已出具处理意见": ISSUED,
    "已出具意见": ISSUED,
    "已送达": DELIVERED,
    "已办结": CONCLUDED,
    "办结": CONCLUDED,
}
STATUS_LABELS = ["待受理", "已受理", "不予受理", "已导出", "已出具处理意见", "已送达", "已办结"]
WITH_DECISION = {ACCEPTED, DECLINED, DIVERTED, ISSUED, DELIVERED, CONCLUDED}
WITH_OPINION = {ISSUED, DELIVERED, CONCLUDED}
WITH_DELIVERY = {DELIVERED, CONCLUDED}
# Which optional columns belong to which outcomes (filled for another outcome: an error).
ONLY_FOR: dict[str, set[str]] = {
    "decided_on": WITH_DECISION,
    "handler": {ACCEPTED, ISSUED, DELIVERED, CONCLUDED},
    "decline_reason": {DECLINED},
    "art31_item": {DIVERTED},
    "route": {DIVERTED},
    "result": WITH_OPINION,
    "facts": WITH_OPINION,
    "opinion": WITH_OPINION,
    "legal_basis": WITH_OPINION,
    "issued_on": WITH_OPINION,
    "delivered_on": WITH_DELIVERY,
    "rating": WITH_DELIVERY,
    "carried_out_on": WITH_OPINION,
    "concluded_on": {CONCLUDED},
}
CHANNEL_CHOICES: dict[str, str] = {
    **{label: value for value, label in Channel.choices},
    "网上": Channel.ONLINE,
    "上级交办": Channel.ASSIGNED,
    "转送": Channel.ASSIGNED,
    "交办": Channel.ASSIGNED,
    "上级交办转送": Channel.ASSIGNED,
}
CHANNEL_LABELS = [label for _, label in Channel.choices]
CATEGORY_CHOICES: dict[str, str] = {
    **{label: value for value, label in Category.choices},
    **{label.removesuffix("类"): value for value, label in Category.choices},
}
CATEGORY_LABELS = [label for _, label in Category.choices]
RESULT_CHOICES = {label: value for value, label in OpinionResult.choices}
RATING_CHOICES = {label: value for value, label in Rating.choices}
YES = {"是", "y", "yes", "1", "√", "匿名", "true"}
NO = {"", "否", "n", "no", "0", "false"}
ART31_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}


# ---------------------------------------------------------------------------------------------------
# Reading


@dataclass
class LedgerRow:
    row: int  # the row number Excel shows
    values: dict[str, str]
    numeric_id: bool = False  # the ID number cell held a number (Excel drops digits of long numbers)


@dataclass
class Ledger:
    name: str
    sha256: str
    sheet: str
    positions: dict[str, int]  # column key -> 0-based column index in the sheet
    header_width: int
    rows: list[LedgerRow]


@dataclass(frozen=True)
class CellError:
    row: int
    column: str  # a COLUMNS key, or "" for the row as a whole
    message: str

    def as_dict(self) -> dict[str, Any]:
        col = BY_KEY.get(self.column)
        return {"row": self.row, "column": col.header if col else "", "message": self.message}


def _fail(message: str) -> DomainError:
    return DomainError(message, code="import_file", field="file")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


def _header_key(value: Any) -> str:
    return _cell_text(value).replace(" ", "").strip("*＊")


HEADER_TO_KEY = {c.header: c.key for c in COLUMNS}


def read_ledger(data: bytes, name: str) -> Ledger:
    """The first worksheet's rows, as text keyed by column. Raises DomainError(field "file") for a file that
    is not a readable xlsx, is too large, lacks required headers, has no data rows or too many rows."""
    if not (name or "").lower().endswith(".xlsx"):
        raise _fail("请上传 .xlsx 格式的 Excel 文件（不支持 .xls、.csv 等格式，可在 Excel 中“另存为”.xlsx）。")
    if len(data) > MAX_BYTES:
        raise _fail(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，请拆分后分批导入。")
    if not data.startswith(_ZIP_MAGIC):
        raise _fail("文件无法读取：不是有效的 .xlsx 文件，或文件已损坏。")
    check_xlsx_archive(data)  # refuses zip bombs before openpyxl inflates anything
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise _fail("文件无法读取：不是有效的 .xlsx 文件，或文件已损坏。") from None
    try:
        return _read_sheet(wb, name, hashlib.sha256(data).hexdigest())
    except DomainError:
        raise
    except Exception:
        raise _fail("文件无法读取：工作表内容损坏。") from None
    finally:
        wb.close()


def _read_sheet(wb: Any, name: str, digest: str) -> Ledger:
    if not wb.worksheets:
        raise _fail("文件中没有工作表。")
    ws = wb.worksheets[0]
    ws.reset_dimensions()
    rows_iter = ws.iter_rows(values_only=True)
    header = next(rows_iter, None) or ()
    positions: dict[str, int] = {}
    for i, value in enumerate(header):
        key = HEADER_TO_KEY.get(_header_key(value))
        if key and key not in positions:
            positions[key] = i
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    if missing:
        raise _fail(f"第1行缺少表头：{'、'.join(missing)}。请使用导入模板（表头文字不可修改）。")
    width = max([i for i, v in enumerate(header) if _cell_text(v)] + [-1]) + 1
    rows: list[LedgerRow] = []
    limit = max_rows()
    for row_number, values in enumerate(rows_iter, start=2):
        if row_number > MAX_SCANNED_ROWS:
            raise _fail(f"文件行数过多（超过{MAX_SCANNED_ROWS}行），请删除空行或拆分后导入。")
        texts: dict[str, str] = {}
        numeric_id = False
        for key, i in positions.items():
            raw = values[i] if i < len(values) else None
            texts[key] = _cell_text(raw)
            if key == "id_number" and isinstance(raw, (int, float)) and not isinstance(raw, bool):
                numeric_id = True
        if not any(texts.values()):
            continue  # blank rows are skipped; row numbers stay those Excel shows
        if len(rows) >= limit:
            raise _fail(f"数据行超过 {limit} 行，请拆分后分批导入。")
        rows.append(LedgerRow(row=row_number, values=texts, numeric_id=numeric_id))
    if not rows:
        raise _fail("文件中没有数据行（表头下方为空）。")
    return Ledger(name=name, sha256=digest, sheet=ws.title, positions=positions, header_width=width, rows=rows)


# ---------------------------------------------------------------------------------------------------
# Validation


@dataclass
class CaseRecord:
    """One validated row, ready for the domain."""

    row: int
    unit: Unit
    channel: str
    source: str
    reference_no: str
    received_on: datetime.date
    category: str
    topic: Topic
    title: str
    content: str
    anonymous: bool
    petitioner: services.PetitionerData | None
    headcount: int
    accused_unit: Unit | None
    accused_names: str
    status: str
    decided_on: datetime.date | None = None
    handler: User | None = None
    decline_reason: str = ""
    art31_item: int | None = None
    route: str = ""
    result: str = ""
    facts: str = ""
    opinion: str = ""
    legal_basis: str = ""
    issued_on: datetime.date | None = None
    delivered_on: datetime.date | None = None
    rating: str = ""
    carried_out_on: datetime.date | None = None
    concluded_on: datetime.date | None = None

    def person_keys(self) -> set[str]:
        return _person_keys(self.petitioner)


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_date(text: str) -> datetime.date | None:
    text = text.strip()
    if " " in text and re.match(r"^\d{4}-\d{2}-\d{2} ", text):
        text = text.split(" ", 1)[0]
    m = _DATE_RE.match(text)
    if not m:
        return None
    try:
        return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_art31(text: str) -> int | None:
    t = text.strip().replace("第", "").replace("项", "").strip("（）() ")
    if t.isdigit():
        return int(t)
    return ART31_WORDS.get(t)


class _Context:
    """What every row is checked against, loaded once."""

    def __init__(self, actor: Any, today: datetime.date) -> None:
        self.actor = actor
        self.today = today
        self.units = {u.code: u for u in Unit.objects.all()}
        topics = list(Topic.objects.filter(active=True))
        self.topics = {t.name: t for t in topics} | {t.code: t for t in topics}
        self.handlers: dict[str, User | None] = {}

    def allowed(self, unit: Unit) -> bool:
        return has_perm(self.actor, IMPORT_PERM, unit) and has_perm(self.actor, REGISTER, unit)

    def handler(self, username: str) -> User | None:
        if username not in self.handlers:
            self.handlers[username] = User.objects.filter(username=username, is_active=True).first()
        return self.handlers[username]


class _Row:
    """Checks of one row; collects a CellError per bad cell."""

    def __init__(self, ctx: _Context, row: LedgerRow) -> None:
        self.ctx = ctx
        self.row = row
        self.errors: list[CellError] = []

    def text(self, key: str) -> str:
        return self.row.values.get(key, "").strip()

    def error(self, key: str, message: str) -> None:
        self.errors.append(CellError(self.row.row, key, message))

    def required(self, key: str, label: str | None = None) -> str:
        value = self.text(key)
        if not value:
            self.error(key, f"请填写{label or BY_KEY[key].header}。")
        return value

    def limited(self, key: str, limit: int, *, required: bool = False) -> str:
        value = self.required(key) if required else self.text(key)
        if len(value) > limit:
            self.error(key, f"{BY_KEY[key].header}不能超过{limit}个字。")
        return value

    def choice(self, key: str, choices: dict[str, str], labels: Iterable[str], *, default: str = "") -> str:
        value = self.text(key).replace(" ", "")
        if not value:
            if default:
                return default
            self.error(key, f"请填写{BY_KEY[key].header}。")
            return ""
        found = choices.get(value)
        if found is None:
            self.error(key, f"{BY_KEY[key].header}“{value}”无效，应为：{'、'.join(labels)}。")
            return ""
        return found

    def date(
        self, key: str, *, required: bool, not_before: datetime.date | None = None, before: str = ""
    ) -> datetime.date | None:
        text = self.text(key)
        if not text:
            if required:
                self.error(key, f"请填写{BY_KEY[key].header}。")
            return None
        d = parse_date(text)
        if d is None:
            self.error(key, f"{BY_KEY[key].header}“{text}”不是有效日期，应为YYYY-MM-DD。")
            return None
        if d > self.ctx.today:
            self.error(key, f"{BY_KEY[key].header}不能晚于今天。")
            return None
        if d < EARLIEST:
            self.error(key, f"{BY_KEY[key].header}不能早于{EARLIEST:%Y-%m-%d}。")
            return None
        if not_before is not None and d < not_before:
            self.error(key, f"{BY_KEY[key].header}不能早于{before}（{not_before:%Y-%m-%d}）。")
        return d


def _validate_row(ctx: _Context, raw: LedgerRow) -> tuple[CaseRecord | None, list[CellError]]:
    r = _Row(ctx, raw)
    # Registration
    unit: Unit | None = None
    code = r.required("unit")
    if code:
        unit = ctx.units.get(code)
        if unit is None or not ctx.allowed(unit):
            r.error("unit", f"单位代码“{code}”不存在或不在您的导入权限范围内。")
            unit = None
        elif not unit.is_active:
            r.error("unit", f"单位“{unit.name}”已停用。")
    channel = r.choice("channel", CHANNEL_CHOICES, CHANNEL_LABELS)
    source = r.limited("source", 100, required=channel == Channel.ASSIGNED)
    reference_no = r.limited("reference_no", 100)
    received_on = r.date("received_on", required=True)
    category = r.choice("category", CATEGORY_CHOICES, CATEGORY_LABELS)
    topic: Topic | None = None
    topic_text = r.required("topic")
    if topic_text:
        topic = ctx.topics.get(topic_text)
        if topic is None:
            r.error("topic", f"业务分类“{topic_text}”不存在或已停用。")
    title = r.limited("title", 200, required=True)
    content = r.required("content")
    anonymous_text = r.text("anonymous").lower()
    anonymous = anonymous_text in YES
    if anonymous_text not in YES and anonymous_text not in NO:
        r.error("anonymous", "匿名一栏应填“是”或“否”。")
    name = r.limited("name", 50)
    id_number = r.text("id_number")
    phone = r.text("phone")
    address = r.text("address")
    if anonymous and (name or id_number):
        r.error("name" if name else "id_number", "匿名信访不应填写信访人姓名或身份证号码。")
    if not anonymous and not name:
        r.error("name", "请填写信访人姓名（匿名信访请在“匿名”一栏填“是”）。")
    if id_number:
        problem = id_number_problem(id_number, ctx.today)
        if problem:
            if raw.numeric_id:
                problem += "该单元格是数字格式，Excel会丢失18位号码的末几位，请将该列设为文本后重新填写。"
            r.error("id_number", problem)
    if phone and (len([c for c in phone if c.isdigit()]) < 5 or len(phone) > 30):
        r.error("phone", "联系电话格式不正确。")
    headcount = 1
    if r.text("headcount"):
        try:
            headcount = int(r.text("headcount"))
            if headcount < 1:
                raise ValueError
        except ValueError:
            r.error("headcount", "人数应为不小于1的整数。")
    accused_unit: Unit | None = None
    accused_code = r.text("accused_unit")
    accused_names = r.limited("accused_names", 200)
    if accused_code:
        accused_unit = ctx.units.get(accused_code)
        if accused_unit is None:
            r.error("accused_unit", f"被反映单位代码“{accused_code}”不存在。")
    if category and category != Category.ACCUSATION and (accused_code or accused_names):
        r.error("accused_unit" if accused_code else "accused_names", "只有检举控告类事项填写被反映对象。")
    if category == Category.ACCUSATION:
        if not accused_code and not accused_names:
            r.error("accused_unit", "检举控告类事项请填写被反映单位或人员。")
        if accused_unit is not None and unit is not None and unit.path.startswith(accused_unit.path):
            r.error(
                "unit",
                "检举控告类事项不能由被检举控告的单位或其下级单位办理（条例第三十条）。",
            )
    # Outcome
    status = r.choice("status", STATUS_CHOICES, STATUS_LABELS, default=REGISTERED)
    for key, statuses in ONLY_FOR.items():
        if status and r.text(key) and status not in statuses:
            label = next(k for k, v in STATUS_CHOICES.items() if v == status)
            r.error(key, f"办理状态为“{label}”时不应填写{BY_KEY[key].header}。")
    record_dates: dict[str, datetime.date | None] = {}
    if status in WITH_DECISION and received_on is not None:
        record_dates["decided_on"] = r.date("decided_on", required=True, not_before=received_on, before="收到日期")
    decided_on = record_dates.get("decided_on")
    handler: User | None = None
    if r.text("handler") and status in ONLY_FOR["handler"]:
        handler = ctx.handler(r.text("handler"))
        if handler is None:
            r.error("handler", f"承办人账号“{r.text('handler')}”不存在或已停用。")
        elif unit is not None and not has_perm(handler, HANDLE, unit):
            r.error("handler", "承办人须为办理单位的信访干部。")
        elif (
            accused_unit is not None
            and category == Category.ACCUSATION
            and accused_unit.pk in conflict_unit_ids(handler)
        ):
            r.error("handler", "承办人在被反映单位任职，应当回避（条例第二十八条）。")
    decline_reason = route = ""
    art31: int | None = None
    if status == DECLINED:
        decline_reason = r.limited("decline_reason", 2000, required=True)
    if status == DIVERTED:
        item_text = r.required("art31_item")
        if item_text:
            art31 = parse_art31(item_text)
            if art31 not in DIVERT_ITEMS:
                r.error("art31_item", "导出情形应为条例第三十一条第（一）至（五）项，填1—5。")
                art31 = None
        route = r.limited("route", 1000, required=True)
    result = opinion = facts = legal_basis = rating = ""
    issued_on = delivered_on = carried_out_on = concluded_on = None
    if status in WITH_OPINION:
        result = r.choice("result", RESULT_CHOICES, list(RESULT_CHOICES))
        opinion = r.required("opinion")
        facts = r.text("facts")
        legal_basis = r.text("legal_basis")
        if decided_on is not None:
            issued_on = r.date("issued_on", required=True, not_before=decided_on, before="受理日期")
    if status in WITH_DELIVERY and issued_on is not None:
        delivered_on = r.date("delivered_on", required=True, not_before=issued_on, before="出具日期")
    if status in WITH_DELIVERY and r.text("rating"):
        rating = r.choice("rating", RATING_CHOICES, list(RATING_CHOICES))
    if status == CONCLUDED and delivered_on is not None:
        concluded_on = r.date("concluded_on", required=True, not_before=delivered_on, before="送达日期")
    if status in WITH_OPINION and issued_on is not None:
        need = status == CONCLUDED and result == OpinionResult.SUPPORT
        carried_out_on = r.date("carried_out_on", required=need, not_before=issued_on, before="出具日期")
        if carried_out_on is not None and result and result != OpinionResult.SUPPORT:
            r.error("carried_out_on", "只有予以支持的处理意见填写落实日期。")
        if carried_out_on is not None and concluded_on is not None and carried_out_on > concluded_on:
            r.error("carried_out_on", "落实日期不能晚于办结日期。")
    if r.errors:
        return None, r.errors
    assert unit is not None and received_on is not None and topic is not None
    person = None
    if name or id_number or phone or address:
        person = services.PetitionerData(name=name, id_number=id_number, phone=phone, address=address)
    return (
        CaseRecord(
            row=raw.row,
            unit=unit,
            channel=channel,
            source=source,
            reference_no=reference_no,
            received_on=received_on,
            category=category,
            topic=topic,
            title=title,
            content=content,
            anonymous=anonymous,
            petitioner=person,
            headcount=headcount,
            accused_unit=accused_unit,
            accused_names=accused_names,
            status=status,
            decided_on=decided_on,
            handler=handler,
            decline_reason=decline_reason,
            art31_item=art31,
            route=route,
            result=result,
            facts=facts,
            opinion=opinion,
            legal_basis=legal_basis,
            issued_on=issued_on,
            delivered_on=delivered_on,
            rating=rating,
            carried_out_on=carried_out_on,
            concluded_on=concluded_on,
        ),
        [],
    )


ProgressLike = Any  # xinfang.notifications.jobs.Progress or None


def validate_ledger(
    actor: Any, ledger: Ledger, *, progress: ProgressLike = None, today: datetime.date | None = None
) -> tuple[list[CaseRecord], list[CellError]]:
    """Check every cell of every row (nothing is written). Returns the valid records and every error."""
    ctx = _Context(actor, today or timezone.localdate())
    records: list[CaseRecord] = []
    errors: list[CellError] = []
    if progress is not None:
        progress.phase("校验", len(ledger.rows))
    for raw in ledger.rows:
        record, problems = _validate_row(ctx, raw)
        if record is not None:
            records.append(record)
        errors.extend(problems)
        if progress is not None:
            progress.advance()
    return records, errors


# ---------------------------------------------------------------------------------------------------
# Duplicates


@dataclass(frozen=True)
class Duplicate:
    row: int
    case_id: int | None  # an existing case the actor can see, or None for an earlier row of the file
    number: str
    in_file_row: int | None

    @property
    def message(self) -> str:
        if self.in_file_row is not None:
            return f"与本文件第{self.in_file_row}行重复（同一单位、收到日期、事由和信访人）。"
        return f"与已有信访事项{self.number}重复（同一单位、收到日期、事由和信访人）。"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "case": self.case_id, "number": self.number, "in_file_row": self.in_file_row}


def _hash(field_name: str, raw: str) -> str:
    return Petitioner._meta.get_field(field_name).digest(raw)  # type: ignore[union-attr]


def _person_keys(p: services.PetitionerData | None) -> set[str]:
    if p is None:
        return set()
    keys = set()
    if p.id_number:
        keys.add("id:" + _hash("id_hash", p.id_number))
    if p.name and p.phone:
        keys.add("np:" + _hash("name_phone_hash", f"{p.name}|{p.phone}"))
    if p.name and not keys:
        keys.add("n:" + _hash("name_hash", p.name))
    return keys


def _title_key(title: str) -> str:
    return "".join(title.split())


def _same_person(a: set[str], b: set[str]) -> bool:
    return bool(a & b) or (not a and not b)


def find_duplicates(actor: Any, records: list[CaseRecord]) -> list[Duplicate]:
    """Rows that repeat an existing case the actor can see, or an earlier row of the same file: same handling
    unit, receipt date, 事由 (ignoring spaces) and petitioner (ID number, else name + phone, else name;
    anonymous matches anonymous)."""
    found: list[Duplicate] = []
    seen: dict[tuple[int, datetime.date, str], list[tuple[int, set[str]]]] = {}
    for rec in records:
        key = (rec.unit.pk, rec.received_on, _title_key(rec.title))
        keys = rec.person_keys()
        for earlier_row, earlier_keys in seen.get(key, []):
            if _same_person(keys, earlier_keys):
                found.append(Duplicate(rec.row, None, "", earlier_row))
                break
        seen.setdefault(key, []).append((rec.row, keys))
    if not records:
        return found
    low = min(r.received_on for r in records)
    high = max(r.received_on for r in records)
    unit_ids = sorted({r.unit.pk for r in records})
    existing: dict[tuple[int, datetime.date, str], list[tuple[int, str]]] = {}
    qs = (
        Case.objects.visible_to(actor)
        .filter(unit_id__in=unit_ids, received_on__gte=low, received_on__lte=high, kind=Kind.INITIAL)
        .values_list("pk", "number", "unit_id", "received_on", "title")
    )
    case_ids = []
    for pk, number, unit_id, received_on, title in qs.iterator(chunk_size=2000):
        k = (unit_id, received_on, _title_key(title))
        if k in seen:
            existing.setdefault(k, []).append((pk, number))
            case_ids.append(pk)
    people: dict[int, set[str]] = {pk: set() for pk in case_ids}
    for i in range(0, len(case_ids), 500):
        for case_id, id_h, np_h, n_h in Petitioner.objects.filter(case_id__in=case_ids[i : i + 500]).values_list(
            "case_id", "id_hash", "name_phone_hash", "name_hash"
        ):
            keys = people[case_id]
            if id_h:
                keys.add("id:" + id_h)
            if np_h:
                keys.add("np:" + np_h)
            if n_h and not id_h and not np_h:
                keys.add("n:" + n_h)
    in_file = {d.row for d in found}
    for rec in records:
        if rec.row in in_file:
            continue
        for pk, number in existing.get((rec.unit.pk, rec.received_on, _title_key(rec.title)), []):
            if _same_person(rec.person_keys(), people.get(pk, set())):
                found.append(Duplicate(rec.row, pk, number, None))
                break
    found.sort(key=lambda d: d.row)
    return found


# ---------------------------------------------------------------------------------------------------
# Writing (one transaction)


class ImportRefused(Exception):
    """The domain refused at least one row while writing: everything was rolled back."""

    def __init__(self, errors: list[CellError]) -> None:
        super().__init__(f"{len(errors)} rows refused")
        self.errors = errors


FIELD_COLUMNS = {
    "unit": "unit",
    "channel": "channel",
    "source": "source",
    "reference_no": "reference_no",
    "received_on": "received_on",
    "category": "category",
    "topic": "topic",
    "title": "title",
    "content": "content",
    "headcount": "headcount",
    "petitioners": "name",
    "accused_unit": "accused_unit",
    "accused_names": "accused_names",
    "accused_officials": "accused_names",
    "attachments": "title",
}


def _column_of(field_name: str | None) -> str:
    if not field_name:
        return "title"
    m = re.match(r"^petitioners\[\d+\]\.(\w+)$", field_name)
    if m:
        return m.group(1) if m.group(1) in BY_KEY else "name"
    return FIELD_COLUMNS.get(field_name, "title")


def _event(
    actor: Any, case: Case, action: str, from_status: str, on: datetime.date, note: str = "", **data: Any
) -> None:
    payload = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in data.items()}
    payload["imported"] = True
    CaseEvent.objects.create(
        case=case,
        on=on,
        actor=actor,
        unit_id=case.unit_id,
        action=action,
        from_status=from_status,
        to_status=case.status,
        note=note,
        data=payload,
    )


def _step(actor: Any, case: Case, action: str, status: str, on: datetime.date, note: str = "", **data: Any) -> None:
    before = case.status
    case.status = status
    _event(actor, case, action, before, on, note, **data)


def _apply_outcome(actor: Any, case: Case, rec: CaseRecord, ledger_name: str, request: Any) -> None:
    """Write the recorded outcome of a historical case (see the module docstring): the columns the workflow
    services would have set, one dated timeline entry per step, one audit record."""
    if rec.status == REGISTERED:
        audit_record(
            actor=actor,
            action="cases.case.imported",
            target=case,
            unit=case.unit,
            after={"row": rec.row, "file": ledger_name, "status": case.status},
            request=request,
        )
        return
    fields = {"status", "decided_on", "acknowledged_on"}
    d = rec.decided_on
    assert d is not None
    case.decided_on = d
    case.acknowledged_on = d
    if rec.status == DECLINED:
        case.decline_reason = rec.decline_reason
        fields.add("decline_reason")
        _step(actor, case, "decline", Status.DECLINED, d, rec.decline_reason, decided_on=d)
    elif rec.status == DIVERTED:
        case.art31_item = rec.art31_item
        case.route = rec.route
        case.due = None
        fields |= {"art31_item", "route", "due"}
        _step(actor, case, "divert", Status.DIVERTED, d, rec.route, decided_on=d, art31_item=rec.art31_item)
    else:
        case.accepted_on = d
        case.art31_item = Art31Item.PETITION
        case.due = extended_due(d, deadlines.CONCLUSION_DAYS, 0)
        case.handler = rec.handler
        case.first_unit = case.unit
        case.first_officer = rec.handler
        fields |= {"accepted_on", "art31_item", "due", "handler", "first_unit", "first_officer"}
        _step(actor, case, "accept", Status.ACCEPTED, d, accepted_on=d, due=case.due)
    if rec.status in WITH_OPINION:
        assert rec.issued_on is not None and case.due is not None
        Opinion.objects.create(
            case=case,
            result=rec.result,
            request_summary=case.title,
            facts=rec.facts or "（历史台账导入，详见原始档案）",
            opinion=rec.opinion,
            legal_basis=rec.legal_basis or "（历史台账导入，详见原始档案）",
            drafted_by=actor,
            drafted_at=timezone.now(),
            issued_on=rec.issued_on,
            delivered_on=rec.delivered_on,
            carried_out_on=rec.carried_out_on,
            carried_out_note="历史台账导入" if rec.carried_out_on else "",
        )
        _step(
            actor,
            case,
            "issue_opinion",
            Status.OPINION_ISSUED,
            rec.issued_on,
            issued_on=rec.issued_on,
            result=rec.result,
            in_time=rec.issued_on <= case.due,
        )
        if rec.delivered_on is not None:
            _step(
                actor,
                case,
                "deliver",
                Status.DELIVERED,
                rec.delivered_on,
                delivered_on=rec.delivered_on,
                review_request_until=deadlines.review_request_last_day(rec.delivered_on),
            )
            if rec.rating:
                Evaluation.objects.create(case=case, rating=rec.rating, on=rec.delivered_on, recorded_by=actor)
                _step(actor, case, "evaluate", Status.EVALUATED, rec.delivered_on, rating=rec.rating)
        if rec.carried_out_on is not None:
            _event(actor, case, "carry_out", case.status, rec.carried_out_on, "历史台账导入")
        if rec.concluded_on is not None:
            case.concluded_on = rec.concluded_on
            fields.add("concluded_on")
            _step(actor, case, "conclude", Status.CONCLUDED, rec.concluded_on)
    case.version += 1
    case.save(update_fields=[*sorted(fields), "version", "updated_at"])
    audit_record(
        actor=actor,
        action="cases.case.imported",
        target=case,
        unit=case.unit,
        after={
            "row": rec.row,
            "file": ledger_name,
            "status": case.status,
            "decided_on": case.decided_on,
            "accepted_on": case.accepted_on,
            "due": case.due,
            "issued_on": rec.issued_on,
            "delivered_on": rec.delivered_on,
            "concluded_on": rec.concluded_on,
            "result": rec.result,
            "rating": rec.rating,
        },
        request=request,
    )


@transaction.atomic
def cases_import(
    *,
    actor: Any,
    records: list[CaseRecord],
    ledger_name: str = "",
    ledger_sha256: str = "",
    progress: ProgressLike = None,
    request: Any = None,
) -> list[int]:
    """Register every record through services.case_register and write its outcome — all in ONE transaction.
    A row the domain refuses is recorded and the remaining rows are still tried (each in a savepoint), so the
    report lists every refusal; then ImportRefused is raised and nothing at all is kept."""
    if progress is not None:
        progress.phase("写入", len(records))
    created: list[int] = []
    errors: list[CellError] = []
    for rec in records:
        try:
            with transaction.atomic():
                case = services.case_register(
                    actor=actor,
                    unit=rec.unit,
                    channel=rec.channel,
                    received_on=rec.received_on,
                    category=rec.category,
                    topic=rec.topic,
                    title=rec.title,
                    content=rec.content,
                    petitioners=[rec.petitioner] if rec.petitioner is not None else [],
                    headcount=rec.headcount,
                    is_anonymous=rec.anonymous,
                    accused_unit=rec.accused_unit,
                    accused_names=rec.accused_names,
                    source=rec.source,
                    reference_no=rec.reference_no,
                    request=request,
                )
                _apply_outcome(actor, case, rec, ledger_name, request)
                created.append(case.pk)
        except DomainError as exc:
            errors.append(CellError(rec.row, _column_of(exc.field), exc.message))
        if progress is not None:
            progress.advance()
    if errors:
        raise ImportRefused(errors)
    audit_record(
        actor=actor,
        action="cases.ledger.imported",
        unit=getattr(actor, "unit", None),
        after={"file": ledger_name, "sha256": ledger_sha256, "count": len(created), "rows": [r.row for r in records]},
        request=request,
    )
    return created


# ---------------------------------------------------------------------------------------------------
# The whole run


@dataclass
class ImportOutcome:
    ok: bool
    created: list[int] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # rows skipped as duplicates
    rows: int = 0
    message: str = ""
    error_workbook: bytes | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": len(self.created),
            "created_ids": self.created[:5000],
            "skipped_duplicates": self.skipped,
            "duplicates": [d.as_dict() for d in self.duplicates],
        }


def import_ledger(
    *,
    actor: Any,
    data: bytes,
    name: str,
    skip_duplicates: bool = False,
    progress: ProgressLike = None,
    request: Any = None,
    today: datetime.date | None = None,
) -> ImportOutcome:
    """Read, validate, check duplicates, write — or write nothing and return every error with the marked
    workbook. A file-level problem (not an xlsx, missing headers …) comes back as `message` with no workbook."""
    try:
        ledger = read_ledger(data, name)
    except DomainError as exc:
        return ImportOutcome(ok=False, message=exc.message)
    records, errors = validate_ledger(actor, ledger, progress=progress, today=today)
    duplicates = find_duplicates(actor, records)
    skipped: list[int] = []
    if duplicates:
        if skip_duplicates:
            skipped = [d.row for d in duplicates]
            records = [r for r in records if r.row not in set(skipped)]
        else:
            errors.extend(CellError(d.row, "title", d.message) for d in duplicates)
    outcome = ImportOutcome(ok=False, duplicates=duplicates, skipped=skipped, rows=len(ledger.rows))
    if not errors:
        try:
            outcome.created = cases_import(
                actor=actor,
                records=records,
                ledger_name=ledger.name,
                ledger_sha256=ledger.sha256,
                progress=progress,
                request=request,
            )
            outcome.ok = True
            extra = f"，跳过重复{len(skipped)}行" if skipped else ""
            outcome.message = f"已导入{len(outcome.created)}件信访事项{extra}。"
            return outcome
        except ImportRefused as refused:
            errors = refused.errors
    errors.sort(key=lambda e: (e.row, _column_order(e.column)))
    outcome.errors = errors
    bad_rows = len({e.row for e in errors})
    outcome.message = (
        f"共{len(ledger.rows)}行，其中{bad_rows}行有{len(errors)}处错误，整个文件未导入任何数据。"
        "请下载错误标注文件，修改后重新导入。"
    )
    outcome.error_workbook = error_workbook(data, ledger, errors)
    return outcome


def _column_order(key: str) -> int:
    return next((i for i, c in enumerate(COLUMNS) if c.key == key), len(COLUMNS))


# ---------------------------------------------------------------------------------------------------
# The error workbook

RED = PatternFill(start_color="FFF4C7C3", end_color="FFF4C7C3", fill_type="solid")
HEADER_FILL = PatternFill(start_color="FFDDE7F3", end_color="FFDDE7F3", fill_type="solid")


def error_workbook(data: bytes, ledger: Ledger, errors: list[CellError]) -> bytes:
    """The uploaded workbook with every bad cell filled red and commented, an “错误说明” column at the end of
    each bad row, and a sheet listing every error."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    note_col = ledger.header_width + 1
    ws.cell(row=1, column=note_col, value="错误说明").font = Font(bold=True, color="FFC00000")
    ws.column_dimensions[get_column_letter(note_col)].width = 60
    by_row: dict[int, list[CellError]] = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(e)
        pos = ledger.positions.get(e.column)
        if pos is not None:
            cell = ws.cell(row=e.row, column=pos + 1)
            cell.fill = RED
            previous = cell.comment.text + "\n" if cell.comment else ""
            cell.comment = Comment(previous + e.message, "信访工作管理系统")
    for row, row_errors in by_row.items():
        text = "；".join(
            f"{BY_KEY[e.column].header if e.column in BY_KEY else '本行'}：{e.message}" for e in row_errors
        )
        cell = ws.cell(row=row, column=note_col, value=neutralise(text))
        cell.font = Font(color="FFC00000")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    listing = wb.create_sheet("错误清单", 0)
    listing.append(["行号", "列", "错误"])
    for cell in listing[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for e in errors:
        col = BY_KEY.get(e.column)
        listing.append([e.row, col.header if col else "", neutralise(e.message)])
    listing.column_dimensions["A"].width = 8
    listing.column_dimensions["B"].width = 16
    listing.column_dimensions["C"].width = 90
    listing.freeze_panes = "A2"
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------------
# The template


def _example_unit(actor: Any) -> Unit | None:
    home = getattr(actor, "unit", None)
    if home is not None and has_perm(actor, IMPORT_PERM, home) and has_perm(actor, REGISTER, home):
        return home
    paths = scope_paths(actor, IMPORT_PERM)
    for unit in Unit.objects.filter(path__in=paths, is_active=True).order_by("path"):
        if has_perm(actor, REGISTER, unit):
            return unit
    return None


def example_row(actor: Any, today: datetime.date | None = None) -> dict[str, str]:
    today = today or timezone.localdate()
    unit = _example_unit(actor)
    topic = Topic.objects.filter(active=True).order_by("order", "code").first()
    first17 = "11010519800101001"

    def ago(days: int) -> str:
        return (today - datetime.timedelta(days=days)).isoformat()

    return {
        "unit": unit.code if unit else "",
        "channel": Channel.LETTER.label,
        "reference_no": "旧台账-001",
        "received_on": ago(120),
        "category": Category.APPEAL.label,
        "topic": topic.name if topic else "",
        "title": "（示例）反映某小区消防通道被占用",
        "content": "（示例）反映某小区消防通道长期被车辆占用，请求依法查处。",
        "anonymous": "否",
        "name": "张示例",
        "id_number": first17 + check_char(first17),
        "phone": "13800000000",
        "address": "（示例）某市某区某路1号",
        "headcount": "1",
        "status": "已办结",
        "decided_on": ago(115),
        "result": OpinionResult.EXPLAIN.label,
        "facts": "经调查核实，该小区物业已清理通道。",
        "opinion": "已责令物业单位整改，并加强日常巡查。",
        "legal_basis": "《中华人民共和国消防法》第二十八条",
        "issued_on": ago(70),
        "delivered_on": ago(68),
        "rating": Rating.SATISFIED.label,
        "concluded_on": ago(60),
    }


def template_workbook(actor: Any) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_TITLE
    ws.append([f"{c.header}*" if c.required else c.header for c in COLUMNS])
    for i, (cell, col) in enumerate(zip(ws[1], COLUMNS, strict=True), start=1):
        cell.font = Font(bold=True, color="FFC00000" if col.required else "FF000000")
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(i)].width = col.width
        if col.note:
            cell.comment = Comment(col.note, "信访工作管理系统")
    example = example_row(actor)
    ws.append([example.get(c.key, "") for c in COLUMNS])
    id_col = get_column_letter(_column_order("id_number") + 1)
    ws.column_dimensions[id_col].number_format = "@"  # text: Excel keeps all 18 digits
    ws[f"{id_col}2"].number_format = "@"
    ws.freeze_panes = "B2"
    _dropdowns(wb, ws)
    notes = wb.create_sheet("填写说明")
    notes.append(["列", "是否必填", "填写要求"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for c in COLUMNS:
        notes.append([c.header, "必填" if c.required else "", c.note])
    for line in (
        "",
        "第一个工作表第1行为表头（带*者必填，列顺序可调整，表头文字不可改）；第2行为示例，正式导入前请删除或改为实际数据。",
        "日期一律写作YYYY-MM-DD；身份证号码请以文本格式填写。",
        "满意度的评价日期记为送达日期；予以支持的处理意见办结前须已落实（填写落实日期）。",
        "与系统中已有事项（同一办理单位、收到日期、事由和信访人）重复的行会被列为错误；也可选择导入时跳过重复行。",
        f"每次不超过{max_rows()}行、{MAX_BYTES // (1024 * 1024)} MB；任何一行有错误时，整个文件都不会导入，"
        "并可下载标注了每个错误单元格的文件。",
    ):
        notes.append(["", "", line] if line else [])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _dropdowns(wb: Workbook, ws: Any) -> None:
    """List validations for the enumerated columns, their values on a hidden sheet."""
    lists: dict[str, list[str]] = {
        "channel": CHANNEL_LABELS,
        "category": CATEGORY_LABELS,
        "topic": list(Topic.objects.filter(active=True).order_by("order", "code").values_list("name", flat=True)),
        "anonymous": ["是", "否"],
        "status": STATUS_LABELS,
        "art31_item": ["1", "2", "3", "4", "5"],
        "result": list(RESULT_CHOICES),
        "rating": list(RATING_CHOICES),
    }
    options = wb.create_sheet("选项")
    options.sheet_state = "hidden"
    for col_index, (key, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(col_index)
        options.cell(row=1, column=col_index, value=BY_KEY[key].header)
        for r, value in enumerate(values, start=2):
            options.cell(row=r, column=col_index, value=value)
        if not values:
            continue
        ref = f"{quote_sheetname(options.title)}!${letter}$2:${letter}${len(values) + 1}"
        dv = DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=True)
        dv.error = f"请从下拉列表中选择{BY_KEY[key].header}"
        target = get_column_letter(_column_order(key) + 1)
        dv.add(f"{target}2:{target}5001")
        ws.add_data_validation(dv)


# ---------------------------------------------------------------------------------------------------
# The background job (xinfang.notifications.jobs)


def run_import_job(job: Any, progress: Any) -> Any:
    """The job runner: import the job's stored file as its creator."""
    from django.urls import reverse

    from xinfang.notifications.jobs import JobResult
    from xinfang.notifications.models import JobStatus

    with job.input_file.open("rb") as fh:
        data = fh.read()
    outcome = import_ledger(
        actor=job.created_by,
        data=data,
        name=job.input_name,
        skip_duplicates=bool(job.options.get("skip_duplicates")),
        progress=progress,
    )
    url = _job_url(job.pk, reverse)
    return JobResult(
        status=JobStatus.DONE if outcome.ok else JobStatus.FAILED,
        summary=outcome.summary(),
        errors=[e.as_dict() for e in outcome.errors[:5000]],
        message=outcome.message,
        error_file=outcome.error_workbook,
        error_file_name=f"jobs/errors/import-{job.pk}.xlsx",
        notify_title=f"历史台账导入{'完成' if outcome.ok else '未完成'}：{job.input_name}"[:200],
        notify_url=url,
    )


def _job_url(pk: int, reverse: Callable[..., str]) -> str:
    from django.urls import NoReverseMatch

    try:
        return reverse("cases:import-job", kwargs={"pk": pk})
    except NoReverseMatch:  # the import pages are not mounted (e.g. a command-line run)
        return ""


def import_job_start(*, actor: Any, data: bytes, name: str, skip_duplicates: bool = False) -> Any:
    """Start an import as a background job (the page and the API). Whole-file problems raise DomainError at
    once; a file of at most `inline_rows()` rows is imported before this returns, a larger one in a thread."""
    from xinfang.notifications.jobs import job_create, job_start

    if not has_perm(actor, IMPORT_PERM, None):
        raise DomainError("您无权导入历史信访事项台账。", code="forbidden")
    ledger = read_ledger(data, name)
    job = job_create(
        actor=actor,
        kind=JOB_KIND,
        input_name=name,
        input_bytes=data,
        options={"skip_duplicates": bool(skip_duplicates), "rows": len(ledger.rows)},
    )
    job.total = len(ledger.rows)
    job.save(update_fields=["total"])
    job_start(job, run_import_job, background=len(ledger.rows) > inline_rows())
    return job
