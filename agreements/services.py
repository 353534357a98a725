"""Writes to the plan's structure."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agreements import plan_data
from agreements.models import (
    Agency,
    Agreement,
    AgreementParty,
    Baseline,
    Indicator,
    Membership,
    OrgUnit,
    Task,
    UnitSuccession,
)
from agreements.naming import (
    POLICE_ABBREVIATION,
    POLICE_NAME,
    UNION_ABBREVIATION,
    UNION_NAME,
)
from agreements.reforms import ReformPreview, ReformRow, reform_preview
from audit.models import AuditEvent
from audit.services import audit_build, audit_record, audit_record_bulk, model_snapshot


def _upsert(model, lookup: dict, values: dict):
    """update_or_create that writes only when something differs, so reloading is a no-op.
    Returns the object and "created", "changed" or "" (unchanged)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save()
        return obj, "created"
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if changed:
        for field in changed:
            setattr(obj, field, values[field])
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save(update_fields=changed)
    return obj, "changed" if changed else ""


@transaction.atomic
def plan_load(*, user: AbstractBaseUser | None = None) -> dict[str, int]:
    """Load (or bring up to date) the plan in ``plan_data``. Idempotent: a second run
    writes nothing — not even an audit event, since nothing changed. Returns the number of
    rows created or changed per model; a run that writes records one audit event with the
    created and changed counts per model."""
    counts: dict[str, int] = {}
    outcome: dict[str, dict[str, int]] = {"created": {}, "changed": {}}

    def upsert(model, lookup, values):
        obj, touched = _upsert(model, lookup, values)
        counts[model.__name__] = counts.get(model.__name__, 0) + int(bool(touched))
        if touched:
            outcome[touched][model.__name__] = outcome[touched].get(model.__name__, 0) + 1
        return obj

    province = upsert(
        OrgUnit,
        {"code": plan_data.PROVINCE["code"]},
        {"name": plan_data.PROVINCE["name"], "kind": plan_data.PROVINCE["kind"]},
    )
    plan = upsert(
        Agreement,
        {"code": plan_data.PLAN["code"]},
        {
            **{k: v for k, v in plan_data.PLAN.items() if k != "code"},
            "org_unit": province,
            "parent": None,
        },
    )
    for order, agency_data in enumerate(plan_data.PROVINCIAL_AGENCIES, start=1):
        agency = upsert(
            Agency,
            {"code": agency_data["code"]},
            {
                "name": agency_data["name"],
                "kind": agency_data["kind"],
                "org_unit": province,
                "parent_body": agency_data["parent_body"],
                "abbreviation": agency_data["abbreviation"],
            },
        )
        upsert(
            AgreementParty,
            {"agreement": plan, "agency": agency},
            {
                "signatory_name": agency_data["signatory_name"],
                "signatory_title": agency_data["signatory_title"],
                "order": order,
            },
        )
    tasks = {
        number: upsert(Task, {"agreement": plan, "order": number}, {"name": name})
        for number, name in enumerate(plan_data.TASKS, start=1)
    }
    for order, row in enumerate(plan_data.INDICATORS, start=1):
        code, task_number, name, name_en, unit, aggregation, baseline, note = row
        numerator_label, denominator_label = plan_data.RATIO_LABELS.get(code, ("", ""))
        indicator = upsert(
            Indicator,
            {"plan": plan, "code": code},
            {
                "task": tasks[task_number],
                "name": name,
                "name_en": name_en,
                "unit": unit,
                "aggregation": aggregation,
                "order": order,
                "numerator_label": numerator_label,
                "denominator_label": denominator_label,
            },
        )
        if baseline is not None:
            upsert(
                Baseline,
                {"agreement": plan, "indicator": indicator},
                {
                    "value": Decimal(baseline),
                    "as_of": plan_data.PLAN["signed_on"],
                    "note": f"{plan_data.BASELINE_SOURCE}: {note}",
                },
            )
    units = {}
    for code, name, kind, _union, _police in plan_data.DISTRICTS:
        valid_to = plan_data.CUA_LO_END if code == "CUA_LO" else plan_data.DISTRICT_LEVEL_END
        units[code] = upsert(
            OrgUnit,
            {"code": code},
            {
                "name": name,
                "kind": kind,
                "parent": province,
                "valid_from": None,
                "valid_to": valid_to,
            },
        )
    # Cửa Lò (and four Nghi Lộc communes) joined Vinh on 01/12/2024.
    for code in ("CUA_LO", "NGHI_LOC"):
        upsert(
            UnitSuccession,
            {"predecessor": units[code], "successor": units["VINH"]},
            {"on": plan_data.CUA_LO_MERGER, "basis": plan_data.CUA_LO_MERGER_BASIS},
        )
    for code, name, _kind, union_name, police_name in plan_data.DISTRICTS:
        unit = units[code]
        union = upsert(
            Agency,
            {"code": f"DOAN_{code}"},
            {
                "name": union_name,
                "kind": Agency.Kind.YOUTH_UNION,
                "org_unit": unit,
                "parent_body": plan_data.YOUTH_UNION_PARENT_BODY,
                "abbreviation": UNION_ABBREVIATION,
                "valid_to": unit.valid_to,
            },
        )
        police = upsert(
            Agency,
            {"code": f"CA_{code}"},
            {
                "name": police_name,
                "kind": Agency.Kind.POLICE,
                "org_unit": unit,
                "parent_body": plan_data.POLICE_PARENT_BODY,
                "abbreviation": POLICE_ABBREVIATION,
                "valid_to": min(unit.valid_to, plan_data.DISTRICT_POLICE_END),
            },
        )
        # Sub-agreements were signed after the provincial plan; reporting starts then and
        # ends when the district Youth Union was wound up (its reporting party).
        sub_agreement = upsert(
            Agreement,
            {"code": f"QC-{code}"},
            {
                "title": f"Quy chế phối hợp giữa {union_name} và {police_name} "
                f"{plan_data.DISTRICT_PERIOD}",
                "parent": plan,
                "org_unit": unit,
                "place": name.split(" ", 1)[-1],
                "start_date": plan_data.SUB_AGREEMENTS_FROM,
                "end_date": unit.valid_to,
                "status": Agreement.Status.ACTIVE,
                "number": "",
            },
        )
        for order, agency in enumerate((union, police), start=1):
            upsert(AgreementParty, {"agreement": sub_agreement, "agency": agency}, {"order": order})
    _communes_load(upsert=upsert, plan=plan, province=province, districts=units)
    if any(counts.values()):
        audit_record(
            actor=user,
            action=AuditEvent.Action.PLAN_LOAD,
            object_type=plan._meta.label_lower,
            object_id=plan.pk,
            after=outcome,
            reason=_("Plan loaded from the plan data (load_plan)."),
        )
    return counts


