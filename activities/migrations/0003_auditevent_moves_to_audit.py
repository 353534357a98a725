"""AuditEvent moves to the ``audit`` app, keeping its rows (see audit/0001_initial).

Here: every event about a monthly report already names it by object_type/object_id; events
that somehow only had the foreign key get the pair filled in first, then the foreign key to
MonthlyReport (which would make the trail depend on activities) is dropped, and the model
leaves this app's state without touching its table. The ``audit`` app takes the table over."""

from django.db import migrations

REPORT = "monthly_report"


def fill_object_from_report(apps, schema_editor):
    AuditEvent = apps.get_model("activities", "AuditEvent")
    for event in AuditEvent.objects.filter(report__isnull=False).exclude(
        object_type=REPORT, object_id__gt=""
    ).only("pk", "report_id"):
        AuditEvent.objects.filter(pk=event.pk).update(
            object_type=REPORT, object_id=str(event.report_id)
        )


def fill_report_from_object(apps, schema_editor):
    # Backwards: the foreign key comes back from the pair, for reports that still exist.
    AuditEvent = apps.get_model("activities", "AuditEvent")
    MonthlyReport = apps.get_model("activities", "MonthlyReport")
    existing = set(MonthlyReport.objects.values_list("pk", flat=True))
    for event in AuditEvent.objects.filter(object_type=REPORT).only("pk", "object_id"):
        if event.object_id.isdigit() and int(event.object_id) in existing:
            AuditEvent.objects.filter(pk=event.pk).update(report_id=int(event.object_id))


class Migration(migrations.Migration):

    dependencies = [
        ("activities", "0002_importbatch"),
    ]

    operations = [
        migrations.RunPython(fill_object_from_report, fill_report_from_object),
        migrations.RemoveField(model_name="auditevent", name="report"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
    ]
