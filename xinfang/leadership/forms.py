"""Forms of the leadership pages: list filters (shared by each list and its xlsx export) and one form per write.
Choices come from the actor's scope; the rules themselves are the services' (shown through `show_domain_error`)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.utils import timezone

from xinfang.cases.forms import UsersChoiceField
from xinfang.cases.models import Case
from xinfang.core.errors import DomainError
from xinfang.core.forms import BootstrapFormMixin, DateInput, UnitChoiceField
from xinfang.leadership import selectors
from xinfang.leadership.models import (
    ASSIGN_PERM,
    CHECKLIST,
    MEETING_QUOTAS,
    RECORD_PERM,
    VIEW_PERM,
    Basis,
    DayStatus,
    OwnershipStatus,
    Period,
    PlanKind,
    QuotaCode,
    SupervisionLevel,
    SupervisionStatus,
)
from xinfang.leadership.quotas import quota_values
from xinfang.orgs.models import Level, Post, Unit, User


def show_domain_error(form: forms.Form, error: DomainError) -> None:
    """A service's refusal on the form: on its field when the form shows it, else on top."""
    name = error.field or ""
    aliases = {"leader": "leader_post", "unit": "leader_post", "case": "case_number", "visitors": "other_visitors"}
    if name not in form.fields:
        name = aliases.get(name, name)
    if re.match(r"^visitors\[\d+\]", error.field or ""):
        name = "other_visitors"
    visible = name in form.fields and not isinstance(form.fields[name].widget, forms.HiddenInput)
    form.add_error(name if visible else None, error.message)
    form._bootstrap()  # type: ignore[attr-defined]


class _Form(BootstrapFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bootstrap()


class PostChoiceField(forms.ModelChoiceField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "请选择")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.display_name}（{obj.unit.name}·{obj.get_role_display()}）"


def _this_year() -> int:
    return timezone.localdate().year


def _years() -> list[tuple[int, str]]:
    this = _this_year()
    return [(y, f"{y}年") for y in range(this + 1, this - 6, -1)]


def _scope_units(user: Any, perm: str = VIEW_PERM) -> Any:
    return Unit.objects.visible_to(user, perm).filter(is_active=True).order_by("path")


def _case_by_number(user: Any, number: str) -> Case:
    case = Case.objects.visible_to(user).select_related("unit").filter(number=number.strip()).first()
    if case is None:
        raise forms.ValidationError("信访事项编号不存在或不在您的权限范围内。")
    return case


# ---------------------------------------------------------------------------------------------------
# Filters


class _FilterForm(_Form):
    unit = UnitChoiceField(label="单位（含下级）", required=False, queryset=Unit.objects.none(), empty_label="全部")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"].queryset = _scope_units(user)  # type: ignore[attr-defined]

    def data_or_empty(self) -> dict[str, Any]:
        return self.cleaned_data if self.is_bound and self.is_valid() else {}


class YearChoiceField(forms.TypedChoiceField):
    def __init__(self, *, blank: str = "全部", **kwargs: Any) -> None:
        kwargs.setdefault("coerce", int)
        super().__init__(choices=lambda: [("", blank), *_years()], **kwargs)


class MeetingFilterForm(_FilterForm):
    year = YearChoiceField(label="年度", required=False, empty_value=None)

    def filters(self) -> dict[str, Any]:
        d = self.data_or_empty()
        return {"unit": d.get("unit"), "year": d.get("year")}


class ReceptionDayFilterForm(_FilterForm):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *DayStatus.choices])
    date_from = forms.DateField(label="日期自", required=False, widget=DateInput())
    date_to = forms.DateField(label="日期至", required=False, widget=DateInput())

    def filters(self) -> dict[str, Any]:
        d = self.data_or_empty()
        return {
            "unit": d.get("unit"),
            "status": d.get("status") or None,
            "date_from": d.get("date_from"),
            "date_to": d.get("date_to"),
        }


