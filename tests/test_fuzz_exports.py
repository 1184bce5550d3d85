"""Spreadsheet formula injection (R-SEC): no xlsx the system produces carries a cell that a spreadsheet program
would evaluate. The demo corps is built through every app's services, then every free-text column of every app's
tables is made hostile (each value prefixed with one of = + - @, e.g. "=cmd|' /C calc'!A0"); every xlsx that any
GET page of the tree returns, for users at each level, is opened and every cell checked:

  - no formula cell (openpyxl data_type "f"), and no text starting with = + - @ (or tab / CR) — exporters write
    such text with a leading apostrophe (xinfang.cases.exports.neutralise).

New exports are covered automatically: the walk is over the URL tree, not a list of exporters."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from django.db import DatabaseError, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.urls import reverse
from openpyxl import load_workbook

from xinfang.core.fields import EncryptedTextField, KeyedHashField
from xinfang.core.otp_testing import complete_second_factor
from xinfang.core.security import is_formula_text

PREFIXES = ["=cmd|' /C calc'!A0 ", "+cmd|' /C calc'!A0 ", "-2+3+cmd|' /C calc'!A0 ", "@SUM(1)+cmd|' /C calc'!A0 "]
# Columns that identify or address things (changing them would break lookups, not test exports).
KEY_WORDS = (
    "code",
    "number",
    "path",
    "username",
    "password",
    "hash",
    "sha256",
    "url",
    "key",
    "token",
    "file",
    "content_type",
    "type",
    "email",
    "ip",
    "fmt",
    "kind",
    "status",
    "role",
    "level",
    "slug",
    "version",
)
SKIP_MODELS = {"core.auditevent", "documents.generateddocument", "documents.documentnumber", "sessions.session"}
DEMO_USERS = ["sf.chief", "sf.officer", "jz01.officer", "sysadmin"]


def build_demo() -> None:
    from xinfang.orgs.demo import load_demo

    load_demo()
    for config in apps.get_app_configs():
        if not config.name.startswith("xinfang.") or config.name in ("xinfang.orgs", "xinfang.cases"):
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError:
            continue
        if hasattr(module, "build_demo"):
            module.build_demo()


def poison_free_text() -> dict[str, list[str]]:
    """Prefix every free-text value with formula text; returns what was changed, per model."""
    changed: dict[str, list[str]] = {}
    for i, model in enumerate(m for m in apps.get_models() if m._meta.app_label in _apps()):
        label = model._meta.label_lower
        if label in SKIP_MODELS or model._meta.proxy or not model._meta.managed:
            continue
        for j, f in enumerate(model._meta.concrete_fields):
            if not isinstance(f, models.CharField | models.TextField) or isinstance(
                f, EncryptedTextField | KeyedHashField
            ):
                continue
            if f.choices or f.unique or f.primary_key or any(w in f.name for w in KEY_WORDS):
                continue
            prefix = PREFIXES[(i + j) % len(PREFIXES)]
            qs = model._base_manager.exclude(**{f.name: ""}).exclude(**{f"{f.name}__isnull": True})
            try:
                with transaction.atomic():
                    n = qs.update(**{f.name: Concat(Value(prefix), F(f.name), output_field=f)})
            except DatabaseError:
                continue  # a length limit: leave that column alone
            if n:
                changed.setdefault(label, []).append(f.name)
    return changed


def _apps() -> set[str]:
    return {c.label for c in apps.get_app_configs() if c.name.startswith("xinfang.")}


def get_routes() -> list[str]:
    from xinfang.core.tests.test_security_headers import parameterless_get_routes

    return [reverse(name) for name in parameterless_get_routes()]


def xlsx_problems(data: bytes) -> tuple[int, int, list[str]]:
    """(cells, cells carrying the hostile text, evaluable cells)."""
    wb = load_workbook(io.BytesIO(data))  # not read-only: the cell types are needed
    cells = hostile = 0
    problems: list[str] = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                cells += 1
                hostile += "cmd|" in str(cell.value)
                if cell.data_type == "f" or is_formula_text(cell.value):
                    problems.append(f"{ws.title}!{cell.coordinate}: {str(cell.value)[:60]!r}")
    return cells, hostile, problems


@pytest.mark.django_db
def test_no_xlsx_export_carries_an_evaluable_cell(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    build_demo()
    changed = poison_free_text()
    assert {"orgs.unit", "cases.case"} <= set(changed), changed

    from xinfang.orgs.models import User

    checked: dict[str, int] = {}
    problems: dict[str, list[str]] = {}
    hostile_seen = 0
    for url in get_routes():
        for username in DEMO_USERS:
            user = User.objects.get(username=username)
            client.force_login(user)
            complete_second_factor(client, user)
            r = client.get(url)
            body = b"".join(r.streaming_content) if getattr(r, "streaming", False) else r.content
            if r.status_code != 200 or not body.startswith(b"PK") or "spreadsheetml" not in r.get("Content-Type", ""):
                continue
            cells, hostile, found = xlsx_problems(body)
            checked[url] = max(checked.get(url, 0), cells)
            hostile_seen += hostile
            if found:
                problems[f"{url} ({username})"] = found[:5]
    exports = {u for u in get_routes() if "export" in u or u.endswith(".xlsx") or "template" in u}
    assert exports <= set(checked), f"exports not reached: {sorted(exports - set(checked))}"
    assert hostile_seen, "no export carried the hostile text at all (the walk proved nothing)"
    assert not problems, "evaluable cells in exports:\n" + "\n".join(f"  {u}: {p}" for u, p in problems.items())
