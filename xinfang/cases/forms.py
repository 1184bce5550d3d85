"""Forms of the case pages: the list filters (shared by the list and the xlsx export), registration with its
petitioner formset, and one small form per workflow action. Choices come from the actor's scope; the rules
themselves are the services' (a DomainError is shown on the form through `show_domain_error`)."""

from __future__ import annotations

import datetime
import inspect
import re
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from xinfang.cases import selectors, services
from xinfang.cases.idnumber import id_number_problem
from xinfang.cases.models import (
    DIVERT_ITEMS,
    MAX_REPRESENTATIVES,
    Art31Item,
    Case,
    Category,
    Channel,
    Disposition,
    Kind,
    OpinionResult,
    Rating,
    Status,
    Topic,
    TransferKind,
)
from xinfang.cases.workflow import APPROVE, HANDLE, REGISTER, is_conflicted
from xinfang.core.errors import DomainError
from xinfang.core.forms import BootstrapFormMixin, DateInput, UnitChoiceField
from xinfang.core.legal_calendar import DUE_STATE_LABELS, DUE_STATES
from xinfang.orgs.models import Post, Unit, User
from xinfang.orgs.roles import ROLE_PERMISSIONS
from xinfang.orgs.selectors import drill_down

VIEW = "cases.case.view"
EXPORT = "cases.case.export"
OPEN = "open"  # the status filter's "all open cases" choice


def _today() -> datetime.date:
    return timezone.localdate()


class UserChoiceField(forms.ModelChoiceField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "请选择")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name}（{obj.username}）"


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        unit = obj.unit.name if obj.unit else ""
        return f"{obj.display_name}（{unit}）" if unit else obj.display_name


def users_with_perm(unit: Unit, perm: str, *, here_only: bool = False) -> QuerySet[User]:
    """Active users whose active post at `unit` (or, unless here_only, above it) grants `perm`."""
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
    unit_ids = [unit.pk] if here_only else [*unit.ancestor_ids(), unit.pk]
    posts = Post.objects.active().filter(unit_id__in=unit_ids, role__in=roles, unit__is_active=True)
    return User.objects.filter(is_active=True, pk__in=posts.values("user_id")).select_related("unit").order_by("pk")


# ---------------------------------------------------------------------------------------------------
# The list filters (list page and export)


class CaseFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        label="关键词",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "编号、事由、内容，或信访人姓名/身份证号/电话"}),
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), (OPEN, "未办结（全部在办）"), *Status.choices]
    )
    unit = UnitChoiceField(label="办理单位（含下级）", required=False, queryset=Unit.objects.none(), empty_label="全部")
    category = forms.ChoiceField(label="类别", required=False, choices=[("", "全部"), *Category.choices])
    topic = forms.ModelChoiceField(
        label="业务分类", required=False, queryset=Topic.objects.none(), to_field_name="code", empty_label="全部"
    )
    channel = forms.ChoiceField(label="来源渠道", required=False, choices=[("", "全部"), *Channel.choices])
    kind = forms.ChoiceField(label="事项类型", required=False, choices=[("", "全部"), *Kind.choices])
    due_state = forms.ChoiceField(
        label="期限状态", required=False, choices=[("", "全部"), *((s, DUE_STATE_LABELS[s]) for s in DUE_STATES)]
    )
    received_from = forms.DateField(label="收到日期自", required=False, widget=DateInput())
    received_to = forms.DateField(label="收到日期至", required=False, widget=DateInput())
    concluded_from = forms.DateField(label="办结日期自", required=False, widget=DateInput())
    concluded_to = forms.DateField(label="办结日期至", required=False, widget=DateInput())
    sort = forms.ChoiceField(label="排序", required=False, choices=list(selectors.SORT_LABELS.items()))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visible = Unit.objects.visible_to(user, VIEW)
        field: Any = self.fields["unit"]
        field.queryset = visible.order_by("path")  # what may be chosen
        field.choices = [
            ("", "全部"),
            *((u.pk, field.label_from_instance(u)) for u in self._units_shown(user, visible)),
        ]
        self.fields["topic"].queryset = Topic.objects.all()  # type: ignore[attr-defined]
        self._bootstrap()

    def _units_shown(self, user: Any, visible: QuerySet[Unit]) -> list[Unit]:
        """The drop-down's units (orgs.selectors.drill_down), around the unit chosen in the form."""
        raw = self.data.get("unit") if self.is_bound else None
        chosen = visible.filter(pk=int(raw)).only("path", "parent_id").first() if raw and str(raw).isdigit() else None
        return drill_down(user, VIEW, visible, chosen)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", "截止日期不能早于起始日期。")
        start, end = data.get("concluded_from"), data.get("concluded_to")
        if start and end and start > end:
            self.add_error("concluded_to", "截止日期不能早于起始日期。")
        return data

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.case_list (an invalid form filters nothing out but shows its errors;
        callers show an empty list then, see `is_valid`)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        status = data.get("status") or ""
        return {
            "q": data.get("q") or "",
            "status": None if status in ("", OPEN) else status,
            "open_only": status == OPEN,
            "unit": data.get("unit"),
            "category": data.get("category") or None,
            "topic": data.get("topic"),
            "channel": data.get("channel") or None,
            "kind": data.get("kind") or None,
            "due_state": data.get("due_state") or None,
            "received_from": data.get("received_from"),
            "received_to": data.get("received_to"),
            "concluded_from": data.get("concluded_from"),
            "concluded_to": data.get("concluded_to"),
            "sort": data.get("sort") or "-received_on",
        }


