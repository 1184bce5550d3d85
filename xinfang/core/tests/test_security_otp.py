"""Second factor (R-SEC): TOTP required for the three admin roles, optional for everyone else, recovery codes,
audited enrolment / failure / reset, and the API token endpoint asking admins for a code.

Every sign-in here goes through the real pages (/login/, then /otp/...), never force_login, so these tests see
exactly what a browser sees."""

from __future__ import annotations

import datetime
import time

import pytest
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from xinfang.core import otp
from xinfang.core.models import AuditEvent
from xinfang.orgs.models import Post
from xinfang.orgs.roles import Role

TOKEN_URL = "/api/v1/auth/token/"


def next_code(device: TOTPDevice) -> str:
    """The code of the next time step the device will accept (django-otp refuses a step already used)."""
    device.refresh_from_db()
    now = int((time.time() - device.t0) // device.step) + device.drift
    return f"{hotp(device.bin_key, max(now, device.last_t + 1), device.digits):0{device.digits}d}"


def sign_in(client, username: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password, **extra})


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="手机", confirmed=True)


def actions(**filters) -> list[str]:
    return list(AuditEvent.objects.filter(**filters).order_by("id").values_list("action", flat=True))


# --- admins must -----------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["sysadmin", "secadmin", "auditor"])
def test_an_admin_without_a_device_must_enrol_before_any_page(world, client, username):
    r = sign_in(client, username)
    assert r.status_code == 302 and r["Location"].startswith("/otp/enrol/")
    for url in ("/", "/orgs/units/", "/audit/", "/orgs/users/", "/password/", "/otp/"):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/otp/enrol/?next="), url
    # A session-authenticated API call is refused in JSON, not redirected.
    r = client.get("/api/v1/me/")
    assert r.status_code == 403 and r.json()["code"] == "otp_required"
    # The page itself shows no navigation yet.
    html = client.get("/otp/enrol/").content.decode()
    assert 'id="xf-nav"' not in html and "<svg" in html


def test_enrolment_with_qr_code_then_recovery_codes(world, client):
    admin = world.user("sysadmin")
    sign_in(client, "sysadmin")
    page = client.get("/otp/enrol/?next=/orgs/users/")
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert otp.base32_secret(device) in html  # typed by hand when the QR cannot be scanned
    assert "<svg" in html and "https://" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    # Reloading shows the same secret (the unconfirmed device is kept).
    assert otp.base32_secret(device) in client.get("/otp/enrol/").content.decode()

    r = client.post("/otp/enrol/", {"token": "000000", "next": "/orgs/users/"})
    assert r.status_code == 400 and "动态验证码不正确" in r.content.decode()
    assert "core.otp.enrolment_failed" in actions(actor=admin)
    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp's back-off after the wrong code
    device.throttling_failure_timestamp = None
    device.save()

    r = client.post("/otp/enrol/", {"token": next_code(device), "next": "/orgs/users/"})
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count('<li class="list-group-item">') == otp.RECOVERY_CODES
    assert StaticToken.objects.filter(device__user=admin).count() == otp.RECOVERY_CODES
    device.refresh_from_db()
    assert device.confirmed
    assert "core.otp.enrolled" in actions(actor=admin)
    assert 'href="/orgs/users/"' in html  # continue where the admin was going
    assert client.get("/orgs/users/").status_code == 200


def test_an_enrolled_admin_proves_a_code_at_every_sign_in(world, client):
    admin = world.user("auditor")
    device = enrolled(admin)
    r = sign_in(client, "auditor", next="/audit/")
    assert r.status_code == 302 and r["Location"] == "/otp/verify/?next=%2Faudit%2F"
    assert client.get("/audit/").status_code == 302

    r = client.post("/otp/verify/", {"token": "123456", "next": "/audit/"})
    assert r.status_code == 400 and "不正确" in r.content.decode()
    failed = AuditEvent.objects.filter(action="core.otp.failed", target_id=str(admin.pk))
    assert failed.count() == 1 and failed.get().actor_username == "auditor"

    device.refresh_from_db()
    device.throttle_reset()
    r = client.post("/otp/verify/", {"token": next_code(device), "next": "/audit/"})
    assert r.status_code == 302 and r["Location"] == "/audit/"
    assert client.get("/audit/").status_code == 200
    assert "core.otp.verified" in actions(actor=admin)


