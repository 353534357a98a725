"""Reads for documents: issued reports and render jobs, always within the user's scope."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from agreements.models import Agreement, AgreementParty
from core import calendar as periods
from core.scope import UserScope
from core.text import by_unit_name
from reports.models import DocumentKind, IssuedReport, RenderJob
from reports.pdf_data import period_label

# A job still "running" after this long died with its worker (a restart, say).
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


def render_job_is_stale(job: RenderJob) -> bool:
    return job.status in (RenderJob.Status.QUEUED, RenderJob.Status.RUNNING) and (
        timezone.now() - job.created_at > STALE_AFTER
    )


def issuing_agencies(*, agreement: Agreement) -> list[AgreementParty]:
    """The parties of the plan (or sub-agreement) in signing order: who may issue."""
    return list(
        AgreementParty.objects.filter(agreement=agreement)
        .select_related("agency")
        .order_by("order")
    )


def period_choices(*, plan: Agreement) -> list[tuple[str, str]]:
    """Every period a document can cover (the dashboards' periods of the plan), newest first
    within each kind: the whole plan, then each year with its halves and quarters, then
    the months."""
    choices = periods.period_choices(plan=plan)
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
    return RenderJob.objects.filter(
        Q(status=RenderJob.Status.QUEUED) | Q(status=RenderJob.Status.RUNNING),
        requested_by_id=user_id,
        created_at__gte=timezone.now() - STALE_AFTER,
    ).count()
