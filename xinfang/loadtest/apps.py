from django.apps import AppConfig


class LoadtestConfig(AppConfig):
    name = "xinfang.loadtest"
    label = "loadtest"
    verbose_name = "负载测试"
