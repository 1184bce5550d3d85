from __future__ import annotations

import datetime
import io
import shutil
import subprocess

import pytest

from xinfang.documents import letters

D = datetime.date


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Generated files go to a temporary MEDIA_ROOT, never to var/files."""
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


def require_cjk_fonts() -> None:
    """PDF text checks need a CJK font: fail loudly (not skip) when the machine has none."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        pytest.fail("fc-list (fontconfig) is missing: install fontconfig and fonts-noto-cjk to render PDFs")
    out = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True, check=False).stdout
    if "CJK" not in out:
        pytest.fail("No CJK font installed (fc-list :lang=zh shows none): `apt-get install fonts-noto-cjk`")


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def acceptance_spec(unit_name: str = "甲市消防救援支队", number: str = "", **overrides):
    kwargs = dict(
        unit_name=unit_name,
        petitioner="张三",
        received_on=D(2026, 11, 2),
        channel="来信",
        matter="某小区消防车通道被长期占用",
        case_number="d1-2026-7",
        accepted_on=D(2026, 11, 9),
        due_on=D(2027, 1, 8),
        issued_on=D(2026, 11, 28),
        number=number,
    )
    kwargs.update(overrides)
    return letters.acceptance_notice(**kwargs)
