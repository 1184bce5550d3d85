"""Every API error is JSON {"code": ..., "detail": "中文"} (xinfang.api.errors.exception_handler)."""

from __future__ import annotations

import re

import pytest
from rest_framework import exceptions
from rest_framework.test import APIClient

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_unknown_api_path_is_json_404(world, api_client):
    for url in ("/api/v1/nothing-here/", "/api/v2/units/", "/api/v1/me"):
        response = api_client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"code": "not_found", "detail": "接口不存在，请检查请求路径（以 / 结尾）"}


def test_unknown_api_path_accepts_post_without_csrf(world):
    response = APIClient(enforce_csrf_checks=True).post("/api/v1/nothing-here/", {}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_method_not_allowed_is_405_json(world, token_client):
    client = token_client(world.user("d1.chief"))

    for url in ("/api/v1/units/", "/api/v1/me/", f"/api/v1/units/{world.unit('d1').pk}/"):
        response = client.post(url, {}, format="json")
        assert response.status_code == 405, url
        assert response.json() == {"code": "method_not_allowed", "detail": "不支持 POST 请求方法"}
        assert "GET" in response["Allow"]
    assert client.get("/api/v1/auth/token/").json()["code"] == "method_not_allowed"


def test_malformed_json_is_400_parse_error(world, api_client):
    response = api_client.post("/api/v1/auth/token/", data="{not json", content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "parse_error"
    assert CJK.search(body["detail"])


@pytest.mark.urls("xinfang.api.tests.urls")
class TestHandlerThroughAView:
    def get(self, kind: str, client: APIClient | None = None):
        return (client or APIClient()).get(f"/api/test-raise/{kind}/")

    def test_drf_permission_denied_is_403_forbidden(self, db):
        response = self.get("drf-forbidden")
        assert response.status_code == 403
        assert response.json() == {"code": "forbidden", "detail": "您无权进行此操作"}

    def test_django_permission_denied_keeps_its_chinese_message(self, db):
        response = self.get("django-forbidden")
        assert response.status_code == 403
        assert response.json() == {"code": "forbidden", "detail": "您无权审批本单位的信访事项"}

    def test_english_404_message_is_replaced_with_chinese(self, db):
        response = self.get("django-404")
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "detail": "对象不存在或不在您的权限范围内"}

    def test_domain_error_is_400_with_its_code_message_and_field(self, db):
        response = self.get("domain")
        assert response.status_code == 400
        assert response.json() == {"code": "extension_too_long", "detail": "延期累计不得超过30日", "field": "days"}

    def test_domain_error_without_field(self, db):
        response = self.get("domain-no-field")
        assert response.status_code == 400
        assert response.json() == {"code": "invalid", "detail": "该事项已办结"}

    def test_throttled_is_429_with_retry_after(self, db):
        response = self.get("throttled")
        assert response.status_code == 429
        assert response["Retry-After"] == "30"
        assert response.json() == {"code": "throttled", "detail": "请求过于频繁，请在 30 秒后重试"}

    def test_non_field_validation_error_becomes_the_detail(self, db):
        response = self.get("validation-list")
        assert response.status_code == 400
        assert response.json() == {"code": "invalid", "detail": "开始日期不得晚于结束日期", "fields": {}}

    def test_nested_validation_errors_keep_their_structure(self, db):
        response = self.get("validation-nested")
        assert response.json() == {
            "code": "invalid",
            "detail": "两次输入不一致",
            "fields": {"items": [{"name": ["该字段是必填项。"]}]},
        }

    def test_other_api_exceptions_keep_their_status_code_and_chinese_message(self, db):
        response = self.get("other")
        assert response.status_code == 500
        assert response.json() == {"code": "documents_unavailable", "detail": "文书生成服务暂不可用"}

    def test_unexpected_exception_is_a_json_500_and_still_reported(self, db):
        client = APIClient()
        with pytest.raises(RuntimeError, match="boom"):  # the test client re-raises what was reported
            self.get("crash", client)

        client.raise_request_exception = False
        response = self.get("crash", client)
        assert response.status_code == 500
        assert response.json() == {"code": "server_error", "detail": "服务器内部错误，请稍后重试或联系系统管理员"}

    def test_unexpected_exception_shows_djangos_debug_page_when_debug(self, db, settings):
        settings.DEBUG = True
        client = APIClient(raise_request_exception=False)
        response = self.get("crash", client)
        assert response.status_code == 500
        assert response["Content-Type"].startswith("text/html")


def test_handler_returns_chinese_for_drf_stock_messages():
    from xinfang.api.errors import exception_handler

    for exc, code in (
        (exceptions.NotAuthenticated(), "not_authenticated"),
        (exceptions.AuthenticationFailed(), "not_authenticated"),
        (exceptions.NotFound(), "not_found"),
        (exceptions.PermissionDenied(), "forbidden"),
        (exceptions.NotAcceptable(), "not_acceptable"),
        (exceptions.UnsupportedMediaType("text/plain"), "unsupported_media_type"),
        (exceptions.ParseError(), "parse_error"),
    ):
        response = exception_handler(exc, {"request": None})
        assert response is not None
        assert response.status_code == exc.status_code
        assert response.data["code"] == code
        assert CJK.search(response.data["detail"]), response.data
