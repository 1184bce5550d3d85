"""The versions of the dashboard's kept sections (dashboard/kept.py): SourceVersion.version of a source is bumped —
by the statement triggers below, in the transaction of the change — by every INSERT, UPDATE, DELETE or TRUNCATE of
one of the source's tables (for orgs_user only the columns the sections show or depend on), whichever service, bulk
update or raw SQL made it. A kept section is stored under the versions read before it was computed, so it is used
only while none of its sources changed. PostgreSQL only (elsewhere the sections are always computed live).

A section that reads another table must add it to kept.SOURCES and here (in a new migration), or its changes would
not refresh what is kept."""

from django.db import migrations, models

# source name: [(table, the events that bump it)]
SOURCES: dict[str, list[tuple[str, str]]] = {
    "org": [
        ("orgs_unit", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        ("orgs_post", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        # not last_login (every sign-in): only what scopes and names depend on
        ("orgs_user", "INSERT OR UPDATE OF is_active, is_superuser, name, username, unit_id OR DELETE OR TRUNCATE"),
        ("core_share", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ],
    "leadership": [
        ("leadership_meeting", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        ("leadership_receptionday", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        ("leadership_reception", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        ("leadership_quota", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ],
    "screening": [
        ("screening_screeningreport", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        ("screening_cadence", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        ("screening_specialperiod", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        ("screening_specialperiod_scope_units", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        ("core_calendarday", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ],
}

FUNCTION = """
CREATE OR REPLACE FUNCTION dashboard_source_bump() RETURNS trigger AS $$
BEGIN
    INSERT INTO dashboard_sourceversion (name, version) VALUES (TG_ARGV[0], 1)
    ON CONFLICT (name) DO UPDATE SET version = dashboard_sourceversion.version + 1;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


def _trigger(source: str, table: str) -> str:
    return f"dashboard_kept_{source}_{table}"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = [FUNCTION]
    for source, tables in SOURCES.items():
        for table, events in tables:
            statements.append(
                f"CREATE TRIGGER {_trigger(source, table)} AFTER {events} ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION dashboard_source_bump('{source}');"
            )
    schema_editor.execute("\n".join(statements))


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = [
        f"DROP TRIGGER IF EXISTS {_trigger(source, table)} ON {table};"
        for source, tables in SOURCES.items()
        for table, _events in tables
    ]
    statements.append("DROP FUNCTION IF EXISTS dashboard_source_bump();")
    schema_editor.execute("\n".join(statements))


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0003_audit_base_manager"),
        ("orgs", "0001_initial"),
        ("leadership", "0001_initial"),
        ("screening", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SourceVersion",
            fields=[
                ("name", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(forward, backward),
    ]
