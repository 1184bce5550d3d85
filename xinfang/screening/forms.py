"""Forms of the screening pages. Choices come from the actor's scope (selectors); the rules are the services' and
their DomainError is shown on the form (core.forms.add_domain_error). Forms that depend on a unit (its conflicts,
its people) are built for one unit, chosen first (the page's ?unit=)."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.utils import timezone

from xinfang.cases.models import Case, Petitioner, Topic
from xinfang.core.forms import BootstrapFormMixin, DateInput, UnitChoiceField
from xinfang.core.masking import mask_name
from xinfang.orgs.models import Level, Post, Unit, User
from xinfang.screening import periods, selectors
from xinfang.screening.models import (
    CadenceKey,
    Conflict,
    ConflictStatus,
    DueAnchor,
    PeriodKind,
    RiskLevel,
    SpecialPeriodKind,
    WarningRisk,
    WarningStage,
)

YES_NO = [("", "全部"), ("1", "是"), ("0", "否")]


def _yes_no(value: str | None) -> bool | None:
    return None if value in (None, "") else value == "1"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class LocalDateTimeField(forms.DateTimeField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DateTimeInput())
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
        super().__init__(*args, **kwargs)


class UserChoiceField(forms.ModelChoiceField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "请选择")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        unit = obj.unit.name if obj.unit else ""
        return f"{obj.display_name}（{unit}）" if unit else obj.display_name


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        unit = obj.unit.name if obj.unit else ""
        return f"{obj.display_name}（{unit}）" if unit else obj.display_name


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return "　" * obj.depth + obj.name


class BoundedDateField(forms.DateField):
    """A date within 1900–2199: periods and due dates are computed around it, so extremes are refused."""

    default_validators = [
        MinValueValidator(datetime.date(1900, 1, 1), message="日期不能早于1900年。"),
        MaxValueValidator(datetime.date(2199, 12, 31), message="日期不能晚于2199年。"),
    ]


class Form(BootstrapFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bootstrap()


# ---------------------------------------------------------------------------------------------------
# Board and reports


class BoardForm(Form):
    date = BoundedDateField(label="日期", required=False, widget=DateInput())

    def day(self) -> datetime.date:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("date"):
            return self.cleaned_data["date"]
        from xinfang.screening.services import _today

        return _today()


class ReportFilterForm(Form):
    unit = UnitChoiceField(label="单位（含下级）", required=False, queryset=Unit.objects.none(), empty_label="全部")
    period = forms.ChoiceField(label="周期", required=False, choices=[("", "全部"), *PeriodKind.choices])
    start_from = BoundedDateField(label="周期起始自", required=False, widget=DateInput())
    start_to = BoundedDateField(label="周期起始至", required=False, widget=DateInput())
    zero = forms.ChoiceField(label="零报告", required=False, choices=YES_NO)
    late = forms.ChoiceField(label="逾期", required=False, choices=YES_NO)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.scope_units(user)  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        d = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "unit": d.get("unit"),
            "period": d.get("period") or "",
            "start_from": d.get("start_from"),
            "start_to": d.get("start_to"),
            "zero": _yes_no(d.get("zero")),
            "late": _yes_no(d.get("late")),
        }


class ReportTargetForm(Form):
    """Which report to file: the unit and the period (GET)."""

    unit = UnitChoiceField(label="报告单位", queryset=Unit.objects.none())
    period = forms.ChoiceField(label="报告周期", choices=PeriodKind.choices)
    period_start = BoundedDateField(label="周期起始日期", widget=DateInput())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.scope_units(  # type: ignore[attr-defined]
            user, levels=selectors.REPORTING_LEVELS, perm="screening.report"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, start = data.get("period"), data.get("period_start")
        if kind and start:
            data["period_start"] = periods.bounds(kind, start)[0]  # any day of the period selects it
        return data


class ReportForm(Form):
    is_zero = forms.BooleanField(
        label="本期未排查出矛盾纠纷，报送零报告",
        required=False,
        help_text="零报告须明确声明；不勾选且未列出任何事项的报告不能报送。",
    )
    conflicts = forms.ModelMultipleChoiceField(
        label="排查发现的矛盾纠纷（台账事项）",
        required=False,
        queryset=Conflict.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(label="排查情况说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["conflicts"].queryset = (  # type: ignore[attr-defined]
            Conflict.objects.visible_to(user)
            .filter(unit__path__startswith=unit.path)
            .select_related("unit")
            .order_by("status", "-found_on", "-id")
        )
        self.fields["conflicts"].label_from_instance = lambda c: (  # type: ignore[attr-defined]
            f"{c.title}（{c.unit.name}，{c.get_risk_level_display()}，{c.get_status_display()}）"
        )
        self.fields["conflicts"].widget.attrs["class"] = "list-unstyled"


# ---------------------------------------------------------------------------------------------------
# Conflicts


class ConflictFilterForm(Form):
    q = forms.CharField(label="关键词", required=False, max_length=100)
    unit = UnitChoiceField(label="单位（含下级）", required=False, queryset=Unit.objects.none(), empty_label="全部")
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), ("open", "未化解（含化解中）"), *ConflictStatus.choices]
    )
    risk_level = forms.ChoiceField(label="风险等级", required=False, choices=[("", "全部"), *RiskLevel.choices])
    collective = forms.ChoiceField(label="可能引发集体访", required=False, choices=YES_NO)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.scope_units(user)  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        d = self.cleaned_data if self.is_bound and self.is_valid() else {}
        status = d.get("status") or ""
        return {
            "q": d.get("q") or "",
            "unit": d.get("unit"),
            "status": "" if status == "open" else status,
            "open_only": status == "open",
            "risk_level": d.get("risk_level") or "",
            "collective": _yes_no(d.get("collective")),
        }


def _case_numbers(user: Any, text: str) -> list[Case]:
    numbers = [n.strip() for n in (text or "").replace("，", ",").replace("、", ",").split(",") if n.strip()]
    found = {c.number: c for c in Case.objects.visible_to(user).filter(number__in=numbers)}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise forms.ValidationError(f"未找到以下信访事项（或不在您的权限范围内）：{'、'.join(missing)}")
    return [found[n] for n in numbers]


class ConflictForm(Form):
    title = forms.CharField(label="矛盾纠纷事项", max_length=200)
    description = forms.CharField(label="基本情况", widget=forms.Textarea(attrs={"rows": 4}))
    topic = forms.ModelChoiceField(label="类别", queryset=Topic.objects.none(), empty_label="请选择")
    risk_level = forms.ChoiceField(label="风险等级", choices=RiskLevel.choices)
    collective_risk = forms.BooleanField(label="可能引发集体访", required=False)
    headcount = forms.IntegerField(label="涉及人数", min_value=1, initial=1)
    leader = UserChoiceField(label="责任领导", queryset=User.objects.none())
    measures = forms.CharField(label="化解措施", widget=forms.Textarea(attrs={"rows": 3}))
    found_on = BoundedDateField(label="发现日期", widget=DateInput())
    case_numbers = forms.CharField(
        label="关联信访事项编号",
        required=False,
        help_text="多个编号用逗号分隔；只能关联您有权查看的信访事项。",
    )
    petitioners = forms.ModelMultipleChoiceField(
        label="涉及信访人", required=False, queryset=Petitioner.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    link_all_petitioners = forms.BooleanField(label="关联上述信访事项的全部信访人", required=False, initial=True)

    def __init__(self, *args: Any, user: Any, unit: Unit, case_ids: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["topic"].queryset = Topic.objects.filter(active=True)  # type: ignore[attr-defined]
        self.fields["leader"].queryset = selectors.leader_candidates(unit)  # type: ignore[attr-defined]
        people = selectors.visible_petitioners(user, case_ids or [])
        self.fields["petitioners"].queryset = Petitioner.objects.filter(  # type: ignore[attr-defined]
            pk__in=[p.pk for p in people]
        ).select_related("case")
        self.fields["petitioners"].label_from_instance = lambda p: (  # type: ignore[attr-defined]
            f"{mask_name(p.name) or '匿名'}（{p.case.number}）"
        )
        if not people:
            del self.fields["petitioners"]
        self.fields["found_on"].initial = timezone.localdate()

    def clean_case_numbers(self) -> list[Case]:
        return _case_numbers(self.user, self.cleaned_data.get("case_numbers", ""))

    def links(self) -> tuple[list[Case], list[Petitioner]]:
        cases: list[Case] = self.cleaned_data["case_numbers"]
        if self.cleaned_data.get("link_all_petitioners"):
            people = selectors.visible_petitioners(self.user, [c.pk for c in cases])
        else:
            people = list(self.cleaned_data.get("petitioners") or [])
        return cases, people


class ConflictEditForm(ConflictForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, conflict: Conflict, **kwargs: Any) -> None:
        super().__init__(*args, unit=conflict.unit, **kwargs)
        del self.fields["found_on"]
        self.fields["link_all_petitioners"].initial = False


class ProgressForm(Form):
    on = BoundedDateField(label="日期", widget=DateInput())
    note = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 3}))
    status = forms.ChoiceField(label="状态", choices=ConflictStatus.choices)

    def __init__(self, *args: Any, conflict: Conflict | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        if conflict is not None:
            self.fields["status"].initial = (
                ConflictStatus.RESOLVING if conflict.status == ConflictStatus.PENDING else conflict.status
            )


# ---------------------------------------------------------------------------------------------------
# Special periods and shifts


class SpecialPeriodForm(Form):
    unit = UnitChoiceField(label="宣布单位", queryset=Unit.objects.none())
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=SpecialPeriodKind.choices)
    start_on = BoundedDateField(label="开始日期", widget=DateInput())
    end_on = BoundedDateField(label="结束日期", widget=DateInput())
    scope_units = UnitsChoiceField(
        label="范围（不选为宣布单位全辖区）",
        required=False,
        queryset=Unit.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    note = forms.CharField(label="工作要求", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.scope_units(  # type: ignore[attr-defined]
            user, levels=(Level.CORPS, Level.DETACHMENT), perm="screening.period.declare"
        )
        self.fields["scope_units"].queryset = selectors.scope_units(user)  # type: ignore[attr-defined]


class HolidayForm(Form):
    unit = UnitChoiceField(label="宣布单位", queryset=Unit.objects.none())
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.scope_units(  # type: ignore[attr-defined]
            user, levels=(Level.CORPS, Level.DETACHMENT), perm="screening.period.declare"
        )


class EndPeriodForm(Form):
    on = BoundedDateField(label="最后一日", widget=DateInput(), help_text="尚未开始的特殊时期将被撤销。")
    reason = forms.CharField(label="原因", max_length=200)


class ShiftForm(Form):
    starts_at = LocalDateTimeField(label="开始时间")
    ends_at = LocalDateTimeField(label="结束时间")
    officer = UserChoiceField(label="值班人员", queryset=User.objects.none())
    phone = forms.CharField(label="值班电话", max_length=30)
    note = forms.CharField(label="备注", required=False, max_length=200)

    def __init__(self, *args: Any, unit: Unit, day: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        on_post = Post.objects.active(day).filter(unit=unit).values("user_id")
        self.fields["officer"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True, pk__in=on_post).select_related("unit").order_by("pk")
        )


# ---------------------------------------------------------------------------------------------------
# Warnings


class WarningFilterForm(Form):
    unit = UnitChoiceField(label="发现单位（含下级）", required=False, queryset=Unit.objects.none(), empty_label="全部")
    stage = forms.ChoiceField(label="阶段", required=False, choices=[("", "全部"), *WarningStage.choices])
    risk = forms.ChoiceField(label="风险类型", required=False, choices=[("", "全部"), *WarningRisk.choices])

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.scope_units(user)  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        d = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {"unit": d.get("unit"), "stage": d.get("stage") or "", "risk": d.get("risk") or ""}


class WarningForm(Form):
    unit = UnitChoiceField(label="发现单位", queryset=Unit.objects.none())
    title = forms.CharField(label="预警事项", max_length=200)
    description = forms.CharField(label="基本情况", widget=forms.Textarea(attrs={"rows": 4}))
    risk = forms.ChoiceField(label="风险类型", choices=WarningRisk.choices)
    headcount = forms.IntegerField(label="预计涉及人数", required=False, min_value=1)
    discovered_at = LocalDateTimeField(label="发现时间", required=False, help_text="不填为现在。")
    conflict = forms.ModelChoiceField(
        label="关联矛盾纠纷（台账）", required=False, queryset=Conflict.objects.none(), empty_label="无"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.scope_units(  # type: ignore[attr-defined]
            user, perm="screening.warning.raise"
        )
        self.fields["conflict"].queryset = selectors.conflict_list(user, open_only=True)  # type: ignore[attr-defined]


class WarningStepForm(Form):
    note = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 3}))
    at = LocalDateTimeField(label="时间", required=False, help_text="不填为现在。")


class AcknowledgeForm(Form):
    note = forms.CharField(label="签收意见", required=False, max_length=200)


# ---------------------------------------------------------------------------------------------------
# Inspections and bulletins


class InspectionForm(Form):
    on = BoundedDateField(label="督查日期", widget=DateInput())
    inspectors = forms.CharField(label="督查组成员", max_length=200)
    units_visited = UnitsChoiceField(
        label="被督查单位", queryset=Unit.objects.none(), widget=forms.SelectMultiple(attrs={"size": 6})
    )
    findings = forms.CharField(label="督查情况", widget=forms.Textarea(attrs={"rows": 4}))
    problems = forms.CharField(label="存在问题", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units_visited"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            path__startswith=unit.path, is_active=True
        ).order_by("path")
        self.fields["on"].initial = timezone.localdate()


class RectificationForm(Form):
    description = forms.CharField(label="整改事项", widget=forms.Textarea(attrs={"rows": 2}))
    owner_unit = UnitChoiceField(label="责任单位", queryset=Unit.objects.none())
    owner = UserChoiceField(label="责任人", queryset=User.objects.none(), help_text="应为责任单位在岗人员。")
    deadline = BoundedDateField(label="整改期限", widget=DateInput())

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units: QuerySet[Unit] = Unit.objects.filter(path__startswith=unit.path, is_active=True).order_by("path")
        self.fields["owner_unit"].queryset = units  # type: ignore[attr-defined]
        posts = Post.objects.active().filter(unit__in=units).values("user_id")
        self.fields["owner"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True, pk__in=posts).select_related("unit").order_by("unit__path", "pk")
        )


class CloseItemForm(Form):
    closed_on = BoundedDateField(label="整改完成日期", widget=DateInput())
    note = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate()


class BulletinForm(Form):
    unit = UnitChoiceField(label="通报单位", queryset=Unit.objects.none())
    period = forms.ChoiceField(label="通报周期", choices=[(periods.MONTH, "月"), (periods.QUARTER, "季度")])
    period_start = BoundedDateField(label="周期内任一日期", widget=DateInput())
    title = forms.CharField(label="标题", required=False, max_length=200, help_text="不填则按周期自动生成。")
    remarks = forms.CharField(label="工作要求", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.scope_units(  # type: ignore[attr-defined]
            user, levels=(Level.CORPS, Level.DETACHMENT), perm="screening.inspection.manage"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") and data.get("period_start"):
            data["period_start"] = periods.bounds(data["period"], data["period_start"])[0]
        return data


# ---------------------------------------------------------------------------------------------------
# Training


class TrainingForm(Form):
    on = BoundedDateField(label="培训日期", widget=DateInput())
    topic = forms.CharField(label="培训主题", max_length=200)
    hours = forms.DecimalField(label="学时", min_value=0.5, max_digits=5, decimal_places=1)
    location = forms.CharField(label="地点", required=False, max_length=100)
    trainees = UsersChoiceField(
        label="参训人员", required=False, queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trainees"].queryset = selectors.trainee_candidates(unit)  # type: ignore[attr-defined]
        self.fields["on"].initial = timezone.localdate()


class TraineesForm(Form):
    trainees = UsersChoiceField(
        label="参训人员", required=False, queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trainees"].queryset = selectors.trainee_candidates(unit)  # type: ignore[attr-defined]


class TrainingStatusForm(Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2999, required=False)
    untrained_only = forms.BooleanField(label="只看未培训人员", required=False)

    def values(self) -> tuple[int, bool]:
        d = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return d.get("year") or timezone.localdate().year, bool(d.get("untrained_only"))


class TrainingFilterForm(Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2999, required=False)

    def filters(self) -> dict[str, Any]:
        d = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {"year": d.get("year")}


# ---------------------------------------------------------------------------------------------------
# Settings


class CadenceForm(Form):
    period = forms.ChoiceField(label="报告周期", choices=[])
    anchor = forms.ChoiceField(label="期限起算", choices=DueAnchor.choices)
    offset_days = forms.IntegerField(label="起算后天数", min_value=0, max_value=periods.MAX_OFFSET_DAYS)
    shift_to_workday = forms.BooleanField(label="遇节假日顺延至工作日", required=False)

    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        super().__init__(*args, prefix=key, **kwargs)
        self.key = key
        self.label = CadenceKey(key).label
        allowed = periods.ALLOWED_PERIODS[key]
        cast(forms.ChoiceField, self.fields["period"]).choices = [(k, v) for k, v in PeriodKind.choices if k in allowed]


class SettingsForm(Form):
    warning_ack_hours = forms.IntegerField(
        label="预警签收时限（小时）",
        min_value=1,
        max_value=168,
        help_text="逐级报告的预警信息超过此时限未签收的，自动升级至再上一级。",
    )
