"""Import of monthly figures from xlsx or csv: read → validate every row → preview → confirm.

Why not django-import-export's import flow: its per-row saves are slow (pitfalls.md), and its
bulk mode gives neither per-row error messages nor all-or-nothing writes. Here every row is
validated first with a fixed number of queries; the preview is a diff against the database;
confirming re-validates under row locks and writes everything with bulk operations in one
transaction, or nothing."""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.import_files import RawRow, read_upload
from activities.import_rows import ImportPlan, import_plan_build
from activities.models import ImportBatch, MonthlyReport
from activities.services import (
    FigureChange,
    ReportChange,
    ValueInput,
    figures_write,
    plan_open_check,
)
from agreements.models import Agreement
from audit.models import AuditEvent
from core.db import ANALYZE_AFTER_ROWS, database_analyze_on_commit
from core.scope import UserScope
from core.text import nfc

Status = MonthlyReport.Status

BATCH_LIFETIME = timedelta(hours=12)


# --- Preview and confirm -------------------------------------------------------------------


def _require_import_rights(scope: UserScope) -> None:
    if not (scope.can_review or scope.officer_unit_ids):
        raise PermissionDenied(_("You cannot import figures."))


def import_batch_create(
    *,
    user: AbstractBaseUser,
    scope: UserScope,
    plan: Agreement,
    file_name: str,
    content: bytes,
) -> ImportBatch:
    """Read and validate an upload and keep it for the preview. Nothing is written to the
    figures. File-level problems raise ImportFileError; a closed plan takes no file."""
    _require_import_rights(scope)
    plan_open_check(agreement=plan)
    sha256 = hashlib.sha256(content).hexdigest()
    rows = read_upload(content=content)
    plan_result = import_plan_build(rows=rows, scope=scope, plan=plan)
    ImportBatch.objects.filter(user=user, created_at__lt=timezone.now() - BATCH_LIFETIME).delete()
    return ImportBatch.objects.create(
        token=secrets.token_urlsafe(32),
        user=user,
        file_name=nfc(file_name)[:255],
        sha256=sha256,
        rows=[[raw.number, raw.cells] for raw in rows],
        preview=plan_result.preview_json(),
        digest=plan_result.digest(),
    )


def import_batch_get(*, token: str, user: AbstractBaseUser) -> ImportBatch | None:
    return ImportBatch.objects.filter(
        token=token, user=user, created_at__gte=timezone.now() - BATCH_LIFETIME
    ).first()


class ImportChangedError(ValidationError):
    """The data changed between preview and confirm: the user must look again."""


@dataclass(frozen=True)
class ImportOutcome:
    created: int
    changed: int
    unchanged: int
    locked: int
    reports: int


def import_batch_confirm(
    *, batch: ImportBatch, user: AbstractBaseUser, scope: UserScope, plan: Agreement
) -> ImportOutcome:
    """Write the previewed changes: all of them in one transaction, or none.

    Re-validates the stored rows with the touched reports locked; if anything differs from
    the preview (someone saved, submitted or approved a month meanwhile), nothing is written,
    the preview is refreshed and ImportChangedError is raised."""
    _require_import_rights(scope)
    if batch.confirmed_at is not None:
        raise ValidationError(_("This file was already imported."))
    rows = [RawRow(number=number, cells=cells) for number, cells in batch.rows]
    try:
        with transaction.atomic():
            # Lock the batch first: a double click must not import the same file twice.
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.confirmed_at is not None:
                raise ValidationError(_("This file was already imported."))
            result = import_plan_build(rows=rows, scope=scope, plan=plan, lock=True)
            if result.has_errors:
                raise ValidationError(_("The file has errors; nothing was imported."))
            if result.digest() != batch.digest:
                raise ImportChangedError(
                    _(
                        "The figures changed since you saw the preview (someone saved, "
                        "submitted or approved a month). Nothing was imported: check the "
                        "updated preview and confirm again."
                    )
                )
            outcome = _write(result=result, batch=batch, user=user)
            batch.confirmed_at = timezone.now()
            batch.save(update_fields=["confirmed_at"])
            return outcome
    except ImportChangedError:
        fresh = import_plan_build(rows=rows, scope=scope, plan=plan)
        batch.preview = fresh.preview_json()
        batch.digest = fresh.digest()
        batch.save(update_fields=["preview", "digest"])
        raise
    except IntegrityError as error:
        # A month was created by someone else between our check and our write.
        raise ImportChangedError(
            _("The figures changed while importing; nothing was imported. Upload the file again.")
        ) from error


def _write(*, result: ImportPlan, batch: ImportBatch, user: AbstractBaseUser) -> ImportOutcome:
    """Create the months that have no report yet (in bulk, at version 0), then hand every
    change to the one write of monthly figures (services.figures_write), which checks,
    writes, versions, resets to draft and audits in bulk."""
    changes = result.changes
    counts = result.counts
    if not changes:
        return ImportOutcome(0, 0, counts["unchanged"], counts["locked"], 0)
    reports = dict(result.reports)
    missing = sorted(
        {(sub_id, month) for sub_id, _ind, month in (row.target for row in changes)}
        - {(sub_id, month.isoformat()) for sub_id, month in reports}
    )
    if missing:
        created = MonthlyReport.objects.bulk_create(
            [
                MonthlyReport(
                    sub_agreement_id=sub_id,
                    month=dt.date.fromisoformat(month),
                    status=Status.DRAFT,
                    version=0,  # the write makes it 1, as for a month created by the form
                    updated_by=user,
                )
                for sub_id, month in missing
            ]
        )
        if any(report.pk is None for report in created):  # backends without RETURNING
            created = list(
                MonthlyReport.objects.filter(
                    sub_agreement_id__in={s for s, _m in missing},
                    month__in={dt.date.fromisoformat(m) for _s, m in missing},
                    version=0,
                )
            )
        for report in created:
            reports[(report.sub_agreement_id, report.month)] = report
    figure_changes = []
    for row in changes:
        sub_id, indicator_id, month_iso = row.target
        report = reports[(sub_id, dt.date.fromisoformat(month_iso))]
        figure_changes.append(
            FigureChange(
                report=report,
                indicator=result.indicators[indicator_id],
                current=result.existing.get((report.pk, indicator_id)),
                new=ValueInput(**row.new),
            )
        )
    total_created = sum(1 for row in changes if row.status == "new")
    total_changed = len(changes) - total_created
    if len(changes) >= ANALYZE_AFTER_ROWS:
        database_analyze_on_commit()  # a bulk load: fresh planner statistics after it

    def reason(change: ReportChange) -> str:
        return _(
            "Imported from “%(file)s” (SHA-256 %(sha)s): in this month %(created)s new "
            "and %(changed)s changed figures; in the file %(total_created)s new, "
            "%(total_changed)s changed, %(unchanged)s unchanged."
        ) % {
            "file": batch.file_name,
            "sha": batch.sha256,
            "created": change.created,
            "changed": change.changed,
            "total_created": total_created,
            "total_changed": total_changed,
            "unchanged": counts["unchanged"],
        }

    written = figures_write(
        changes=figure_changes, user=user, action=AuditEvent.Action.IMPORT, reason=reason
    )
    return ImportOutcome(
        created=total_created,
        changed=total_changed,
        unchanged=counts["unchanged"],
        locked=counts["locked"],
        reports=len(written),
    )
