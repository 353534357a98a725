"""Moving AuditEvent from activities to its own app keeps every row: migrating a database that
holds audit events (some about monthly reports, some not) loses none of them."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("agreements", "0001_initial"), ("activities", "0002_importbatch"), ("audit", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1]]).apps


@pytest.mark.django_db(transaction=True)
def test_moving_the_audit_trail_keeps_its_rows_and_their_ids():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(BEFORE)
    try:
        User = old.get_model("auth", "User")
        OrgUnit = old.get_model("agreements", "OrgUnit")
        Agreement = old.get_model("agreements", "Agreement")
        MonthlyReport = old.get_model("activities", "MonthlyReport")
        OldEvent = old.get_model("activities", "AuditEvent")
        # As in a database from before the move (the content types table is current).
        ContentType.objects.filter(app_label="audit", model="auditevent").delete()
        ContentType.objects.get_or_create(app_label="activities", model="auditevent")
        ContentType.objects.clear_cache()
        user = User.objects.create(username="doan.cu")
        unit = OrgUnit.objects.create(code="X", name="Huyện Cũ", kind="district")
        sub = Agreement.objects.create(
            code="QC-X",
            title="Quy chế",
            org_unit=unit,
            start_date=dt.date(2023, 6, 1),
            end_date=dt.date(2025, 6, 30),
        )
        report = MonthlyReport.objects.create(sub_agreement=sub, month=dt.date(2024, 3, 1))
        submitted = OldEvent.objects.create(
            actor=user,
            action="submit",
            report=report,
            object_type="monthly_report",
            object_id=str(report.pk),
            version=2,
            after={"TUAN_TRA": {"value": 12}},
        )
        # An old row with only the foreign key: it gets its object named on the way.
        key_only = OldEvent.objects.create(actor=user, action="save", report=report, version=1)
        target = OldEvent.objects.create(
            actor=user, action="admin_change", object_type="agreements.target", object_id="7"
        )
        ids = [submitted.pk, key_only.pk, target.pk]
    finally:
        new = _migrate(leaves)

    Event = new.get_model("audit", "AuditEvent")
    assert Event._meta.db_table == "audit_auditevent"
    rows = {e.pk: e for e in Event.objects.filter(pk__in=ids)}
    assert set(rows) == set(ids)
    assert rows[submitted.pk].after == {"TUAN_TRA": {"value": 12}}
    assert rows[submitted.pk].actor_id == user.pk
    for pk in (submitted.pk, key_only.pk):
        assert (rows[pk].object_type, rows[pk].object_id) == ("monthly_report", str(report.pk))
    assert rows[target.pk].object_type == "agreements.target"
    # Permissions granted on audit events follow the model to its new app.
    assert ContentType.objects.filter(app_label="audit", model="auditevent").exists()
    assert not ContentType.objects.filter(app_label="activities", model="auditevent").exists()
    # New rows continue the ids (the sequence moved with the table).
    later = Event.objects.create(action="save", object_type="monthly_report", object_id="1")
    assert later.pk > max(ids)
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert "activities_auditevent" not in tables
