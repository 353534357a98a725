"""Reads of the housing register. Nothing here returns personal data except
``house_export_rows(with_personal=True)``, whose caller logs the export; pages get a household
only through ``services.household_read``, which logs the read."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.prefill import Suggestion
from agreements.models import Agreement, Baseline, Indicator, OrgUnit, Target
from agreements.selectors import former_district_members, former_districts
from core import calendar
from core.scope import UserScope
from core.text import nfc, vietnamese_key
from housing.models import House

Status = House.Status
NHA = "NHA"
PER_PAGE = 25
OPEN = (Status.PLANNED, Status.BUILDING)


def _late_q(today: dt.date) -> Q:
    return Q(status__in=OPEN, planned_completion__lt=today)


def _in_scope(scope: UserScope) -> QuerySet[House]:
    queryset = House.objects.all()
    if not scope.sees_all:
        queryset = queryset.filter(sub_agreement__org_unit_id__in=scope.district_unit_ids)
    return queryset


def house_get(*, pk: int, scope: UserScope) -> House:
    """The house, or 404 when it does not exist or lies outside the user's scope."""
    house = (
        _in_scope(scope)
        .select_related("sub_agreement__org_unit", "sub_agreement__parent", "current_unit")
        .filter(pk=pk)
        .first()
    )
    if house is None:
        raise Http404
    return house


@dataclass(frozen=True)
class HouseFilters:
    search: str = ""
    status: str = ""
    funding_source: str = ""
    former_district_id: int | None = None
    current_unit_id: int | None = None
    late: bool = False
    sub_agreement_id: int | None = None

    def as_query(self) -> dict:
        pairs = {
            "q": self.search,
            "status": self.status,
            "funding": self.funding_source,
            "district": self.former_district_id or "",
            "unit": self.current_unit_id or "",
            "late": "1" if self.late else "",
        }
        return {key: value for key, value in pairs.items() if value}


def _filtered(queryset: QuerySet[House], filters: HouseFilters, today: dt.date):
    if filters.sub_agreement_id:
        queryset = queryset.filter(sub_agreement_id=filters.sub_agreement_id)
    if filters.search:
        text = nfc(filters.search)
        queryset = queryset.filter(
            Q(commune__icontains=text) | Q(village__icontains=text) | Q(note__icontains=text)
        )
    if filters.status in Status.values:
        queryset = queryset.filter(status=filters.status)
    if filters.funding_source in House.Funding.values:
        queryset = queryset.filter(funding_source=filters.funding_source)
    if filters.former_district_id:
        members = former_district_members(filters.former_district_id)
        queryset = queryset.filter(sub_agreement__org_unit_id__in=members)
    if filters.current_unit_id:
        queryset = queryset.filter(
            Q(current_unit_id=filters.current_unit_id)
            | Q(current_unit__isnull=True, sub_agreement__org_unit_id=filters.current_unit_id)
        )
    if filters.late:
        queryset = queryset.filter(_late_q(today))
    return queryset


@dataclass(frozen=True)
class HouseRow:
    """A house as lists, the province view and exports show it: no personal data."""

    pk: int
    sub_agreement_id: int
    unit_name: str
    former_district: str
    current_unit: str
    commune: str
    village: str
    funding_source: str
    funding_label: str
    amount: int
    status: str
    status_label: str
    planned_completion: dt.date | None
    started_on: dt.date | None
    completed_on: dt.date | None
    handed_over_on: dt.date | None
    is_late: bool
    photos: int
    note: str


def _rows(houses: list[House], today: dt.date) -> list[HouseRow]:
    units = {house.sub_agreement.org_unit_id: house.sub_agreement.org_unit for house in houses}
    lines = former_districts(units.values()) if units else {}
    return [
        HouseRow(
            pk=house.pk,
            sub_agreement_id=house.sub_agreement_id,
            unit_name=house.sub_agreement.org_unit.name,
            former_district=lines[house.sub_agreement.org_unit_id].name,
            current_unit=(house.current_unit or house.sub_agreement.org_unit).name,
            commune=house.commune,
            village=house.village,
            funding_source=house.funding_source,
            funding_label=house.funding_label,
            amount=house.amount,
            status=house.status,
            status_label=str(house.get_status_display()),
            planned_completion=house.planned_completion,
            started_on=house.started_on,
            completed_on=house.completed_on,
            handed_over_on=house.handed_over_on,
            is_late=house.status in OPEN
            and house.planned_completion is not None
            and house.planned_completion < today,
            photos=house.photo_count,
            note=house.note,
        )
        for house in houses
    ]


def _listing(scope: UserScope, plan: Agreement, filters: HouseFilters, today: dt.date):
    queryset = _filtered(_in_scope(scope).filter(sub_agreement__parent=plan), filters, today)
    return (
        queryset.select_related("sub_agreement__org_unit", "current_unit")
        .annotate(photo_count=Count("photos"))
        .order_by("sub_agreement__org_unit__name", "commune", "village", "pk")
    )


