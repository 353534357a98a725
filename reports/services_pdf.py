"""Writes for documents: ask for a render, run it in the background, issue the result.

A render request is a status row (``RenderJob``) that the requester's page polls, so a long
whole-plan report never blocks a request. On commit it is enqueued as a task of Django's task
framework (``reports.tasks``), which a separate worker process runs (``manage.py db_worker``)
— never a thread of the web worker, which gunicorn recycles and restarts at will. A job whose
worker died is marked failed (``render_jobs_fail_orphaned``) when a worker starts, when its
page is looked at and before its requester asks for another."""

import datetime as dt
import hashlib
import logging
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agreements.models import Agency, Agreement, AgreementParty
from agreements.selectors import user_scope
from audit.models import AuditEvent
from audit.services import audit_record
from core import calendar
from core.processes import process_identity
from core.scope import UserScope
from core.text import nfc
from notifications.services import report_issued_notify
from reports import selectors_pdf
from reports.models import DocumentKind, IssuedReport, RenderJob
from reports.narrative import narrative_build
from reports.pdf import DocumentMeta, RenderTimings, Signatory, document_title, render_document
from reports.pdf_data import DocumentFigures, Kind, document_figures, document_period

logger = logging.getLogger(__name__)

MAX_PENDING_JOBS = 3
DEFAULT_RECIPIENTS = {
    Kind.PROVINCIAL: "- Ban Giám đốc Công an tỉnh;\n- Ban Thường vụ Tỉnh đoàn;\n"
    "- Các huyện đoàn, thành đoàn, thị đoàn;\n- Lưu: VT.",
    Kind.FINAL: "- Bộ Công an (để báo cáo);\n- Trung ương Đoàn (để báo cáo);\n"
    "- Ban Giám đốc Công an tỉnh;\n- Ban Thường vụ Tỉnh đoàn;\n- Lưu: VT.",
    Kind.DISTRICT: "- Công an tỉnh;\n- Ban Thường vụ Tỉnh đoàn;\n- Lưu: VT.",
}


def document_agreement(*, plan: Agreement, kind: str, sub_agreement: Agreement | None):
    return sub_agreement if kind == Kind.DISTRICT and sub_agreement else plan


def document_defaults(*, figures: DocumentFigures) -> dict:
    """The draft form's starting values: the first party issues, its signatory signs."""
    agreement = document_agreement(
        plan=figures.plan, kind=figures.kind, sub_agreement=figures.sub_agreement
    )
    parties = selectors_pdf.issuing_agencies(agreement=agreement)
    first = parties[0] if parties else None
    second = parties[1] if len(parties) > 1 else None
    return {
        "issuer": str(first.agency_id) if first else "",
        "number": "",
        "issued_on": calendar.today(),
        # The text is Vietnamese like the document, whatever the interface language.
        "narrative": _narrative_vi(figures),
        "signatory_title": first.signatory_title if first else "",
        "signatory_name": first.signatory_name if first else "",
        "co_signatory_title": second.signatory_title if second else "",
        "co_signatory_name": second.signatory_name if second else "",
        "recipients": DEFAULT_RECIPIENTS[figures.kind],
    }


def _narrative_vi(figures: DocumentFigures) -> str:
    with translation.override("vi"):
        return narrative_build(figures)


def document_meta(*, figures: DocumentFigures, options: dict, is_draft: bool) -> DocumentMeta:
    """Header, signature and text of a document from the draft form's values. The issuer is
    one of the agreement's parties, or ``joint`` for all of them."""
    agreement = document_agreement(
        plan=figures.plan, kind=figures.kind, sub_agreement=figures.sub_agreement
    )
    parties = selectors_pdf.issuing_agencies(agreement=agreement)
    if not parties:
        raise ValidationError(_("This agreement has no parties to issue the document."))
    issuer = str(options.get("issuer") or parties[0].agency_id)
    if issuer == "joint" and len(parties) > 1:
        chosen = parties[:2]
    else:
        chosen = [p for p in parties if str(p.agency_id) == issuer]
        if not chosen:
            raise ValidationError(_("Choose an issuing agency that is a party to the agreement."))
    signatories = [
        Signatory(
            title=nfc(options.get("signatory_title")),
            name=nfc(options.get("signatory_name")),
            agency_name=chosen[0].agency.name if len(chosen) > 1 else "",
        )
    ]
    if len(chosen) > 1:
        signatories.append(
            Signatory(
                title=nfc(options.get("co_signatory_title")),
                name=nfc(options.get("co_signatory_name")),
                agency_name=chosen[1].agency.name,
            )
        )
    issued_on = options.get("issued_on")
    if isinstance(issued_on, str):
        issued_on = dt.date.fromisoformat(issued_on) if issued_on else None
    recipients = tuple(
        line for line in (nfc(x) for x in (options.get("recipients") or "").splitlines()) if line
    )
    return DocumentMeta(
        agencies=tuple(p.agency for p in chosen),
        number=nfc(options.get("number")),
        place=figures.plan.place or figures.plan.org_unit.name,
        issued_on=issued_on,
        narrative=_clean_text(options.get("narrative") or ""),
        signatories=tuple(signatories),
        recipients=recipients,
        is_draft=is_draft,
    )