class ReceptionFilterForm(_FilterForm):
    year = YearChoiceField(label="年度", required=False, empty_value=None)
    leader = forms.ModelChoiceField(label="接访领导", required=False, queryset=User.objects.none(), empty_label="全部")
    q = forms.CharField(label="关键词", required=False, max_length=100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        leaders = selectors.leader_posts_in_scope(user, VIEW_PERM).values("user_id")
        self.fields["leader"].queryset = User.objects.filter(pk__in=leaders).order_by("name")  # type: ignore[attr-defined]
        self.fields["leader"].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        d = self.data_or_empty()
        return {"unit": d.get("unit"), "year": d.get("year"), "leader": d.get("leader"), "q": d.get("q") or ""}


class OwnershipFilterForm(_FilterForm):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *OwnershipStatus.choices])

    def filters(self) -> dict[str, Any]:
        d = self.data_or_empty()
        return {"unit": d.get("unit"), "status": d.get("status") or None}


class SupervisionFilterForm(_FilterForm):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *SupervisionStatus.choices])
    level = forms.ChoiceField(label="督办机关", required=False, choices=[("", "全部"), *SupervisionLevel.choices])

    def filters(self) -> dict[str, Any]:
        d = self.data_or_empty()
        return {"unit": d.get("unit"), "status": d.get("status") or None, "level": d.get("level") or None}


class ComplianceForm(_FilterForm):
    year = YearChoiceField(label="年度", required=False, empty_value=None, blank="本年度")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["unit"].queryset = _scope_units(user).filter(  # type: ignore[attr-defined]
            level__in=[Level.CORPS, Level.DETACHMENT, Level.BRIGADE]
        )

    def filters(self) -> dict[str, Any]:
        d = self.data_or_empty()
        return {"unit": d.get("unit"), "year": d.get("year") or _this_year()}


# ---------------------------------------------------------------------------------------------------
# 党委会


class MeetingForm(_Form):
    unit = UnitChoiceField(label="单位", queryset=Unit.objects.none())
    held_on = forms.DateField(label="会议日期", widget=DateInput())
    topics = forms.CharField(label="研究议题", widget=forms.Textarea(attrs={"rows": 3}))
    decisions = forms.CharField(label="部署事项和决定", widget=forms.Textarea(attrs={"rows": 5}))
    attendees = forms.CharField(label="参会人员", required=False, max_length=300)
    minutes = forms.FileField(label="会议纪要", required=False, help_text="PDF、JPG、PNG、DOC/DOCX，不超过20MB")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = _scope_units(user, RECORD_PERM).filter(level__in=[Level.CORPS, Level.DETACHMENT, Level.BRIGADE])
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if not self.is_bound and user.unit_id and units.filter(pk=user.unit_id).exists():
            self.initial.setdefault("unit", user.unit_id)
        self.initial.setdefault("held_on", timezone.localdate())


# ---------------------------------------------------------------------------------------------------
# 接访


