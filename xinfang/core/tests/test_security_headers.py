"""Headers and cookies (R-SEC): a Content-Security-Policy without inline or eval'd script on every page, no
framing, sandboxed downloads, secure + HttpOnly cookies and HSTS behind HTTPS, and `check --deploy` clean with
the production settings the README documents.

The template and page checks walk the whole tree (every app's templates, every parameterless GET route and every
route of the permission matrix), so a page added later with an inline <script> or an onclick= fails here."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import PASSWORD
from xinfang.core.otp_testing import complete_second_factor

ROOT = Path(__file__).resolve().parents[3]

# <script> with a body (no src; data blocks from |json_script are not code), on*= event handler attributes,
# javascript: URLs, htmx's eval'd attributes.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=[\"']?application/json)[^>]*>\s*\S", re.I)
HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)
HX_EVAL = re.compile(r"\b(hx-on[:\w-]*|hx-vars|data-hx-on[:\w-]*)\s*=|hx-vals\s*=\s*[\"']js:", re.I)


def inline_code_problems(html: str) -> list[str]:
    found = []
    for name, pattern in (
        ("inline <script>", INLINE_SCRIPT),
        ("on* handler", HANDLER_ATTR),
        ("javascript: URL", JS_URL),
        ("htmx eval", HX_EVAL),
    ):
        for m in pattern.finditer(html):
            line = html.count("\n", 0, m.start()) + 1
            found.append(f"{name} at line {line}: {m.group(0)[:80]!r}")
    return found


def login(client: Any, user: Any) -> None:
    client.force_login(user)
    complete_second_factor(client, user)


def csp_directives(value: str) -> dict[str, list[str]]:
    out = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


# --- the policy itself ----------------------------------------------------------------------------------


def test_the_page_policy_allows_no_inline_or_eval_script():
    policy = csp_directives(django_settings.XINFANG_CSP)
    script = policy.get("script-src", policy["default-src"])
    assert script == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert "'unsafe-eval'" not in django_settings.XINFANG_CSP
    assert not any(src.startswith(("http:", "https:", "*")) for srcs in policy.values() for src in srcs)


def test_pages_and_api_carry_the_policy_and_refuse_framing(world, client):
    r = client.get("/login/")
    assert r["Content-Security-Policy"] == django_settings.XINFANG_CSP
    assert r["X-Frame-Options"] == "DENY" and r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin" and "camera=()" in r["Permissions-Policy"]
    login(client, world.user("d1b1.officer"))
    for url in ("/", "/api/v1/me/", "/api/v1/does-not-exist/", "/no-such-page/"):
        assert client.get(url)["Content-Security-Policy"], url


def test_htmx_is_configured_for_the_policy(world, client):
    login(client, world.user("d1b1.officer"))
    html = client.get("/").content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'', html)
    assert config and '"includeIndicatorStyles": false' in config.group(1) and '"allowEval": false' in config.group(1)
    # Every script is a same-origin static file.
    for src in re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html):
        assert src.startswith("/static/"), src


# --- the whole tree: templates and rendered pages ----------------------------------------------------------


def template_files() -> list[Path]:
    roots = [ROOT / "xinfang" / "templates", *(ROOT / "xinfang").glob("*/templates")]
    return sorted(p for root in roots for p in root.rglob("*.html"))


def test_no_template_contains_inline_script_or_handlers():
    files = template_files()
    assert len(files) > 20
    problems = {
        str(p.relative_to(ROOT)): found for p in files if (found := inline_code_problems(p.read_text(encoding="utf-8")))
    }
    assert not problems, "inline script code is blocked by the CSP; move it to a static .js file:\n" + "\n".join(
        f"  {path}: {'; '.join(found)}" for path, found in problems.items()
    )


# A resource the browser would fetch from another host: <link href>, <script src>, <img src>, @import, url(...).
EXTERNAL_LOAD = re.compile(
    r"""<(?:link|script|img|iframe|source)\b[^>]*\b(?:href|src)\s*=\s*["']?(?:https?:)?//"""
    r"""|@import\s+(?:url\()?["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def test_no_template_any_installed_app_can_render_loads_from_the_internet():
    """Every template the loaders resolve — ours and each installed library's (e.g. drf-spectacular's ReDoc page,
    which we override) — fetches nothing from another host: the corps' intranet has no internet."""
    from django.template import engines
    from django.template.loader import get_template

    names: set[str] = set()
    for engine in engines.all():
        for directory in engine.template_dirs:
            base = Path(directory)
            names.update(str(p.relative_to(base)) for p in base.rglob("*") if p.suffix in {".html", ".js", ".css"})
    assert "drf_spectacular/redoc.html" in names
    loaded = {}
    for name in sorted(names):
        origin = get_template(name).origin.name  # the file that actually serves this name
        loaded[name] = Path(origin).read_text(encoding="utf-8", errors="replace")
    offenders = sorted(name for name, text in loaded.items() if EXTERNAL_LOAD.search(text))
    assert not offenders, f"templates that load files from the internet: {offenders}"


def parameterless_get_routes() -> list[str]:
    names: list[str] = []

    def walk(patterns: list[Any], ns: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns))
            elif isinstance(p, URLPattern) and p.name and not p.pattern.regex.groupindex:
                names.append(f"{ns}:{p.name}" if ns else p.name)

    walk(get_resolver().url_patterns, None)
    return sorted(set(names))


PAGE_USERS = ["d1b1.officer", "d1.chief", "sysadmin", "secadmin", "auditor"]


