from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "xinfang.incidents"
    label = "incidents"
    verbose_name = "应急联动"