@dataclass(frozen=True)
class HousePage:
    rows: list[HouseRow]
    number: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def house_list(
    *,
    scope: UserScope,
    plan: Agreement,
    filters: HouseFilters,
    page: int = 1,
    per_page: int = PER_PAGE,
    today: dt.date | None = None,
) -> HousePage:
    """One page of houses: a count, the page, and the former districts of its units (plus
    two for a former-district filter), however many houses there are."""
    today = today or calendar.today()
    paginator = Paginator(_listing(scope, plan, filters, today), per_page)
    number = min(max(page, 1), max(paginator.num_pages, 1))
    houses = list(paginator.page(number).object_list) if paginator.count else []
    return HousePage(
        rows=_rows(houses, today),
        number=number,
        pages=paginator.num_pages if paginator.count else 1,
        total=paginator.count,
    )


@dataclass(frozen=True)
class HouseExportRow:
    house: HouseRow
    household_id: int | None = None
    head_name: str = ""
    id_number: str = ""
    phone: str = ""
    basis: str = ""
    consent_on: dt.date | None = None
    retention_until: dt.date | None = None


def house_export_rows(
    *,
    scope: UserScope,
    plan: Agreement,
    filters: HouseFilters,
    with_personal: bool,
    today: dt.date | None = None,
) -> list[HouseExportRow]:
    """Every house the filters select, for the xlsx export. ``with_personal`` adds the
    households' data: the caller has checked the right and logs the household ids."""
    today = today or calendar.today()
    queryset = _listing(scope, plan, filters, today)
    if with_personal:
        queryset = queryset.select_related("household")
    houses = list(queryset)
    rows = _rows(houses, today)
    if not with_personal:
        return [HouseExportRow(house=row) for row in rows]
    result = []
    for house, row in zip(houses, rows, strict=True):
        household = getattr(house, "household", None)
        if household is None or household.anonymised_at is not None:
            result.append(HouseExportRow(house=row))
            continue
        result.append(
            HouseExportRow(
                house=row,
                household_id=household.pk,
                head_name=household.head_name,
                id_number=household.id_number,
                phone=household.phone,
                basis=str(household.get_basis_display()),
                consent_on=household.consent_on,
                retention_until=household.retention_until,
            )
        )
    return result


# --- Province view --------------------------------------------------------------------------


@dataclass
class ProgressLine:
    """Houses of one group (a former district, a current unit, a funding source)."""

    key: str
    label: str
    total: int = 0
    planned: int = 0
    building: int = 0
    completed: int = 0
    handed_over: int = 0
    late: int = 0
    amount: int = 0

    @property
    def built(self) -> int:
        return self.completed + self.handed_over

    def add(self, row: dict) -> None:
        self.total += row["total"]
        self.planned += row["planned"]
        self.building += row["building"]
        self.completed += row["completed"]
        self.handed_over += row["handed_over"]
        self.late += row["late"]
        self.amount += row["amount"] or 0


@dataclass
class ProvinceHousing:
    total: ProgressLine
    # Houses built before the plan (its NHA baseline, "gần 1.800") and the plan's own target
    # for the NHA indicator (1.020 more): together the goal, 2.820.
    baseline: int | None
    target: int | None
    by_former_district: list[ProgressLine] = field(default_factory=list)
    by_current_unit: list[ProgressLine] = field(default_factory=list)
    by_funding: list[ProgressLine] = field(default_factory=list)
    late: list[HouseRow] = field(default_factory=list)

    @property
    def goal(self) -> int | None:
        if self.target is None:
            return None
        return (self.baseline or 0) + self.target

    @property
    def achieved(self) -> int:
        return (self.baseline or 0) + self.total.built

    @property
    def percent(self) -> float | None:
        if not self.goal:
            return None
        return 100 * self.achieved / self.goal


LATE_SHOWN = 50


