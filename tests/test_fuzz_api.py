"""API fuzzing (R-SEC): schemathesis generates requests from the OpenAPI schema at /api/schema/ — valid ones
(positive) and malformed ones (negative: wrong types, missing fields, out-of-range values) — for every operation,
sent as an authenticated officer. No request may answer 5xx or raise.

    make test   XINFANG_FUZZ_EXAMPLES=1 (default): one positive and one negative example per operation, ≥ 200 requests
    make fuzz   XINFANG_FUZZ_EXAMPLES=25, XINFANG_FUZZ_MIN_REQUESTS=2000, random seeds

Each request runs in a savepoint that is rolled back, so every request sees the same small world (units, users,
a few cases and a document to point path parameters at) and a database error cannot poison the next request.
"""

from __future__ import annotations

import json
import os
import re
import traceback
from collections import Counter
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import HypothesisException
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.generation import GenerationMode

EXAMPLES = int(os.getenv("XINFANG_FUZZ_EXAMPLES", "1"))
MIN_REQUESTS = int(os.getenv("XINFANG_FUZZ_MIN_REQUESTS", "200"))
RANDOM = os.getenv("XINFANG_FUZZ_RANDOM", "1" if EXAMPLES > 1 else "0") == "1"
FUZZ_USER = os.getenv("XINFANG_FUZZ_USER", "d1b1.officer")
MULTIPART = MULTIPART_CONTENT
SKIP_HEADERS = {"authorization", "cookie", "host", "content-length", "connection", "accept-encoding", "user-agent"}


def _client(user: Any) -> APIClient:
    client = APIClient(raise_request_exception=True)
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _files(raw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    items = raw.items() if isinstance(raw, dict) else raw
    for key, value in items:
        if isinstance(value, tuple):
            name, content = value[0], value[1]
            data = content if isinstance(content, bytes) else str(content).encode()
            out[key] = SimpleUploadedFile(str(name or "file"), data)
        else:
            out[key] = value
    return out


def _flat(data: Any) -> dict[str, Any]:
    """Form fields as a browser could send them: scalars as text, lists repeated, nested values as JSON text."""
    if not isinstance(data, dict):
        return {"": json.dumps(data, default=str)}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, list):
            out[str(key)] = [v if isinstance(v, str | int | float) else json.dumps(v, default=str) for v in value]
        elif isinstance(value, dict):
            out[str(key)] = json.dumps(value, default=str)
        elif value is None:
            out[str(key)] = ""
        else:
            out[str(key)] = value
    return out


def send(client: APIClient, kw: dict[str, Any]) -> Any:
    """Replay schemathesis' request (requests-style kwargs) through Django's test client."""
    url = urlsplit(kw["url"])
    params = kw.get("params") or {}
    path = url.path + ("?" + urlencode(params, doseq=True) if params else "")
    headers = {
        f"HTTP_{k.upper().replace('-', '_')}": str(v)
        for k, v in (kw.get("headers") or {}).items()
        if k.lower() not in SKIP_HEADERS and k.lower() != "content-type"
    }
    content_type = next((v for k, v in (kw.get("headers") or {}).items() if k.lower() == "content-type"), None)
    method = kw["method"].lower()
    if "json" in kw:
        return client.generic(method.upper(), path, json.dumps(kw["json"]), content_type="application/json", **headers)
    if kw.get("files"):
        data = {**_flat(kw.get("data") or {}), **_files(kw["files"])}
        payload = encode_multipart(BOUNDARY, data)
        return client.generic(method.upper(), path, payload, content_type=MULTIPART, **headers)
    if "data" in kw and kw["data"] is not None:
        body = kw["data"]
        if isinstance(body, dict):
            form = urlencode(_flat(body), doseq=True)
            return client.generic(
                method.upper(), path, form, content_type="application/x-www-form-urlencoded", **headers
            )
        raw = body if isinstance(body, bytes) else str(body).encode()
        return client.generic(
            method.upper(), path, raw, content_type=content_type or "application/octet-stream", **headers
        )
    return client.generic(method.upper(), path, **headers)


