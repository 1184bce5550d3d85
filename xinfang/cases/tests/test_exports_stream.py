"""The streaming xlsx writer (cases/xlsx_stream.py) and the fast export built on it: the file is a workbook openpyxl
reads back with the right values and types (real dates, numbers), the layout (bold frozen header, widths), XML-illegal
characters dropped, and the export rows equal what the model instances say, row for row, within the export scope."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from xinfang.cases import exports, selectors
from xinfang.cases.exports import COLUMNS, EXPORT_PERM, case_export, neutralise
from xinfang.cases.models import Case, Category, Channel, Kind, Status
from xinfang.cases.tests.factories import CaseFactory, PetitionerDataFactory, advance, register
from xinfang.cases.xlsx_stream import XlsxStreamWriter, column_letter, excel_serial, xml_text
from xinfang.core.legal_calendar import DUE_STATE_LABELS
from xinfang.core.masking import mask_id_number, mask_name, mask_phone
from xinfang.orgs.models import Post, User
from xinfang.orgs.roles import Role

D = datetime.date
DT = datetime.datetime
HEADERS = [c[0] for c in COLUMNS]


def _write(rows, columns=(("甲", 10), ("乙", 12.5), ("丙", 8), ("丁", 9))):
    out = io.BytesIO()
    with XlsxStreamWriter(out, sheet_name="测试表", columns=columns) as w:
        for row in rows:
            w.append(row)
    return out, w


def _values(data, read_only=True):
    ws = load_workbook(io.BytesIO(data.getvalue()), read_only=read_only).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


# ---------------------------------------------------------------------------------------------------
# The writer alone


def test_values_keep_their_types_when_read_back():
    out, w = _write(
        [
            ["文本", 42, D(2026, 3, 2), None],
            [3.5, True, DT(2026, 3, 2, 12, 30), Decimal("7.25")],
            ["", -1, D(1900, 3, 1), "末"],
        ]
    )
    assert w.rows == 3
    rows = _values(
        out, read_only=False
    )  # the full reader pads a row to the sheet's width; read-only stops at its last cell
    assert rows[0] == ["甲", "乙", "丙", "丁"]
    assert rows[1] == ["文本", 42, DT(2026, 3, 2), None]
    assert rows[2] == [3.5, True, DT(2026, 3, 2, 12, 30), 7.25]
    assert rows[3] == [None, -1, DT(1900, 3, 1), "末"]
    assert type(rows[1][1]) is int


def test_dates_are_real_excel_dates_with_a_date_format():
    out, _ = _write([["x", 1, D(2026, 3, 2), None]])
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    cell = ws["C2"]
    assert cell.data_type == "d" and cell.is_date and cell.number_format == "yyyy-mm-dd"
    assert excel_serial(D(2026, 3, 2)) == 46083  # what Excel itself shows for 2026-03-02
    assert ws["B2"].data_type == "n" and ws["A2"].data_type == "s"


def test_the_header_is_bold_frozen_and_the_widths_are_set():
    out, _ = _write([["x"]])
    wb = load_workbook(io.BytesIO(out.getvalue()))
    ws = wb.active
    assert ws.title == "测试表"
    assert ws.freeze_panes == "A2"
    assert all(c.font.b for c in ws[1]) and not ws["A2"].font.b
    assert [ws.column_dimensions[c].width for c in "ABCD"] == [10, 12.5, 8, 9]


def test_characters_xml_forbids_are_dropped_and_markup_is_escaped():
    out, _ = _write(
        [
            [
                "a\x00b\x01c\x08d\x0be\x0cf\x1fg\ufffeh\uffffi\ud800j",
                "<b>&amp;</b> \"'",
                "  前后空格  ",
                "一\r\n二\t三",
            ],
        ]
    )
    assert _values(out)[1] == ["abcdefghij", "<b>&amp;</b> \"'", "  前后空格  ", "一\r\n二\t三"]
    assert _values(out, read_only=False)[1][0] == "abcdefghij"
    assert xml_text("普通") == "普通" and xml_text("a<b") == "a&lt;b"


def test_an_empty_sheet_is_still_a_workbook():
    out, w = _write([])
    assert w.rows == 0 and _values(out) == [["甲", "乙", "丙", "丁"]]


def test_a_row_longer_than_the_columns_is_refused():
    out = io.BytesIO()
    w = XlsxStreamWriter(out, sheet_name="x", columns=[("a", 5)])
    with pytest.raises(ValueError):
        w.append([1, 2])


def test_column_letters():
    assert [column_letter(i) for i in (0, 19, 25, 26, 701, 702)] == ["A", "T", "Z", "AA", "ZZ", "AAA"]


def test_many_rows_are_flushed_in_order():
    out, w = _write([[f"第{i}行", i] for i in range(2345)])
    rows = _values(out)
    assert w.rows == 2345 and len(rows) == 2346
    assert rows[1][:2] == ["第0行", 0] and rows[-1][:2] == ["第2344行", 2344]


# ---------------------------------------------------------------------------------------------------
# The export through it


def _reference_row(case: Case, today: datetime.date) -> list:
    """The ledger row computed the slow way, from the model instance (the original implementation)."""
    people = list(case.petitioners.order_by("order", "id"))
    if case.is_anonymous and not people:
        names = "匿名"
    else:
        names = "、".join(mask_name(p.name) for p in people if p.name)
    row = [
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
        DUE_STATE_LABELS[case.due_state(today)],
        case.extension_days,
        case.handler.display_name if case.handler else "",
        names,
        "、".join(mask_id_number(p.id_number) for p in people if p.id_number),
        "、".join(mask_phone(p.phone) for p in people if p.phone),
        case.headcount,
    ]
    # As openpyxl reads it back: dates as datetimes, empty text as no value.
    out = []
    for v in row:
        v = neutralise(v)
        if isinstance(v, datetime.date):
            v = DT(v.year, v.month, v.day)
        out.append(None if v == "" else v)
    return out


def _export_rows(user, **filters):
    export = case_export(actor=user, filters=filters)
    data = export.file.read()
    export.file.close()
    ws = load_workbook(io.BytesIO(data), read_only=True).active
    return export, [list(r) for r in ws.iter_rows(values_only=True)]


@pytest.fixture
def ledger(world):
    t = datetime.date.today()
    officer = world.user("d1b1.officer")
    first = PetitionerDataFactory(name="欧阳小明", phone="13812345678")
    second = PetitionerDataFactory(name="李四", phone="")
    a = register(world, "d1b1", title="消防通道被占用", petitioners=[first, second], headcount=2)
    b = register(world, "d1b1", title="匿名反映", is_anonymous=True, petitioners=[], received_on=t)
    minus = PetitionerDataFactory(name="-王")  # masked "-*": a spreadsheet would evaluate it
    c = register(world, "d1b1", title="+86 热线", received_on=t - datetime.timedelta(days=3), petitioners=[minus])
    advance(world, c, Status.ACCEPTED, accepted_on=t)
    d = CaseFactory(
        unit=world.unit("d1b1"),
        registered_by=officer,
        handler=None,
        title="含\x0b非法\x1f字符的事由",  # PostgreSQL refuses \x00 in text; other control characters pass
        kind=Kind.INITIAL,
        channel=Channel.VISIT,
        category=Category.PROPOSAL,
        status=Status.REGISTERED,
        extension_days=0,
        received_on=t - datetime.timedelta(days=1),
        ack_due=t + datetime.timedelta(days=2),
        petitioners=[PetitionerDataFactory(name="王五", id_number="", phone="01012345678")],
    )
    other = register(world, "d2b1", title="乙市的事项")
    return a, b, c, d, other


def test_every_exported_row_equals_the_model_instances_row(world, ledger):
    today = datetime.date.today()
    user = world.user("d1b1.officer")
    export, data = _export_rows(user)
    assert data[0] == HEADERS
    expected_cases = list(
        selectors.case_list(user, today=today).filter(pk__in=Case.objects.visible_to(user, EXPORT_PERM))
    )
    assert len(expected_cases) == 4 == export.count == len(data) - 1
    expected = [_reference_row(case, today) for case in expected_cases]
    expected[[c.pk for c in expected_cases].index(ledger[3].pk)][2] = (
        "含非法字符的事由"  # XML 1.0 cannot carry \x0b \x1f
    )
    assert data[1:] == expected


def test_the_export_values_types_masking_and_neutralisation(world, ledger):
    a, b, c, d, _other = ledger
    _export, data = _export_rows(world.user("d1b1.officer"))
    by_number = {row[0]: dict(zip(HEADERS, row, strict=True)) for row in data[1:]}
    ra, rb, rc, rd = (by_number[x.number] for x in (a, b, c, d))
    assert ra["信访人"] == "欧***、李*" and ra["身份证号码"].count("、") == 1
    assert ra["联系电话"] == "138****5678" and ra["人数"] == 2 and isinstance(ra["人数"], int)
    assert rb["信访人"] == "匿名" and rb["身份证号码"] is None
    assert rc["事由"] == "'+86 热线" and rc["信访人"] == "'-*" and rc["状态"] == Status.ACCEPTED.label
    assert rc["受理日期"] == DT.combine(datetime.date.today(), datetime.time())
    assert isinstance(rc["收到日期"], DT) and isinstance(rc["延期天数"], int)
    assert rd["事由"] == "含非法字符的事由" and rd["承办人"] is None and rd["联系电话"] == "010****5678"
    assert rd["类别"] == "建议意见类" and rd["身份证号码"] is None and rd["类型"] == "信访事项"
    assert rd["期限状态"] == DUE_STATE_LABELS["due_3"] and rd["来源渠道"] == Channel.VISIT.label
    assert ra["承办人"] == (a.handler.display_name if a.handler else None)


def test_the_row_count_equals_the_lists_count_for_a_filter(world, ledger):
    user = world.user("d1.officer")
    today = datetime.date.today()
    for filters in ({"status": Status.ACCEPTED}, {"q": "消防通道"}, {"received_from": today}, {"open_only": True}):
        export, data = _export_rows(user, **filters)
        listed = selectors.case_list(user, today=today, **filters)
        assert export.count == len(data) - 1 == listed.count() > 0
        assert [r[0] for r in data[1:]] == list(listed.values_list("number", flat=True))


def test_a_user_outside_the_scope_gets_none_of_another_units_rows(world, ledger):
    d1b1_numbers = {x.number for x in ledger[:4]}
    export, data = _export_rows(world.user("d2b1.officer"))
    numbers = {r[0] for r in data[1:]}
    assert numbers == {ledger[4].number} and export.count == 1
    assert not numbers & d1b1_numbers
    export, data = _export_rows(world.user("d1b2.officer"))  # a sibling 大队 of d1b1
    assert export.count == 0 and data == [HEADERS]


def test_petitioners_are_fetched_per_chunk(world, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 3)
    officer = world.user("d2b2.officer")
    made = [
        CaseFactory(
            unit=world.unit("d2b2"),
            registered_by=officer,
            title=f"分块{i}",
            received_on=D(2026, 3, 1) + datetime.timedelta(days=i),
            petitioners=[PetitionerDataFactory(name=f"赵{i}"), PetitionerDataFactory(name=f"钱{i}")],
        )
        for i in range(7)
    ]
    _export, data = _export_rows(officer, q="分块")
    assert [r[0] for r in data[1:]] == [c.number for c in reversed(made)]
    assert [r[16] for r in data[1:]] == ["赵*、钱*"] * 7


def test_the_export_keeps_only_the_cases_the_user_may_export(world, ledger):
    """A 成员 post at 支队 d1 shows d1's whole subtree in the list; only the 大队 d1b2 post may export."""
    user = User.objects.create_user(username="d1.mixed", password="x" * 12, unit=world.unit("d1"))
    Post.objects.create(user=user, unit=world.unit("d1"), role=Role.MEMBER, start_on=D(2020, 1, 1))
    Post.objects.create(user=user, unit=world.unit("d1b2"), role=Role.OFFICER, start_on=D(2020, 1, 1))
    in_d1b2 = register(world, "d1b2", title="二区的事项")
    listed = set(selectors.case_list(user).values_list("number", flat=True))
    assert {x.number for x in ledger[:4]} | {in_d1b2.number} <= listed
    export, data = _export_rows(user)
    assert [r[0] for r in data[1:]] == [in_d1b2.number] and export.count == 1


def test_an_export_larger_than_one_sheet_is_refused_clearly_and_changes_nothing(world, client, monkeypatch):
    from xinfang.core.models import AuditEvent

    for _ in range(3):
        register(world, "d1b1")
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 2)
    client.force_login(world.user("d1b1.officer"))
    before = AuditEvent.objects.filter(action="cases.case.exported").count()
    r = client.get("/cases/export/?status=registered", follow=True)
    html = r.content.decode()
    assert r.redirect_chain and r.redirect_chain[-1][0].startswith("/cases/?status=registered")
    assert "超过 2 件" in html and "缩小筛选范围" in html
    assert AuditEvent.objects.filter(action="cases.case.exported").count() == before  # nothing was exported
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 3)
    r = client.get("/cases/export/?status=registered")
    assert r.status_code == 200 and r["Content-Type"] == exports.XLSX
