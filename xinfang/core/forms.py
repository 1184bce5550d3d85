from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts

from xinfang.orgs.models import Unit


class BootstrapFormMixin:
    """Give every widget its Bootstrap 5 class, and mark fields with errors as invalid."""

    def _bootstrap(self) -> None:
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            classes = widget.attrs.get("class", "")
            if css not in classes.split():
                widget.attrs["class"] = f"{classes} {css}".strip()
            errors = getattr(self, "_errors", None)  # never trigger validation from here
            if errors and name in errors and "is-invalid" not in widget.attrs["class"].split():
                widget.attrs["class"] += " is-invalid"
                widget.attrs["aria-invalid"] = "true"

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self._bootstrap()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class UnitChoiceField(forms.ModelChoiceField):
    """Units shown as an indented tree."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "请选择")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return "　" * obj.depth + obj.name


def password_help_text() -> str:
    return "；".join(password_validators_help_texts())


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": (
            f"账号或密码不正确（区分大小写）。连续失败{settings.AXES_FAILURE_LIMIT}次，"
            f"账号将被锁定{int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}分钟。"
        ),
        "inactive": "该账号已停用，请联系系统管理员。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "账号"
        self.fields["password"].label = "密码"
        self._bootstrap()


class OwnPasswordChangeForm(BootstrapFormMixin, PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password1"].help_text = password_help_text()
        self.fields["new_password2"].label = "再次输入新密码"
        self._bootstrap()


class AuditFilterForm(BootstrapFormMixin, forms.Form):
    actor = forms.CharField(label="账号", required=False, max_length=150)
    action = forms.CharField(
        label="操作代码（前缀）",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "如 orgs.user"}),
    )
    target_type = forms.CharField(
        label="对象类型", required=False, max_length=100, widget=forms.TextInput(attrs={"placeholder": "如 orgs.unit"})
    )
    target_id = forms.CharField(label="对象ID", required=False, max_length=64)
    date_from = forms.DateField(label="起始日期", required=False, widget=DateInput())
    date_to = forms.DateField(label="截止日期", required=False, widget=DateInput())
    unit = UnitChoiceField(label="单位（含下级）", required=False, queryset=Unit.objects.none(), empty_label="全部单位")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The trail covers every user: the auditor filters over all units.
        self.fields["unit"].queryset = Unit.objects.order_by("path")  # type: ignore[attr-defined]
        self._bootstrap()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: datetime.date | None = data.get("date_from")
        end: datetime.date | None = data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return data


def add_domain_error(form: forms.Form, error: Any, field_map: dict[str, str] | None = None) -> None:
    """Show a service's DomainError on the form: on its field when the form has it, else on top."""
    name = (field_map or {}).get(error.field or "", error.field)
    form.add_error(name if name in form.fields else None, error.message)
