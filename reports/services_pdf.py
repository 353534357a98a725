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
from dataclasses import replace

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agreements.models import Agency, Agreement, AgreementParty
from agreements.naming import short_name
from agreements.selectors import user_scope
from audit.models import AuditEvent
from audit.services import audit_record
from core import calendar
from core.processes import process_identity
from core.scope import UserScope
from core.text import nfc
from notifications.services import report_issued_notify
from reports import selectors_pdf
from reports.models import DocumentKind, IssuedReport, RenderJob, SignatureImage
from reports.narrative import narrative_build
from reports.pdf import (
    DocumentMeta,
    RenderTimings,
    Signatory,
    document_title,
    image_data_uri,
    render_document,
)
from reports.pdf_data import DocumentFigures, Kind, document_figures, document_period

logger = logging.getLogger(__name__)

MAX_PENDING_JOBS = 3
# The last line, "- Lưu: VT, <drafting unit>.", is added on rendering (Decree 30).
DEFAULT_RECIPIENTS = {
    Kind.PROVINCIAL: "- Ban Giám đốc Công an tỉnh;\n- Ban Thường vụ Tỉnh đoàn;\n"
    "- Các huyện đoàn, thành đoàn, thị đoàn;",
    Kind.FINAL: "- Bộ Công an (để báo cáo);\n- Trung ương Đoàn (để báo cáo);\n"
    "- Ban Giám đốc Công an tỉnh;\n- Ban Thường vụ Tỉnh đoàn;",
    Kind.DISTRICT: "- Như trên;",
}
# Heads a deputy signs for ("Phó Giám đốc …" signs "KT. GIÁM ĐỐC" over "PHÓ GIÁM ĐỐC").
HEAD_TITLES = ("Giám đốc", "Bí thư", "Chủ tịch", "Trưởng")
REGISTER_MAX = 9999


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
    signer = _signer_defaults(first.signatory_title if first else "")
    co_signer = _signer_defaults(second.signatory_title if second else "")
    addressees = ""
    if figures.kind == Kind.DISTRICT:
        # A district reports to the province: "Kính gửi:" the provincial plan's parties.
        addressees = "\n".join(
            p.agency.name for p in selectors_pdf.issuing_agencies(agreement=figures.plan)
        )
    return {
        "issuer": str(first.agency_id) if first else "",
        "number": "",
        "issued_on": calendar.today(),
        "addressees": addressees,
        # The text is Vietnamese like the document, whatever the interface language.
        "narrative": _narrative_vi(figures),
        "signatory_deputy_of": signer[0],
        "signatory_title": signer[1],
        "signatory_name": first.signatory_name if first else "",
        "co_signatory_deputy_of": co_signer[0],
        "co_signatory_title": co_signer[1],
        "co_signatory_name": second.signatory_name if second else "",
        "recipients": DEFAULT_RECIPIENTS[figures.kind],
        "drafting_unit": "",
    }


def _signer_defaults(position: str) -> tuple[str, str]:
    """(head signed for, position) from a party's recorded position: "Phó Giám đốc Công an
    tỉnh" → ("Giám đốc", "Phó Giám đốc"); anything else signs in its own right."""
    for head in HEAD_TITLES:
        deputy = f"Phó {head}"
        if position.lower().startswith(deputy.lower()):
            return head, deputy
    return "", position


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
            deputy_of=nfc(options.get("signatory_deputy_of")),
        )
    ]
    if len(chosen) > 1:
        signatories.append(
            Signatory(
                title=nfc(options.get("co_signatory_title")),
                name=nfc(options.get("co_signatory_name")),
                agency_name=chosen[1].agency.name,
                deputy_of=nfc(options.get("co_signatory_deputy_of")),
            )
        )
    issued_on = options.get("issued_on")
    if isinstance(issued_on, str):
        issued_on = dt.date.fromisoformat(issued_on) if issued_on else None
    agencies = tuple(p.agency for p in chosen)
    drafting_unit = nfc(options.get("drafting_unit")).strip().rstrip(".") or ", ".join(
        a.abbreviation or a.code for a in agencies
    )
    # The place line names where the issuing body sits: the district's own name in a
    # district report ("Hưng Nguyên, ngày …"), the province's in the provincial ones.
    place = agreement.place or short_name(agreement.org_unit.name)
    places = {figures.plan.place, place, short_name(figures.plan.org_unit.name)}
    places |= {short_name(a.org_unit.name) for a in agencies}
    return DocumentMeta(
        agencies=agencies,
        number=nfc(options.get("number")),
        place=place,
        issued_on=issued_on,
        narrative=_clean_text(options.get("narrative") or ""),
        signatories=tuple(signatories),
        recipients=recipients_lines(options.get("recipients") or "", drafting_unit=drafting_unit),
        addressees=tuple(_lines(options.get("addressees") or "")),
        places=tuple(sorted(p for p in places if p)),
        is_draft=is_draft,
    )


