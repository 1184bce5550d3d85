"""Unit-tree import from xlsx: every row validated, a row-level error list, all or nothing."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from xinfang.core.errors import DomainError
from xinfang.core.models import AuditEvent
from xinfang.orgs import importing
from xinfang.orgs.models import Level, Post, Unit, User
from xinfang.orgs.roles import Role
from xinfang.orgs.services import ImportRow, units_import, units_import_validate

HEADERS = ["单位名称", "单位代码", "上级单位代码", "层级"]


def xlsx(rows, headers=HEADERS, name="units.xlsx"):
    wb = Workbook()
    ws = wb.active
    if headers is not None:
        ws.append(headers)
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=importing.XLSX_CONTENT_TYPE)


def rows_of(*specs):
    return [ImportRow(row=i + 2, name=n, code=c, parent_code=p, level=lv) for i, (n, c, p, lv) in enumerate(specs)]


# --- reading the file -------------------------------------------------------------------------


def test_reader_turns_cells_into_text_and_keeps_excel_row_numbers():
    upload = xlsx(
        [
            ("丙市消防救援支队", "d3", "c", "支队"),
            (None, None, None, None),  # a blank row is skipped, numbering continues
            (" 丙市一区大队 ", 310101, "d3", " 大队 "),  # numeric code typed into Excel
            ("丙市二区大队", 310102.0, "d3", "大队"),
        ]
    )
    rows = importing.read_units_xlsx(upload)
    assert rows == [
        ImportRow(row=2, name="丙市消防救援支队", code="d3", parent_code="c", level="支队"),
        ImportRow(row=4, name="丙市一区大队", code="310101", parent_code="d3", level="大队"),
        ImportRow(row=5, name="丙市二区大队", code="310102", parent_code="d3", level="大队"),
    ]


def test_reader_accepts_headers_in_any_order():
    upload = xlsx([("支队", "d3", "c", "丙市消防救援支队")], headers=["层级", "单位代码", "上级单位代码", "单位名称"])
    [row] = importing.read_units_xlsx(upload)
    assert (row.name, row.code, row.parent_code, row.level) == ("丙市消防救援支队", "d3", "c", "支队")


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("units.xls", b"\xd0\xcf\x11\xe0 old excel"), "请上传 .xlsx 格式"),
        (SimpleUploadedFile("units.csv", "单位名称,单位代码\n".encode()), "请上传 .xlsx 格式"),
        (SimpleUploadedFile("units.xlsx", b"this is not a spreadsheet"), "文件无法读取"),
        (SimpleUploadedFile("units.xlsx", b"PK\x03\x04 truncated zip"), "文件无法读取"),
    ],
)
def test_reader_refuses_files_that_are_not_xlsx(upload, message):
    with pytest.raises(DomainError) as e:
        importing.read_units_xlsx(upload)
    assert message in e.value.message


def test_reader_refuses_missing_headers():
    with pytest.raises(DomainError) as e:
        importing.read_units_xlsx(xlsx([("丙市消防救援支队", "d3", "支队")], headers=["单位名称", "单位代码", "层级"]))
    assert "缺少表头：上级单位代码" in e.value.message
    with pytest.raises(DomainError) as e:
        importing.read_units_xlsx(xlsx([], headers=None))
    assert "缺少表头" in e.value.message


def test_reader_refuses_a_file_without_data_rows():
    with pytest.raises(DomainError) as e:
        importing.read_units_xlsx(xlsx([]))
    assert "没有数据行" in e.value.message


def test_reader_refuses_files_over_5_mb():
    big = SimpleUploadedFile("units.xlsx", b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024))
    with pytest.raises(DomainError) as e:
        importing.read_units_xlsx(big)
    assert "超过 5 MB" in e.value.message


def test_reader_refuses_more_than_5000_rows():
    rows = [(f"大队{i}", f"b{i}", "d1", "大队") for i in range(5001)]
    with pytest.raises(DomainError) as e:
        importing.read_units_xlsx(xlsx(rows))
    assert "超过 5000 行" in e.value.message
    assert len(importing.read_units_xlsx(xlsx(rows[:5000]))) == 5000


# --- validating and importing -----------------------------------------------------------------


def test_good_file_imports_all_even_with_children_before_parents(world):
    before_events = AuditEvent.objects.count()
    upload = xlsx(
        [
            ("丙市一区大队", "d3b1", "d3", "大队"),  # its parent comes two rows later
            ("丙市一区一站", "d3b1s1", "d3b1", "站"),
            ("丙市消防救援支队", "d3", "c", "支队"),
            ("甲市三区大队", "d1b3", "d1", "大队"),  # under an existing unit
        ]
    )
    created = units_import(actor=world.user("sysadmin"), rows=importing.read_units_xlsx(upload))
    assert {u.code for u in created} == {"d3", "d3b1", "d3b1s1", "d1b3"}
    d3, d3b1, s1 = (Unit.objects.get(code=c) for c in ("d3", "d3b1", "d3b1s1"))
    assert d3.parent == world.unit("c") and d3.level == Level.DETACHMENT
    assert d3b1.parent == d3 and d3b1.path == f"{d3.path}{d3b1.pk}/" and d3b1.depth == 2
    assert s1.parent == d3b1 and s1.level == Level.STATION and s1.depth == 3
    assert Unit.objects.get(code="d1b3").parent == world.unit("d1")
    # one event per unit plus the import summary
    assert AuditEvent.objects.count() == before_events + 5
    assert AuditEvent.objects.filter(action="orgs.unit.imported", after__count=4).exists()


def test_one_bad_row_in_the_middle_imports_nothing_and_names_the_row(world):
    units_before = Unit.objects.count()
    events_before = AuditEvent.objects.count()
    rows = importing.read_units_xlsx(
        xlsx(
            [
                ("丙市消防救援支队", "d3", "c", "支队"),
                ("丙市一区大队", "d3b1", "d3", "大队"),
                ("丙市二区大队", "d3b2", "d3", "中队"),  # row 4: no such level
                ("丙市三区大队", "d3b3", "d3", "大队"),
            ]
        )
    )
    with pytest.raises(DomainError) as e:
        units_import(actor=world.user("sysadmin"), rows=rows)
    assert e.value.code == "import_invalid"
    assert [(r.row, r.column) for r in e.value.row_errors] == [(4, "层级")]
    assert "中队" in e.value.row_errors[0].message
    assert Unit.objects.count() == units_before
    assert AuditEvent.objects.count() == events_before


def test_duplicate_codes_within_the_file_and_against_the_database(world):
    errors = units_import_validate(
        rows_of(
            ("丙市消防救援支队", "d3", "c", "支队"),
            ("丁市消防救援支队", "d3", "c", "支队"),
            ("甲市一区大队（重复）", "d1b1", "d1", "大队"),
        ),
        actor=world.user("sysadmin"),
    )
    assert [(e.row, e.column) for e in errors] == [(3, "单位代码"), (4, "单位代码")]
    assert "与第2行的单位代码重复" in errors[0].message
    assert "已被使用" in errors[1].message


def test_unknown_parent_and_wrong_levels_are_reported(world):
    errors = units_import_validate(
        rows_of(
            ("无主大队", "x1", "nope", "大队"),
            ("错层大队", "x2", "d1b1", "大队"),
            ("无上级支队", "x3", "", "支队"),
            ("", "x 4", "d1", "大队"),
        ),
        actor=world.user("sysadmin"),
    )
    found = {(e.row, e.column) for e in errors}
    assert (2, "上级单位代码") in found and "“nope”不存在" in errors[0].message
    assert (3, "层级") in found
    assert (4, "上级单位代码") in found
    assert (5, "单位名称") in found and (5, "单位代码") in found


def test_cycles_are_reported(world):
    errors = units_import_validate(
        rows_of(
            ("甲", "a1", "a2", "大队"),
            ("乙", "a2", "a1", "大队"),
            ("丙", "a3", "a3", "支队"),
        ),
        actor=world.user("sysadmin"),
    )
    cycle_rows = {e.row for e in errors if "循环" in e.message}
    assert cycle_rows == {2, 3}
    assert any(e.row == 4 and "不能是本单位" in e.message for e in errors)
    with pytest.raises(DomainError):
        units_import(actor=world.user("sysadmin"), rows=rows_of(("甲", "a1", "a2", "大队"), ("乙", "a2", "a1", "大队")))
    assert not Unit.objects.filter(code__in=["a1", "a2"]).exists()


def test_parent_outside_the_importers_scope_reads_as_unknown(world):
    d1_admin = User.objects.create_user(username="d1.sysadmin", password="x", unit=world.unit("d1"))
    Post.objects.create(user=d1_admin, unit=world.unit("d1"), role=Role.SYSADMIN, start_on=datetime.date(2020, 1, 1))
    rows = rows_of(
        ("乙市三区大队", "d2b3", "d2", "大队"), ("甲市三区大队", "d1b3", "d1", "大队"), ("新总队", "c9", "", "总队")
    )
    errors = units_import_validate(rows, actor=d1_admin)
    assert [(e.row, e.column) for e in errors] == [(2, "上级单位代码"), (4, "上级单位代码")]
    assert errors[0].message == units_import_validate(rows_of(("x", "x1", "zz", "大队")), actor=d1_admin)[
        0
    ].message.replace("zz", "d2")
    with pytest.raises(DomainError):
        units_import(actor=d1_admin, rows=rows)
    assert not Unit.objects.filter(code__in=["d2b3", "d1b3", "c9"]).exists()
    # Without those rows the import goes through.
    assert units_import(actor=d1_admin, rows=rows[1:2])


def test_template_downloads_and_reimports_cleanly(world):
    admin = world.user("sysadmin")
    content = importing.template_workbook(importing.template_example(admin))
    wb = load_workbook(io.BytesIO(content), read_only=True)
    header = next(wb.worksheets[0].iter_rows(values_only=True))
    assert list(header) == HEADERS
    rows = importing.read_units_xlsx(SimpleUploadedFile("模板.xlsx", content))
    assert len(rows) == 1 and rows[0].parent_code == "c" and rows[0].level == "支队"
    [unit] = units_import(actor=admin, rows=rows)
    assert unit.parent == world.unit("c")
    # A second download proposes a fresh code, so it imports cleanly again.
    rows = importing.read_units_xlsx(
        SimpleUploadedFile("t.xlsx", importing.template_workbook(importing.template_example(admin)))
    )
    assert rows[0].code != unit.code
    assert units_import(actor=admin, rows=rows)
