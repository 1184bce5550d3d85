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

        from django.db.models.signals import post_delete, post_save

        from xinfang.cases.models import Transfer, bump_scope_generation
        from xinfang.orgs.models import Unit

        # A cached case scope (cases.models.scope_case_keys) is stale after any unit or transfer change.
        for model in (Unit, Transfer):
            post_save.connect(bump_scope_generation, sender=model, dispatch_uid=f"scope-gen-save-{model.__name__}")
            post_delete.connect(bump_scope_generation, sender=model, dispatch_uid=f"scope-gen-del-{model.__name__}")
