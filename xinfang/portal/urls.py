from django.urls import path

from xinfang.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("submit/", views.submit, name="submit"),
    path("submitted/", views.submitted, name="submitted"),
    path("query/", views.query, name="query"),
    path("progress/", views.progress, name="progress"),
    path("progress/evaluate/", views.evaluate, name="evaluate"),
    path("progress/review/", views.review, name="review"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("leave/", views.leave, name="leave"),
    # staff
    path("manage/channels/", views.channel_list, name="manage-channels"),
    path("manage/channels/<int:pk>/", views.channel_edit, name="manage-channel-edit"),
    path("manage/channels/<int:pk>/delete/", views.channel_delete, name="manage-channel-delete"),
]
