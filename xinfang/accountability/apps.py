from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "xinfang.accountability"
    label = "accountability"
    verbose_name = "考核问责"
