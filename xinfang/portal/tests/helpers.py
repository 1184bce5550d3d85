"""Shared helpers of the portal tests."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from xinfang.cases.tests.factories import valid_id

ID = valid_id(77)
PHONE = "13912345678"


def petition(world: Any, **overrides: Any) -> dict[str, Any]:
    from xinfang.cases.models import Topic

    data = {
        "unit": world.unit("c").pk,
        "name": "李四",
        "id_number": ID,
        "phone": PHONE,
        "address": "测试省甲市幸福路9号",
        "category": "appeal",
        "topic": Topic.objects.get(code="supervision").pk,
        "title": "反映商场消防通道被占用",
        "content": "某商场消防通道长期堆放杂物，请求依法查处。",
        "pledge": "on",
    }
    data.update(overrides)
    return data


def submit(client: Any, world: Any, **overrides: Any) -> tuple[str, str]:
    """Submit a petition; return (number, 查询码) as the submitted page shows them."""
    response = client.post(reverse("portal:submit"), petition(world, **overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(reverse("portal:submitted")).content.decode()
    number = re.search(r'id="case-number">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    code = re.search(r'id="query-code">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    return number, code


def query(client: Any, number: str, code: str, last4: str = PHONE[-4:]) -> Any:
    return client.post(reverse("portal:query"), {"number": number, "code": code, "last4": last4})


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def without_csrf(html: bytes) -> str:
    return CSRF.sub("", html.decode())