# ---------------------------------------------------------------------------------------------------
# Registration


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


PHONE_RE = re.compile(r"^[0-9+\-() ]{5,30}$")


class PetitionerForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label="姓名", required=False, max_length=50)
    id_number = forms.CharField(label="身份证号码", required=False, max_length=30)
    phone = forms.CharField(label="联系电话", required=False, max_length=30)
    address = forms.CharField(label="住址", required=False, max_length=200)
    is_representative = forms.BooleanField(label="代表", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "inputmode": "text"})
        self.fields["phone"].widget.attrs.update({"autocomplete": "off", "inputmode": "tel"})
        for name in ("name", "id_number", "phone"):
            self.fields[name].widget.attrs["class"] = "xf-repeat-probe"
        self._bootstrap()

    def clean_id_number(self) -> str:
        value = (self.cleaned_data.get("id_number") or "").strip()
        if value:
            problem = id_number_problem(value)
            if problem:
                raise forms.ValidationError(problem)
        return value

    def clean_phone(self) -> str:
        value = (self.cleaned_data.get("phone") or "").strip()
        if value and not PHONE_RE.match(value):
            raise forms.ValidationError("联系电话格式不正确。")
        return value

    def has_data(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return any(data.get(k) for k in ("name", "id_number", "phone", "address"))


class BasePetitionerFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        reps = sum(1 for f in self.forms if f.has_data() and f.cleaned_data.get("is_representative"))
        if reps > MAX_REPRESENTATIVES:
            raise forms.ValidationError("集体信访推选的代表不得超过5人（条例第二十条）。")

    def people(self) -> list[dict[str, Any]]:
        return [
            {k: f.cleaned_data.get(k) for k in ("name", "id_number", "phone", "address", "is_representative")}
            for f in self.forms
            if f.has_data()
        ]


PetitionerFormSet = forms.formset_factory(
    PetitionerForm, formset=BasePetitionerFormSet, extra=1, max_num=100, validate_max=True
)


class CaseRegisterForm(BootstrapFormMixin, forms.Form):
    unit = UnitChoiceField(label="登记单位", queryset=Unit.objects.none())
    channel = forms.ChoiceField(label="来源渠道", choices=[("", "请选择"), *Channel.choices])
    source = forms.CharField(
        label="交办/转送机关", required=False, max_length=100, help_text="上级交办、转送的，填写交办或转送机关"
    )
    reference_no = forms.CharField(label="来文编号", required=False, max_length=100)
    received_on = forms.DateField(label="收到日期", widget=DateInput())
    category = forms.ChoiceField(label="类别", choices=[("", "请选择"), *Category.choices])
    topic = forms.ModelChoiceField(label="业务分类", queryset=Topic.objects.none(), empty_label="请选择")
    accused_unit = UnitChoiceField(
        label="被反映单位", required=False, queryset=Unit.objects.none(), help_text="检举控告类填写"
    )
    accused_officials = UsersChoiceField(
        label="被反映人员", required=False, queryset=User.objects.none(), help_text="检举控告类填写；可多选"
    )
    accused_names = forms.CharField(
        label="其他被反映人员", required=False, max_length=200, help_text="系统外或无法选择的人员姓名、职务"
    )
    title = forms.CharField(label="事由", max_length=200)
    content = forms.CharField(label="主要内容", widget=forms.Textarea(attrs={"rows": 6}))
    is_anonymous = forms.BooleanField(label="匿名信访", required=False)
    headcount = forms.IntegerField(
        label="人数",
        required=False,
        min_value=1,
        help_text="5人及以上为集体访，应推选不超过5名代表（条例第二十条）；不填按登记的信访人数计",
    )
    attachments = MultipleFileField(
        label="附件",
        required=False,
        help_text=f"可多选；接受{services.ALLOWED_LABEL}，单个文件不超过20MB",
    )
    original_case = forms.IntegerField(label="关联原信访事项", required=False, widget=forms.HiddenInput())
    new_facts = forms.CharField(
        label="新的事实和理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="原事项已复核终结、信访人以新的事实和理由再次提出时填写（条例第三十六条）",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        units = Unit.objects.visible_to(user, REGISTER).filter(is_active=True).order_by("path")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if not self.is_bound and user.unit_id and units.filter(pk=user.unit_id).exists():
            self.initial.setdefault("unit", user.unit_id)
        self.initial.setdefault("received_on", _today())
        self.fields["topic"].queryset = selectors.topic_list()  # type: ignore[attr-defined]
        self.fields["accused_unit"].queryset = Unit.objects.filter(is_active=True).order_by("path")  # type: ignore[attr-defined]
        self.fields["accused_officials"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True, unit__in=Unit.objects.visible_to(user, REGISTER))
            .select_related("unit")
            .order_by("unit__path", "pk")
        )
        self.fields["accused_officials"].widget.attrs["size"] = 6
        for name in ("title", "content"):
            self.fields[name].widget.attrs["class"] = "xf-repeat-probe"
        self._bootstrap()

    def clean_original_case(self) -> Case | None:
        pk = self.cleaned_data.get("original_case")
        if not pk:
            return None
        case = Case.objects.visible_to(self.user).filter(pk=pk).first()
        if case is None:
            raise forms.ValidationError("关联的原信访事项不存在或不在您的权限范围内。")
        return case

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("channel") == Channel.ASSIGNED and not (data.get("source") or "").strip():
            self.add_error("source", "上级交办、转送的，请填写交办/转送机关。")
        if data.get("category") and data["category"] != Category.ACCUSATION:
            if data.get("accused_unit") or data.get("accused_officials") or data.get("accused_names"):
                self.add_error("accused_unit", "只有检举控告类事项填写被反映对象。")
        return data


def show_domain_error(form: forms.Form, error: DomainError, formset: forms.BaseFormSet | None = None) -> None:
    """A service's refusal on the form: on the named field (petitioners[i].field → that formset row) or on top."""
    name = error.field or ""
    m = re.match(r"^petitioners\[(\d+)\]\.(\w+)$", name)
    if m and formset is not None:
        rows = [f for f in formset.forms if f.has_data()]
        i, field = int(m.group(1)), m.group(2)
        if i < len(rows) and field in rows[i].fields:
            rows[i].add_error(field, error.message)
            rows[i]._bootstrap()
            return
    visible = name in form.fields and not isinstance(form.fields[name].widget, forms.HiddenInput)
    form.add_error(name if visible else None, error.message)
    form._bootstrap()  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------------
# Workflow actions: one form per action, `params()` gives the service's keyword arguments.


class ActionForm(BootstrapFormMixin, forms.Form):
    """Base of the action forms: knows the case and the actor; carries the case version against lost updates."""

    version = forms.IntegerField(widget=forms.HiddenInput(), required=False)
    submit_label = "提交"
    danger = False
    confirm = ""

    def __init__(self, *args: Any, case: Case, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.user = user
        self.initial.setdefault("version", case.version)
        self.setup()
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField) and name not in self.initial and field.required:
                self.initial[name] = _today()
        self._bootstrap()

    def setup(self) -> None:
        """Per-case choices (subclasses)."""

    def params(self, service: Any) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        accepted = inspect.signature(service).parameters
        if "version" not in accepted or data.get("version") is None:
            data.pop("version", None)
        return {k: v for k, v in data.items() if k in accepted}


def _date(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput())


def _text(label: str, required: bool = True, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}), help_text=help_text
    )