@pytest.fixture
def fuzz_world(world: Any, settings: Any, tmp_path: Any) -> Any:
    """Objects for path parameters to hit: cases in and out of the officer's scope, with attachments."""
    from xinfang.cases.tests.factories import register

    settings.MEDIA_ROOT = tmp_path / "media"
    for code in ("d1b1", "d1b1", "d1b2", "d2b1"):
        register(world, code, attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 fuzz")])
    return world


def examples(strategy: Any, body: Any, label: str, mode: GenerationMode) -> Any:
    """A Hypothesis runner drawing EXAMPLES cases from `strategy` and handing each to body(case, label, mode)."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        body(case, label, mode)

    return run


def id_pool() -> list[int]:
    from django.apps import apps

    pks: set[int] = set()
    for label in (
        "cases.Case",
        "cases.Attachment",
        "orgs.Unit",
        "orgs.User",
        "orgs.Post",
        "documents.GeneratedDocument",
    ):
        pks.update(apps.get_model(label).objects.values_list("pk", flat=True))
    return sorted(pks)


def test_the_api_answers_every_generated_request_without_a_server_error(fuzz_world: Any, capsys: Any) -> None:
    client = _client(fuzz_world.user(FUZZ_USER))
    raw = client.get("/api/schema/?format=json")
    assert raw.status_code == 200
    schema = schemathesis.openapi.from_dict(raw.json())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    pool = id_pool()
    turn = [0]

    def aim(case: Any) -> None:
        """Every other request points its path ids at rows that exist (random ids are mostly 404s)."""
        turn[0] += 1
        if turn[0] % 2 or not case.path_parameters:
            return
        for i, name in enumerate(sorted(case.path_parameters)):
            case.path_parameters[name] = pool[(turn[0] // 2 + 7 * i) % len(pool)]

    statuses: Counter[int] = Counter()
    failures: list[str] = []
    per_operation: Counter[str] = Counter()

    def one(case: Any, label: str, mode: GenerationMode) -> None:
        aim(case)
        kw = case.as_transport_kwargs(base_url="http://testserver")
        per_operation[label] += 1
        with transaction.atomic():
            try:
                response = send(client, kw)
            except Exception:
                statuses[599] += 1
                failures.append(f"{label} [{mode.value}] raised:\n{traceback.format_exc()[-1500:]}\n  {kw}")
            else:
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(f"{label} [{mode.value}] -> {response.status_code}\n  {kw}")
            transaction.set_rollback(True)

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run = examples(operation.as_strategy(generation_mode=mode), one, label, mode)
            try:
                run()
            except HypothesisException:
                continue  # e.g. no negative example exists for an operation without parameters

    total = sum(statuses.values())
    with capsys.disabled():
        print(
            f"\n[fuzz] {total} requests over {len(operations)} operations as {FUZZ_USER} "
            f"(examples per operation and mode: {EXAMPLES}, random: {RANDOM}); statuses: "
            + ", ".join(f"{code}×{n}" for code, n in sorted(statuses.items()))
        )
    assert not failures, f"{len(failures)} requests failed:\n" + "\n\n".join(failures[:30])
    assert total >= MIN_REQUESTS, f"only {total} requests were generated (at least {MIN_REQUESTS} expected)"
    assert not [label for label in (f"{o.method.upper()} {o.path}" for o in operations) if per_operation[label] == 0]


EXTREMES = {
    "integer": ["0", "-1", "99999", "281735354", str(2**63), "1e309"],
    "number": ["-0", "1e309", "NaN"],
    "string": ["", "\x00", "'; DROP TABLE x; --", "%", "a" * 5000],
    "date": ["0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01"],
    "boolean": ["maybe", "2"],
}


def test_every_query_parameter_survives_extreme_values(fuzz_world: Any, capsys: Any) -> None:
    """Deterministic boundary values for every query parameter of every GET operation (years far out of range,
    64-bit and non-finite numbers, impossible dates, NUL bytes): a 4xx or an empty result, never a 5xx."""
    client = _client(fuzz_world.user(FUZZ_USER))
    schema = client.get("/api/schema/?format=json").json()
    failures: list[str] = []
    sent = 0
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        if "{" in path:  # path ids far beyond any row (and beyond a 64-bit column)
            for value in ("0", "99999999", str(2**63), str(2**64 + 1)):
                url = re.sub(r"{fmt}", "pdf", path)
                url = re.sub(r"{\w+}", value, url)
                with transaction.atomic():
                    try:
                        status = client.get(url).status_code
                    except Exception as exc:
                        status = 599
                        failures.append(f"GET {url} raised {type(exc).__name__}: {exc}")
                    transaction.set_rollback(True)
                sent += 1
                if 500 <= status < 599:
                    failures.append(f"GET {url} -> {status}")
            continue
        for param in operation.get("parameters", []):
            if param.get("in") != "query":
                continue
            spec = param.get("schema", {})
            kind = "date" if spec.get("format") == "date" else spec.get("type", "string")
            for value in EXTREMES.get(kind, EXTREMES["string"]):
                with transaction.atomic():
                    try:
                        r = client.get(path + "?" + urlencode({param["name"]: value}))
                        status = r.status_code
                    except Exception as exc:
                        status = 599
                        failures.append(f"GET {path}?{param['name']}={value[:40]!r} raised {type(exc).__name__}: {exc}")
                    transaction.set_rollback(True)
                sent += 1
                if status >= 500 and status != 599:
                    failures.append(f"GET {path}?{param['name']}={value[:40]!r} -> {status}")
    with capsys.disabled():
        print(f"\n[fuzz] {sent} boundary-value GET requests, {len(failures)} failed")
    assert sent > 100
    assert not failures, "\n".join(failures)
