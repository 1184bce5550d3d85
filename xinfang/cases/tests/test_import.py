"""Ledger import of historical cases (R6.4): the template, row validation to the cell, duplicates, the error
workbook, and all or nothing — through the domain (case_register) with the historical dates."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from xinfang.cases import importing, services
from xinfang.cases.importing import COLUMNS, import_ledger
from xinfang.cases.models import Case, CaseEvent, Category, Channel, Kind, Status
from xinfang.cases.tests.factories import PetitionerDataFactory, register, valid_id
from xinfang.core.errors import DomainError
from xinfang.core.models import AuditEvent

D = datetime.date
HEADERS = [f"{c.header}*" if c.required else c.header for c in COLUMNS]


def row(i: int, unit: str = "d1b1", **values: Any) -> dict[str, Any]:
    base = {
        "unit": unit,
        "channel": "来信",
        "received_on": "2024-03-04",
        "category": "申诉求决类",
        "topic": "消防监督检查",
        "title": f"反映消防通道被占用问题{i}",
        "content": f"某小区消防通道长期被占用（第{i}号）。",
        "name": f"王{i}",
        "id_number": valid_id(i),
        "phone": f"139{i:08d}",
        "address": f"测试省甲市幸福路{i}号",
    }
    base.update(values)
    return base


def workbook(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("信访事项")
    heads = headers or HEADERS
    ws.append(heads)
    keys = [importing.HEADER_TO_KEY[h.rstrip("*")] for h in heads]
    for r in rows:
        ws.append([r.get(k, "") for k in keys])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(world, rows, user: str = "d1b1.officer", **kw):
    return import_ledger(actor=world.user(user), data=workbook(rows), name="台账.xlsx", today=D(2026, 3, 10), **kw)


def errors_of(outcome) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in outcome.errors]


# ---------------------------------------------------------------------------------------------------
# The template


def test_the_template_has_chinese_headers_one_example_row_that_imports_as_it_is(world):
    data = importing.template_workbook(world.user("d1b1.officer"))
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers[:5] == ["办理单位代码*", "来源渠道*", "交办/转送机关", "来文编号", "收到日期*"]
    assert ws.max_row == 2 and ws["A2"].value == "d1b1"
    assert "填写说明" in wb.sheetnames and wb["选项"].sheet_state == "hidden"
    assert ws.data_validations.dataValidation, "enumerated columns carry dropdowns"
    outcome = import_ledger(actor=world.user("d1b1.officer"), data=data, name="模板.xlsx")
    assert outcome.ok, outcome.errors
    case = Case.objects.get(pk=outcome.created[0])
    assert case.status == Status.CONCLUDED and case.evaluation.rating == "satisfied"


# ---------------------------------------------------------------------------------------------------
# Validation


def test_every_bad_cell_is_reported_with_its_row_and_column(world):
    rows = [
        row(1, unit="nope"),
        row(2, unit="d2b1"),  # outside d1b1.officer's scope
        row(3, channel="飞鸽传书"),
        row(4, received_on="2024-02-30"),
        row(5, received_on="2027-01-01"),  # after "today"
        row(6, category="投诉类"),
        row(7, topic="不存在的分类"),
        row(8, id_number=valid_id(8)[:17] + ("0" if valid_id(8)[17] != "0" else "1")),  # wrong check digit
        row(9, name=""),
        row(10, channel="上级交办/转送"),  # source missing
        row(11, status="已办结"),  # every outcome date missing
        row(12, status="不予受理", decided_on="2024-03-01"),  # before receipt, and no reason
        row(13, accused_names="某某"),  # accused on a non-accusation case
        row(14, category="检举控告类"),  # accusation without accused
        row(15, status="待受理", issued_on="2024-04-01"),  # a column that does not fit the status
        row(16, headcount="0"),
    ]
    outcome = run(world, rows)
    assert not outcome.ok and outcome.created == []
    got = errors_of(outcome)
    for expected in [
        (2, "unit"),
        (3, "unit"),
        (4, "channel"),
        (5, "received_on"),
        (6, "received_on"),
        (7, "category"),
        (8, "topic"),
        (9, "id_number"),
        (10, "name"),
        (11, "source"),
        (12, "decided_on"),
        (13, "decided_on"),
        (13, "decline_reason"),
        (14, "accused_names"),
        (15, "accused_unit"),
        (16, "issued_on"),
        (17, "headcount"),
    ]:
        assert expected in got, expected
    by_cell = {(e.row, e.column): e.message for e in outcome.errors}
    assert "校验位" in by_cell[(9, "id_number")]
    assert "不存在或不在您的导入权限范围内" in by_cell[(3, "unit")]
    assert Case.objects.count() == 0


def test_outcome_dates_must_follow_each_other(world):
    rows = [
        row(1, status="已送达", decided_on="2024-03-05", result="解释说明", opinion="已答复", issued_on="2024-03-04"),
        row(
            2,
            status="已办结",
            decided_on="2024-03-05",
            result="予以支持",
            opinion="予以支持",
            issued_on="2024-04-01",
            delivered_on="2024-04-02",
            concluded_on="2024-04-03",
        ),  # supported and concluded: the carrying out date is required
    ]
    outcome = run(world, rows)
    assert (2, "issued_on") in errors_of(outcome)
    assert (3, "carried_out_on") in errors_of(outcome)


def test_file_level_problems_come_back_as_one_message(world):
    officer = world.user("d1b1.officer")
    assert "请上传 .xlsx" in import_ledger(actor=officer, data=b"x", name="a.csv").message
    assert "不是有效的 .xlsx" in import_ledger(actor=officer, data=b"not a zip", name="a.xlsx").message
    missing = workbook([row(1)], headers=["办理单位代码*", "事由*"])
    assert "缺少表头" in import_ledger(actor=officer, data=missing, name="a.xlsx").message
    empty = workbook([])
    assert "没有数据行" in import_ledger(actor=officer, data=empty, name="a.xlsx").message


def test_too_many_rows_are_refused(world, settings):
    settings.XINFANG_IMPORT_MAX_ROWS = 3
    outcome = run(world, [row(i) for i in range(4)])
    assert "超过 3 行" in outcome.message and Case.objects.count() == 0


# ---------------------------------------------------------------------------------------------------
# All or nothing


def test_a_bad_row_in_the_middle_of_1000_imports_nothing_and_marks_the_cell(world):
    rows = [row(i) for i in range(1000)]
    rows[500]["received_on"] = "2024-13-45"
    before = AuditEvent.objects.count()
    outcome = run(world, rows)
    assert not outcome.ok
    assert errors_of(outcome) == [(502, "received_on")]  # Excel row = index + 2
    assert Case.objects.count() == 0 and AuditEvent.objects.count() == before
    assert "1000行" in outcome.message and "未导入任何数据" in outcome.message

    wb = load_workbook(io.BytesIO(outcome.error_workbook))
    assert wb.sheetnames[0] == "错误清单"
    listing = wb["错误清单"]
    assert [c.value for c in listing[2]][:2] == [502, "收到日期"]
    sheet = wb["信访事项"]
    col = next(i for i, c in enumerate(COLUMNS, start=1) if c.key == "received_on")
    bad = sheet.cell(row=502, column=col)
    assert bad.fill.fgColor.rgb == "FFF4C7C3" and "不是有效日期" in bad.comment.text
    assert sheet.cell(row=501, column=col).comment is None
    note = sheet.cell(row=502, column=len(COLUMNS) + 1).value
    assert note.startswith("收到日期：")


def test_the_same_1000_rows_import_once_fixed(world):
    rows = [row(i) for i in range(1000)]
    outcome = run(world, rows)
    assert outcome.ok, outcome.errors[:3]
    assert len(outcome.created) == 1000 == Case.objects.filter(unit=world.unit("d1b1"), year=2024).count()
    numbers = set(Case.objects.values_list("number", flat=True))
    assert "d1b1-2024-0001" in numbers and "d1b1-2024-1000" in numbers
    assert AuditEvent.objects.filter(action="cases.ledger.imported").count() == 1


def test_a_row_the_domain_refuses_while_writing_rolls_back_every_row(world, monkeypatch):
    real = services.case_register
    calls = {"n": 0}

    def refuse_third(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise DomainError("该单位已停用。", code="unit_inactive", field="unit")
        return real(**kwargs)

    monkeypatch.setattr(services, "case_register", refuse_third)
    before = AuditEvent.objects.count()
    outcome = run(world, [row(i) for i in range(5)])
    assert not outcome.ok and errors_of(outcome) == [(4, "unit")]
    assert calls["n"] == 5  # every row was still tried, so the report is complete
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0
    assert AuditEvent.objects.count() == before


# ---------------------------------------------------------------------------------------------------
# Through the domain, with the historical outcome


def test_outcomes_are_written_with_their_historical_dates(world):
    rows = [
        row(1),  # 待受理
        row(2, status="已受理", decided_on="2024-03-06", handler="d1b1.officer"),
        row(3, status="不予受理", decided_on="2024-03-06", decline_reason="不属于消防救援机构职责"),
        row(4, status="已导出", decided_on="2024-03-06", art31_item="（四）", route="申请行政复议"),
        row(
            5,
            status="已办结",
            decided_on="2024-03-06",
            result="予以支持",
            opinion="责令整改",
            issued_on="2024-04-20",
            delivered_on="2024-04-22",
            rating="基本满意",
            carried_out_on="2024-05-10",
            concluded_on="2024-05-20",
        ),
        row(
            6,
            status="已送达",
            decided_on="2024-03-06",
            result="解释说明",
            opinion="解释说明",
            issued_on="2024-06-20",
            delivered_on="2024-06-21",
        ),
    ]
    outcome = run(world, rows)
    assert outcome.ok, outcome.errors
    cases = {c.title[-1]: c for c in Case.objects.filter(pk__in=outcome.created)}
    pending, running, declined, diverted, done, delivered = (cases[str(i)] for i in range(1, 7))

    assert pending.status == Status.REGISTERED and pending.received_on == D(2024, 3, 4)
    assert pending.ack_due is not None and pending.ack_due > pending.received_on
    assert pending.channel == Channel.LETTER and pending.kind == Kind.INITIAL
    assert pending.registered_by == world.user("d1b1.officer")

    assert running.status == Status.ACCEPTED and running.accepted_on == D(2024, 3, 6)
    assert running.due is not None and running.is_overdue(D(2026, 3, 10))  # computed from the historical dates
    assert running.handler == world.user("d1b1.officer") and running.first_unit == world.unit("d1b1")

    assert declined.status == Status.DECLINED and declined.decline_reason == "不属于消防救援机构职责"
    assert diverted.status == Status.DIVERTED and diverted.art31_item == 4 and diverted.due is None

    assert done.status == Status.CONCLUDED and done.concluded_on == D(2024, 5, 20)
    assert done.opinion.result == "support" and done.opinion.carried_out_on == D(2024, 5, 10)
    assert done.evaluation.rating == "basically" and done.evaluation.on == D(2024, 4, 22)
    steps = list(done.events.order_by("at", "id").values_list("action", "on"))
    assert steps == [
        ("register", D(2024, 3, 4)),
        ("accept", D(2024, 3, 6)),
        ("issue_opinion", D(2024, 4, 20)),
        ("deliver", D(2024, 4, 22)),
        ("evaluate", D(2024, 4, 22)),
        ("carry_out", D(2024, 5, 10)),
        ("conclude", D(2024, 5, 20)),
    ]
    assert all(e.data.get("imported") for e in done.events.exclude(action="register"))
    issue = done.events.get(action="issue_opinion")
    assert issue.data["in_time"] is True

    assert delivered.status == Status.DELIVERED and delivered.opinion.delivered_on == D(2024, 6, 21)
    assert AuditEvent.objects.filter(action="cases.case.imported").count() == 6
    # the petitioner's data went through the domain: encrypted, hashed, searchable
    p = done.petitioners.get()
    assert p.name == "王5" and p.id_hash


def test_an_accusation_cannot_be_imported_into_the_accused_unit(world):
    rows = [row(1, unit="d1b1", category="检举控告类", accused_unit="d1")]
    outcome = run(world, rows)
    assert (2, "unit") in errors_of(outcome)
    ok = run(world, [row(2, unit="d1", category="检举控告类", accused_unit="d1b1")], user="d1.officer")
    assert ok.ok
    case = Case.objects.get()
    assert case.category == Category.ACCUSATION and case.accused_unit == world.unit("d1b1")


def test_a_handler_must_handle_cases_at_the_unit(world):
    outcome = run(world, [row(1, status="已受理", decided_on="2024-03-05", handler="d1b2.officer")])
    assert (2, "handler") in errors_of(outcome)


def test_anonymous_rows(world):
    outcome = run(world, [row(1, anonymous="是", name="", id_number="", phone="", address="")])
    assert outcome.ok
    assert Case.objects.get().is_anonymous
    bad = run(world, [row(2, anonymous="是")])
    assert (2, "name") in errors_of(bad)


# ---------------------------------------------------------------------------------------------------
# Duplicates


def test_duplicates_of_existing_cases_and_inside_the_file_are_reported(world):
    person = PetitionerDataFactory(id_number=valid_id(1), name="王1", phone=f"139{1:08d}")
    existing = register(world, received_on=D(2024, 3, 4), title=row(1)["title"], petitioners=[person])
    rows = [row(1), row(2), row(2, phone="13700000000"), row(3)]
    outcome = run(world, rows)
    assert not outcome.ok and Case.objects.count() == 1
    dup = {e.row: e.message for e in outcome.errors}
    assert existing.number in dup[2]
    assert "与本文件第3行重复" in dup[4]  # the same ID number, another phone
    assert 5 not in dup

    skipped = run(world, rows, skip_duplicates=True)
    assert skipped.ok and skipped.skipped == [2, 4]
    assert len(skipped.created) == 2 and "跳过重复2行" in skipped.message


def test_a_case_outside_the_importers_scope_is_not_revealed_as_a_duplicate(world):
    register(world, "d1b2", received_on=D(2024, 3, 4), title=row(1)["title"])
    outcome = run(world, [row(1, unit="d1b1")])
    assert outcome.ok  # another unit: not a duplicate, and nothing about d1b2 is said


# ---------------------------------------------------------------------------------------------------
# The command


def test_the_command_imports_with_a_progress_bar(world, tmp_path, capsys):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(workbook([row(i) for i in range(3)]))
    call_command("import_cases", str(path), "--user", "d1b1.officer")
    out = capsys.readouterr().out
    assert "已导入3件信访事项" in out and "写入 [" in out and "100%" in out
    assert Case.objects.count() == 3


def test_the_command_writes_the_error_workbook_and_fails(world, tmp_path, capsys):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(workbook([row(1), row(2, category="无")]))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_cases", str(path), "--user", "d1b1.officer")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "第3行 类别" in err
    assert (tmp_path / "ledger.errors.xlsx").exists()
    assert Case.objects.count() == 0


def test_the_command_needs_an_importer(world, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "ledger.xlsx"
    path.write_bytes(workbook([row(1)]))
    with pytest.raises(CommandError):
        call_command("import_cases", str(path), "--user", "auditor")
    with pytest.raises(CommandError):
        call_command("import_cases", str(tmp_path / "missing.xlsx"), "--user", "d1b1.officer")