def _clean_text(text: str) -> str:
    """NFC, no NULs, Windows line ends folded: the narrative is printed (escaped) as typed."""
    return nfc(text.replace("\r\n", "\n").replace("\r", "\n"))


def _check_document_access(
    *, scope: UserScope, kind: str, sub_agreement_id: int | None, plan: Agreement, issue: bool
) -> Agreement | None:
    """Another district's (or the province's) document is a 404 for a district user; a user
    who may read but not issue gets a 403 when issuing."""
    if kind not in Kind.CHOICES:
        raise Http404
    sub_agreement = None
    if kind == Kind.DISTRICT:
        sub_agreement = (
            selectors_pdf.sub_agreement_queryset(plan=plan, scope=scope)
            .filter(pk=sub_agreement_id)
            .first()
        )
        if sub_agreement is None:
            raise Http404
    elif not scope.sees_all:
        raise Http404
    if issue and not (
        scope.can_review
        or (sub_agreement is not None and sub_agreement.org_unit_id in scope.officer_unit_ids)
    ):
        raise PermissionDenied
    return sub_agreement


def render_job_create(
    *,
    user,
    scope: UserScope,
    plan: Agreement,
    kind: str,
    period: str,
    sub_agreement_id: int | None,
    options: dict,
    issue: bool,
) -> RenderJob:
    """Record a render request; once the row is committed, a task renders it in the worker
    process (``manage.py db_worker``). Jobs of this user known to be dead are failed first,
    so they never hold up a new request."""
    sub_agreement = _check_document_access(
        scope=scope, kind=kind, sub_agreement_id=sub_agreement_id, plan=plan, issue=issue
    )
    parsed = document_period("plan" if kind == Kind.FINAL else period, plan=plan)
    if parsed is None:
        raise ValidationError({"period": _("Choose a valid period.")})
    period_key = parsed.key
    render_jobs_fail_orphaned(user_id=user.pk)
    if selectors_pdf.pending_jobs(user_id=user.pk) >= MAX_PENDING_JOBS:
        raise ValidationError(
            _("You already have documents being rendered; wait until they are ready.")
        )
    serialisable = {
        key: (value.isoformat() if isinstance(value, dt.date) else value)
        for key, value in options.items()
    }
    with transaction.atomic():
        job = RenderJob(
            kind=kind,
            period=period_key,
            plan=plan,
            sub_agreement=sub_agreement,
            issue=issue,
            options=serialisable,
            requested_by=user,
        )
        job.full_clean()
        job.save()
        # The worker must find the row: enqueue only once it is committed.
        transaction.on_commit(lambda: render_job_enqueue(job_id=job.pk))
    return job


def render_job_enqueue(*, job_id) -> None:
    """Hand the job to the task queue and note the task's id on it. A queue that refuses
    the task (database or Redis down) fails the job at once instead of leaving it queued."""
    # reports.tasks imports this module (the task calls render_job_run).
    from reports.tasks import render_job_task

    try:
        result = render_job_task.enqueue(job_id=str(job_id))
    except Exception:
        logger.exception("Could not enqueue the render of document job %s", job_id)
        RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.QUEUED).update(
            status=RenderJob.Status.FAILED,
            failure=RenderJob.Failure.NOT_STARTED,
            finished_at=timezone.now(),
        )
        return
    # With the immediate backend (tests) the task has already run; the id is still useful.
    RenderJob.objects.filter(pk=job_id).update(task_result_id=str(result.id))


