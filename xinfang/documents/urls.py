from django.urls import re_path

from xinfang.documents import views

app_name = "documents"
urlpatterns = [
    # /documents/<id>/docx/ and /documents/<id>/pdf/: reverse("documents:download", kwargs={"pk": id, "fmt": "pdf"})
    re_path(r"^(?P<pk>[0-9]+)/(?P<fmt>docx|pdf)/$", views.download, name="download"),
]
