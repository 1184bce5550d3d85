"""Forms of the unit-tree and compliance pages. They parse input only; the rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from xinfang.core.errors import DomainError
from xinfang.core.forms import BootstrapFormMixin
from xinfang.orgs.importing import MAX_BYTES, read_units_xlsx
from xinfang.orgs.models import Level, Unit
from xinfang.orgs.services import ImportRow


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's DomainError on the form: on its field when the form has it, else above the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class _Form(BootstrapFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bootstrap()  # unbound forms are rendered with Bootstrap classes too


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        indent = "\u3000" * obj.depth
        return f"{indent}{obj.name}（{obj.code}，{obj.get_level_display()}）"


class UnitFilterForm(_Form):
    q = forms.CharField(label="筛选", required=False, max_length=100)
    inactive = forms.BooleanField(label="显示已停用单位", required=False)


class UnitCreateForm(_Form):
    parent = UnitChoiceField(label="上级单位", queryset=Unit.objects.none(), empty_label=None)
    name = forms.CharField(label="单位名称", max_length=100)
    code = forms.CharField(label="单位代码", max_length=32, help_text="字母、数字、“-”或“_”，全省唯一。")
    level = forms.ChoiceField(label="层级", choices=[c for c in Level.choices if c[0] != Level.BUREAU])

    def __init__(self, *args: Any, parents: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]


class UnitRenameForm(_Form):
    name = forms.CharField(label="新名称", max_length=100)


class UnitMoveForm(_Form):
    parent = UnitChoiceField(label="新的上级单位", queryset=Unit.objects.none())

    def __init__(self, *args: Any, parents: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]


class UnitImportForm(_Form):
    file = forms.FileField(label="Excel 文件（.xlsx）", help_text=f"不超过 {MAX_BYTES // (1024 * 1024)} MB、5000 行。")

    rows: list[ImportRow]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            self.rows = read_units_xlsx(upload)
        except DomainError as e:
            raise ValidationError(e.message, code=e.code) from None
        return upload


class ComplianceForm(_Form):
    on = forms.DateField(
        label="评估日期",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    problems = forms.BooleanField(label="只看问题单位", required=False)