def render_job_run(*, job_id, task_result_id: str = "") -> RenderJob:
    """Render one job in the worker: claim it (QUEUED → RUNNING, a conditional update, so two
    workers never render the same job), then figures with the requester's own scope (checked
    again here: their roles may have changed since they asked), then the PDF; issue it if
    asked. The job is finished only if it is still this worker's: one given up as orphaned
    meanwhile stays failed and issues nothing."""
    worker = process_identity()
    claim = {"status": RenderJob.Status.RUNNING, "started_at": timezone.now(), "worker": worker}
    if task_result_id:
        claim["task_result_id"] = task_result_id
    updated = RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.QUEUED).update(**claim)
    job = RenderJob.objects.select_related("requested_by", "plan", "sub_agreement").get(pk=job_id)
    if not updated:
        return job  # already taken by another worker, or given up
    ours = RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.RUNNING, worker=worker)
    started = time.perf_counter()
    try:
        # Test-only (cooperation/settings_test.py): hold the job RUNNING so a test can kill
        # the worker mid-render. Production settings do not define it.
        delay = getattr(settings, "PDF_RENDER_TEST_DELAY", 0)
        if delay:
            time.sleep(delay)
        user = job.requested_by
        scope = user_scope(user)
        plan = job.plan
        _check_document_access(
            scope=scope,
            kind=job.kind,
            sub_agreement_id=job.sub_agreement_id,
            plan=plan,
            issue=job.issue,
        )
        figures = document_figures(
            kind=job.kind,
            plan=plan,
            period=document_period(job.period, plan=plan),
            scope=scope,
            sub_agreement_id=job.sub_agreement_id,
        )
        meta = document_meta(figures=figures, options=job.options, is_draft=not job.issue)
        timings = RenderTimings()
        pdf = render_document(figures, meta, timings=timings)
        with transaction.atomic():
            if ours.select_for_update().first() is None:
                logger.warning("Document job %s was given up while rendering", job_id)
                return RenderJob.objects.get(pk=job_id)
            done = {"status": RenderJob.Status.DONE}
            if job.issue:
                done["issued_report"] = report_issue(
                    user=user, figures=figures, meta=meta, pdf=pdf, pages=timings.pages
                )
            else:
                job.draft_file.save("draft.pdf", ContentFile(pdf), save=False)
                done["draft_file"] = job.draft_file.name
            ours.update(**done, finished_at=timezone.now(), seconds=time.perf_counter() - started)
    except Exception as error:  # a failed render must show on the status page, not vanish
        logger.exception("Rendering document job %s failed", job_id)
        ours.update(
            status=RenderJob.Status.FAILED,
            failure=RenderJob.Failure.ERROR,
            error=str(error)[:500] if isinstance(error, ValidationError) else "",
            finished_at=timezone.now(),
            seconds=time.perf_counter() - started,
        )
    except BaseException:  # the worker is stopping (second Ctrl-C, SystemExit): say so
        ours.update(
            status=RenderJob.Status.FAILED,
            failure=RenderJob.Failure.WORKER_LOST,
            finished_at=timezone.now(),
        )
        raise
    return RenderJob.objects.select_related("issued_report").get(pk=job_id)


def render_job_check(*, job: RenderJob) -> RenderJob:
    """The job as its requester should see it: a job known to be dead (see
    ``selectors_pdf.render_job_failure``) is marked failed first, so it can neither hold up a
    new request nor run later."""
    failed = _fail_orphaned([job])
    if not failed:
        return job
    return selectors_pdf.render_job_get(pk=job.pk, user_id=job.requested_by_id)


def render_jobs_fail_orphaned(*, user_id: int | None = None, at_worker_start: bool = False):
    """Mark failed every pending job (of one user, or all) that will never finish: its
    worker process is gone, its task ended without finishing it, or it waited or ran far
    longer than any render. Returns the jobs failed. ``at_worker_start``: called by a worker
    that is starting, which is about to run the queued jobs — so none is given up for having
    waited."""
    pending = RenderJob.objects.filter(
        status__in=[RenderJob.Status.QUEUED, RenderJob.Status.RUNNING]
    )
    if user_id is not None:
        pending = pending.filter(requested_by_id=user_id)
    return _fail_orphaned(list(pending), give_up_waiting=not at_worker_start)


def _fail_orphaned(jobs: list[RenderJob], *, give_up_waiting: bool = True) -> list[RenderJob]:
    now = timezone.now()
    failed = []
    for job in jobs:
        failure = selectors_pdf.render_job_failure(job, now=now, give_up_waiting=give_up_waiting)
        if failure is None:
            continue
        # Conditional: a worker that finished (or claimed) the job meanwhile wins.
        gone = RenderJob.objects.filter(pk=job.pk, status=job.status, worker=job.worker).update(
            status=RenderJob.Status.FAILED, failure=failure, finished_at=now
        )
        if gone:
            logger.warning(
                "Document job %s (%s, worker %r) marked failed: %s",
                job.pk,
                job.status,
                job.worker,
                failure,
            )
            failed.append(job)
    return failed