def province_housing(
    *, plan: Agreement, scope: UserScope, today: dt.date | None = None
) -> ProvinceHousing:
    """Progress of the register toward the plan's goal, grouped three ways, and the late
    houses (the first ``LATE_SHOWN``). Aggregated in the database: a fixed number of queries
    however many houses."""
    today = today or calendar.today()
    houses = _in_scope(scope).filter(sub_agreement__parent=plan)
    grouped = list(
        houses.values(
            "sub_agreement__org_unit_id", "current_unit_id", "funding_source", "funding_name"
        ).annotate(
            total=Count("pk"),
            planned=Count("pk", filter=Q(status=Status.PLANNED)),
            building=Count("pk", filter=Q(status=Status.BUILDING)),
            completed=Count("pk", filter=Q(status=Status.COMPLETED)),
            handed_over=Count("pk", filter=Q(status=Status.HANDED_OVER)),
            late=Count("pk", filter=_late_q(today)),
            amount=Sum("amount"),
        )
    )
    unit_ids = {row["sub_agreement__org_unit_id"] for row in grouped} | {
        row["current_unit_id"] for row in grouped if row["current_unit_id"]
    }
    units = {unit.pk: unit for unit in OrgUnit.objects.filter(pk__in=unit_ids)}
    lines = (
        former_districts([units[row["sub_agreement__org_unit_id"]] for row in grouped])
        if grouped
        else {}
    )
    total = ProgressLine("all", _("Whole province"))
    districts: dict[int, ProgressLine] = {}
    current: dict[int, ProgressLine] = {}
    funding: dict[str, ProgressLine] = {
        value: ProgressLine(value, str(label)) for value, label in House.Funding.choices
    }
    for row in grouped:
        total.add(row)
        line = lines[row["sub_agreement__org_unit_id"]]
        districts.setdefault(line.pk, ProgressLine(str(line.pk), line.name)).add(row)
        unit = units[row["current_unit_id"] or row["sub_agreement__org_unit_id"]]
        current.setdefault(unit.pk, ProgressLine(str(unit.pk), unit.name)).add(row)
        funding[row["funding_source"]].add(row)
    late_houses = list(
        houses.filter(_late_q(today))
        .select_related("sub_agreement__org_unit", "current_unit")
        .annotate(photo_count=Count("photos"))
        .order_by("planned_completion", "pk")[:LATE_SHOWN]
    )
    baseline, target = nha_goal(plan=plan)

    def by_name(items):
        return sorted(items, key=lambda line: vietnamese_key(line.label))

    return ProvinceHousing(
        total=total,
        baseline=baseline,
        target=target,
        by_former_district=by_name(districts.values()),
        by_current_unit=by_name(current.values()),
        by_funding=[line for line in funding.values() if line.total],
        late=_rows(late_houses, today),
    )


def nha_goal(*, plan: Agreement) -> tuple[int | None, int | None]:
    """The NHA indicator's baseline and whole-plan target of the plan (None when absent).
    Two queries."""
    baseline = (
        Baseline.objects.filter(agreement=plan, indicator__code=NHA)
        .values_list("value", flat=True)
        .first()
    )
    target = (
        Target.objects.filter(agreement=plan, indicator__code=NHA, year__isnull=True)
        .values_list("value", flat=True)
        .first()
    )
    return (
        int(baseline) if baseline is not None else None,
        int(target) if target is not None else None,
    )


# --- Pre-fill of the monthly entry ----------------------------------------------------------


def nha_suggestions(sub_agreement: Agreement, month: dt.date) -> list[Suggestion]:
    """The houses of the sub-agreement completed in the month's period (activities.prefill
    provider): "từ 3 căn nhà". One query: the indicator with its count as a subquery."""
    first, last = calendar.month_dates(month, calendar.rule_of(sub_agreement))
    completed = (
        House.objects.filter(
            sub_agreement=sub_agreement,
            status__in=House.BUILT,
            completed_on__gte=first,
            completed_on__lte=last,
        )
        .values("sub_agreement")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    row = (
        Indicator.objects.filter(plan_id=sub_agreement.parent_id or sub_agreement.pk, code=NHA)
        .annotate(n=Subquery(completed))
        .values_list("pk", "n")
        .first()
    )
    if row is None:
        return []
    indicator_id, count = row
    if not count:
        return []
    return [
        Suggestion(
            indicator_id=indicator_id,
            value=count,
            sources=count,
            label=_("from %(count)s houses") % {"count": count},
        )
    ]


# --- History and the access log -------------------------------------------------------------


def house_history(*, house: House) -> list:
    """The house's audit events, newest first (they hold no personal data)."""
    from audit.models import AuditEvent

    return list(AuditEvent.objects.about("housing.house", house.pk).select_related("actor")[:50])


@dataclass(frozen=True)
class AccessLogPage:
    rows: list
    number: int
    pages: int
    total: int
    user_text: str
    day: dt.date | None


def access_log_page(*, user_text: str, day_text: str, page: str) -> AccessLogPage:
    """The personal-data access log for the admin role, filtered by user name and day."""
    from housing.models import PersonalDataAccess

    queryset = PersonalDataAccess.objects.select_related("user")
    user_text = nfc(user_text)[:100]
    if user_text:
        queryset = queryset.filter(user__username__icontains=user_text)
    try:
        day = dt.date.fromisoformat(day_text) if day_text else None
    except ValueError:
        day = None
    if day is not None:
        start = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
        queryset = queryset.filter(at__gte=start, at__lt=start + dt.timedelta(days=1))
    paginator = Paginator(queryset.order_by("-at", "-pk"), 50)
    number = int(page) if page.isdigit() else 1
    number = min(max(number, 1), max(paginator.num_pages, 1))
    rows = list(paginator.page(number).object_list) if paginator.count else []
    return AccessLogPage(
        rows=rows,
        number=number,
        pages=paginator.num_pages if paginator.count else 1,
        total=paginator.count,
        user_text=user_text,
        day=day,
    )
