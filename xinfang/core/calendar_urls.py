"""Holiday-calendar pages. Included by the project at "calendar/" (URL names without a namespace)."""

from django.urls import path

from xinfang.core import calendar_views

urlpatterns = [
    path("", calendar_views.calendar_page, name="calendar"),
    path("days/", calendar_views.calendar_day_set, name="calendar_day_set"),
    path("days/<str:day>/delete/", calendar_views.calendar_day_delete, name="calendar_day_delete"),
    path("import/", calendar_views.calendar_import, name="calendar_import"),
]
