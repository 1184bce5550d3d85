from django.urls import include, path

urlpatterns = [
    path("", include("xinfang.core.urls")),
    path("orgs/", include("xinfang.orgs.urls")),
    path("api/", include("xinfang.api.urls")),
]