class AcceptForm(ActionForm):
    accepted_on = _date("受理日期")
    handler = UserChoiceField(label="承办人", required=False, queryset=User.objects.none(), empty_label="本人")
    note = _text("说明", required=False, rows=2)
    submit_label = "受理"

    def setup(self) -> None:
        candidates = [u for u in users_with_perm(self.case.unit, HANDLE) if not is_conflicted(u, self.case)]
        self.fields["handler"].queryset = User.objects.filter(pk__in=[u.pk for u in candidates])  # type: ignore[attr-defined]
        self.fields["handler"].help_text = "受理后开始计算60日办理期限（条例第三十四条）"


class DeclineForm(ActionForm):
    decided_on = _date("决定日期")
    reason = _text("不予受理理由", rows=4)
    submit_label = "不予受理"
    danger = True
    confirm = "确定不予受理本事项？"


class DivertForm(ActionForm):
    decided_on = _date("决定日期")
    art31_item = forms.TypedChoiceField(
        label="条例第三十一条情形",
        coerce=int,
        choices=[("", "请选择"), *((i, Art31Item(i).label) for i in DIVERT_ITEMS)],
    )
    route = _text("导入的法定途径", rows=3, help_text="写明应当通过的法定途径及受理机关，将写入导出告知书")
    submit_label = "导出"
    confirm = "确定导出本事项（不再按信访程序办理）？"


