"""The import pages and the imports API: upload → job → result or errors (with the marked workbook), the
template, the progress fragment; a job is its creator's own."""

from __future__ import annotations

import io

import pytest
from django.urls import include, path, reverse
from openpyxl import load_workbook

from xinfang import urls as root_urls
from xinfang.cases import import_urls
from xinfang.cases import urls as cases_urls
from xinfang.cases.models import Case
from xinfang.cases.tests.test_import import row, workbook
from xinfang.core.otp_testing import complete_second_factor
from xinfang.notifications.models import BackgroundJob, JobStatus, Notification

# Until xinfang/cases/urls.py includes import_urls, these tests mount them the way it will:
#     path("import/", include("xinfang.cases.import_urls")),
_cases = ([*cases_urls.urlpatterns, path("import/", include(import_urls))], "cases")
urlpatterns = [
    path("cases/", include(_cases)) if getattr(p, "pattern", None) and str(p.pattern) == "cases/" else p
    for p in root_urls.urlpatterns
]
pytestmark = pytest.mark.urls(__name__)


def upload(client, rows, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    f = SimpleUploadedFile("台账.xlsx", workbook(rows), content_type="application/octet-stream")
    return client.post(reverse("cases:import"), {"file": f, **extra})


def test_the_import_page_and_template_need_the_import_permission(world, client):
    client.force_login(world.user("sysadmin"))
    complete_second_factor(client, world.user("sysadmin"))
    assert client.get(reverse("cases:import")).status_code == 403
    assert client.get(reverse("cases:import-template")).status_code == 403
    client.force_login(world.user("d1b1.officer"))
    page = client.get(reverse("cases:import"))
    assert page.status_code == 200 and "下载导入模板" in page.content.decode()
    template = client.get(reverse("cases:import-template"))
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(template.content)).worksheets[0]["A1"].value == "办理单位代码*"


def test_a_small_valid_file_is_imported_at_once(world, client):
    client.force_login(world.user("d1b1.officer"))
    response = upload(client, [row(1), row(2)])
    assert response.status_code == 302
    job = BackgroundJob.objects.get()
    assert response["Location"] == reverse("cases:import-job", kwargs={"pk": job.pk})
    assert job.status == JobStatus.DONE and job.summary["created"] == 2
    page = client.get(response["Location"]).content.decode()
    assert "已导入2件信访事项" in page
    assert Case.objects.count() == 2
    assert Notification.objects.filter(recipient=world.user("d1b1.officer"), kind="job.finished").count() == 1


def test_errors_are_listed_and_the_marked_workbook_is_downloadable_by_its_owner_only(world, client):
    client.force_login(world.user("d1b1.officer"))
    response = upload(client, [row(1), row(2, id_number="110105198001010000")])
    job = BackgroundJob.objects.get()
    assert job.status == JobStatus.FAILED and Case.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "第 3 行" in page and "身份证号码" in page and "下载错误标注文件" in page
    errors = client.get(reverse("cases:import-job-errors", kwargs={"pk": job.pk}))
    assert errors.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(errors.streaming_content)))
    assert wb["错误清单"]["A2"].value == 3

    client.force_login(world.user("d1b2.officer"))
    for name in ("cases:import-job", "cases:import-job-progress", "cases:import-job-errors"):
        assert client.get(reverse(name, kwargs={"pk": job.pk})).status_code == 404


def test_a_file_level_problem_is_shown_on_the_form_without_a_job(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.user("d1b1.officer"))
    response = client.post(reverse("cases:import"), {"file": SimpleUploadedFile("a.xlsx", b"junk")})
    assert response.status_code == 200 and "不是有效的 .xlsx" in response.content.decode()
    assert not BackgroundJob.objects.exists()