class ReceptionDayForm(_Form):
    leader_post = PostChoiceField(label="接访领导", queryset=Post.objects.none())
    planned_on = forms.DateField(label="接访日期", widget=DateInput())
    time_text = forms.CharField(label="接访时间", required=False, max_length=50, help_text="如“上午9:00—12:00”")
    place = forms.CharField(label="接访地点", required=False, max_length=100)
    note = forms.CharField(label="说明", required=False, max_length=200)
    published = forms.BooleanField(label="向社会公布（门户网站公开领导姓名、职务和接访时间地点）", required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader_post"].queryset = selectors.leader_posts_in_scope(user, RECORD_PERM)  # type: ignore[attr-defined]


class DayHoldForm(_Form):
    note = forms.CharField(label="接访情况", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DayCancelForm(_Form):
    reason = forms.CharField(label="取消原因", max_length=200)


VISITOR_LINE = re.compile(r"^\s*(?P<name>[^\s,，;；]+)(?:[\s,，;；]+(?P<phone>[0-9+\-() ]{5,30}))?\s*$")


class ReceptionForm(_Form):
    leader_post = PostChoiceField(label="接访领导", queryset=Post.objects.none())
    received_on = forms.DateField(label="接访日期", widget=DateInput())
    matter = forms.CharField(label="反映事项", widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.CharField(label="处理情况", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    case_number = forms.CharField(
        label="相关信访事项编号", required=False, max_length=64, help_text="来访反映的事项已登记的，填写其编号"
    )
    petitioners_from_case = forms.BooleanField(
        label="来访人为该事项的信访人", required=False, help_text="勾选后，来访人关联该事项登记的信访人"
    )
    other_visitors = forms.CharField(
        label="其他来访人",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text="每行一人：姓名，电话（可不填）",
    )
    headcount = forms.IntegerField(label="来访人数", required=False, min_value=1, help_text="不填按登记的来访人计")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["leader_post"].queryset = selectors.leader_posts_in_scope(user, RECORD_PERM)  # type: ignore[attr-defined]
        self.initial.setdefault("received_on", timezone.localdate())

    def clean_case_number(self) -> Case | None:
        number = (self.cleaned_data.get("case_number") or "").strip()
        return _case_by_number(self.user, number) if number else None

    def clean_other_visitors(self) -> list[dict[str, Any]]:
        people = []
        for i, line in enumerate((self.cleaned_data.get("other_visitors") or "").splitlines(), start=1):
            if not line.strip():
                continue
            m = VISITOR_LINE.match(line)
            if not m:
                raise forms.ValidationError(f"第{i}行格式不正确，应为“姓名，电话”。")
            people.append({"name": m.group("name"), "phone": (m.group("phone") or "").strip()})
        return people

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("petitioners_from_case") and not data.get("case_number"):
            self.add_error("case_number", "请填写信访事项编号。")
        return data

    def visitors(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        linked: list[dict[str, Any]] = []
        case = data.get("case_number")
        if case is not None and data.get("petitioners_from_case"):
            linked = [{"petitioner": p} for p in case.petitioners.all()]
        return [*linked, *data.get("other_visitors", [])]


class LinkCaseForm(_Form):
    case_number = forms.CharField(label="信访事项编号", max_length=64)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_case_number(self) -> Case:
        return _case_by_number(self.user, self.cleaned_data.get("case_number") or "")


# ---------------------------------------------------------------------------------------------------
# 包案


class OwnershipForm(_Form):
    case_number = forms.CharField(label="信访事项编号", max_length=64)
    leader_post = PostChoiceField(label="包案领导", queryset=Post.objects.none())
    basis = forms.ChoiceField(
        label="包案依据",
        choices=[(Basis.MAJOR, Basis.MAJOR.label), (Basis.OTHER, Basis.OTHER.label)],
        help_text="挂牌督办的事项自动以挂牌督办为依据",
    )
    plan_kind = forms.ChoiceField(label="化解方式", choices=PlanKind.choices)
    tasks = forms.CharField(label="工作任务", widget=forms.Textarea(attrs={"rows": 3}))
    plan = forms.CharField(label="化解方案", widget=forms.Textarea(attrs={"rows": 4}))
    team = UsersChoiceField(
        label="工作专班", required=False, queryset=User.objects.none(), widget=forms.SelectMultiple(attrs={"size": 6})
    )
    team_note = forms.CharField(
        label="专班其他成员", required=False, max_length=200, help_text="系统外人员的姓名、单位"
    )
    assigned_on = forms.DateField(label="包案日期", widget=DateInput())
    deadline = forms.DateField(label="限期解决日期", widget=DateInput())
    replace = forms.BooleanField(
        label="移交包案", required=False, help_text="本事项已有包案领导的，勾选后原包案结束（已移交），由新领导包案"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["leader_post"].queryset = selectors.leader_posts_in_scope(user, ASSIGN_PERM)  # type: ignore[attr-defined]
        units = _scope_units(user, RECORD_PERM)
        self.fields["team"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True, unit__in=units.values("pk")).select_related("unit").order_by("pk")
        )
        self.initial.setdefault("assigned_on", timezone.localdate())

    def clean_case_number(self) -> Case:
        return _case_by_number(self.user, self.cleaned_data.get("case_number") or "")


class ProgressForm(_Form):
    on = forms.DateField(label="日期", widget=DateInput())
    note = forms.CharField(label="工作进展", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, ownership: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = ownership.checklist_items() if ownership is not None else []
        current = {i["key"]: i for i in items}
        for key, label in CHECKLIST:
            item = current.get(key, {})
            self.fields[f"{key}_applies"] = forms.BooleanField(label=f"适用：{label}", required=False)
            self.fields[f"{key}_done"] = forms.BooleanField(label="已到位", required=False)
            self.fields[f"{key}_note"] = forms.CharField(label="说明", required=False, max_length=500)
            self.initial.setdefault(f"{key}_applies", item.get("applies", False))
            self.initial.setdefault(f"{key}_done", item.get("done", False))
            self.initial.setdefault(f"{key}_note", item.get("note", ""))
        self.initial.setdefault("on", timezone.localdate())
        self._bootstrap()

    def checklist(self) -> dict[str, dict[str, Any]]:
        d = self.cleaned_data
        return {
            key: {
                "applies": bool(d.get(f"{key}_applies")),
                "done": bool(d.get(f"{key}_done")),
                "note": d.get(f"{key}_note") or "",
            }
            for key, _label in CHECKLIST
        }

    def checklist_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "label": label,
                "applies": self[f"{key}_applies"],
                "done": self[f"{key}_done"],
                "note": self[f"{key}_note"],
            }
            for key, label in CHECKLIST
        ]


class SettleForm(_Form):
    settled = forms.TypedChoiceField(
        label="包案结果",
        choices=[("", "请选择"), ("1", "已停诉息访"), ("0", "未能息访，结束包案")],
        coerce=lambda v: v == "1",
    )
    on = forms.DateField(label="日期", widget=DateInput())
    note = forms.CharField(label="结果说明", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("on", timezone.localdate())


# ---------------------------------------------------------------------------------------------------
# 挂牌督办


class SupervisionForm(_Form):
    case_number = forms.CharField(label="信访事项编号", max_length=64)
    level = forms.ChoiceField(label="督办机关", choices=SupervisionLevel.choices)
    reference_no = forms.CharField(
        label="督办文号", required=False, max_length=100, help_text="登记消防救援局督办的，填写其督办文号"
    )
    listed_on = forms.DateField(label="挂牌日期", widget=DateInput())
    deadline = forms.DateField(label="督办期限", widget=DateInput())
    requirements = forms.CharField(label="督办要求", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.initial.setdefault("listed_on", timezone.localdate())
        self.initial.setdefault("level", SupervisionLevel.CORPS)

    def clean_case_number(self) -> Case:
        return _case_by_number(self.user, self.cleaned_data.get("case_number") or "")


class ReportForm(_Form):
    on = forms.DateField(label="报告日期", widget=DateInput())
    content = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("on", timezone.localdate())


class LiftForm(_Form):
    lifted_on = forms.DateField(label="解除日期", widget=DateInput())
    reason = forms.CharField(label="解除理由", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("lifted_on", timezone.localdate())


# ---------------------------------------------------------------------------------------------------
# Quotas (系统管理员)


class QuotaForm(_Form):
    """All four quotas on one form: `<code>-minimum`, `<code>-period`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        values = quota_values()
        for code in QuotaCode:
            key = code.value.replace(".", "_")
            value = values[code]
            self.fields[f"{key}_minimum"] = forms.IntegerField(
                label=f"{code.label}：最低次数", min_value=0, max_value=366
            )
            period_choices = [(Period.YEAR, Period.YEAR.label)] if code in MEETING_QUOTAS else Period.choices
            self.fields[f"{key}_period"] = forms.ChoiceField(label="周期", choices=period_choices)
            self.initial.setdefault(f"{key}_minimum", value.minimum)
            self.initial.setdefault(f"{key}_period", value.period)
        self._bootstrap()

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "code": code.value,
                "label": code.label,
                "minimum": self[f"{code.value.replace('.', '_')}_minimum"],
                "period": self[f"{code.value.replace('.', '_')}_period"],
            }
            for code in QuotaCode
        ]

    def values(self) -> list[tuple[str, int, str]]:
        d = self.cleaned_data
        out = []
        for code in QuotaCode:
            key = code.value.replace(".", "_")
            out.append((code.value, int(d[f"{key}_minimum"]), str(d[f"{key}_period"])))
        return out


def default_deadline(days: int = 60) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)
