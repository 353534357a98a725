"""AuditEvent, moved here from ``activities`` with its rows.

The model enters this app's state on the table it already has (``activities_auditevent``,
no database change), then the table is renamed to this app's default name and gets the index
for one object's history. The content type is renamed too, so permissions already granted on
audit events (and admin log entries) keep pointing at the model.

This migration depends on activities 0003 only because that is where the table comes from;
no code of ``audit`` imports another project app."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rename_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label="activities", model="auditevent")
    if not ContentType.objects.filter(app_label="audit", model="auditevent").exists():
        old.update(app_label="audit")


def rename_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="activities", model="auditevent").exists():
        ContentType.objects.filter(app_label="audit", model="auditevent").update(
            app_label="activities"
        )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("activities", "0003_auditevent_moves_to_audit"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="at")),
                        ("action", models.CharField(choices=[("save", "Saved"), ("submit", "Submitted"), ("return", "Returned"), ("approve", "Approved"), ("reopen", "Reopened"), ("import", "Imported"), ("admin_change", "Changed in administration"), ("admin_add", "Added in administration"), ("admin_delete", "Deleted in administration")], max_length=16, verbose_name="action")),
                        ("object_type", models.CharField(blank=True, max_length=64, verbose_name="object type")),
                        ("object_id", models.CharField(blank=True, max_length=64, verbose_name="object id")),
                        ("version", models.PositiveIntegerField(blank=True, null=True, verbose_name="version after")),
                        ("status_before", models.CharField(blank=True, max_length=16, verbose_name="status before")),
                        ("status_after", models.CharField(blank=True, max_length=16, verbose_name="status after")),
                        ("before", models.JSONField(blank=True, default=dict, verbose_name="before")),
                        ("after", models.JSONField(blank=True, default=dict, verbose_name="after")),
                        ("reason", models.TextField(blank=True, verbose_name="reason")),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="audit_events", to=settings.AUTH_USER_MODEL, verbose_name="by")),
                    ],
                    options={
                        "verbose_name": "audit event",
                        "verbose_name_plural": "audit events",
                        "ordering": ["-at", "-id"],
                        "db_table": "activities_auditevent",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="auditevent", table=None),
        migrations.RunPython(rename_content_type, rename_content_type_back),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(choices=[("save", "Saved"), ("submit", "Submitted"), ("return", "Returned"), ("approve", "Approved"), ("reopen", "Reopened"), ("import", "Imported"), ("admin_change", "Changed in administration"), ("admin_add", "Added in administration"), ("admin_delete", "Deleted in administration"), ("password_set", "Password set in administration"), ("plan_load", "Plan loaded"), ("issue", "Report issued"), ("withdraw", "Issued report withdrawn")], max_length=16, verbose_name="action"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_history"),
        ),
    ]
