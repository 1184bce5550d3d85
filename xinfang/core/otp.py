"""Second factor (R-SEC, 等保三级 双因素): TOTP through django-otp, with single-use recovery codes.

Required for the three admin roles (系统管理员 / 安全管理员 / 审计员, orgs.roles.ADMIN_ROLES); optional for
everyone else. An account that needs it signs in with its password, then proves a 6-digit code (or one recovery
code) before any other page opens (core.security.SecondFactorMiddleware). An admin without a device enrols on
first sign-in. The API token endpoint asks admins (and anyone enrolled) for the code too.

The session carries the state so that the middleware needs no query: STATE_KEY is "verified" once a code was
proved, "pending" while one is owed, "none" when the account needs none; django-otp's own session key names the
device that verified it. A 安全管理员 resets another account's second factor (it must enrol again); that ends the
account's live session. Enrolment, verification failures, recovery-code use, regeneration, removal and reset are
all audited.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils.module_loading import import_string
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_session_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinfang.core.audit import audit_record
from xinfang.core.errors import DomainError
from xinfang.core.scope import user_grants

STATE_KEY = "xf_otp"
VERIFIED = "verified"
PENDING = "pending"
NONE = "none"
FAILURES_KEY = "xf_otp_failures"

RECOVERY_CODES = 10
TOTP_NAME = "动态验证码"
RECOVERY_NAME = "恢复码"

# The demo corps' three admin accounts share one fixed, published TOTP secret (make demo only; README).
DEMO_TOTP_KEY = b"xinfang-demo-totp-01"  # 20 bytes
DEMO_TOTP_BASE32 = base64.b32encode(DEMO_TOTP_KEY).decode()


# --- who needs what -------------------------------------------------------------------------------


def is_admin(user: Any) -> bool:
    """Holds a current post in one of the three admin roles (uses the request's cached grants)."""
    from xinfang.orgs.roles import ADMIN_ROLES

    return any(g.role in ADMIN_ROLES for g in user_grants(user))


def has_factor(user: Any) -> bool:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def factor_needed(user: Any) -> bool:
    """Must this account prove a code at sign-in? Admins always; others once they enrolled."""
    return is_admin(user) or has_factor(user)


# --- the session ----------------------------------------------------------------------------------


def session_verified(session: SessionBase) -> bool:
    return session.get(STATE_KEY) == VERIFIED and bool(session.get(DEVICE_ID_SESSION_KEY))


def session_needs_factor(session: SessionBase, user: Any) -> bool:
    """Is a code owed in this session? Decided once per session (stored), and re-checked against the admin
    roles on every request so that a promotion to an admin post takes effect at once."""
    state = session.get(STATE_KEY)
    if state not in (PENDING, NONE):
        state = PENDING if factor_needed(user) else NONE
        session[STATE_KEY] = state
    if state == NONE and is_admin(user):
        session[STATE_KEY] = state = PENDING
    return state == PENDING


def session_start(session: SessionBase, user: Any) -> None:
    """At sign-in (after the password): decide whether a code is owed in this session."""
    session.pop(DEVICE_ID_SESSION_KEY, None)
    session.pop(FAILURES_KEY, None)
    session[STATE_KEY] = PENDING if factor_needed(user) else NONE


def mark_verified(request: Any, device: Any) -> None:
    otp_session_login(request, device)
    request.session[STATE_KEY] = VERIFIED
    request.session.pop(FAILURES_KEY, None)


def record_failure(session: SessionBase) -> int:
    failures = int(session.get(FAILURES_KEY, 0)) + 1
    session[FAILURES_KEY] = failures
    return failures


def max_failures() -> int:
    return int(getattr(settings, "XINFANG_OTP_MAX_FAILURES", 5))


# --- devices --------------------------------------------------------------------------------------


def totp_device(user: Any, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=confirmed).order_by("-id").first()


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def qr_svg(text: str) -> str:
    """An inline SVG QR code rendered on our own server (no external service, no script)."""
    return segno.make(text, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def base32_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()


@dataclass
class Enrolment:
    device: TOTPDevice
    secret: str
    uri: str
    qr: str


@transaction.atomic
def totp_enrolment_start(*, actor: Any) -> Enrolment:
    """A new unconfirmed TOTP device for `actor` (kept until confirmed; the same one is shown on reload)."""
    if has_factor(actor):
        raise DomainError("您已启用两步验证；如需更换设备，请先停用或由安全管理员重置。", code="otp_enrolled")
    device = totp_device(actor, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name=TOTP_NAME, confirmed=False)
    return Enrolment(device=device, secret=base32_secret(device), uri=device.config_url, qr=qr_svg(device.config_url))


def _new_recovery_codes(user: Any) -> list[str]:
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def _recovery_code() -> str:
    # 10 characters of base32 (50 bits), grouped for reading: "abcde-fghij" (stored without the dash).
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()[:10]


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def totp_enrolment_confirm(*, actor: Any, token: str, request: Any = None) -> list[str]:
    """Confirm the pending device with a code from the app; returns the new recovery codes (shown once).

    A wrong code is audited and refused; the failure record is committed before the refusal is raised."""
    codes = _confirm(actor, _clean_digits(token), request)
    if codes is None:
        with transaction.atomic():
            audit_record(
                actor=actor, action="core.otp.enrolment_failed", target=actor, unit=actor.unit, request=request
            )
        raise DomainError("动态验证码不正确，请核对手机时间后重新输入。", code="otp_invalid", field="token")
    return codes


@transaction.atomic
def _confirm(actor: Any, token: str, request: Any) -> list[str] | None:
    device = TOTPDevice.objects.select_for_update().filter(user_id=actor.pk, confirmed=False).order_by("-id").first()
    if device is None:
        raise DomainError("请先开始启用两步验证。", code="otp_no_pending")
    if not token or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user_id=actor.pk).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(actor)
    audit_record(
        actor=actor,
        action="core.otp.enrolled",
        target=actor,
        unit=actor.unit,
        after={"device": device.persistent_id, "recovery_codes": len(codes)},
        request=request,
    )
    if request is not None and hasattr(request, "session"):
        mark_verified(request, device)
    return codes


def _clean_digits(token: str) -> str:
    return "".join(str(token or "").split())


def _clean_recovery(token: str) -> str:
    return "".join(str(token or "").split()).replace("-", "").lower()


def otp_check(*, user: Any, token: str, request: Any = None, purpose: str = "web") -> TOTPDevice | StaticDevice:
    """Verify a 6-digit TOTP code or a recovery code (consumed). Audits failures and recovery-code use.

    Raises DomainError(code="otp_invalid") on a wrong code, "otp_throttled" while django-otp's back-off lasts
    (1, 2, 4 … seconds after each failure). Failures are committed (audit, back-off) before the refusal."""
    device, throttled = _verify(user, str(token or "").strip(), request, purpose)
    if device is not None:
        return device
    if throttled:
        raise DomainError("验证失败次数过多，请稍候片刻再试。", code="otp_throttled", field="token")
    with transaction.atomic():
        audit_record(
            actor=None,
            actor_username=user.get_username(),
            action="core.otp.failed",
            target=user,
            unit=getattr(user, "unit", None),
            after={"purpose": purpose},
            request=request,
        )
    raise DomainError("动态验证码或恢复码不正确。", code="otp_invalid", field="token")


@transaction.atomic
def _verify(user: Any, raw: str, request: Any, purpose: str) -> tuple[TOTPDevice | StaticDevice | None, bool]:
    digits = _clean_digits(raw)
    device: TOTPDevice | StaticDevice | None
    if digits.isdigit() and len(digits) == 6:
        device = TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True).first()
        candidate = digits
    else:
        device = StaticDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True).first()
        candidate = _clean_recovery(raw)
    if device is None or not candidate:
        return None, False
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return None, True
    if not device.verify_token(candidate):
        return None, False
    if isinstance(device, StaticDevice):
        audit_record(
            actor=user,
            action="core.otp.recovery_code_used",
            target=user,
            unit=getattr(user, "unit", None),
            after={"left": device.token_set.count(), "purpose": purpose},
            request=request,
        )
    return device, False