class ForwardForm(ActionForm):
    kind = forms.ChoiceField(label="方式", choices=TransferKind.choices, initial=TransferKind.FORWARD)
    to_unit = UnitChoiceField(label="接收单位", queryset=Unit.objects.none())
    forwarded_on = _date("转送/交办日期")
    result_due = _date("报送结果期限", required=False)
    note = _text("说明", required=False, rows=2)
    submit_label = "转送/交办"

    def setup(self) -> None:
        self.fields["to_unit"].queryset = Unit.objects.filter(is_active=True).exclude(pk=self.case.unit_id)  # type: ignore[attr-defined]
        self.fields["result_due"].help_text = "交办的，应明确报送办理结果的期限"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == TransferKind.ASSIGN and not data.get("result_due"):
            self.add_error("result_due", "交办应当明确报送办理结果的期限。")
        return data


class ObjectForm(ActionForm):
    objected_on = _date("提出异议日期")
    reason = _text("异议理由", rows=3, help_text="收到之日起5个工作日内提出（条例第二十三条）")
    submit_label = "提出异议"


class ObjectionDecisionForm(ActionForm):
    decided_on = _date("处理日期")
    note = _text("说明", required=False, rows=2)


class AgreeObjectionForm(ObjectionDecisionForm):
    submit_label = "同意异议"


class RejectObjectionForm(ObjectionDecisionForm):
    submit_label = "不同意异议"


class ExtendForm(ActionForm):
    days = forms.IntegerField(label="延长天数", min_value=1, max_value=30, help_text="各次延期累计不超过30日")
    reason = _text("延期理由", rows=3)
    approved_by = UserChoiceField(label="批准人", queryset=User.objects.none(), help_text="本单位主官或分管领导")
    notified_on = _date("告知信访人日期")
    submit_label = "延期"

    def setup(self) -> None:
        exclude = {self.case.handler_id, getattr(self.user, "pk", None)}
        approvers = [
            u
            for u in users_with_perm(self.case.unit, APPROVE, here_only=True)
            if u.pk not in exclude and not is_conflicted(u, self.case)
        ]
        self.fields["approved_by"].queryset = User.objects.filter(pk__in=[u.pk for u in approvers])  # type: ignore[attr-defined]


class HearingForm(ActionForm):
    days = forms.IntegerField(label="听证天数", min_value=1, max_value=90, help_text="听证时间不计入复查、复核期限")
    held_on = _date("听证日期")
    note = _text("说明", required=False, rows=2)
    submit_label = "登记听证"


class DraftOpinionForm(ActionForm):
    result = forms.ChoiceField(label="处理结果", choices=[("", "请选择"), *OpinionResult.choices])
    disposition = forms.ChoiceField(
        label="对原处理意见",
        choices=[("", "请选择"), *Disposition.choices],
        help_text="复查、复核意见应写明对原处理意见维持、变更还是撤销",
    )
    request_summary = _text("信访请求", required=False, rows=2, help_text="不填则使用事由")
    facts = _text("事实和理由", rows=5)
    opinion = _text("处理意见", rows=4)
    legal_basis = _text("依据", rows=2, help_text="处理意见所依据的法律、法规、规章或政策")
    issued_on = _date("拟出具日期", required=False)
    submit_label = "提交审批"

    def setup(self) -> None:
        self.fields["issued_on"].help_text = "可不填；填写的，审批通过后即按此日期出具"
        if self.case.kind not in (Kind.REVIEW, Kind.REREVIEW):
            del self.fields["disposition"]  # only a 复查/复核 opinion disposes of an earlier opinion
        opinion = getattr(self.case, "opinion", None) if _has_opinion(self.case) else None
        if opinion is not None and not self.is_bound:
            for name in ("result", "disposition", "request_summary", "facts", "opinion", "legal_basis"):
                if name in self.fields:
                    self.initial.setdefault(name, getattr(opinion, name))


