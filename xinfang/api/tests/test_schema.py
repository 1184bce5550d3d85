"""GET /api/schema/: the OpenAPI document."""

from __future__ import annotations

import io

from django.core.management import call_command
from drf_spectacular.validation import validate_schema

SCHEMA_URL = "/api/schema/"


def test_schema_lists_the_v1_endpoints_and_is_valid_openapi(world, token_client):
    response = token_client(world.user("d1b1.officer")).get(SCHEMA_URL, {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/auth/token/", "/api/v1/me/", "/api/v1/units/", "/api/v1/units/{id}/"} <= set(schema["paths"])
    assert set(schema["paths"]["/api/v1/auth/token/"]) == {"post"}
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_schema_defaults_to_yaml(world, token_client):
    response = token_client(world.user("auditor")).get(SCHEMA_URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"/api/v1/units/:" in response.content


def test_anonymous_cannot_read_the_schema(db, api_client):
    response = api_client.get(SCHEMA_URL)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_authenticated"


def test_spectacular_validate_fail_on_warn_passes(db):
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO())


def test_the_api_docs_page_serves_redoc_from_our_static_files_and_nothing_from_another_host(world, client):
    import re

    from django.contrib.staticfiles import finders

    client.force_login(world.user("d1b1.officer"))
    html = client.get("/api/docs/").content.decode()
    assert '<redoc spec-url="/api/schema/"' in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources  # nothing from another host
    bundle = next(s for s in sources if s.endswith("redoc.standalone.js"))
    assert finders.find(bundle.removeprefix("/static/"))  # a file we serve ourselves
    assert "<script>" not in html  # no inline script (CSP script-src 'self')
    assert "fonts.googleapis.com" not in html


def test_anonymous_cannot_read_the_api_docs(db, api_client):
    assert api_client.get("/api/docs/").status_code == 401