@transaction.atomic
def recovery_codes_regenerate(*, actor: Any, request: Any = None) -> list[str]:
    if not has_factor(actor):
        raise DomainError("尚未启用两步验证。", code="otp_not_enrolled")
    codes = _new_recovery_codes(actor)
    audit_record(
        actor=actor,
        action="core.otp.recovery_codes_regenerated",
        target=actor,
        unit=actor.unit,
        after={"recovery_codes": len(codes)},
        request=request,
    )
    return codes


def _remove_devices(user: Any) -> int:
    removed = TOTPDevice.objects.filter(user_id=user.pk).delete()[0]
    removed += StaticDevice.objects.filter(user_id=user.pk).delete()[0]
    return removed


@transaction.atomic
def otp_disable(*, actor: Any, request: Any = None) -> None:
    """A user who chose the second factor may drop it again; the admin roles may not."""
    if is_admin(actor):
        raise DomainError("系统管理员、安全管理员、审计员必须使用两步验证，不能停用。", code="otp_required")
    if not has_factor(actor):
        raise DomainError("尚未启用两步验证。", code="otp_not_enrolled")
    _remove_devices(actor)
    audit_record(actor=actor, action="core.otp.disabled", target=actor, unit=actor.unit, request=request)
    if request is not None and hasattr(request, "session"):
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
        request.session[STATE_KEY] = NONE