def test_the_progress_fragment_of_a_finished_job_refreshes_the_page(world, client):
    client.force_login(world.user("d1b1.officer"))
    upload(client, [row(1)])
    job = BackgroundJob.objects.get()
    fragment = client.get(reverse("cases:import-job-progress", kwargs={"pk": job.pk}))
    assert fragment.status_code == 200 and fragment["HX-Refresh"] == "true"
    assert 'value="100"' in fragment.content.decode()


def test_a_running_job_shows_its_progress_from_the_progress_file(world, client):
    from django.utils import timezone

    from xinfang.notifications.jobs import Progress

    officer = world.user("d1b1.officer")
    job = BackgroundJob.objects.create(
        kind="cases.import",
        created_by=officer,
        status=JobStatus.RUNNING,
        started_at=timezone.now(),
        input_name="a.xlsx",
    )
    progress = Progress(job.pk)
    progress.phase("写入", 400)
    progress.advance(100)
    progress._write(force=True)
    client.force_login(officer)
    html = client.get(reverse("cases:import-job-progress", kwargs={"pk": job.pk})).content.decode()
    assert "100 / 400" in html and 'value="25"' in html and 'hx-trigger="every 1s"' in html


# ---------------------------------------------------------------------------------------------------
# The API


def test_api_import_returns_a_job_and_its_result(world, api_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api_client.force_authenticate(world.user("d1b1.officer"))
    f = SimpleUploadedFile("台账.xlsx", workbook([row(1), row(2, category="错")]))
    created = api_client.post("/api/v1/imports/cases/", {"file": f}, format="multipart")
    assert created.status_code == 202
    body = created.json()
    assert body["status"] == "failed" and body["errors"] == [
        {"row": 3, "column": "类别", "message": body["errors"][0]["message"]}
    ]
    detail = api_client.get(f"/api/v1/imports/{body['id']}/")
    assert detail.status_code == 200 and detail.json()["percent"] == 100
    xlsx = api_client.get(body["error_workbook_url"])
    assert xlsx.status_code == 200

    f = SimpleUploadedFile("台账.xlsx", workbook([row(1), row(2)]))
    ok = api_client.post("/api/v1/imports/cases/", {"file": f, "skip_duplicates": "true"}, format="multipart").json()
    assert ok["status"] == "done" and ok["created"] == 2 and len(ok["created_ids"]) == 2


def test_api_import_permissions(world, api_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert api_client.get("/api/v1/imports/1/").status_code == 401
    api_client.force_authenticate(world.user("auditor"))
    f = SimpleUploadedFile("台账.xlsx", workbook([row(1)]))
    assert api_client.post("/api/v1/imports/cases/", {"file": f}, format="multipart").status_code == 403
    api_client.force_authenticate(world.user("d1b1.officer"))
    bad = api_client.post("/api/v1/imports/cases/", {"file": SimpleUploadedFile("a.xlsx", b"x")}, format="multipart")
    assert bad.status_code == 400 and bad.json()["code"] == "import_file"
    f = SimpleUploadedFile("台账.xlsx", workbook([row(1)]))
    job = api_client.post("/api/v1/imports/cases/", {"file": f}, format="multipart").json()
    api_client.force_authenticate(world.user("d1b2.officer"))
    assert api_client.get(f"/api/v1/imports/{job['id']}/").status_code == 404


def test_a_file_over_the_inline_limit_goes_to_the_background(world, client, settings, monkeypatch):
    from xinfang.notifications import jobs

    settings.XINFANG_IMPORT_INLINE_ROWS = 1
    calls = []
    real = jobs.job_start

    def spy(job, runner, *, background):
        calls.append(background)
        return real(job, runner, background=background)

    monkeypatch.setattr(jobs, "job_start", spy)
    settings.XINFANG_JOBS_INLINE = True  # run it here all the same, so the test sees the result
    client.force_login(world.user("d1b1.officer"))
    upload(client, [row(1)])
    upload(client, [row(2), row(3)])
    assert calls == [False, True]
    assert Case.objects.count() == 3