def _check_response(url: str, r: Any, problems: dict[str, list[str]]) -> None:
    if "Content-Security-Policy" not in r:
        problems.setdefault(url, []).append("no Content-Security-Policy header")
    if r.get("Content-Type", "").startswith("text/html") and not getattr(r, "streaming", False):
        found = inline_code_problems(r.content.decode("utf-8", "replace"))
        if found:
            problems.setdefault(url, []).extend(found)


def test_every_parameterless_page_renders_under_the_policy(world, client):
    """Every GET route without URL parameters, for each kind of user that may open it."""
    problems: dict[str, list[str]] = {}
    opened = 0
    for name in parameterless_get_routes():
        url = reverse(name)
        for username in [None, *PAGE_USERS]:
            with transaction.atomic():
                client.logout()
                if username:
                    login(client, world.user(username))
                r = client.get(url)
                transaction.set_rollback(True)
            _check_response(f"{url} ({username or 'anonymous'})", r, problems)
            opened += r.status_code == 200
    assert opened > 40
    assert not problems, "\n".join(f"{url}: {'; '.join(p)}" for url, p in problems.items())


def test_every_matrix_page_renders_under_the_policy(world, client):
    """Every route of the permission matrix (object pages included), as the first user allowed to open it."""
    from tests.test_permission_matrix import MATRIX, USERS

    problems: dict[str, list[str]] = {}
    for name, (kwargs, get_codes, _) in sorted(MATRIX.items()):
        if 200 not in get_codes:
            continue
        username = USERS[get_codes.index(200)]
        with transaction.atomic():
            url = reverse(name, kwargs=kwargs(world))
            client.logout()
            if username != "anonymous":
                login(client, world.user(username))
            r = client.get(url)
            transaction.set_rollback(True)
        assert r.status_code == 200, url
        _check_response(f"{url} ({username})", r, problems)
    assert not problems, "\n".join(f"{url}: {'; '.join(p)}" for url, p in problems.items())


# --- downloads ---------------------------------------------------------------------------------------------


def test_downloads_are_sandboxed_and_never_sniffed(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xinfang.cases.tests.factories import register

    case = register(world, attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")])
    login(client, world.user("d1b1.officer"))
    r = client.get(reverse("cases:attachment-download", kwargs={"pk": case.attachments.get().pk}))
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith("attachment")
    assert r["Content-Security-Policy"] == django_settings.XINFANG_DOWNLOAD_CSP
    assert "sandbox" in r["Content-Security-Policy"] and "default-src 'none'" in r["Content-Security-Policy"]
    assert r["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in r["Cache-Control"]


def test_an_oversized_request_body_is_refused_before_any_view(world, client, settings):
    settings.XINFANG_MAX_REQUEST_BYTES = 1000
    r = client.post("/login/", {"username": "x" * 2000, "password": "y"})
    assert r.status_code == 413


def test_a_nul_byte_in_the_query_is_refused_on_pages_and_api(world, client):
    client.force_login(world.users["d1.officer"])
    page = client.get("/cases/?q=%00")
    assert page.status_code == 400 and "NUL" in page.content.decode()
    api = client.get("/api/v1/incidents/", {"status": "\x00"})
    assert api.status_code == 400 and api.json()["code"] == "nul_byte"


# --- cookies and HTTPS ---------------------------------------------------------------------------------------


def test_session_and_csrf_cookies_are_httponly_and_secure_behind_https(world, client, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    r = client.get("/login/", secure=True)
    csrf = r.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    r = client.post("/login/", {"username": "d1b1.officer", "password": PASSWORD}, secure=True)
    session = r.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_hsts_is_sent_over_https(world, client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    r = client.get("/login/", secure=True)
    assert r["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/login/")  # never over plain HTTP


PRODUCTION_ENV = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "xinfang.fire.example",
    "CSRF_TRUSTED_ORIGINS": "https://xinfang.fire.example",
    "SECURE_COOKIES": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
}


def production_env(tmp_path: Path) -> dict[str, str]:
    # A clean production environment: nothing the test runner set (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE).
    dropped = ("XINFANG_TESTING", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(PRODUCTION_ENV)
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS=secrets.token_urlsafe(32),
        HASH_INDEX_KEY=secrets.token_urlsafe(32),
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        XINFANG_CACHE_DIR=str(tmp_path / "cache"),
    )
    return env


def test_the_production_settings_tested_here_are_the_ones_the_readme_documents():
    """PRODUCTION_ENV must not drift from README's “Production” block (host names aside)."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("### Production", 1)[1].split("###", 1)[0]
    documented = dict(re.findall(r"\b([A-Z][A-Z_]+)=(\S+)", block))
    for key, value in PRODUCTION_ENV.items():
        assert key in documented, f"{key} is not in README's production settings"
        if key not in ("ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"):
            assert documented[key] == value, (key, documented[key], value)
    for key in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "HASH_INDEX_KEY"):
        assert key in documented


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_turn_every_protection_on(tmp_path):
    probe = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.X_FRAME_OPTIONS, bool(s.XINFANG_LOGIN_RATE_LIMIT), "
        "bool(s.XINFANG_TOKEN_RATE_LIMIT), s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1], s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", probe],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True",
        "True",
        "True",
        "True",
        "True",
        "31536000",
        "DENY",
        "True",
        "True",
        "FileBasedCache",
        "False",
    ]


def test_production_refuses_development_keys(tmp_path):
    env = production_env(tmp_path)
    env["HASH_INDEX_KEY"] = "development-hash-key"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode != 0 and "development keys" in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS"])
def test_production_refuses_to_start_without_keys(tmp_path, missing):
    env = production_env(tmp_path)
    del env[missing]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode != 0 and "must be set" in result.stderr