def may_reset(actor: Any, user: Any) -> bool:
    """安全管理员 at the account's unit or above, and never for himself."""
    from xinfang.orgs.roles import Role

    if user.pk == getattr(actor, "pk", None) or user.unit is None:
        return False
    return any(g.role == Role.SECADMIN and user.unit.path.startswith(g.unit_path) for g in user_grants(actor))


@transaction.atomic
def otp_reset(*, actor: Any, user: Any, request: Any = None) -> None:
    """安全管理员 resets another account's second factor (lost phone): devices and recovery codes are removed,
    the account's live session ends, and it enrols again at its next sign-in (admins must; others may)."""
    from xinfang.orgs.models import User

    locked = User.objects.select_for_update(of=("self",)).select_related("unit").get(pk=user.pk)
    if not may_reset(actor, locked):
        raise DomainError("只有上级或本级安全管理员可以重置他人的两步验证。", code="forbidden")
    removed = _remove_devices(locked)
    from rest_framework.authtoken.models import Token

    tokens = Token.objects.filter(user=locked).delete()[0]  # a token got with the lost phone stops working
    session_key = locked.current_session_key
    if session_key:
        engine = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
        engine(session_key=session_key).delete()
    audit_record(
        actor=actor,
        action="core.otp.reset",
        target=locked,
        unit=locked.unit,
        after={"devices_removed": removed, "session_ended": bool(session_key), "api_tokens_revoked": tokens},
        request=request,
    )


# --- the demo -------------------------------------------------------------------------------------


def demo_devices(usernames: tuple[str, ...] = ("sysadmin", "secadmin", "auditor"), stdout: Any = None) -> int:
    """`make demo`: give the demo admin accounts a confirmed TOTP device with the published DEMO_TOTP_BASE32
    secret (idempotent). Never call this outside the demo: the secret is public."""
    from xinfang.orgs.models import User

    created = 0
    for user in User.objects.filter(username__in=usernames):
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            continue
        TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=True, key=DEMO_TOTP_KEY.hex())
        created += 1
    if stdout is not None and created:
        stdout.write(
            f"演示管理员账号的两步验证密钥（Base32，仅供演示）：{DEMO_TOTP_BASE32}\n"
            "  当前验证码：.venv/bin/python manage.py shell -c "
            '"from xinfang.core.otp import demo_code; print(demo_code())"\n'
        )
    return created


def demo_code() -> str:
    """The current 6-digit code of the published demo secret (for `make demo` sign-ins only)."""
    from django_otp.oath import totp

    return f"{totp(DEMO_TOTP_KEY):06d}"