def _communes_load(*, upsert, plan: Agreement, province: OrgUnit, districts: dict) -> None:
    """The 130 commune-level units of 01/07/2025, each linked to its former district, with
    its Youth Union and Police and a sub-agreement from 07/2025 to the plan's end.

    Why a sub-agreement per commune: the month, its workflow, its scope and its Excel file
    all hang on a sub-agreement, so communes report exactly as districts did, and the
    district's history stays on the district's own sub-agreement."""
    for commune in plan_data.communes_2025():
        unit = upsert(
            OrgUnit,
            {"code": commune.code},
            {
                "name": commune.name,
                "kind": commune.kind,
                "parent": province,
                "valid_from": plan_data.COMMUNES_FROM,
                "valid_to": None,
            },
        )
        upsert(
            UnitSuccession,
            {"predecessor": districts[commune.former_district], "successor": unit},
            {"on": plan_data.COMMUNES_FROM, "basis": plan_data.COMMUNES_BASIS},
        )
        union = upsert(
            Agency,
            {"code": f"DOAN_{commune.code}"},
            {
                "name": UNION_NAME[commune.kind].format(commune.short_name),
                "kind": Agency.Kind.YOUTH_UNION,
                "org_unit": unit,
                "parent_body": plan_data.YOUTH_UNION_PARENT_BODY,
                "abbreviation": UNION_ABBREVIATION,
                "valid_to": None,
            },
        )
        police = upsert(
            Agency,
            {"code": f"CA_{commune.code}"},
            {
                "name": POLICE_NAME[commune.kind].format(commune.short_name),
                "kind": Agency.Kind.POLICE,
                "org_unit": unit,
                "parent_body": plan_data.POLICE_PARENT_BODY,
                "abbreviation": POLICE_ABBREVIATION,
                "valid_to": None,
            },
        )
        sub_agreement = upsert(
            Agreement,
            {"code": f"QC-{commune.code}"},
            {
                "title": f"Quy chế phối hợp giữa {union.name} và {police.name} "
                f"{plan_data.COMMUNE_PERIOD}",
                "parent": plan,
                "org_unit": unit,
                "place": commune.short_name,
                "start_date": plan_data.COMMUNES_FROM,
                "end_date": plan.end_date,
                "status": Agreement.Status.ACTIVE,
                "number": "",
            },
        )
        for order, agency in enumerate((union, police), start=1):
            upsert(AgreementParty, {"agreement": sub_agreement, "agency": agency}, {"order": order})


# --- Reforms --------------------------------------------------------------------------------


