"""`manage.py backup` then `manage.py restore` gives back the same plan: identical dashboard
figures, identical row counts, the same accounts and the same audit trail."""

import datetime as dt
import gzip
import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError

from activities import services
from activities.models import ActivityValue, ApprovedFigure, MonthlyReport
from activities.rollups import rollups_differences
from agreements.models import Target
from agreements.selectors import user_scope
from audit.models import AuditEvent
from cooperation.backup import backup_models
from reports.selectors import plan_achievement
from tests import factories as f


def _fill(world):
    """Approved and submitted months in both districts, targets, an admin change."""
    for sub, officer, base in (
        (world.sub_a, world.officer_a, 10),
        (world.sub_b, world.officer_b, 3),
    ):
        for month_number in (3, 4, 5):
            report = MonthlyReport.objects.create(
                sub_agreement=sub, month=dt.date(2024, month_number, 1)
            )
            values = {
                world.patrol.pk: services.ValueInput(value=base * month_number),
                world.mediation.pk: services.ValueInput(value=month_number),
                world.vneid.pk: services.ValueInput(value=100 * month_number + base),
                world.online.pk: services.ValueInput(numerator=base, denominator=base * 2),
            }
            scope = user_scope(officer)
            report = services.report_save_and_submit(
                report=report,
                user=officer,
                scope=scope,
                version=1,
                values=values,
                narrative=f"Tháng {month_number}: tuần tra, hòa giải",
            )
            if month_number < 5:
                services.report_approve(
                    report=report,
                    user=world.staff,
                    scope=user_scope(world.staff),
                    version=report.version,
                )
    for indicator, value in ((world.patrol, 500), (world.mediation, 40), (world.vneid, 2000)):
        Target.objects.create(agreement=world.plan, indicator=indicator, value=Decimal(value))
    world.officer_a.user_permissions.set([])


def _figures(world):
    scope = user_scope(world.staff)
    return [
        [
            (row.indicator.code, row.achieved, row.target, row.percent)
            for row in plan_achievement(
                plan=world.plan, scope=scope, include_provisional=provisional
            )
        ]
        for provisional in (False, True)
    ]


def _counts():
    return {model._meta.label: model._default_manager.count() for model in backup_models()}


def _trail():
    return list(
        AuditEvent.objects.order_by("pk").values_list(
            "pk",
            "actor__username",
            "action",
            "object_type",
            "object_id",
            "version",
            "before",
            "after",
            "reason",
        )
    )


@pytest.mark.parametrize("name", ["hoptac.json", "hoptac.json.gz"])
def test_backup_and_restore_round_trip_gives_identical_figures(world, tmp_path, name):
    _fill(world)
    figures, counts, trail = _figures(world), _counts(), _trail()
    assert figures[0][0][1] == Decimal(10 * 3 + 10 * 4 + 3 * 3 + 3 * 4)  # approved only
    password_hash = world.officer_a.password
    path = tmp_path / name

    call_command("backup", str(path), stdout=io.StringIO())
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as backup:
        records = json.load(backup)
    assert {r["model"] for r in records} >= {
        "auth.user",
        "agreements.agreement",
        "activities.activityvalue",
        "audit.auditevent",
    }
    assert (path.stat().st_mode & 0o777) == 0o600

    # Disaster: figures changed and rows lost after the backup was taken.
    ActivityValue.objects.filter(indicator=world.patrol).update(value=0)
    AuditEvent.objects.all().delete()
    f.UserFactory(username="ke.xam.nhap")
    assert _figures(world) != figures

    out = io.StringIO()
    call_command("restore", str(path), replace=True, stdout=out)
    assert "Restored" in out.getvalue()
    assert _figures(world) == figures
    assert _counts() == counts
    assert _trail() == trail
    # The rollups are not in the backup: the restore rebuilt them from the restored values.
    assert not {r["model"] for r in records} & {"activities.approvedfigure"}
    assert ApprovedFigure.objects.exists() and rollups_differences() == []
    assert not get_user_model().objects.filter(username="ke.xam.nhap").exists()
    assert get_user_model().objects.get(username="doan.a").password == password_hash


@pytest.mark.django_db(transaction=True)  # flush (TRUNCATE) outside a test transaction
def test_restore_into_an_empty_database(world, tmp_path):
    _fill(world)
    figures, counts = _figures(world), _counts()
    path = tmp_path / "hoptac.json"
    call_command("backup", str(path), stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    assert _counts()["activities.MonthlyReport"] == 0
    call_command("restore", str(path), stdout=io.StringIO())
    assert _counts() == counts
    assert _figures(world) == figures
    # Sequences continue after the restored ids: new rows do not collide.
    report = MonthlyReport.objects.create(sub_agreement=world.sub_a, month=dt.date(2024, 6, 1))
    assert report.pk > max(MonthlyReport.objects.exclude(pk=report.pk).values_list("pk", flat=True))


def test_restore_refuses_to_overwrite_without_replace(world, tmp_path):
    path = tmp_path / "hoptac.json"
    call_command("backup", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="--replace"):
        call_command("restore", str(path), stdout=io.StringIO())


def test_restore_ends_every_session(world, tmp_path, client):
    client.force_login(world.officer_a)
    path = tmp_path / "hoptac.json"
    call_command("backup", str(path), stdout=io.StringIO())
    call_command("restore", str(path), replace=True, stdout=io.StringIO())
    assert not Session.objects.exists()
    assert client.get("/").status_code == 302


def test_broken_backup_changes_nothing(world, tmp_path):
    _fill(world)
    counts, figures = _counts(), _figures(world)
    path = tmp_path / "hoptac.json"
    call_command("backup", str(path), stdout=io.StringIO())
    records = json.loads(path.read_text())
    # A truncated copy whose last record points at a sub-agreement that does not exist.
    broken = [r for r in records if r["model"] != "activities.monthlyreport"]
    path.write_text(json.dumps(broken))
    with pytest.raises(Exception):  # noqa: B017 - loaddata raises several kinds
        call_command("restore", str(path), replace=True, stdout=io.StringIO())
    assert _counts() == counts
    assert _figures(world) == figures
