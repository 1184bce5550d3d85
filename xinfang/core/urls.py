from django.urls import path

from xinfang.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password-change"),
    path("password/done/", views.password_change_done, name="password-change-done"),
    path("audit/", views.audit_list, name="audit-list"),
    path("audit/verify/", views.audit_verify_view, name="audit-verify"),
]