def test_the_verification_page_never_redirects_off_site(world, client):
    device = enrolled(world.user("auditor"))
    sign_in(client, "auditor")
    r = client.post("/otp/verify/", {"token": next_code(device), "next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/"


def test_five_wrong_codes_end_the_sign_in(world, client, settings):
    enrolled(world.user("secadmin"))
    sign_in(client, "secadmin")
    for _ in range(settings.XINFANG_OTP_MAX_FAILURES - 1):
        TOTPDevice.objects.filter(user=world.user("secadmin")).update(throttling_failure_count=0)
        assert client.post("/otp/verify/", {"token": "999999"}).status_code == 400
    TOTPDevice.objects.filter(user=world.user("secadmin")).update(throttling_failure_count=0)
    r = client.post("/otp/verify/", {"token": "999999"})
    assert r.status_code == 302 and r["Location"] == "/login/"
    assert client.get("/").status_code == 302 and client.get("/")["Location"].startswith("/login/")


def test_a_wrong_code_is_throttled_by_django_otp(world, client):
    device = enrolled(world.user("secadmin"))
    sign_in(client, "secadmin")
    client.post("/otp/verify/", {"token": "999999"})
    # Right code, but inside the back-off after a failure: still refused.
    r = client.post("/otp/verify/", {"token": next_code(device)})
    assert r.status_code == 400 and "稍候" in r.content.decode()


def test_a_recovery_code_signs_in_once(world, client):
    admin = world.user("sysadmin")
    device = enrolled(admin)
    request_user = admin
    codes = otp._new_recovery_codes(request_user)
    sign_in(client, "sysadmin")
    r = client.post("/otp/verify/", {"token": otp.format_code(codes[0]).upper()})
    assert r.status_code == 302 and r["Location"] == "/"
    assert "core.otp.recovery_code_used" in actions(actor=admin)
    assert StaticToken.objects.filter(device__user=admin).count() == otp.RECOVERY_CODES - 1

    client.post("/logout/")
    sign_in(client, "sysadmin")
    r = client.post("/otp/verify/", {"token": codes[0]})
    assert r.status_code == 400  # used up
    assert device.pk  # the TOTP device is untouched


def test_admins_cannot_switch_the_second_factor_off(world, client):
    admin = world.user("sysadmin")
    device = enrolled(admin)
    sign_in(client, "sysadmin")
    client.post("/otp/verify/", {"token": next_code(device)})
    r = client.post("/otp/disable/")
    assert r.status_code == 302
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()
    assert "停用两步验证" not in client.get("/otp/").content.decode()


def test_regenerating_recovery_codes_voids_the_old_ones(world, client):
    admin = world.user("auditor")
    device = enrolled(admin)
    old = otp._new_recovery_codes(admin)
    sign_in(client, "auditor")
    client.post("/otp/verify/", {"token": next_code(device)})
    r = client.post("/otp/recovery-codes/")
    assert r.status_code == 200
    new = set(StaticToken.objects.filter(device__user=admin).values_list("token", flat=True))
    assert len(new) == otp.RECOVERY_CODES and not new & set(old)
    assert "core.otp.recovery_codes_regenerated" in actions(actor=admin)


# --- everyone else may -----------------------------------------------------------------------------


def test_an_officer_signs_in_with_a_password_and_may_enrol(world, client):
    officer = world.user("d1b1.officer")
    r = sign_in(client, "d1b1.officer")
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.get("/").status_code == 200
    assert "启用两步验证" in client.get("/otp/").content.decode()

    client.get("/otp/enrol/")
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    r = client.post("/otp/enrol/", {"token": next_code(device)})
    assert r.status_code == 200 and "两步验证已启用" in r.content.decode()
    assert client.get("/").status_code == 200  # this session proved the code just now

    # From now on the officer's sign-in asks for the code too.
    client.post("/logout/")
    r = sign_in(client, "d1b1.officer")
    assert r["Location"].startswith("/otp/verify/")
    assert client.get("/cases/").status_code == 302
    client.post("/otp/verify/", {"token": next_code(device)})
    assert client.get("/cases/").status_code == 200

    # An officer may switch it off again (audited).
    r = client.post("/otp/disable/")
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert "core.otp.disabled" in actions(actor=officer)
    client.post("/logout/")
    assert sign_in(client, "d1b1.officer")["Location"] == "/"


def test_a_promotion_to_an_admin_post_asks_for_the_factor_at_the_next_request(world, client):
    officer = world.user("d1b1.officer")
    sign_in(client, "d1b1.officer")
    assert client.get("/").status_code == 200
    Post.objects.create(user=officer, unit=world.unit("c"), role=Role.SYSADMIN, start_on=datetime.date(2020, 1, 1))
    r = client.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/otp/enrol/")


# --- reset by the 安全管理员 -----------------------------------------------------------------------


def test_secadmin_resets_a_lost_phone_and_the_session_ends(world, client):
    from django.test import Client

    admin = world.user("sysadmin")
    device = enrolled(admin)
    otp._new_recovery_codes(admin)
    victim = Client()
    sign_in(victim, "sysadmin")
    victim.post("/otp/verify/", {"token": next_code(device)})
    assert victim.get("/orgs/users/").status_code == 200
    from rest_framework.authtoken.models import Token

    Token.objects.create(user=admin)

    sec = world.user("secadmin")
    sec_device = enrolled(sec)
    sign_in(client, "secadmin")
    client.post("/otp/verify/", {"token": next_code(sec_device)})
    listing = client.get("/otp/accounts/?q=sysadmin").content.decode()
    assert f"/otp/accounts/{admin.pk}/reset/" in listing
    r = client.post(f"/otp/accounts/{admin.pk}/reset/")
    assert r.status_code == 302
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert not StaticToken.objects.filter(device__user=admin).exists()
    assert not Token.objects.filter(user=admin).exists()
    event = AuditEvent.objects.get(action="core.otp.reset")
    assert event.actor == sec and event.target_id == str(admin.pk) and event.after["session_ended"] is True

    # The lost phone's session is over; the next sign-in enrols again.
    r = victim.get("/orgs/users/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    assert sign_in(victim, "sysadmin")["Location"].startswith("/otp/enrol/")


@pytest.mark.parametrize(("actor", "target", "status"), [("sysadmin", "auditor", 403), ("secadmin", "secadmin", 403)])
def test_only_a_secadmin_resets_and_never_his_own(world, client, actor, target, status):
    enrolled(world.user(target))
    device = otp.totp_device(world.user(actor)) or enrolled(world.user(actor))
    sign_in(client, actor)
    client.post("/otp/verify/", {"token": next_code(device)})
    r = client.post(f"/otp/accounts/{world.user(target).pk}/reset/")
    assert r.status_code == status
    assert TOTPDevice.objects.filter(user=world.user(target)).exists()


def test_a_brigade_secadmin_cannot_reset_above_his_unit(world):
    from xinfang.core.errors import DomainError
    from xinfang.orgs.models import User

    local = User.objects.create_user(username="d1.sec", password=PASSWORD, unit=world.unit("d1"))
    Post.objects.create(user=local, unit=world.unit("d1"), role=Role.SECADMIN, start_on=datetime.date(2020, 1, 1))
    enrolled(world.user("sysadmin"))
    with pytest.raises(DomainError):
        otp.otp_reset(actor=local, user=world.user("sysadmin"))
    enrolled(world.user("d1b1.officer"))
    otp.otp_reset(actor=local, user=world.user("d1b1.officer"))
    assert not TOTPDevice.objects.filter(user=world.user("d1b1.officer")).exists()


# --- API token ---------------------------------------------------------------------------------------


def test_the_api_token_asks_admins_for_a_code(world, api_client):
    admin = world.user("sysadmin")
    body = {"username": "sysadmin", "password": PASSWORD}
    r = api_client.post(TOKEN_URL, body, format="json")
    assert r.status_code == 400 and r.json()["code"] == "otp_enrollment_required"

    device = enrolled(admin)
    r = api_client.post(TOKEN_URL, body, format="json")
    assert r.status_code == 400 and r.json()["code"] == "otp_required"
    r = api_client.post(TOKEN_URL, {**body, "otp": "000000"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "otp_invalid"
    assert AuditEvent.objects.filter(action="core.otp.failed", after__purpose="api_token").exists()
    device.refresh_from_db()
    device.throttle_reset()
    r = api_client.post(TOKEN_URL, {**body, "otp": next_code(device)}, format="json")
    assert r.status_code == 200 and r.json()["token"]


def test_the_api_token_needs_no_code_from_an_officer_without_a_device(world, api_client):
    r = api_client.post(TOKEN_URL, {"username": "d1b1.officer", "password": PASSWORD}, format="json")
    assert r.status_code == 200


def test_a_wrong_password_is_refused_before_any_code_is_asked(world, api_client):
    enrolled(world.user("sysadmin"))
    r = api_client.post(TOKEN_URL, {"username": "sysadmin", "password": "wrong-Pass-1", "otp": "1"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_credentials"


# --- the demo ----------------------------------------------------------------------------------------


def test_demo_admins_get_the_published_secret(world, client):
    assert otp.demo_devices() == 3
    assert otp.demo_devices() == 0  # idempotent
    device = otp.totp_device(world.user("secadmin"))
    assert otp.base32_secret(device) == otp.DEMO_TOTP_BASE32
    sign_in(client, "secadmin")
    r = client.post("/otp/verify/", {"token": otp.demo_code()})
    assert r.status_code == 302 and client.get("/orgs/posts/").status_code == 200
