"""Forms of the accountability pages. Choices come from the actor's scope; the rules are the services'."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from xinfang.accountability import indicators as ind
from xinfang.accountability.models import (
    ASSESS_PERM,
    ISSUE_PERM,
    ActionKind,
    Lookback,
    RecommendationStatus,
    Standard,
)
from xinfang.core.forms import DateInput, UnitChoiceField
from xinfang.incidents.forms import CASE_NUMBERS_HELP, Form, UserChoiceField
from xinfang.incidents.models import Incident
from xinfang.orgs.models import Level, Unit, User

LEVEL_CHOICES = [(Level.DETACHMENT, "支队"), (Level.BRIGADE, "大队")]


def this_year() -> int:
    return timezone.localdate().year


class YearForm(Form):
    year = forms.IntegerField(label="考核年度", min_value=2000, max_value=2100, required=False)
    level = forms.ChoiceField(label="层级", choices=LEVEL_CHOICES, required=False)

    def values(self) -> tuple[int, str]:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["year"] or this_year(), self.cleaned_data["level"] or Level.DETACHMENT
        return this_year(), Level.DETACHMENT


class AdjustmentForm(Form):
    points = forms.DecimalField(label="调整分值", max_digits=6, decimal_places=2, help_text="加分填正数，减分填负数")
    reason = forms.CharField(label="调整理由", widget=forms.Textarea(attrs={"rows": 3}))


class SchemeForm(Form):
    """The scheme as a form: a weight per rate indicator, points and a cap per count indicator."""

    year = forms.IntegerField(label="考核年度", min_value=2000, max_value=2100)
    name = forms.CharField(label="方案名称", max_length=100)
    max_score = forms.DecimalField(label="满分", min_value=Decimal(1), max_digits=6, decimal_places=2)
    note = forms.CharField(
        label="修订说明", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="同一年度的第二版起必填"
    )

    def __init__(self, *args: Any, data_initial: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        weights = {i["indicator"]: i["weight"] for i in data_initial.get("items", [])}
        deductions = {d["indicator"]: d for d in data_initial.get("deductions", [])}
        self.fields["max_score"].initial = data_initial.get("max_score", 100)
        for i in ind.INDICATORS:
            if i.kind == ind.RATE:
                self.fields[f"w_{i.code}"] = forms.DecimalField(
                    label=f"{i.label}（权重）", min_value=Decimal(0), max_digits=6, decimal_places=2,
                    initial=weights.get(i.code, 0), help_text=i.formula,
                )  # fmt: skip
            else:
                d = deductions.get(i.code, {})
                self.fields[f"p_{i.code}"] = forms.DecimalField(
                    label=f"{i.label}（每件扣分）", min_value=Decimal(0), max_digits=6, decimal_places=2,
                    initial=d.get("points", 0), help_text=i.formula,
                )  # fmt: skip
                self.fields[f"c_{i.code}"] = forms.DecimalField(
                    label=f"{i.label}（扣分上限）", min_value=Decimal(0), max_digits=6, decimal_places=2,
                    initial=d.get("cap", 0),
                )  # fmt: skip
        self._bootstrap()

    def scheme_data(self) -> dict[str, Any]:
        d = self.cleaned_data

        def num(x: Decimal) -> float | int:
            return int(x) if x == x.to_integral_value() else float(x)

        return {
            "items": [
                {"indicator": i.code, "weight": num(d[f"w_{i.code}"])}
                for i in ind.INDICATORS
                if i.kind == ind.RATE and d[f"w_{i.code}"] > 0
            ],
            "deductions": [
                {"indicator": i.code, "points": num(d[f"p_{i.code}"]), "cap": num(d[f"c_{i.code}"])}
                for i in ind.INDICATORS
                if i.kind == ind.COUNT and d[f"p_{i.code}"] > 0
            ],
            "max_score": num(d["max_score"]),
        }


class CheckForm(Form):
    """The six standards, each 达标/不达标 with a note (required when not met)."""

    checked_on = forms.DateField(label="核查日期", widget=DateInput())
    note = forms.CharField(label="核查意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in Standard.choices:
            self.fields[f"{code}_passed"] = forms.ChoiceField(
                label=str(label), choices=[("yes", "达标"), ("no", "不达标")], widget=forms.RadioSelect
            )
            self.fields[f"{code}_note"] = forms.CharField(
                label=f"{label}：说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        self._bootstrap()
        for code in Standard.values:
            self.fields[f"{code}_passed"].widget.attrs["class"] = "form-check-input"

    def standards(self) -> list[tuple[str, Any, Any]]:
        return [(label, self[f"{code}_passed"], self[f"{code}_note"]) for code, label in Standard.choices]

    def results(self) -> list[dict[str, Any]]:
        d = self.cleaned_data
        return [
            {"standard": code, "passed": d[f"{code}_passed"] == "yes", "note": d[f"{code}_note"]}
            for code in Standard.values
        ]


class LookbackProposeForm(Form):
    responsible_persons = forms.ModelMultipleChoiceField(
        label="相关责任人", queryset=User.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    responsible_others = forms.CharField(label="其他责任人（系统外）", max_length=200, required=False)
    findings = forms.CharField(label="倒查发现", widget=forms.Textarea(attrs={"rows": 4}))
    proposed_handling = forms.CharField(label="处理意见", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, lookback: Lookback, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["responsible_persons"]
        field.queryset = (  # type: ignore[attr-defined]
            User.objects.filter(unit__path__startswith=lookback.unit.path, is_active=True)
            .select_related("unit")
            .order_by("unit__path", "pk")
        )
        field.label_from_instance = lambda u: f"{u.display_name}（{u.unit.name if u.unit else ''}）"  # type: ignore[attr-defined]


class LookbackDecideForm(Form):
    decision = forms.CharField(label="处理决定", widget=forms.Textarea(attrs={"rows": 3}))
    decided_on = forms.DateField(label="决定日期", widget=DateInput())


class ActionForm(Form):
    kind = forms.ChoiceField(label="问责方式", choices=ActionKind.choices)
    target_unit = UnitChoiceField(label="问责单位", queryset=Unit.objects.none())
    target_person = UserChoiceField(
        label="问责人员", queryset=User.objects.none(), required=False, empty_label="（针对单位）"
    )
    reason = forms.CharField(label="事由", widget=forms.Textarea(attrs={"rows": 3}))
    requirements = forms.CharField(label="整改要求", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    issued_on = forms.DateField(label="下达日期", widget=DateInput())
    deadline = forms.DateField(
        label="期限", required=False, widget=DateInput(), help_text="约谈：约谈日期；挂牌督办、责令限期整改：整改期限"
    )
    case_numbers = forms.CharField(label="关联信访事项", required=False, help_text=CASE_NUMBERS_HELP)
    incidents = forms.ModelMultipleChoiceField(
        label="关联事件",
        queryset=Incident.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    lookbacks = forms.ModelMultipleChoiceField(
        label="关联倒查",
        queryset=Lookback.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.visible_to(user, ISSUE_PERM).filter(is_active=True).exclude(level=Level.CORPS)
        self.fields["target_unit"].queryset = units.order_by("path")  # type: ignore[attr-defined]
        self.fields["target_person"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(unit__in=units, is_active=True).select_related("unit").order_by("unit__path", "pk")
        )
        since = timezone.localdate() - datetime.timedelta(days=730)
        incidents = self.fields["incidents"]
        incidents.queryset = (  # type: ignore[attr-defined]
            Incident.objects.visible_to(user)
            .filter(occurred_on__gte=since)
            .select_related("unit")
            .order_by("-occurred_on")
        )
        incidents.label_from_instance = lambda i: f"{i.occurred_on:%Y-%m-%d} {i.get_kind_display()}（{i.unit.name}）"  # type: ignore[attr-defined]
        lookbacks = self.fields["lookbacks"]
        lookbacks.queryset = Lookback.objects.visible_to(user).select_related("case", "unit").order_by("-created_at")  # type: ignore[attr-defined]
        lookbacks.label_from_instance = lambda lb: f"{lb.case.number} 倒查（{lb.unit.name}，{lb.get_status_display()}）"  # type: ignore[attr-defined]


class RectificationForm(Form):
    report = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 5}))
    reported_on = forms.DateField(label="报送日期", widget=DateInput())


class ActionCloseForm(Form):
    note = forms.CharField(label="办结意见", widget=forms.Textarea(attrs={"rows": 3}))
    closed_on = forms.DateField(label="办结日期", widget=DateInput())


class RecommendationForm(Form):
    unit = UnitChoiceField(label="提出单位", queryset=Unit.objects.none())
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="建议事项", max_length=200)
    content = forms.CharField(label="建议内容", widget=forms.Textarea(attrs={"rows": 4}))
    addressed_to = forms.CharField(label="建议对象", max_length=100, help_text="如“防火监督处”“某市人民政府”")
    made_on = forms.DateField(label="提出日期", widget=DateInput())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (  # type: ignore[attr-defined]
            Unit.objects.visible_to(user, ASSESS_PERM).filter(is_active=True).order_by("path")
        )


class RecommendationRespondForm(Form):
    status = forms.ChoiceField(
        label="采纳情况", choices=[c for c in RecommendationStatus.choices if c[0] != RecommendationStatus.PENDING]
    )
    response = forms.CharField(label="采纳/落实情况", widget=forms.Textarea(attrs={"rows": 3}))
    responded_on = forms.DateField(label="反馈日期", widget=DateInput())


class ReportForm(Form):
    unit = UnitChoiceField(label="单位", queryset=Unit.objects.none())
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (  # type: ignore[attr-defined]
            Unit.objects.visible_to(user, ASSESS_PERM)
            .filter(is_active=True, level__in=[Level.CORPS, Level.DETACHMENT, Level.BRIGADE])
            .order_by("path")
        )
