"""Forms of the holiday-calendar pages: one day's override, and a year's arrangement pasted as text."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from xinfang.core.errors import DomainError
from xinfang.core.forms import BootstrapFormMixin, DateInput

MIN_YEAR = 2000
MAX_YEAR = 2100

REST = "rest"
WORK = "work"
KIND_CHOICES = [(REST, "休息"), (WORK, "上班（调休）")]

# "休" / "班" and the usual synonyms of the State Council notice.
_REST_WORDS = {"休", "休息", "放假", "假", "节假日"}
_WORK_WORDS = {"班", "上班", "调休上班", "工作", "工作日"}
_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
_LINE = re.compile(
    rf"^(?P<first>{_DATE})(?:\s*(?:~|～|至|到|--|—)\s*(?P<last>{_DATE}))?\s+(?P<kind>\S+)(?:\s+(?P<name>.+))?$"
)
MAX_RANGE_DAYS = 31


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's DomainError on its field when the form has it, else above the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class _Form(BootstrapFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bootstrap()


def _year_field(**kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label="年份",
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        error_messages={
            "required": "请填写年份。",
            "invalid": "年份应为四位数字。",
            "min_value": f"年份不能早于{MIN_YEAR}年。",
            "max_value": f"年份不能晚于{MAX_YEAR}年。",
        },
        **kwargs,
    )


class CalendarYearForm(_Form):
    """The year shown (GET); defaults to the current year when missing or invalid."""

    year = _year_field(required=False)

    def selected_year(self) -> int:
        if self.is_valid() and self.cleaned_data.get("year"):
            return int(self.cleaned_data["year"])
        return timezone.localdate().year


class CalendarDayForm(_Form):
    day = forms.DateField(
        label="日期",
        widget=DateInput(),
        error_messages={"required": "请选择日期。", "invalid": "日期格式应为 2027-01-01。"},
    )
    kind = forms.ChoiceField(
        label="安排",
        choices=KIND_CHOICES,
        initial=REST,
        error_messages={"required": "请选择休息或上班。", "invalid_choice": "请选择休息或上班。"},
    )
    name = forms.CharField(
        label="说明",
        max_length=50,
        required=False,
        help_text="例如：元旦、春节、国庆节调休",
        error_messages={"max_length": "说明不能超过50个字。"},
    )

    @property
    def is_workday(self) -> bool:
        return self.cleaned_data["kind"] == WORK


def parse_arrangement(text: str, year: int) -> tuple[list[tuple[date, str]], list[tuple[date, str]], list[str]]:
    """Parse pasted lines into (holidays, workdays, errors).

    One day or a range per line: "2027-01-01 休 元旦", "2027-02-06 班 春节调休",
    "2027-02-10~2027-02-16 休 春节" (also "至"). Blank lines and lines starting with # are ignored.
    """
    holidays: list[tuple[date, str]] = []
    workdays: list[tuple[date, str]] = []
    errors: list[str] = []
    seen: dict[date, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().replace("\u3000", " ")
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            errors.append(f"第{number}行：格式应为“2027-01-01 休 元旦”或“2027-02-06 班 春节调休”。")
            continue
        try:
            first = date.fromisoformat(_pad(match["first"]))
            last = date.fromisoformat(_pad(match["last"])) if match["last"] else first
        except ValueError:
            errors.append(f"第{number}行：日期不存在。")
            continue
        kind = match["kind"]
        if kind in _REST_WORDS:
            target = holidays
        elif kind in _WORK_WORDS:
            target = workdays
        else:
            errors.append(f"第{number}行：“{kind}”应为“休”或“班”。")
            continue
        if last < first:
            errors.append(f"第{number}行：结束日期早于开始日期。")
            continue
        if (last - first).days >= MAX_RANGE_DAYS:
            errors.append(f"第{number}行：一行的日期范围不能超过{MAX_RANGE_DAYS}天。")
            continue
        name = (match["name"] or "").strip()
        if len(name) > 50:
            errors.append(f"第{number}行：说明不能超过50个字。")
            continue
        day = first
        while day <= last:
            if day.year != year:
                errors.append(f"第{number}行：{day:%Y-%m-%d}不在{year}年内。")
                break
            if day in seen:
                errors.append(f"第{number}行：{day:%Y-%m-%d}与第{seen[day]}行重复。")
                break
            seen[day] = number
            target.append((day, name))
            day += timedelta(days=1)
    return holidays, workdays, errors


def _pad(value: str) -> str:
    y, m, d = value.split("-")
    return f"{y}-{int(m):02d}-{int(d):02d}"


class CalendarImportForm(_Form):
    year = _year_field()
    text = forms.CharField(
        label="节假日安排",
        widget=forms.Textarea(
            attrs={
                "rows": 12,
                "class": "font-monospace",
                "placeholder": "2027-01-01 休 元旦\n2027-02-06 班 春节调休\n2027-02-10~2027-02-16 休 春节",
            }
        ),
        help_text="每行一日或一个日期范围：日期、“休”或“班”、说明。导入后替换该年已录入的全部安排。",
        error_messages={"required": "请粘贴节假日安排。"},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        year, text = cleaned.get("year"), cleaned.get("text")
        if year is None or not text:
            return cleaned
        holidays, workdays, errors = parse_arrangement(text, int(year))
        if errors:
            for message in errors[:20]:
                self.add_error("text", message)
            if len(errors) > 20:
                self.add_error("text", f"另有{len(errors) - 20}处错误未列出。")
        elif not holidays and not workdays:
            self.add_error("text", "没有可导入的日期。")
        cleaned["holidays"] = holidays
        cleaned["workdays"] = workdays
        return cleaned