def _lines(text: str) -> list[str]:
    return [line for line in (nfc(x).strip() for x in text.splitlines()) if line]


def recipients_lines(text: str, *, drafting_unit: str) -> tuple[str, ...]:
    """ "Nơi nhận" as Decree 30 lays it out: each line "- …;", and the last always
    "- Lưu: VT, <drafting unit>." (a "Lưu" line typed by hand is replaced by it)."""
    lines = []
    for line in _lines(text):
        body = line.lstrip("-–• ").rstrip(";.,").strip()
        if not body or body.lower().startswith("lưu"):
            continue
        lines.append(f"- {body};")
    lines.append(f"- Lưu: VT, {drafting_unit}." if drafting_unit else "- Lưu: VT.")
    return tuple(lines)


def _issuing_agency(*, agreement: Agreement, issuer) -> Agency:
    """The agency whose register numbers the document: the chosen party, or the first
    party of a joint report."""
    parties = selectors_pdf.issuing_agencies(agreement=agreement)
    if not parties:
        raise ValidationError(_("This agreement has no parties to issue the document."))
    chosen = [p for p in parties if str(p.agency_id) == str(issuer)]
    return (chosen or parties)[0].agency


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
    if issue and (options.get("number") or "").strip():
        # Checked again when issuing, under the register's lock; here so the form says so.
        agreement = document_agreement(plan=plan, kind=kind, sub_agreement=sub_agreement)
        issued_on = options.get("issued_on") or calendar.today()
        if isinstance(issued_on, str):
            issued_on = dt.date.fromisoformat(issued_on)
        register_number_check(
            agency=_issuing_agency(agreement=agreement, issuer=options.get("issuer")),
            year=issued_on.year,
            number=options["number"],
        )
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
        # A draft renders outside any transaction; an issue renders inside its transaction,
        # after the number register gave it its number (report_issue).
        pdf = None if job.issue else render_document(figures, meta)
        with transaction.atomic():
            if ours.select_for_update().first() is None:
                logger.warning("Document job %s was given up while rendering", job_id)
                return RenderJob.objects.get(pk=job_id)
            done = {"status": RenderJob.Status.DONE}
            if job.issue:
                done["issued_report"] = report_issue(user=user, figures=figures, meta=meta)
            else:
                job.draft_file.save("draft.pdf", ContentFile(pdf), save=False)
                done["draft_file"] = job.draft_file.name
            finished = ours.update(
                **done, finished_at=timezone.now(), seconds=time.perf_counter() - started
            )
            if not finished:
                # Given up meanwhile (marked failed by the same connection: another one waits
                # on the row lock): the job stays failed and its issue is undone, number too.
                transaction.set_rollback(True)
                logger.warning("Document job %s was given up while rendering", job_id)
                return RenderJob.objects.get(pk=job_id)
    except Exception as error:  # a failed render must show on the status page, not vanish
        logger.exception("Rendering document job %s failed", job_id)
        ours.update(
            status=RenderJob.Status.FAILED,
            failure=RenderJob.Failure.ERROR,
            error=" ".join(error.messages)[:500] if isinstance(error, ValidationError) else "",
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


def register_number_check(*, agency: Agency, year: int, number: str) -> int | None:
    """The register's verdict on a number typed by hand for ``agency`` in ``year``: the
    number, or None when blank (the register gives the next one). Refused: anything but a
    whole number from 1, a number already issued (withdrawn ones included: a number is
    never given twice), and a number below the register's last — numbers follow the order
    of issue, so a later report cannot take an earlier number. A number above the next is
    accepted: the office's book also numbers reports issued outside the portal, and the
    register then continues after it."""
    number = (number or "").strip()
    if not number:
        return None
    if not number.isdigit() or not 1 <= int(number) <= REGISTER_MAX:
        raise ValidationError(
            {
                "number": _("The number must be a whole number from 1 to %(max)s.")
                % {"max": REGISTER_MAX}
            }
        )
    value = int(number)
    last = selectors_pdf.register_last(agency_id=agency.pk, year=year)
    if selectors_pdf.register_taken(agency_id=agency.pk, year=year, number=value):
        raise ValidationError(
            {
                "number": _(
                    "Number %(number)s of %(year)s has already been given by %(agency)s "
                    "(numbers are never reused, even after a withdrawal). The next free "
                    "number is %(next)s."
                )
                % {
                    "number": f"{value:02d}",
                    "year": year,
                    "agency": agency.name,
                    "next": f"{last + 1:02d}",
                }
            }
        )
    if value < last:
        raise ValidationError(
            {
                "number": _(
                    "Number %(number)s is out of sequence: %(agency)s has already issued "
                    "number %(last)s in %(year)s. Leave the number empty to take the next one "
                    "(%(next)s)."
                )
                % {
                    "number": f"{value:02d}",
                    "agency": agency.name,
                    "last": f"{last:02d}",
                    "year": year,
                    "next": f"{last + 1:02d}",
                }
            }
        )
    return value


def _register_take(*, agency: Agency, year: int, typed: str) -> int:
    """The number this issue takes. Called inside the issue's transaction with the issuing
    agency's row locked, so two issues for one agency take turns: the second sees the
    first's number once it commits (the unique constraint is the last wall)."""
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    value = register_number_check(agency=agency, year=year, number=typed)
    if value is None:
        value = selectors_pdf.register_last(agency_id=agency.pk, year=year) + 1
    return value


def _electronic_original(*, meta: DocumentMeta, user) -> DocumentMeta:
    """The issued document's electronic-original parts: the uploaded signature of each
    signer and the issuing agency's seal (data: URIs), and who issued it and when."""
    images = selectors_pdf.signature_images(agency_ids=[a.pk for a in meta.agencies])
    signatories = []
    for index, person in enumerate(meta.signatories):
        agency = meta.agencies[min(index, len(meta.agencies) - 1)]
        image = images.get((agency.pk, SignatureImage.Kind.SIGNATURE, person.name))
        signatories.append(replace(person, signature_uri=image_data_uri(image) if image else ""))
    seal = images.get((meta.agencies[0].pk, SignatureImage.Kind.SEAL, ""))
    return replace(
        meta,
        signatories=tuple(signatories),
        seal_uri=image_data_uri(seal) if seal else "",
        issued_by_name=_issuer_label(user),
        issued_at=timezone.localtime(),
    )


def _issuer_label(user) -> str:
    """ "Nguyễn Văn An (nva)": the name as the office knows it, the account as the portal does."""
    if user is None:
        return ""
    full = user.get_full_name().strip()
    return f"{full} ({user.get_username()})" if full else user.get_username()


@transaction.atomic
def report_issue(*, user, figures: DocumentFigures, meta: DocumentMeta) -> IssuedReport:
    """Issue a document in one transaction: take its number from the register, render the
    PDF with it (and the electronic-original parts), store the PDF as rendered and the
    figures it printed, audit. A failed render takes no number."""
    issued_on = meta.issued_on or calendar.today()
    year = issued_on.year
    typed = bool(meta.number.strip())
    value = _register_take(agency=meta.agencies[0], year=year, typed=meta.number)
    meta = _electronic_original(
        meta=replace(meta, number=f"{value:02d}", issued_on=issued_on, is_draft=False), user=user
    )
    timings = RenderTimings()
    pdf = render_document(figures, meta, timings=timings)
    pages = timings.pages
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
        register_year=year,
        register_number=value,
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
            "register": {
                "agency": report.issuing_agency_id,
                "year": year,
                "number": value,
                "typed": typed,
            },
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
