"""The small helpers the apps' pages share (xinfang/core/view_helpers.py)."""

from __future__ import annotations

import io

import pytest
from django import forms
from django.test import RequestFactory

from xinfang.core.errors import DomainError
from xinfang.core.view_helpers import page_of, private_download, refusal_shown_on


class _Form(forms.Form):
    title = forms.CharField()


def _bound() -> _Form:
    form = _Form({"title": "x"})
    assert form.is_valid()
    return form


def test_a_refusal_in_the_block_is_shown_on_its_field_and_the_view_goes_on():
    form = _bound()
    reached = []
    with refusal_shown_on(form):
        raise DomainError("标题重复", code="invalid", field="title")
    reached.append("after")
    assert reached == ["after"]
    assert form.errors == {"title": ["标题重复"]}


def test_a_refusal_without_a_field_of_the_form_is_shown_on_top():
    form = _bound()
    with refusal_shown_on(form):
        raise DomainError("不允许", code="forbidden", field="no_such_field")
    assert form.non_field_errors() == ["不允许"]


def test_a_refusal_is_shown_by_the_given_function():
    form = _bound()
    shown = []
    with refusal_shown_on(form, lambda f, e: shown.append((f, e.message))):
        raise DomainError("不允许", code="forbidden")
    assert shown == [(form, "不允许")]
    assert not form.non_field_errors()


def test_a_block_without_refusal_returns_what_it_returns_and_other_errors_pass_through():
    def view() -> str:
        with refusal_shown_on(_bound()):
            return "redirect"
        return "form again"

    assert view() == "redirect"
    with pytest.raises(ValueError), refusal_shown_on(_bound()):
        raise ValueError("a bug, not a refusal")


def test_private_download_is_an_attachment_no_cache_keeps():
    response = private_download(io.BytesIO(b"data"), filename="台账.xlsx", content_type="application/x-test")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/x-test"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == b"data"


@pytest.mark.parametrize(("query", "number"), [("", 1), ("?page=2", 2), ("?page=9", 3), ("?page=x", 1)])
def test_page_of_answers_the_asked_page_or_the_nearest(query: str, number: int):
    request = RequestFactory().get("/list" + query)
    page = page_of(request, list(range(61)))
    assert page.number == number
    assert page.paginator.per_page == 30
