from django.urls import path

from xinfang.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="incident-list"),
    path("new/", views.incident_create, name="incident-create"),
    path("<int:pk>/", views.incident_detail, name="incident-detail"),
    path("<int:pk>/responder/", views.incident_responder, name="incident-responder"),
    path("<int:pk>/close/", views.incident_close, name="incident-close"),
    path("<int:pk>/link/", views.incident_link, name="incident-link"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:pk>/review/", views.plan_review, name="plan-review"),
    path("plans/<int:pk>/file/", views.plan_file, name="plan-file"),
    path("plans/<int:pk>/retire/", views.plan_retire, name="plan-retire"),
    path("contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/<int:pk>/retire/", views.contact_retire, name="contact-retire"),
    path("referrals/", views.referral_list, name="referral-list"),
    path("referrals/new/", views.referral_create, name="referral-create"),
    path("referrals/<int:pk>/outcome/", views.referral_outcome, name="referral-outcome"),
]
