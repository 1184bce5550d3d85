from django.urls import include, path

from xinfang.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("export/", views.case_export, name="case-export"),
    path("my/", views.my_work, name="my-work"),
    path("new/", views.case_register, name="case-register"),
    path("new/repeats/", views.repeat_candidates, name="repeat-candidates"),
    path("<int:pk>/", views.case_detail, name="case-detail"),
    path("<int:pk>/reveal/", views.case_reveal, name="case-reveal"),
    path("<int:pk>/act/<slug:action>/", views.case_action, name="case-action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("import/", include("xinfang.cases.import_urls")),
]
