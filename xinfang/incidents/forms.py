"""Forms of the incidents pages. Choices come from the actor's scope; the rules are the services' (their DomainError
is shown on the form through `show_error`)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q

from xinfang.cases.models import Case
from xinfang.core.errors import DomainError
from xinfang.core.forms import BootstrapFormMixin, DateInput, UnitChoiceField
from xinfang.incidents.integration import ledger_model
from xinfang.incidents.models import (
    ContactKind,
    Incident,
    IncidentKind,
    RecipientKind,
    ReferralStatus,
    ResponderRole,
)
from xinfang.incidents.selectors import manageable_units
from xinfang.orgs.models import Post, Unit, User


def show_error(form: forms.Form, error: DomainError) -> None:
    """A service's refusal on the named field if the form has it, else on top."""
    name = (error.field or "").split("[")[0].split(".")[0]
    form.add_error(name if name in form.fields and not form.fields[name].widget.is_hidden else None, error.message)
    if hasattr(form, "_bootstrap"):
        form._bootstrap()


class Form(BootstrapFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bootstrap()


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        unit = obj.unit.name if obj.unit else ""
        return f"{obj.display_name}（{unit}）" if unit else obj.display_name


def parse_case_numbers(user: Any, raw: str, field: str = "case_numbers") -> list[Case]:
    """Case numbers separated by commas, spaces or new lines → the cases the user may see (DomainError otherwise)."""
    numbers = [n for n in re.split(r"[\s,，;；、]+", raw or "") if n]
    if not numbers:
        return []
    found = {c.number: c for c in Case.objects.visible_to(user).filter(number__in=numbers)}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise DomainError(
            f"信访事项不存在或不在您的权限范围内：{'、'.join(missing)}。", code="case_not_found", field=field
        )
    return [found[n] for n in dict.fromkeys(numbers)]


CASE_NUMBERS_HELP = "填写信访事项编号，多个编号用逗号或空格分隔"


class PlanForm(Form):
    unit = UnitChoiceField(label="单位", queryset=Unit.objects.none())
    title = forms.CharField(label="预案名称", max_length=200)
    version = forms.CharField(label="版本", max_length=40, help_text="如“2025年修订版”")
    last_reviewed_on = forms.DateField(label="最近修订/评审日期", widget=DateInput(), help_text="满一年应重新评审")
    file = forms.FileField(label="预案文件", required=False, help_text="PDF、Word（doc/docx），不超过20MB")
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = manageable_units(user)  # type: ignore[attr-defined]


class PlanReviewForm(Form):
    reviewed_on = forms.DateField(label="评审日期", widget=DateInput())
    version = forms.CharField(label="新版本号", max_length=40, required=False, help_text="预案修订时填写")
    file = forms.FileField(label="修订后的预案文件", required=False)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ContactForm(Form):
    unit = UnitChoiceField(label="单位", queryset=Unit.objects.none())
    kind = forms.ChoiceField(label="类别", choices=ContactKind.choices)
    name = forms.CharField(label="联动单位名称", max_length=100)
    duty_phone = forms.CharField(label="值班电话", max_length=40)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = manageable_units(user)  # type: ignore[attr-defined]


class IncidentForm(Form):
    kind = forms.ChoiceField(label="事件类型", choices=IncidentKind.choices)
    unit = UnitChoiceField(
        label="责任单位", queryset=Unit.objects.none(), help_text="到总队上访、进京上访：选择属事支队"
    )
    occurred_on = forms.DateField(label="发生日期", widget=DateInput())
    occurred_at = forms.TimeField(label="发生时间", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(label="地点", max_length=100, required=False)
    headcount = forms.IntegerField(label="人数", min_value=1, initial=1)
    summary = forms.CharField(
        label="事由及经过",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="只记载事件本身和单位的处置责任，不记载信访人的行踪",
    )
    case_numbers = forms.CharField(label="关联信访事项", required=False, help_text=CASE_NUMBERS_HELP)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"].queryset = manageable_units(user)  # type: ignore[attr-defined]


class ResponderForm(Form):
    user = UserChoiceField(label="人员", queryset=User.objects.none(), empty_label="请选择")
    role = forms.ChoiceField(label="身份", choices=ResponderRole.choices)
    arrived_at = forms.DateTimeField(
        label="到场/赴京时间", widget=DateTimeLocalInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The people of the responsible unit and of the unit above it (总队 staff may go too, as "other").
        units = [incident.unit_id, *([incident.unit.parent_id] if incident.unit.parent_id else [])]
        posted = Post.objects.active().filter(unit_id__in=units).values("user_id")
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(Q(pk__in=posted), is_active=True).select_related("unit").order_by("unit__path", "pk")
        )
        if incident.required_role:
            self.fields["role"].initial = incident.required_role


class IncidentCloseForm(Form):
    handling = forms.CharField(label="处置情况", widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.CharField(label="处置结果", widget=forms.Textarea(attrs={"rows": 3}))
    closed_on = forms.DateField(label="处置完毕日期", widget=DateInput())


class LinkCaseForm(Form):
    case_number = forms.CharField(label="信访事项编号", max_length=64)


class ReferralForm(Form):
    unit = UnitChoiceField(label="移交单位", queryset=Unit.objects.none())
    case_number = forms.CharField(
        label="信访事项编号", max_length=64, required=False, help_text="移交的信访事项（可选）"
    )
    subject = forms.CharField(label="矛盾纠纷（诉求）", max_length=200, required=False, help_text="关联事项时可不填")
    reason = forms.CharField(label="移交理由", widget=forms.Textarea(attrs={"rows": 3}))
    referred_on = forms.DateField(label="移交日期", widget=DateInput())
    recipient_kind = forms.ChoiceField(label="接收方类别", choices=RecipientKind.choices)
    recipient = forms.CharField(label="接收方", max_length=100, help_text="如“甲市信访工作联席会议”")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = manageable_units(user)  # type: ignore[attr-defined]
        model = ledger_model()
        if model is not None and hasattr(model._default_manager, "visible_to"):
            field = forms.ModelChoiceField(
                label="矛盾纠纷台账条目",
                queryset=model._default_manager.visible_to(user).select_related("unit").order_by("-pk"),
                required=False,
                empty_label="（不关联）",
                help_text="移交的矛盾纠纷台账条目（可选）",
            )
            field.label_from_instance = lambda e: f"{e.title}（{e.unit.name}）"  # type: ignore[method-assign,assignment]
            self.fields["ledger_entry"] = field
            self.order_fields(["unit", "case_number", "ledger_entry"])
            self._bootstrap()


class ReferralOutcomeForm(Form):
    status = forms.ChoiceField(label="结果", choices=ReferralStatus.choices)
    outcome = forms.CharField(label="协调结果", widget=forms.Textarea(attrs={"rows": 3}))
    outcome_on = forms.DateField(label="结果日期", widget=DateInput())


class IncidentFilterForm(Form):
    kind = forms.ChoiceField(label="类型", choices=[("", "全部"), *IncidentKind.choices], required=False)
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), ("open", "处置中"), ("closed", "已处置完毕")], required=False
    )
    compliant = forms.ChoiceField(
        label="应到人员", choices=[("", "全部"), ("no", "未到场"), ("yes", "已到场/无要求")], required=False
    )
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        d = self.cleaned_data
        return {
            "kind": d["kind"] or None,
            "status": d["status"] or None,
            "compliant": {"yes": True, "no": False}.get(d["compliant"]),
            "year": d["year"],
        }
