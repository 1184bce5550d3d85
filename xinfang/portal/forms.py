"""Forms of the portal (public) and of the channel upkeep (staff). The rules are the services'; these forms
check shapes and the portal's own upload limits before anything reaches the domain."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from xinfang.cases.idnumber import id_number_problem
from xinfang.cases.models import Category, Rating, Topic
from xinfang.core.forms import BootstrapFormMixin, UnitChoiceField
from xinfang.core.scope import scope_paths
from xinfang.orgs.models import Unit
from xinfang.portal import services
from xinfang.portal.models import MANAGE_PERM, ChannelKind

# The portal accepts fewer kinds and smaller files than the staff pages (the cases service checks again, and
# sniffs the content): photos and scans.
MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TOTAL_BYTES = 30 * 1024 * 1024
ALLOWED_EXTENSIONS = ("pdf", "jpg", "jpeg", "png")
ALLOWED_LABEL = "PDF、JPG、PNG"


class _Form(BootstrapFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bootstrap()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [f for f in (single(d, initial) for d in data) if f]
        cleaned = single(data, initial)
        return [cleaned] if cleaned else []


class UnitField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return "　" * obj.depth + obj.name


class PetitionForm(_Form):
    unit = UnitField(label="受理单位", queryset=Unit.objects.none(), empty_label=None)
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号码", max_length=18, min_length=18)
    phone = forms.CharField(label="联系电话", max_length=30)
    address = forms.CharField(label="住址", max_length=200, help_text="用于送达书面答复")
    category = forms.ChoiceField(label="信访类别", choices=[("", "请选择"), *Category.choices])
    topic = forms.ModelChoiceField(label="业务分类", queryset=Topic.objects.none(), empty_label="请选择")
    title = forms.CharField(label="事由（标题）", max_length=200)
    content = forms.CharField(label="反映的问题和请求", max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    accused_unit = UnitField(
        label="被反映单位", queryset=Unit.objects.none(), required=False, empty_label="（检举控告类填写）"
    )
    accused_names = forms.CharField(label="被反映人员", max_length=200, required=False, help_text="检举控告类填写")
    attachments = MultipleFileField(
        label="附件",
        required=False,
        help_text=f"最多{MAX_FILES}个，{ALLOWED_LABEL}格式，每个不超过{MAX_FILE_BYTES // (1024 * 1024)}MB。",
    )
    pledge = forms.BooleanField(label="本人承诺所反映的情况客观真实，对其真实性负责（条例第二十六条）。")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = services.receiving_units()
        ids = [u.pk for u in units]
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=ids).order_by("path")  # type: ignore[attr-defined]
        self.fields["accused_unit"].queryset = Unit.objects.filter(pk__in=ids).order_by("path")  # type: ignore[attr-defined]
        self.fields["topic"].queryset = Topic.objects.filter(active=True).order_by("order", "code")  # type: ignore[attr-defined]
        top = services.top_unit()
        if top is not None and not self.is_bound:
            self.initial.setdefault("unit", top.pk)
        for name, mode in (("id_number", "text"), ("phone", "tel")):
            self.fields[name].widget.attrs.update({"inputmode": mode, "autocomplete": "off"})
        self.fields["phone"].widget.input_type = "tel"  # type: ignore[attr-defined]
        self._bootstrap()

    def clean_id_number(self) -> str:
        value = "".join(self.cleaned_data["id_number"].split()).upper()
        problem = id_number_problem(value)
        if problem:
            raise ValidationError(problem)
        return value

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        if len([c for c in value if c.isdigit()]) < 7:
            raise ValidationError("联系电话格式不正确。")
        return value

    def clean_attachments(self) -> list[Any]:
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_FILES:
            raise ValidationError(f"附件最多{MAX_FILES}个。")
        total = 0
        for f in files:
            name = (f.name or "").rsplit("/", 1)[-1]
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if ext not in ALLOWED_EXTENSIONS:
                raise ValidationError(f"附件“{name}”的类型不允许，只接受{ALLOWED_LABEL}。")
            if f.size > MAX_FILE_BYTES:
                raise ValidationError(f"附件“{name}”超过{MAX_FILE_BYTES // (1024 * 1024)}MB。")
            total += f.size
        if total > MAX_TOTAL_BYTES:
            raise ValidationError(f"附件合计不能超过{MAX_TOTAL_BYTES // (1024 * 1024)}MB。")
        return files


class SecretInput(forms.TextInput):
    """Shown as typed, never sent back: a failed query page does not carry the 查询码 or the last four."""

    def format_value(self, value: Any) -> str | None:
        return None


class QueryForm(_Form):
    number = forms.CharField(label="信访事项编号", max_length=64)
    code = forms.CharField(
        label="查询码", max_length=32, widget=SecretInput(attrs={"autocomplete": "off", "autocapitalize": "characters"})
    )
    last4 = forms.CharField(
        label="身份证号码或联系电话后四位",
        max_length=4,
        min_length=4,
        widget=SecretInput(attrs={"autocomplete": "off"}),
    )


class EvaluateForm(_Form):
    rating = forms.ChoiceField(label="您对处理结果的评价", choices=Rating.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="意见建议（可选）", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"].widget.attrs["class"] = "form-check-input"


class ReviewForm(_Form):
    content = forms.CharField(
        label="请求复查（复核）的理由",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="可说明不服处理意见的事实和理由；不填写时按原信访事项内容办理。",
    )


# ---------------------------------------------------------------------------------------------------
# Staff: the published channels


class ChannelForm(_Form):
    unit = UnitChoiceField(label="单位", queryset=Unit.objects.none())
    kind = forms.ChoiceField(label="类型", choices=ChannelKind.choices)
    value = forms.CharField(label="内容", max_length=200)
    note = forms.CharField(label="说明", max_length=200, required=False)
    order = forms.IntegerField(label="排序", min_value=0, max_value=32767, initial=100)
    published = forms.BooleanField(label="在网上信访平台公开", required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        paths = scope_paths(user, MANAGE_PERM)
        qs = Unit.objects.none()
        for p in paths:
            qs = qs | Unit.objects.filter(path__startswith=p, is_active=True)
        self.fields["unit"].queryset = qs.order_by("path")  # type: ignore[attr-defined]
        self._bootstrap()