@transaction.atomic
def reform_apply(
    *,
    user: AbstractBaseUser | None,
    rows: list[ReformRow],
    on: dt.date,
    basis: str,
    members_to: dict[str, str] | None = None,
    fingerprint: str | None = None,
    file_name: str = "",
    file_sha256: str = "",
) -> ReformPreview:
    """Record a reform in one transaction: exactly what ``reform_preview`` lists, computed
    again here under row locks on the units involved. ``fingerprint`` is the preview's the
    user saw: if the data changed since (someone else recorded part of it, an officer was
    added), nothing is written and the user sees the new preview.

    Idempotent: what already exists is reused by code, so the same reform twice writes
    nothing the second time — not even an audit event. A change writes one ``reform`` event
    with the summary and one per object created or ended (bulk), all in this transaction."""
    # Lock the units involved (old ones named in the shared map are found by the preview),
    # then compute the preview again under the locks: that is what gets written.
    codes = {row.old_code for row in rows} | {row.new_code for row in rows}
    first = reform_preview(rows=rows, on=on, basis=basis, members_to=members_to)
    codes |= {predecessor.code for predecessor in first.predecessors}
    list(OrgUnit.objects.select_for_update().filter(code__in=codes - {""}).order_by("pk"))
    preview = reform_preview(rows=rows, on=on, basis=basis, members_to=members_to)
    if preview.errors:
        raise ValidationError([error.message for error in preview.errors])
    if fingerprint is not None and fingerprint != preview.fingerprint:
        raise ValidationError(
            _(
                "The data changed since the preview (or the choices did). Check the new "
                "preview below and apply again."
            )
        )
    if not preview.has_changes:
        return preview
    events: list[AuditEvent] = []

    def created(obj) -> None:
        events.append(
            audit_build(
                actor=user,
                action=AuditEvent.Action.REFORM,
                object_type=obj._meta.label_lower,
                object_id=obj.pk,
                after=model_snapshot(obj),
                reason=preview.basis,
            )
        )

    def ended(obj, field: str, before) -> None:
        events.append(
            audit_build(
                actor=user,
                action=AuditEvent.Action.REFORM,
                object_type=obj._meta.label_lower,
                object_id=obj.pk,
                before={field: before.isoformat() if before else None},
                after={field: getattr(obj, field).isoformat()},
                reason=preview.basis,
            )
        )

    def save_new(obj):
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save()
        created(obj)
        return obj

    wanted = codes | {item.parent_code for item in preview.units_created}
    wanted |= {predecessor.code for predecessor in preview.predecessors}
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=wanted - {"", None})}
    for item in preview.units_created:
        units[item.code] = save_new(
            OrgUnit(
                code=item.code,
                name=item.name,
                kind=item.kind,
                parent=units.get(item.parent_code),
                valid_from=item.valid_from,
            )
        )
    for item in preview.units_ended:
        unit = units[item.code]
        unit.valid_to = item.valid_to
        unit.save(update_fields=["valid_to"])
        ended(unit, "valid_to", item.valid_to_before)
    for item in preview.links_created:
        save_new(
            UnitSuccession(
                predecessor=units[item.predecessor_code],
                successor=units[item.successor_code],
                on=item.on,
                basis=item.basis,
            )
        )
    for item in preview.agencies_created:
        save_new(
            Agency(
                code=item.code,
                name=item.name,
                kind=item.kind,
                org_unit=units[item.unit_code],
                parent_body=item.parent_body,
                abbreviation=item.abbreviation,
            )
        )
    ending = {item.code: item for item in preview.agencies_ended}
    for agency in Agency.objects.filter(code__in=list(ending)):
        agency.valid_to = ending[agency.code].valid_to
        agency.save(update_fields=["valid_to"])
        ended(agency, "valid_to", ending[agency.code].valid_to_before)
    ending = {item.code: item for item in preview.sub_agreements_ended}
    for sub in Agreement.objects.filter(code__in=list(ending)):
        sub.end_date = ending[sub.code].end_date
        sub.save(update_fields=["end_date"])
        ended(sub, "end_date", ending[sub.code].end_date_before)
    plan_codes = {item.plan_code for item in preview.sub_agreements_created}
    plans = {plan.code: plan for plan in Agreement.objects.filter(code__in=plan_codes)}
    party_codes = {code for item in preview.sub_agreements_created for code in item.party_codes}
    agencies = {agency.code: agency for agency in Agency.objects.filter(code__in=party_codes)}
    for item in preview.sub_agreements_created:
        sub = save_new(
            Agreement(
                code=item.code,
                title=item.title,
                parent=plans[item.plan_code],
                org_unit=units[item.unit_code],
                place=item.place,
                start_date=item.start_date,
                end_date=item.end_date,
                status=Agreement.Status.ACTIVE,
                period_rule=plans[item.plan_code].period_rule,
                submission_deadline_day=plans[item.plan_code].submission_deadline_day,
            )
        )
        for order, code in enumerate(item.party_codes, start=1):
            save_new(AgreementParty(agreement=sub, agency=agencies[code], order=order))
    for item in preview.memberships_created:
        save_new(Membership(user_id=item.user_id, org_unit=units[item.unit_code], role=item.role))
    audit_record_bulk(events)
    audit_record(
        actor=user,
        action=AuditEvent.Action.REFORM,
        object_type="agreements.reform",
        object_id=preview.on.isoformat(),
        after={
            "on": preview.on.isoformat(),
            "basis": preview.basis,
            "file_name": file_name,
            "file_sha256": file_sha256,
            "counts": preview.counts,
            "units_ended": [item.code for item in preview.units_ended],
            "units_created": [item.code for item in preview.units_created],
            "units_reused": list(preview.units_reused),
        },
        reason=preview.basis or _("Reform recorded"),
    )
    return preview
