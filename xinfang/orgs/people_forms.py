"""Forms for the user (系统管理员) and post (安全管理员) pages. Choices come from the actor's scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from xinfang.core.forms import BootstrapFormMixin, DateInput, UnitChoiceField, password_help_text
from xinfang.orgs.models import Unit, User
from xinfang.orgs.roles import Role

USER_PERM = "orgs.user.manage"
POST_PERM = "orgs.post.manage"


def manageable_units(actor: Any, perm: str) -> Any:
    """Active units where `actor` holds `perm` (his scope for that permission), in tree order."""
    return Unit.objects.visible_to(actor, perm).filter(is_active=True).order_by("path")


class UserChoiceField(forms.ModelChoiceField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "请选择")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        unit = obj.unit.name if obj.unit else "未设置单位"
        return f"{obj.display_name}（{obj.username}）— {unit}"


class UserSearchForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label="账号或姓名", required=False, max_length=150)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bootstrap()


class _PasswordPairMixin(forms.Form):
    password1 = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput(render_value=False))
    password2 = forms.CharField(label="再次输入密码", strip=False, widget=forms.PasswordInput(render_value=False))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致。")
        return data


class UserCreateForm(BootstrapFormMixin, _PasswordPairMixin):
    username = forms.CharField(label="账号", max_length=150)
    name = forms.CharField(label="姓名", max_length=50)
    unit = UnitChoiceField(label="所属单位", queryset=Unit.objects.none())

    field_order = ["username", "name", "unit", "password1", "password2"]

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = manageable_units(actor, USER_PERM)  # type: ignore[attr-defined]
        self.fields["password1"].label = "初始密码"
        self.fields["password1"].help_text = password_help_text()
        self._bootstrap()


class UserEditForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    unit = UnitChoiceField(label="所属单位", queryset=Unit.objects.none())

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = manageable_units(actor, USER_PERM)  # type: ignore[attr-defined]
        self._bootstrap()


class UserPasswordForm(BootstrapFormMixin, _PasswordPairMixin):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "新密码"
        self.fields["password1"].help_text = password_help_text()
        self.fields["password2"].label = "再次输入新密码"
        self._bootstrap()


class PostFilterForm(BootstrapFormMixin, forms.Form):
    unit = UnitChoiceField(label="单位", required=False, queryset=Unit.objects.none(), empty_label="全部单位")
    include_ended = forms.BooleanField(label="包括已免职的岗位", required=False)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.visible_to(actor, POST_PERM).order_by("path")  # type: ignore[attr-defined]
        self._bootstrap()


class PostCreateForm(BootstrapFormMixin, forms.Form):
    user = UserChoiceField(label="人员", queryset=User.objects.none())
    unit = UnitChoiceField(label="任职单位", queryset=Unit.objects.none())
    role = forms.ChoiceField(label="岗位", choices=[("", "请选择"), *Role.choices])
    start_on = forms.DateField(label="任职起", widget=DateInput())
    end_on = forms.DateField(label="任职止", required=False, widget=DateInput(), help_text="不填表示长期任职")
    remit = forms.CharField(
        label="分管范围", required=False, max_length=200, help_text="班子成员“一岗双责”的分管范围，可不填"
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            User.objects.visible_to(actor, POST_PERM)
            .filter(is_active=True)
            .select_related("unit")
            .order_by("unit__path", "username")
        )
        self.fields["unit"].queryset = manageable_units(actor, POST_PERM)  # type: ignore[attr-defined]
        if not self.is_bound and "start_on" not in self.initial:
            self.initial["start_on"] = timezone.localdate()
        self._bootstrap()


class PostEndForm(BootstrapFormMixin, forms.Form):
    end_on = forms.DateField(label="免职日期", widget=DateInput(), help_text="该日为最后一个在岗日")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "end_on" not in self.initial:
            self.initial["end_on"] = timezone.localdate()
        self._bootstrap()
