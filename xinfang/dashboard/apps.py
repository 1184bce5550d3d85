from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "xinfang.dashboard"
    label = "dashboard"
    verbose_name = "工作台"
