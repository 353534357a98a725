"""Reads for documents: issued reports and render jobs, always within the user's scope."""

import datetime as dt

from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from activities.models import MonthlyReport
from agreements.models import Agreement, AgreementParty
from core import calendar as periods
from core.processes import process_alive
from core.scope import UserScope
from core.tasks import TaskResultDoesNotExist, TaskResultStatus, task_backends
from core.text import by_unit_name
from reports.models import DocumentKind, IssuedReport, RenderJob, SignatureImage
from reports.pdf import document_filename, file_subject
from reports.pdf_data import period_label

# Far longer than any render (the whole plan takes seconds): a job still waiting or running
# after this long will not finish, wherever its worker is. A job whose worker is known to be
# gone fails at once, without waiting for this.
STALE_AFTER = dt.timedelta(minutes=10)


def issued_report_list(*, scope: UserScope) -> QuerySet[IssuedReport]:
    """Issued documents the user may read: provincial documents for province-wide roles, a
    district's own documents for its district users."""
    queryset = IssuedReport.objects.select_related(
        "sub_agreement__org_unit",
        "issuing_agency",
        "co_issuing_agency",
        "issued_by",
        "withdrawn_by",
    )
    if not scope.sees_all:
        queryset = queryset.filter(
            kind=DocumentKind.DISTRICT, sub_agreement__org_unit_id__in=scope.district_unit_ids
        )
    return queryset.order_by("-issued_at", "-id")


def issued_report_get(*, pk: int, scope: UserScope) -> IssuedReport:
    report = issued_report_list(scope=scope).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def last_issued(*, kind: str, period: str, sub_agreement_id: int | None) -> IssuedReport | None:
    """The latest issued document of the same kind, period and district still in force
    (for "what changed since": a withdrawn document is not the one to compare with)."""
    return (
        IssuedReport.objects.in_force()
        .filter(kind=kind, period=period, sub_agreement_id=sub_agreement_id)
        .order_by("-issued_at", "-id")
        .first()
    )


def render_job_get(*, pk, user_id: int) -> RenderJob:
    """A job is private to whoever asked for it: anyone else gets a 404."""
    job = RenderJob.objects.filter(pk=pk, requested_by_id=user_id).select_related("issued_report")
    found = job.first()
    if found is None:
        raise Http404
    return found


def render_job_failure(
    job: RenderJob, *, now: dt.datetime, give_up_waiting: bool = True
) -> str | None:
    """Why a pending job will never finish (a ``RenderJob.Failure``), or None while it still
    may. Known dead at once: the process that claimed it is gone (same host: pid and start
    time, core.processes), or its task ended (failed or succeeded) without finishing it.
    Otherwise, for a worker on another host or a queue nobody works: after ``STALE_AFTER``
    running, or waiting (unless ``give_up_waiting`` is off: a starting worker is about to run
    the waiting jobs)."""
    if job.status == RenderJob.Status.RUNNING:
        if job.worker and process_alive(job.worker) is False:
            return RenderJob.Failure.WORKER_LOST
        if _task_finished(job.task_result_id):
            return RenderJob.Failure.WORKER_LOST
        if job.started_at and now - job.started_at > STALE_AFTER:
            return RenderJob.Failure.WORKER_LOST
    elif job.status == RenderJob.Status.QUEUED:
        if _task_finished(job.task_result_id):
            return RenderJob.Failure.NOT_STARTED
        if give_up_waiting and now - job.created_at > STALE_AFTER:
            return RenderJob.Failure.NOT_STARTED
    return None


def _task_finished(task_result_id: str) -> bool:
    """Whether the job's task is over, as far as the task backend can tell (the database
    backend can; the immediate one keeps no results). A vanished result (pruned) counts."""
    if not task_result_id:
        return False
    backend = task_backends["default"]
    if not backend.supports_get_result:
        return False
    try:
        result = backend.get_result(task_result_id)
    except TaskResultDoesNotExist:
        return True
    return result.status in (TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL)


def issuing_agencies(*, agreement: Agreement) -> list[AgreementParty]:
    """The parties of the plan (or sub-agreement) in signing order: who may issue."""
    return list(
        AgreementParty.objects.filter(agreement=agreement)
        .select_related("agency__org_unit")
        .order_by("order")
    )


def reported_months(*, plan: Agreement) -> set[dt.date]:
    """The months in which at least one unit of the plan submitted its report (submitted or
    approved). One query."""
    return set(
        MonthlyReport.objects.filter(
            sub_agreement__parent=plan,
            status__in=(MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.APPROVED),
        )
        .values_list("month", flat=True)
        .distinct()
    )


