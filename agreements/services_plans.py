"""A plan's lifecycle in the agreements app: start the next plan from a closed one, activate a
draft. (Closing needs the issued final review, so it lives with the reports:
``reports.services_plans.plan_close``.)"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from agreements.models import Agency, Agreement, AgreementParty, Indicator, OrgUnit, Task
from audit.models import AuditEvent
from audit.services import audit_record
from core.text import nfc

Status = Agreement.Status
CODE_MAX_LENGTH = Agreement._meta.get_field("code").max_length
# The reporting party first (the Youth Union enters the months), then the Police.
PARTY_ORDER = (Agency.Kind.YOUTH_UNION, Agency.Kind.POLICE)


@dataclass(frozen=True)
class PlanDetails:
    """What staff type on the "next plan" form."""

    code: str
    title: str
    start_date: dt.date
    end_date: dt.date
    number: str = ""
    signed_on: dt.date | None = None
    place: str = ""
    period_rule: str = Agreement.PeriodRule.CALENDAR
    submission_deadline_day: int = 5


def _in_force(on: dt.date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=on)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )


def units_in_force(*, parent: OrgUnit, on: dt.date) -> list[OrgUnit]:
    """The units directly under ``parent`` (the province) whose validity covers ``on``, each
    with its agencies in force that day (``unit.agencies_in_force``). Two queries."""
    units = list(OrgUnit.objects.filter(_in_force(on), parent=parent).order_by("code"))
    agencies: dict[int, list[Agency]] = {}
    for agency in Agency.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on),
        org_unit__in=units,
        kind__in=PARTY_ORDER,
    ).order_by("code"):
        agencies.setdefault(agency.org_unit_id, []).append(agency)
    for unit in units:
        unit.agencies_in_force = sorted(
            agencies.get(unit.pk, []), key=lambda a: PARTY_ORDER.index(a.kind)
        )
    return units


def _sub_agreement_code(plan: Agreement, unit: OrgUnit) -> str:
    code = f"{plan.code}-{unit.code}"
    return code if len(code) <= CODE_MAX_LENGTH else f"QC-{plan.pk}-{unit.pk}"


def _sub_agreement_title(parties: list[Agency], plan: Agreement) -> str:
    # Stored data, so in the portal's language whatever the requester's.
    with translation.override(settings.LANGUAGE_CODE):
        if len(parties) >= 2:
            return _("Cooperation agreement between %(first)s and %(second)s — %(plan)s") % {
                "first": parties[0].name,
                "second": parties[1].name,
                "plan": plan.title,
            }
        return _("Cooperation agreement — %(plan)s") % {"plan": plan.title}


def _details_check(details: PlanDetails) -> None:
    errors: dict[str, str] = {}
    if details.end_date < details.start_date:
        errors["end_date"] = _("The end date cannot be before the start date.")
    if not 1 <= details.submission_deadline_day <= 28:
        errors["submission_deadline_day"] = _("The deadline day must be from 1 to 28.")
    if details.period_rule not in Agreement.PeriodRule.values:
        errors["period_rule"] = _("Choose a reporting period rule.")
    if Agreement.objects.filter(code=details.code).exists():
        errors["code"] = _("Another agreement already has the code “%(code)s”.") % {
            "code": details.code
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_create_from(
    *,
    previous: Agreement,
    details: PlanDetails,
    user: AbstractBaseUser | None,
    status: str = Status.ACTIVE,
) -> Agreement:
    """A new plan from ``previous``, in one transaction with one audit event: the same
    province, parties and signatories (edit them afterwards in the administration), a copy
    of its tasks and indicators, and a sub-agreement for each unit in force on the start
    date, with that unit's Youth Union and Police agencies in force as parties. Targets are
    not copied: staff set them from Excel. ``plan_start_next`` is the staff's way in (from a
    closed plan); the demo uses this directly for its sample plan."""
    if previous.parent_id is not None:
        raise ValidationError(_("A plan starts from a plan, not from a sub-agreement."))
    if status not in (Status.ACTIVE, Status.DRAFT):
        raise ValidationError(_("A new plan is either active or a draft."))
    details = PlanDetails(
        **{
            name: nfc(value).strip() if isinstance(value, str) else value
            for name, value in details.__dict__.items()
        }
    )
    _details_check(details)
    plan = Agreement(
        code=details.code,
        title=details.title,
        number=details.number,
        signed_on=details.signed_on,
        place=details.place or previous.place,
        start_date=details.start_date,
        end_date=details.end_date,
        period_rule=details.period_rule,
        submission_deadline_day=details.submission_deadline_day,
        status=status,
        parent=None,
        org_unit=previous.org_unit,
    )
    plan.full_clean()
    plan.save()
    AgreementParty.objects.bulk_create(
        AgreementParty(
            agreement=plan,
            agency=party.agency,
            signatory_name=party.signatory_name,
            signatory_title=party.signatory_title,
            order=party.order,
        )
        for party in previous.parties.filter(
            Q(agency__valid_to__isnull=True) | Q(agency__valid_to__gte=plan.start_date)
        )
    )
    tasks = {
        task.pk: Task.objects.create(agreement=plan, order=task.order, name=task.name)
        for task in previous.tasks.order_by("order")
    }
    indicators = Indicator.objects.bulk_create(
        Indicator(
            plan=plan,
            task=tasks[indicator.task_id],
            code=indicator.code,
            name=indicator.name,
            name_en=indicator.name_en,
            unit=indicator.unit,
            aggregation=indicator.aggregation,
            numerator_label=indicator.numerator_label,
            denominator_label=indicator.denominator_label,
            order=indicator.order,
        )
        for indicator in Indicator.objects.filter(plan=previous).order_by("order", "code")
    )
    units = units_in_force(parent=plan.org_unit, on=plan.start_date)
    sub_agreements = []
    for unit in units:
        parties = unit.agencies_in_force
        ends = [plan.end_date, unit.valid_to, *(a.valid_to for a in parties[:1])]
        sub_agreements.append(
            Agreement(
                code=_sub_agreement_code(plan, unit),
                title=_sub_agreement_title(parties, plan)[:300],
                parent=plan,
                org_unit=unit,
                place=unit.name,
                start_date=plan.start_date,
                end_date=min(day for day in ends if day is not None),
                period_rule=plan.period_rule,
                submission_deadline_day=plan.submission_deadline_day,
                status=status,
            )
        )
    Agreement.objects.bulk_create(sub_agreements)
    created = {a.org_unit_id: a for a in Agreement.objects.filter(parent=plan)}
    AgreementParty.objects.bulk_create(
        AgreementParty(agreement=created[unit.pk], agency=agency, order=order)
        for unit in units
        for order, agency in enumerate(unit.agencies_in_force, start=1)
    )
    audit_record(
        actor=user,
        action=AuditEvent.Action.PLAN_START,
        object_type=plan._meta.label_lower,
        object_id=plan.pk,
        status_after=plan.status,
        after={
            "code": plan.code,
            "from_plan": previous.code,
            "start_date": plan.start_date.isoformat(),
            "end_date": plan.end_date.isoformat(),
            "tasks": len(tasks),
            "indicators": len(indicators),
            "sub_agreements": len(sub_agreements),
        },
        reason=_("Started from %(plan)s.") % {"plan": previous.title},
    )
    return plan


@transaction.atomic
def plan_start_next(
    *,
    previous: Agreement,
    details: PlanDetails,
    user: AbstractBaseUser,
    status: str = Status.ACTIVE,
) -> Agreement:
    """Staff start the next plan from a closed one (see ``plan_create_from``)."""
    previous = Agreement.objects.select_for_update().get(pk=previous.pk)
    if previous.status != Status.CLOSED:
        raise ValidationError(
            _("The next plan starts from a closed plan: close “%(plan)s” first.")
            % {"plan": previous.title}
        )
    return plan_create_from(previous=previous, details=details, user=user, status=status)


@transaction.atomic
def plan_activate(*, plan: Agreement, user: AbstractBaseUser) -> Agreement:
    """A draft plan and its sub-agreements become active: the units can report."""
    plan = Agreement.objects.select_for_update().get(pk=plan.pk)
    if plan.parent_id is not None or plan.status != Status.DRAFT:
        raise ValidationError(_("Only a draft plan can be activated."))
    plan.status = Status.ACTIVE
    plan.save(update_fields=["status"])
    count = Agreement.objects.filter(parent=plan, status=Status.DRAFT).update(status=Status.ACTIVE)
    audit_record(
        actor=user,
        action=AuditEvent.Action.PLAN_ACTIVATE,
        object_type=plan._meta.label_lower,
        object_id=plan.pk,
        status_before=Status.DRAFT,
        status_after=plan.status,
        after={"sub_agreements": count},
    )
    return plan
