"""Unit-tree pages: sign-in, scope (404), permission (403), CSRF, forms showing domain errors, query counts."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from xinfang.core.models import AuditEvent
from xinfang.orgs import importing
from xinfang.orgs.models import Level, Unit

HEADERS = ["单位名称", "单位代码", "上级单位代码", "层级"]


def login(client, world, username):
    client.force_login(world.user(username))
    return client


def xlsx_upload(rows, name="units.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=importing.XLSX_CONTENT_TYPE)


def unit_urls(pk):
    return [
        ("get", reverse("orgs:unit-detail", args=[pk])),
        ("get", reverse("orgs:unit-rename", args=[pk])),
        ("get", reverse("orgs:unit-move", args=[pk])),
        ("post", reverse("orgs:unit-active", args=[pk])),
        ("get", reverse("orgs:unit-create") + f"?parent={pk}"),
    ]


def test_anonymous_is_sent_to_login(world, client):
    pk = world.unit("d1").pk
    urls = [
        *(u for _, u in unit_urls(pk)),
        reverse("orgs:unit-tree"),
        reverse("orgs:unit-import"),
        reverse("orgs:unit-import-template"),
        reverse("orgs:compliance"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "login" in response["Location"] and "next=" in response["Location"], url


def test_brigade_officer_gets_404_for_a_sibling_brigade(world, client):
    login(client, world, "d1b1.officer")
    sibling = world.unit("d1b2")
    for method, url in unit_urls(sibling.pk):
        assert getattr(client, method)(url).status_code == 404, url
    # ... and for the detachment above him.
    assert client.get(reverse("orgs:unit-detail", args=[world.unit("d1").pk])).status_code == 404
    assert client.get(reverse("orgs:unit-detail", args=[999999])).status_code == 404
    # His own unit is fine.
    assert client.get(reverse("orgs:unit-detail", args=[world.unit("d1b1").pk])).status_code == 200


def test_in_scope_user_without_manage_gets_403(world, client):
    login(client, world, "d1.chief")
    target = world.unit("d1b1")
    assert client.get(reverse("orgs:unit-detail", args=[target.pk])).status_code == 200
    for method, url in unit_urls(target.pk)[1:]:
        assert getattr(client, method)(url).status_code == 403, url
    assert client.post(reverse("orgs:unit-rename", args=[target.pk]), {"name": "新名"}).status_code == 403
    assert (
        client.post(
            reverse("orgs:unit-create") + f"?parent={target.pk}",
            {"parent": target.pk, "name": "站", "code": "s1", "level": "station"},
        ).status_code
        == 403
    )
    assert client.get(reverse("orgs:unit-create")).status_code == 403
    assert client.get(reverse("orgs:unit-import")).status_code == 403
    assert (
        client.post(reverse("orgs:unit-import"), {"file": xlsx_upload([("站", "s1", "d1b1", "站")])}).status_code == 403
    )
    assert client.get(reverse("orgs:unit-import-template")).status_code == 403
    assert Unit.objects.get(pk=target.pk).name == "甲市一区大队"
    assert not Unit.objects.filter(code="s1").exists()


def test_roles_without_unit_view_get_403_on_the_tree(world, client):
    login(client, world, "auditor")
    assert client.get(reverse("orgs:unit-tree")).status_code == 403
    assert client.get(reverse("orgs:unit-detail", args=[world.unit("c").pk])).status_code == 404


def test_tree_shows_the_visible_units_only(world, client):
    login(client, world, "d1.chief")
    html = client.get(reverse("orgs:unit-tree")).content.decode()
    for code in ("d1", "d1b1", "d1b2"):
        assert f'data-unit-code="{code}"' in html
    for code in ("c", "d2", "d2b1"):
        assert f'data-unit-code="{code}"' not in html
    assert "新建单位" not in html  # no orgs.unit.manage


def test_tree_filter_and_inactive_toggle(world, client):
    admin = world.user("sysadmin")
    from xinfang.orgs.services import unit_create, unit_set_active

    closed = unit_create(actor=admin, code="d1b9", name="已撤销大队", level=Level.BRIGADE, parent=world.unit("d1"))
    unit_set_active(actor=admin, unit=closed, active=False)
    login(client, world, "sysadmin")
    html = client.get(reverse("orgs:unit-tree")).content.decode()
    assert 'data-unit-code="d1b9"' not in html
    html = client.get(reverse("orgs:unit-tree"), {"inactive": "1"}).content.decode()
    assert 'data-unit-code="d1b9"' in html and "已停用" in html
    html = client.get(reverse("orgs:unit-tree"), {"q": "乙市"}).content.decode()
    assert 'data-unit-code="d2b1"' in html and 'data-unit-code="d1b1"' not in html
    html = client.get(reverse("orgs:unit-tree"), {"q": "d2b"}).content.decode()
    assert 'data-unit-code="d2b2"' in html and 'data-unit-code="d2"' not in html


def _tree_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("orgs:unit-tree"), {"inactive": "1"})
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_tree_page_query_count_is_constant(world, client):
    login(client, world, "sysadmin")
    _tree_queries(client)  # warm per-process caches (content types)
    before, response = _tree_queries(client)
    assert len(response.context["rows"]) == 7
    d1 = world.unit("d1")
    for i in range(30):
        u = Unit.objects.create(code=f"n{i}", name=f"新大队{i}", level=Level.BRIGADE, parent=d1)
        u.path, u.depth = f"{d1.path}{u.pk}/", 2
        u.save(update_fields=["path", "depth"])
    after, response = _tree_queries(client)
    assert len(response.context["rows"]) == 37
    # session, user, the user's grants, shares, the header's posts, and ONE query for the units
    assert after == before


def test_tree_page_query_count_is_constant_from_one_unit(world, client):
    """A brigade officer sees 1 unit; after 30 stations are added under it, he sees 31 with the same queries."""
    login(client, world, "d1b1.officer")
    _tree_queries(client)
    before, response = _tree_queries(client)
    assert len(response.context["rows"]) == 1
    b = world.unit("d1b1")
    for i in range(30):
        u = Unit.objects.create(code=f"s{i}", name=f"站{i}", level=Level.STATION, parent=b)
        u.path, u.depth = f"{b.path}{u.pk}/", 3
        u.save(update_fields=["path", "depth"])
    after, response = _tree_queries(client)
    assert len(response.context["rows"]) == 31
    assert after == before


def test_detail_shows_parent_children_and_posts(world, client):
    login(client, world, "d1.chief")
    response = client.get(reverse("orgs:unit-detail", args=[world.unit("d1").pk]))
    html = response.content.decode()
    assert "甲市一区大队" in html and "甲市二区大队" in html  # children
    assert "甲市消防救援支队主官" in html and "分管领导" in html and "信访干部" in html  # posts with roles
    assert [a.code for a in response.context["ancestors"]] == []  # the corps is above his scope
    assert "测试省消防救援总队" not in html.split("</header>")[1]
    assert "（不在您的查看范围内）" in html
    login(client, world, "sysadmin")
    response = client.get(reverse("orgs:unit-detail", args=[world.unit("d1b1").pk]))
    assert [a.code for a in response.context["ancestors"]] == ["c", "d1"]
    assert response.context["parent"].code == "d1"


def test_create_under_a_parent(world, client):
    login(client, world, "sysadmin")
    d1 = world.unit("d1")
    url = reverse("orgs:unit-create") + f"?parent={d1.pk}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial == {"parent": d1.pk, "level": Level.BRIGADE}
    response = client.post(url, {"parent": d1.pk, "name": "甲市三区大队", "code": "d1b3", "level": "brigade"})
    unit = Unit.objects.get(code="d1b3")
    assert response.status_code == 302 and response["Location"] == reverse("orgs:unit-detail", args=[unit.pk])
    assert unit.parent == d1 and unit.path.startswith(d1.path)


def test_create_shows_domain_errors_in_chinese(world, client):
    login(client, world, "sysadmin")
    b = world.unit("d1b1")
    url = reverse("orgs:unit-create") + f"?parent={b.pk}"
    response = client.post(url, {"parent": b.pk, "name": "错层大队", "code": "x1", "level": "brigade"})
    assert response.status_code == 200
    assert response.context["form"].errors["parent"] == ["大队不能隶属于大队。"]
    assert "大队不能隶属于大队。" in response.content.decode()
    response = client.post(url, {"parent": b.pk, "name": "一站", "code": "d1b2", "level": "station"})
    assert response.context["form"].errors["code"] == ["单位代码“d1b2”已被使用。"]
    assert not Unit.objects.filter(code="x1").exists()


def test_create_cannot_pick_a_parent_out_of_scope(world, client):
    from xinfang.orgs.models import Post, User
    from xinfang.orgs.roles import Role

    d1_admin = User.objects.create_user(username="d1.sysadmin", password="x", unit=world.unit("d1"))
    Post.objects.create(user=d1_admin, unit=world.unit("d1"), role=Role.SYSADMIN, start_on="2020-01-01")
    client.force_login(d1_admin)
    d2 = world.unit("d2")
    assert client.get(reverse("orgs:unit-create") + f"?parent={d2.pk}").status_code == 404
    response = client.post(
        reverse("orgs:unit-create"), {"parent": d2.pk, "name": "乙市三区大队", "code": "d2b3", "level": "brigade"}
    )
    assert response.status_code == 200 and "parent" in response.context["form"].errors
    assert not Unit.objects.filter(code="d2b3").exists()


def test_rename(world, client):
    login(client, world, "sysadmin")
    b = world.unit("d1b1")
    url = reverse("orgs:unit-rename", args=[b.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "甲市一区大队"})
    assert response.context["form"].errors["name"] == ["新名称与原名称相同。"]
    response = client.post(url, {"name": "甲市高新区大队"})
    assert response.status_code == 302
    assert Unit.objects.get(pk=b.pk).name == "甲市高新区大队"
    assert AuditEvent.objects.filter(action="orgs.unit.renamed", target_id=str(b.pk)).exists()


def test_move_offers_only_valid_parents_and_moves(world, client):
    login(client, world, "sysadmin")
    b = world.unit("d1b1")
    url = reverse("orgs:unit-move", args=[b.pk])
    response = client.get(url)
    choices = {u.code for u in response.context["form"].fields["parent"].queryset}
    assert choices == {"c", "d2"}  # not itself, not its current parent, not a brigade
    response = client.post(url, {"parent": world.unit("d2b1").pk})
    assert "parent" in response.context["form"].errors
    response = client.post(url, {"parent": world.unit("d2").pk})
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.parent == world.unit("d2") and b.path.startswith(world.unit("d2").path)


def test_move_form_refuses_the_units_own_subtree(world, client):
    login(client, world, "sysadmin")
    d1 = world.unit("d1")
    url = reverse("orgs:unit-move", args=[d1.pk])
    response = client.post(url, {"parent": world.unit("d1b1").pk})
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert Unit.objects.get(pk=d1.pk).path == d1.path


def test_active_is_post_only_and_csrf_protected(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("sysadmin"))
    b = world.unit("d1b1")
    url = reverse("orgs:unit-active", args=[b.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"active": "0"}).status_code == 403  # no CSRF token
    assert Unit.objects.get(pk=b.pk).is_active


def test_deactivate_and_activate(world, client):
    login(client, world, "sysadmin")
    b = world.unit("d1b1")
    url = reverse("orgs:unit-active", args=[b.pk])
    response = client.post(url, {"active": "0"}, follow=True)
    assert "该单位仍有在岗人员，请先免去其岗位。" in response.content.decode()
    assert Unit.objects.get(pk=b.pk).is_active
    b.posts.update(end_on="2021-01-01")
    response = client.post(url, {"active": "0"}, follow=True)
    assert "单位已停用。" in response.content.decode()
    assert not Unit.objects.get(pk=b.pk).is_active
    client.post(url, {"active": "1"})
    assert Unit.objects.get(pk=b.pk).is_active


def test_import_page_good_file(world, client):
    login(client, world, "sysadmin")
    assert client.get(reverse("orgs:unit-import")).status_code == 200
    upload = xlsx_upload([("丙市一区大队", "d3b1", "d3", "大队"), ("丙市消防救援支队", "d3", "c", "支队")])
    response = client.post(reverse("orgs:unit-import"), {"file": upload})
    assert response.status_code == 200
    assert "已导入 <strong>2</strong> 个单位" in response.content.decode()
    assert Unit.objects.get(code="d3b1").parent == Unit.objects.get(code="d3")


def test_import_page_lists_row_errors_and_imports_nothing(world, client):
    login(client, world, "sysadmin")
    count = Unit.objects.count()
    upload = xlsx_upload(
        [
            ("丙市消防救援支队", "d3", "c", "支队"),
            ("重复大队", "d1b1", "d3", "大队"),
            ("丙市二区大队", "d3b2", "zz", "大队"),
        ]
    )
    response = client.post(reverse("orgs:unit-import"), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["row_errors"]] == [(3, "单位代码"), (4, "上级单位代码")]
    assert "第 3 行" in html and "第 4 行" in html and "未导入任何单位" in html
    assert Unit.objects.count() == count


def test_import_page_refuses_a_non_xlsx_file(world, client):
    login(client, world, "sysadmin")
    response = client.post(reverse("orgs:unit-import"), {"file": SimpleUploadedFile("units.csv", b"a,b")})
    assert response.status_code == 200
    assert "请上传 .xlsx 格式的 Excel 文件" in response.content.decode()
    response = client.post(reverse("orgs:unit-import"), {})
    assert "file" in response.context["form"].errors


def test_import_template_downloads_and_reimports(world, client):
    login(client, world, "sysadmin")
    response = client.get(reverse("orgs:unit-import-template"))
    assert response.status_code == 200
    assert response["Content-Type"] == importing.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and len(rows) == 2
    upload = SimpleUploadedFile("单位导入模板.xlsx", response.content)
    response = client.post(reverse("orgs:unit-import"), {"file": upload})
    assert "已导入 <strong>1</strong> 个单位" in response.content.decode()


@pytest.mark.parametrize("name", ["unit-tree", "unit-import", "compliance"])
def test_pages_render_for_sysadmin_or_chief(world, client, name):
    login(client, world, "c.chief" if name == "compliance" else "sysadmin")
    assert client.get(reverse(f"orgs:{name}")).status_code == 200
