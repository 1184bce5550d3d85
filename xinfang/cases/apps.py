from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "xinfang.cases"
    label = "cases"
    verbose_name = "案件办理"

    def ready(self) -> None:
        from xinfang.cases.deadlines import on_calendar_changed
        from xinfang.core.legal_calendar import on_calendar_change

        # Stored due dates of open cases follow every change of the holiday calendar (same transaction).
        on_calendar_change(on_calendar_changed)

        from xinfang.cases.documents import connect as connect_notices

        connect_notices()  # R6.3: each step's notice is generated inside the step's transaction