class ReturnOpinionForm(ActionForm):
    reason = _text("退回理由", rows=3)
    submit_label = "退回修改"
    danger = True


class ApproveOpinionForm(ActionForm):
    issued_on = _date("出具日期", required=False)
    submit_label = "审批通过"

    def setup(self) -> None:
        self.fields["issued_on"].help_text = "可不填；填写的，审批通过即以本单位名义出具"
        opinion = getattr(self.case, "opinion", None) if _has_opinion(self.case) else None
        if opinion is not None and opinion.issued_on and not self.is_bound:
            self.initial.setdefault("issued_on", opinion.issued_on)


class IssueOpinionForm(ActionForm):
    issued_on = _date("出具日期")
    submit_label = "出具"


class DeliverForm(ActionForm):
    delivered_on = _date("送达日期")
    method = forms.CharField(label="送达方式", required=False, max_length=50, help_text="如：直接送达、邮寄送达")
    submit_label = "登记送达"


class EvaluateForm(ActionForm):
    rating = forms.ChoiceField(label="评价", choices=[("", "请选择"), *Rating.choices])
    on = _date("评价日期")
    note = _text("意见", required=False, rows=2)
    submit_label = "登记评价"


class CarryOutForm(ActionForm):
    carried_out_on = _date("落实日期")
    note = _text("落实情况", required=False, rows=3)
    submit_label = "登记落实"


class ConcludeForm(ActionForm):
    concluded_on = _date("办结日期")
    note = _text("说明", required=False, rows=2)
    submit_label = "办结"
    confirm = "确定办结本事项？"


class ReviewRequestForm(ActionForm):
    requested_on = _date("收到请求日期")
    channel = forms.ChoiceField(label="来源渠道", choices=Channel.choices, initial=Channel.LETTER)
    content = _text("请求内容", required=False, rows=3, help_text="不填则沿用原事项内容")
    submit_label = "登记复查/复核请求"


# Steps outside the transition table (no status change).


class AssignHandlerForm(ActionForm):
    handler = UserChoiceField(label="承办人", queryset=User.objects.none())
    submit_label = "确定承办人"

    def setup(self) -> None:
        candidates = [u for u in users_with_perm(self.case.unit, HANDLE) if not is_conflicted(u, self.case)]
        self.fields["handler"].queryset = User.objects.filter(pk__in=[u.pk for u in candidates])  # type: ignore[attr-defined]


class DeclareInterestForm(ActionForm):
    user = UserChoiceField(label="回避人员", queryset=User.objects.none())
    reason = _text("回避理由", rows=3, help_text="与本事项或信访人有利害关系的（条例第二十八条）")
    submit_label = "申报回避"

    def setup(self) -> None:
        people = users_with_perm(self.case.unit, HANDLE) | users_with_perm(self.case.unit, APPROVE)
        self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            Q(pk__in=people.values("pk")) | Q(pk=getattr(self.user, "pk", None))
        ).select_related("unit")
        self.initial.setdefault("user", getattr(self.user, "pk", None))


class ResetQueryCodeForm(ActionForm):
    submit_label = "重置查询码"
    confirm = "重置后原查询码立即失效，确定重置？"


class AttachmentForm(ActionForm):
    file = forms.FileField(label="附件", help_text=f"接受{services.ALLOWED_LABEL}，不超过20MB")
    submit_label = "上传"


def _has_opinion(case: Case) -> bool:
    from xinfang.cases.models import Opinion

    try:
        case.opinion  # noqa: B018
    except Opinion.DoesNotExist:
        return False
    return True


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": AcceptForm,
    "decline": DeclineForm,
    "divert": DivertForm,
    "forward": ForwardForm,
    "object": ObjectForm,
    "agree_objection": AgreeObjectionForm,
    "reject_objection": RejectObjectionForm,
    "extend": ExtendForm,
    "record_hearing": HearingForm,
    "draft_opinion": DraftOpinionForm,
    "return_opinion": ReturnOpinionForm,
    "approve_opinion": ApproveOpinionForm,
    "issue_opinion": IssueOpinionForm,
    "deliver": DeliverForm,
    "evaluate": EvaluateForm,
    "carry_out": CarryOutForm,
    "conclude": ConcludeForm,
    "request_review": ReviewRequestForm,
    "assign_handler": AssignHandlerForm,
    "declare_interest": DeclareInterestForm,
    "add_attachment": AttachmentForm,
    "reset_query_code": ResetQueryCodeForm,
}
