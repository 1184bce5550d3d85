"""The indicator tally (accountability/tally.py): IndicatorTally rows cache the case indicators' counts per unit and
period; TallyVersion.version of a unit is bumped — by the triggers below, in the transaction of the change — by
every insert, delete or relevant update of a case, an opinion or an evaluation that can move a figure of the unit:
the case's handling unit, and the unit of its parent case (复查复核改变率 counts a 复查/复核 under the unit whose
handling it reviews), before and after the change. A tally row is used only while its version is the unit's
current version, so a stale row is never read. PostgreSQL only (elsewhere the figures are always computed live)."""

import django.db.models.deletion
from django.db import migrations, models

# The Case columns the case indicators (indicators.py) and the dashboard's counts (dashboard/tally.py) read — the
# stored deadline_on follows status, ack_due and due —, and the Opinion and Evaluation columns. A definition that
# reads another column must add it here (in a new migration), or its changes would not refresh the tally.
CASE_COLUMNS = (
    "unit_id, kind, ack_due, decided_on, due, received_on, original_case_id, parent_case_id, "
    "status, category, channel, topic_id, concluded_on"
)
OPINION_COLUMNS = "case_id, issued_on, delivered_on, disposition"
EVALUATION_COLUMNS = "case_id, rating"

FORWARD = f"""
CREATE OR REPLACE FUNCTION accountability_tally_bump(ids bigint[]) RETURNS void AS $$
BEGIN
    INSERT INTO accountability_tallyversion (unit_id, version)
    SELECT DISTINCT u, 1 FROM unnest(ids) AS u WHERE u IS NOT NULL
    ON CONFLICT (unit_id) DO UPDATE SET version = accountability_tallyversion.version + 1;
END $$ LANGUAGE plpgsql;

-- the units a case's figures are counted under: its handling unit and its parent case's unit
CREATE OR REPLACE FUNCTION accountability_tally_units(case_unit bigint, parent bigint) RETURNS bigint[] AS $$
    SELECT ARRAY[case_unit, (SELECT p.unit_id FROM cases_case p WHERE p.id = parent)];
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION accountability_tally_case() RETURNS trigger AS $$
DECLARE ids bigint[] := ARRAY[]::bigint[];
BEGIN
    IF TG_OP <> 'INSERT' THEN ids := ids || accountability_tally_units(OLD.unit_id, OLD.parent_case_id); END IF;
    IF TG_OP <> 'DELETE' THEN ids := ids || accountability_tally_units(NEW.unit_id, NEW.parent_case_id); END IF;
    PERFORM accountability_tally_bump(ids);
    RETURN NULL;
END $$ LANGUAGE plpgsql;

-- an opinion or an evaluation: the units of its case
CREATE OR REPLACE FUNCTION accountability_tally_case_part() RETURNS trigger AS $$
DECLARE ids bigint[] := ARRAY[]::bigint[];
BEGIN
    IF TG_OP <> 'INSERT' THEN
        ids := ids || (SELECT accountability_tally_units(c.unit_id, c.parent_case_id) FROM cases_case c
                       WHERE c.id = OLD.case_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        ids := ids || (SELECT accountability_tally_units(c.unit_id, c.parent_case_id) FROM cases_case c
                       WHERE c.id = NEW.case_id);
    END IF;
    PERFORM accountability_tally_bump(ids);
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER accountability_tally_case_change AFTER INSERT OR DELETE ON cases_case
    FOR EACH ROW EXECUTE FUNCTION accountability_tally_case();
CREATE TRIGGER accountability_tally_case_update AFTER UPDATE OF {CASE_COLUMNS} ON cases_case
    FOR EACH ROW EXECUTE FUNCTION accountability_tally_case();
CREATE TRIGGER accountability_tally_opinion_change AFTER INSERT OR DELETE ON cases_opinion
    FOR EACH ROW EXECUTE FUNCTION accountability_tally_case_part();
CREATE TRIGGER accountability_tally_opinion_update AFTER UPDATE OF {OPINION_COLUMNS} ON cases_opinion
    FOR EACH ROW EXECUTE FUNCTION accountability_tally_case_part();
CREATE TRIGGER accountability_tally_evaluation_change AFTER INSERT OR DELETE ON cases_evaluation
    FOR EACH ROW EXECUTE FUNCTION accountability_tally_case_part();
CREATE TRIGGER accountability_tally_evaluation_update AFTER UPDATE OF {EVALUATION_COLUMNS} ON cases_evaluation
    FOR EACH ROW EXECUTE FUNCTION accountability_tally_case_part();
-- TRUNCATE bypasses row triggers: forget every tally row
CREATE OR REPLACE FUNCTION accountability_tally_truncate() RETURNS trigger AS $$
BEGIN
    DELETE FROM accountability_indicatortally;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER accountability_tally_case_truncate AFTER TRUNCATE ON cases_case
    FOR EACH STATEMENT EXECUTE FUNCTION accountability_tally_truncate();
CREATE TRIGGER accountability_tally_opinion_truncate AFTER TRUNCATE ON cases_opinion
    FOR EACH STATEMENT EXECUTE FUNCTION accountability_tally_truncate();
CREATE TRIGGER accountability_tally_evaluation_truncate AFTER TRUNCATE ON cases_evaluation
    FOR EACH STATEMENT EXECUTE FUNCTION accountability_tally_truncate();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS accountability_tally_case_change ON cases_case;
DROP TRIGGER IF EXISTS accountability_tally_case_update ON cases_case;
DROP TRIGGER IF EXISTS accountability_tally_case_truncate ON cases_case;
DROP TRIGGER IF EXISTS accountability_tally_opinion_change ON cases_opinion;
DROP TRIGGER IF EXISTS accountability_tally_opinion_update ON cases_opinion;
DROP TRIGGER IF EXISTS accountability_tally_opinion_truncate ON cases_opinion;
DROP TRIGGER IF EXISTS accountability_tally_evaluation_change ON cases_evaluation;
DROP TRIGGER IF EXISTS accountability_tally_evaluation_update ON cases_evaluation;
DROP TRIGGER IF EXISTS accountability_tally_evaluation_truncate ON cases_evaluation;
DROP FUNCTION IF EXISTS accountability_tally_truncate();
DROP FUNCTION IF EXISTS accountability_tally_case_part();
DROP FUNCTION IF EXISTS accountability_tally_case();
DROP FUNCTION IF EXISTS accountability_tally_units(bigint, bigint);
DROP FUNCTION IF EXISTS accountability_tally_bump(bigint[]);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0001_initial"),
        ("cases", "0005_case_deadline_on"),
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="TallyVersion",
            fields=[
                (
                    "unit",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="orgs.unit",
                    ),
                ),
                ("version", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="IndicatorTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("batch", models.CharField(max_length=100)),
                ("year", models.PositiveSmallIntegerField()),
                ("as_of", models.DateField()),
                ("version", models.BigIntegerField()),
                ("counts", models.JSONField(default=dict)),
                ("fingerprint", models.TextField(blank=True)),
                (
                    "unit",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="orgs.unit",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("batch", "year", "as_of", "unit", "version"), name="accountability_tally_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
