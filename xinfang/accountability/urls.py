from django.urls import path

from xinfang.accountability import views

app_name = "accountability"
urlpatterns = [
    path("", views.assessment, name="assessment"),
    path("export.xlsx", views.assessment_export, name="assessment-export"),
    path("report.docx", views.assessment_report, name="assessment-report"),
    path("<int:year>/units/<int:pk>/", views.assessment_unit, name="assessment-unit"),
    path("<int:year>/units/<int:pk>/adjust/", views.adjustment_create, name="adjustment-create"),
    path(
        "<int:year>/units/<int:pk>/<slug:code>/<slug:part>/",
        views.assessment_drill,
        name="assessment-drill",
    ),
    path("schemes/", views.scheme_list, name="scheme-list"),
    path("schemes/new/", views.scheme_create, name="scheme-create"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme-detail"),
    path("checks/", views.check_list, name="check-list"),
    path("checks/new/<int:case_pk>/", views.check_create, name="check-create"),
    path("checks/<int:pk>/", views.check_detail, name="check-detail"),
    path("lookbacks/", views.lookback_list, name="lookback-list"),
    path("lookbacks/<int:pk>/", views.lookback_detail, name="lookback-detail"),
    path("lookbacks/<int:pk>/propose/", views.lookback_propose, name="lookback-propose"),
    path("lookbacks/<int:pk>/decide/", views.lookback_decide, name="lookback-decide"),
    path("actions/", views.action_list, name="action-list"),
    path("actions/new/", views.action_create, name="action-create"),
    path("actions/<int:pk>/", views.action_detail, name="action-detail"),
    path("actions/<int:pk>/rectification/", views.action_rectification, name="action-rectification"),
    path("actions/<int:pk>/close/", views.action_close, name="action-close"),
    path(
        "actions/<int:pk>/documents/<int:doc>.<slug:fmt>",
        views.action_document,
        name="action-document",
    ),
    path("reports/", views.report_list, name="report-list"),
    path("reports/new/", views.report_generate, name="report-generate"),
    path("reports/<int:pk>/download/", views.report_download, name="report-download"),
    path("recommendations/new/", views.recommendation_create, name="recommendation-create"),
    path("recommendations/<int:pk>/respond/", views.recommendation_respond, name="recommendation-respond"),
]
