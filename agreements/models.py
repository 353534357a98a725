"""The plan and what it is measured against: units, agencies, agreements, indicators, targets."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class OrgUnit(models.Model):
    """An administrative unit. Units are never renamed, moved or deleted: a reform ends one
    (``valid_to``) and links it, with a date, to any number of units that take over its
    territory and later months (``UnitSuccession``): a merger has several predecessors, a
    split several successors (Anh Sơn district became six communes on 01/07/2025)."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        TOWN = "town", _("Town")
        DISTRICT = "district", _("District")
        COMMUNE = "commune", _("Commune")
        WARD = "ward", _("Ward")

    # The district level: cities, towns and districts under a province (until 30/06/2025).
    DISTRICT_LEVEL = (Kind.CITY, Kind.TOWN, Kind.DISTRICT)
    COMMUNE_LEVEL = (Kind.COMMUNE, Kind.WARD)

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self",
        verbose_name=_("successors"),
        through="UnitSuccession",
        through_fields=("predecessor", "successor"),
        symmetrical=False,
        related_name="predecessors",
        blank=True,
    )

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="orgunit_valid_to_after_valid_from",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UnitSuccession(models.Model):
    """One dated link of a reform: from ``on``, ``successor`` takes over all or part of
    ``predecessor`` (its territory and the months after it ended). History stays with the
    predecessor."""

    predecessor = models.ForeignKey(
        OrgUnit,
        verbose_name=_("predecessor"),
        on_delete=models.PROTECT,
        related_name="succession_links",
    )
    successor = models.ForeignKey(
        OrgUnit,
        verbose_name=_("successor"),
        on_delete=models.PROTECT,
        related_name="predecession_links",
    )
    on = models.DateField(_("from"))
    # The act that made the change, e.g. "NQ 1678/NQ-UBTVQH15".
    basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("unit succession")
        verbose_name_plural = _("unit successions")
        ordering = ["on", "predecessor__name", "successor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="unitsuccession_unique"
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")), name="unitsuccession_not_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.on:%d/%m/%Y})"


class Agency(models.Model):
    class Kind(models.TextChoices):
        POLICE = "police", _("Police")
        YOUTH_UNION = "youth_union", _("Youth Union")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="agencies"
    )
    # The superior body printed above the agency in document headers ("CÔNG AN TỈNH NGHỆ AN").
    parent_body = models.CharField(_("superior body"), max_length=200, blank=True)
    # Abbreviation used in document numbers ("CAT", "TĐTN").
    abbreviation = models.CharField(_("abbreviation"), max_length=32, blank=True)
    valid_to = models.DateField(_("dissolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agreement(models.Model):
    """The provincial plan (``parent`` is null) or a district sub-agreement under it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    class PeriodRule(models.TextChoices):
        CALENDAR = "calendar", _("Calendar month")
        DECREE_09 = "decree09", _("Decree 09/2019 (15th to 14th)")

    code = models.CharField(_("code"), max_length=32, unique=True)
    number = models.CharField(_("number"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=300)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sub_agreements",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="agreements"
    )
    document = models.FileField(_("signed document (PDF)"), upload_to="agreements/%Y/", blank=True)
    period_rule = models.CharField(
        _("reporting period"),
        max_length=16,
        choices=PeriodRule.choices,
        default=PeriodRule.CALENDAR,
    )
    submission_deadline_day = models.PositiveSmallIntegerField(
        _("submission deadline (day of the following month)"), default=5
    )
    # Deadline settings of a plan (a sub-agreement follows its plan's; core/calendar.py is the
    # one reader). The grace period keeps the form open after the deadline (the month still
    # counts as late); after it, a plan that requires approval locks late entry until staff
    # grant it for that month.
    grace_days = models.PositiveSmallIntegerField(
        _("grace period (days after the deadline)"), default=0, db_default=0
    )
    late_entry_needs_approval = models.BooleanField(
        _("entry after the grace period needs staff approval"),
        default=False,
        db_default=False,
    )
    # Database defaults too: rows written by code that predates these columns (a rolling
    # deploy, an older migration state) still get the plan's defaults.
    # How long after approval provincial staff may reopen a month on their own; later, only
    # the admin role may (a correction to figures long since reported upward).
    reopen_window_days = models.PositiveSmallIntegerField(
        _("reopen window after approval (days)"), default=90, db_default=90
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("reminder before the deadline (days; 0: none)"), default=3, db_default=3
    )
    # Set by reports.services_plans.plan_close (after the final review): from then on the
    # plan's months and targets are read-only.
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["parent_id", "org_unit__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="agreement_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(submission_deadline_day__gte=1, submission_deadline_day__lte=28),
                name="agreement_deadline_day_1_28",
            ),
            models.CheckConstraint(
                condition=Q(grace_days__lte=60, reminder_days_before__lte=28),
                name="agreement_grace_and_reminder_bounded",
            ),
            models.UniqueConstraint(
                fields=["parent", "org_unit"],
                condition=Q(parent__isnull=False),
                name="agreement_one_sub_agreement_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def plan(self) -> "Agreement":
        return self.parent or self

    @property
    def is_closed(self) -> bool:
        return self.plan.status == self.Status.CLOSED


class AgreementParty(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="parties"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="agreements"
    )
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    signatory_title = models.CharField(_("signatory's position"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "agency"], name="party_unique_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} — {self.signatory_name}"


class Task(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="tasks"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.TextField(_("name"))

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["agreement_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "order"], name="task_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class Indicator(models.Model):
    class Aggregation(models.TextChoices):
        SUM = "sum", _("Sum of months (flow)")
        LATEST = "latest", _("Latest value per unit (stock)")
        RATIO = "ratio", _("Sum of numerators / sum of denominators")

    plan = models.ForeignKey(
        Agreement, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="indicators"
    )
    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="indicators"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name (Vietnamese)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    unit = models.CharField(_("unit"), max_length=32)
    aggregation = models.CharField(
        _("aggregation"), max_length=8, choices=Aggregation.choices, default=Aggregation.SUM
    )
    numerator_label = models.CharField(_("numerator label"), max_length=100, blank=True)
    denominator_label = models.CharField(_("denominator label"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["task__order", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="indicator_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def is_ratio(self) -> bool:
        return self.aggregation == self.Aggregation.RATIO

    def display_name(self, language: str | None = None) -> str:
        if language == "en" and self.name_en:
            return self.name_en
        return self.name


class Target(models.Model):
    """A target for an agreement and indicator, for one year or (``year`` empty) the whole plan.
    Ratio targets are percentages."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="targets"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["agreement_id", "indicator_id", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "indicator", "year"],
                condition=Q(year__isnull=False),
                name="target_unique_year",
            ),
            models.UniqueConstraint(
                fields=["agreement", "indicator"],
                condition=Q(year__isnull=True),
                name="target_unique_whole_plan",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year or '—'}: {self.value}"


class Baseline(models.Model):
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="baselines",
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="baselines",
    )
    value = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2)
    as_of = models.DateField(_("as of"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "indicator"], name="baseline_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="baseline_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.value}"


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        PROVINCIAL_STAFF = "provincial_staff", _("Provincial staff")
        DISTRICT_OFFICER = "district_officer", _("District officer")
        DISTRICT_VIEWER = "district_viewer", _("District viewer")
        LEADERSHIP = "leadership", _("Leadership")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "org_unit", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.org_unit}"
