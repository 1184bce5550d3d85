from django.urls import path

from xinfang.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password-change"),
    path("password/done/", views.password_change_done, name="password-change-done"),
    path("otp/", views.otp_settings, name="otp-settings"),
    path("otp/verify/", views.otp_verify, name="otp-verify"),
    path("otp/enrol/", views.otp_enrol, name="otp-enrol"),
    path("otp/recovery-codes/", views.otp_recovery_codes, name="otp-recovery-codes"),
    path("otp/disable/", views.otp_disable, name="otp-disable"),
    path("otp/accounts/", views.otp_admin, name="otp-admin"),
    path("otp/accounts/<int:pk>/reset/", views.otp_reset, name="otp-reset"),
    path("audit/", views.audit_list, name="audit-list"),
    path("audit/verify/", views.audit_verify_view, name="audit-verify"),
]
