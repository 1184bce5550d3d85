from django.urls import include, path

urlpatterns = [
    path("", include("xinfang.core.urls")),
    path("calendar/", include("xinfang.core.calendar_urls")),
    path("orgs/", include("xinfang.orgs.urls")),
    path("cases/", include("xinfang.cases.urls")),
    path("documents/", include("xinfang.documents.urls")),
    path("leadership/", include("xinfang.leadership.urls")),
    path("screening/", include("xinfang.screening.urls")),
    path("incidents/", include("xinfang.incidents.urls")),
    path("accountability/", include("xinfang.accountability.urls")),
    path("notifications/", include("xinfang.notifications.urls")),
    path("portal/", include("xinfang.portal.urls")),
    path("dashboard/", include("xinfang.dashboard.urls")),
    path("api/", include("xinfang.api.urls")),
]

handler403 = "xinfang.core.views.error_403"
handler404 = "xinfang.core.views.error_404"