def period_choices(
    *, plan: Agreement, reported: set[dt.date] | None = None
) -> list[tuple[str, str]]:
    """Every period a document can cover (the dashboards' periods of the plan), newest first
    within each kind: the whole plan, then each year with its halves and quarters, then
    the months. With ``reported`` (``reported_months``), only the periods holding one of
    those months, and the whole plan: a report on a period nobody reported on is empty."""
    choices = periods.period_choices(plan=plan)
    if reported is not None:
        choices = [
            p
            for p in choices
            if p.kind == periods.PLAN
            or any(p.first_month <= month <= p.last_month for month in reported)
        ]
    order = {periods.YEAR: 0, periods.HALF: 1, periods.QUARTER: 2}

    def label(period: periods.Period) -> str:
        text = period_label(period)
        return f"Cả {text}" if period.kind == periods.PLAN else text[:1].upper() + text[1:]

    whole = [p for p in choices if p.kind == periods.PLAN]
    spans = sorted(
        (p for p in choices if p.kind in order),
        key=lambda p: (-p.first_month.year, order[p.kind], -p.first_month.month),
    )
    months = sorted((p for p in choices if p.kind == periods.MONTH), key=lambda p: p.first_month)
    return [(p.key, label(p)) for p in [*whole, *spans, *reversed(months)]]


def sub_agreement_queryset(*, plan: Agreement, scope: UserScope) -> QuerySet[Agreement]:
    queryset = Agreement.objects.filter(parent=plan).select_related("org_unit")
    if not scope.sees_all:
        queryset = queryset.filter(org_unit_id__in=scope.district_unit_ids)
    return queryset


def sub_agreements_for(*, plan: Agreement, scope: UserScope) -> list[Agreement]:
    """The PDF picker's units, in the same Vietnamese order as the dashboards."""
    return by_unit_name(sub_agreement_queryset(plan=plan, scope=scope))


def pending_jobs(*, user_id: int) -> int:
    """Jobs of this user still waiting or rendering (dead ones are failed before counting:
    services_pdf.render_jobs_fail_orphaned)."""
    return RenderJob.objects.filter(
        Q(status=RenderJob.Status.QUEUED) | Q(status=RenderJob.Status.RUNNING),
        requested_by_id=user_id,
    ).count()


def register_last(*, agency_id: int, year: int) -> int:
    """The highest number the register holds for an agency and year (0 when none): withdrawn
    reports included, since a number once issued is never given again."""
    return (
        IssuedReport.objects.filter(issuing_agency_id=agency_id, register_year=year).aggregate(
            last=Max("register_number")
        )["last"]
        or 0
    )


def register_taken(*, agency_id: int, year: int, number: int) -> bool:
    return IssuedReport.objects.filter(
        issuing_agency_id=agency_id, register_year=year, register_number=number
    ).exists()


def signature_images(*, agency_ids: list[int]) -> dict:
    """The agencies' uploaded images: {(agency id, "seal", ""): image, (agency id,
    "signature", signer name): image}."""
    return {
        (image.agency_id, image.kind, image.signer_name): image
        for image in SignatureImage.objects.filter(agency_id__in=agency_ids)
    }


def issued_filename(*, report: IssuedReport) -> str:
    """The file name an office files the issued report under (reports.pdf.document_filename)."""
    agencies = [report.issuing_agency, report.co_issuing_agency]
    number = report.register_number
    if number is None and report.number.isdigit():
        number = int(report.number)  # issued before the register
    area = report.sub_agreement.org_unit.name if report.sub_agreement_id else ""
    return document_filename(
        abbreviations=[a.abbreviation or a.code for a in agencies if a is not None],
        number=number,
        year=report.register_year or timezone.localtime(report.issued_at).year,
        subject=file_subject(kind=report.kind, period_label=report.period_label, area=area),
        withdrawn=report.is_withdrawn,
    )


def draft_filename(*, job: RenderJob) -> str:
    """A draft's file name: marked DU-THAO, no number yet, the year it would be issued in."""
    agreement = job.sub_agreement if job.kind == "district" and job.sub_agreement else job.plan
    parties = issuing_agencies(agreement=agreement)
    issuer = str(job.options.get("issuer") or "")
    if issuer == "joint":
        chosen = parties[:2]
    else:
        chosen = [p for p in parties if str(p.agency_id) == issuer] or parties[:1]
    issued_on = job.options.get("issued_on")
    year = dt.date.fromisoformat(issued_on).year if issued_on else periods.today().year
    period = periods.period_parse(job.period, plan=job.plan)
    area = job.sub_agreement.org_unit.name if job.sub_agreement_id else ""
    return document_filename(
        abbreviations=[p.agency.abbreviation or p.agency.code for p in chosen],
        year=year,
        subject=file_subject(
            kind=job.kind, period_label=period_label(period) if period else job.period, area=area
        ),
        is_draft=True,
    )
