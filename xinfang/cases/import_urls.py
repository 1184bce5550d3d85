"""The ledger import pages, included by xinfang/cases/urls.py under /cases/import/ (namespace "cases")."""

from django.urls import path

from xinfang.cases import import_views

urlpatterns = [
    path("", import_views.import_page, name="import"),
    path("template/", import_views.import_template, name="import-template"),
    path("<int:pk>/", import_views.import_job, name="import-job"),
    path("<int:pk>/progress/", import_views.import_job_progress, name="import-job-progress"),
    path("<int:pk>/errors/", import_views.import_job_errors, name="import-job-errors"),
]