@transaction.atomic
def report_issue(
    *, user, figures: DocumentFigures, meta: DocumentMeta, pdf: bytes, pages: int
) -> IssuedReport:
    """Store an issued document: the PDF as rendered, and the figures it printed."""
    kind_title, subject = document_title(figures)
    figures_dict = figures.as_dict()
    report = IssuedReport(
        kind=figures.kind,
        period=figures.period.key,
        period_label=figures.period_label,
        plan=figures.plan,
        sub_agreement=figures.sub_agreement,
        issuing_agency=meta.agencies[0],
        co_issuing_agency=meta.agencies[1] if len(meta.agencies) > 1 else None,
        number=meta.number,
        number_line=meta.number_line,
        title=f"{kind_title} {subject}"[:500],
        narrative=meta.narrative,
        signatory_title=meta.signatories[0].title if meta.signatories else "",
        signatory_name=meta.signatories[0].name if meta.signatories else "",
        recipients="\n".join(meta.recipients),
        file_sha256=hashlib.sha256(pdf).hexdigest(),
        figures=figures_dict,
        figures_sha256=figures.sha256,
        pages=pages,
        issued_by=user,
    )
    report.file.save("report.pdf", ContentFile(pdf), save=False)
    report.full_clean()
    report.save()
    audit_record(
        actor=user,
        action=AuditEvent.Action.ISSUE,
        object_type=report._meta.label_lower,
        object_id=report.pk,
        after={
            "number_line": report.number_line,
            "kind": report.kind,
            "period": report.period,
            "sub_agreement": report.sub_agreement_id,
            "file_sha256": report.file_sha256,
            "figures_sha256": report.figures_sha256,
            "pages": report.pages,
        },
    )
    transaction.on_commit(lambda: report_issued_notify(issued_report=report), robust=True)
    return report


WITHDRAWAL_REASON_MAX_LENGTH = 2000


@transaction.atomic
def issued_report_withdraw(*, report: IssuedReport, user, reason: str) -> IssuedReport:
    """Withdraw an issued document (issued by mistake, superseded…): it stays on record —
    row and PDF kept byte for byte — marked withdrawn with who, when and why. Only the
    reviewers (admin, provincial staff) may; the reason is required."""
    scope = user_scope(user)
    if not scope.can_review:
        raise PermissionDenied(_("Only provincial staff may withdraw an issued report."))
    reason = _clean_text(reason).strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for withdrawing the report.")})
    if len(reason) > WITHDRAWAL_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("The reason is too long (at most %(max)s characters).")
                % {"max": WITHDRAWAL_REASON_MAX_LENGTH}
            }
        )
    locked = IssuedReport.objects.select_for_update().get(pk=report.pk)
    if locked.is_withdrawn:
        raise ValidationError(_("This report has already been withdrawn."))
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_by = user
    locked.withdrawal_reason = reason
    written = ["withdrawn_at", "withdrawn_by", "withdrawal_reason"]
    # Only what this writes: the rest is as issued and is not re-judged.
    locked.full_clean(exclude=[f.name for f in IssuedReport._meta.fields if f.name not in written])
    locked.save(update_fields=written)
    audit_record(
        actor=user,
        action=AuditEvent.Action.WITHDRAW,
        object_type=locked._meta.label_lower,
        object_id=locked.pk,
        before={"withdrawn": False},
        after={"withdrawn": True, "number_line": locked.number_line},
        reason=reason,
    )
    return locked


def agencies_for_choice(*, agreement: Agreement) -> list[tuple[str, str]]:
    parties: list[AgreementParty] = selectors_pdf.issuing_agencies(agreement=agreement)
    choices = [(str(p.agency_id), p.agency.name) for p in parties]
    if len(parties) > 1 and {p.agency.kind for p in parties[:2]} >= {
        Agency.Kind.POLICE,
        Agency.Kind.YOUTH_UNION,
    }:
        choices.append(
            (
                "joint",
                _("Joint report: %(names)s")
                % {"names": " – ".join(p.agency.name for p in parties[:2])},
            )
        )
    return choices


__all__ = [
    "DocumentKind",
    "document_defaults",
    "document_meta",
    "render_job_check",
    "render_job_create",
    "render_job_enqueue",
    "render_job_run",
    "render_jobs_fail_orphaned",
    "report_issue",
]
