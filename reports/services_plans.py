"""Closing a plan: possible once its final review is issued (and not withdrawn). From then on
every write to its months and targets is refused (activities.services.plan_open_check and the
target import ask agreements.selectors.plan_read_only_reason); it stays browsable, exportable
and printable."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agreements.models import Agreement
from audit.models import AuditEvent
from audit.services import audit_record
from core import calendar
from core.text import nfc
from reports.models import DocumentKind, IssuedReport

Status = Agreement.Status


def final_review_issued(*, plan: Agreement) -> IssuedReport | None:
    """The plan's final review in force (the latest issued, not withdrawn), if any."""
    return (
        IssuedReport.objects.in_force()
        .filter(plan=plan, kind=DocumentKind.FINAL)
        .order_by("-issued_at", "-id")
        .first()
    )


@transaction.atomic
def plan_close(*, plan: Agreement, user: AbstractBaseUser, reason: str = "") -> Agreement:
    """Close a plan after its final review: the plan and its sub-agreements become closed
    (read-only) as of today, in one transaction with one audit event."""
    plan = Agreement.objects.select_for_update().get(pk=plan.pk)
    if plan.parent_id is not None:
        raise ValidationError(_("Only a plan can be closed, not a sub-agreement."))
    if plan.status == Status.CLOSED:
        raise ValidationError(_("This plan is already closed."))
    if plan.status != Status.ACTIVE:
        raise ValidationError(_("Only an active plan can be closed."))
    final = final_review_issued(plan=plan)
    if final is None:
        raise ValidationError(
            _(
                "The plan cannot be closed yet: its final review has not been issued. "
                "Issue the final review on the Documents page first."
            )
        )
    status_before = plan.status
    plan.status = Status.CLOSED
    plan.closed_on = calendar.today()
    plan.save(update_fields=["status", "closed_on"])
    count = Agreement.objects.filter(parent=plan).update(status=Status.CLOSED)
    audit_record(
        actor=user,
        action=AuditEvent.Action.PLAN_CLOSE,
        object_type=plan._meta.label_lower,
        object_id=plan.pk,
        status_before=status_before,
        status_after=plan.status,
        after={
            "closed_on": plan.closed_on.isoformat(),
            "final_review": final.number_line,
            "sub_agreements": count,
        },
        reason=nfc(reason).strip(),
    )
    return plan


def final_review_plan_ids(*, plan_ids: list[int]) -> set[int]:
    """Which of these plans have a final review in force (what closing needs). One query."""
    return set(
        IssuedReport.objects.in_force()
        .filter(plan_id__in=plan_ids, kind=DocumentKind.FINAL)
        .values_list("plan_id", flat=True)
    )
