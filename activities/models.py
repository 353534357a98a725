"""Monthly reports and their values. Their audit trail lives in the ``audit`` app (object type
``REPORT_OBJECT_TYPE``, object id the report's pk)."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, Indicator

# How the audit trail names a monthly report (kept from before the trail had its own app).
REPORT_OBJECT_TYPE = "monthly_report"


class MonthlyReport(models.Model):
    """One district sub-agreement's figures for one month. ``month`` is the first day of it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")

    sub_agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("sub-agreement"),
        on_delete=models.PROTECT,
        related_name="monthly_reports",
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    # Incremented by every write; a form carries the version it was rendered from, and a
    # write from an older version is refused instead of overwriting someone else's change.
    version = models.PositiveIntegerField(_("version"), default=1)
    narrative = models.TextField(_("narrative"), blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "sub_agreement__org_unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["sub_agreement", "month"], name="report_unique_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="report_month_first_day"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "returned", "approved"]),
                name="report_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "month"], name="report_status_month")]

    def __str__(self) -> str:
        return f"{self.sub_agreement.org_unit} — {self.month:%m/%Y}"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class LateEntryGrant(models.Model):
    """Provincial staff's permission for a district to enter one month after the grace period,
    when the plan requires it (``Agreement.late_entry_needs_approval``). Kept once granted:
    it records who allowed the late month, and the month stays open until it is submitted."""

    sub_agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("sub-agreement"),
        on_delete=models.PROTECT,
        related_name="late_entry_grants",
    )
    month = models.DateField(_("month"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("late entry grant")
        verbose_name_plural = _("late entry grants")
        constraints = [
            models.UniqueConstraint(fields=["sub_agreement", "month"], name="grant_unique_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="grant_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.sub_agreement.org_unit} — {self.month:%m/%Y}"


class ActivityValue(models.Model):
    """A figure for one indicator in one report. Flow and stock indicators use ``value``;
    ratio indicators use ``numerator`` and ``denominator``."""

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="values"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="values"
    )
    # The largest figure any path accepts (form, import, admin, API): far above any real
    # count (the province has about 3,4 million people) and far below bigint's 9,2 × 10^18,
    # so a typo of extra zeros is refused instead of overflowing the database.
    MAX_FIGURE = 10**12

    value = models.PositiveBigIntegerField(
        _("value"), null=True, blank=True, validators=[MaxValueValidator(MAX_FIGURE)]
    )
    numerator = models.PositiveBigIntegerField(
        _("numerator"), null=True, blank=True, validators=[MaxValueValidator(MAX_FIGURE)]
    )
    denominator = models.PositiveBigIntegerField(
        _("denominator"), null=True, blank=True, validators=[MaxValueValidator(MAX_FIGURE)]
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("activity value")
        verbose_name_plural = _("activity values")
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="value_unique"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0), name="value_non_negative"
            ),
            models.CheckConstraint(
                condition=(Q(numerator__isnull=True) | Q(numerator__gte=0))
                & (Q(denominator__isnull=True) | Q(denominator__gte=0)),
                name="value_ratio_parts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True)
                | Q(denominator__isnull=True)
                | Q(numerator__lte=F("denominator")),
                name="value_numerator_le_denominator",
            ),
            models.CheckConstraint(
                condition=(Q(value__isnull=True) | Q(value__lte=10**12))
                & (Q(numerator__isnull=True) | Q(numerator__lte=10**12))
                & (Q(denominator__isnull=True) | Q(denominator__lte=10**12)),
                name="value_at_most_10e12",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.value}"


class ImportBatch(models.Model):
    """An uploaded file between its preview and its confirmation.

    The parsed rows are kept on the server (never round-tripped through the browser) under an
    unguessable token; confirming re-validates them against the database and refuses if the
    outcome differs from what the user saw in the preview."""

    token = models.CharField(_("token"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="import_batches",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.JSONField(_("rows"), default=list, blank=True)
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    digest = models.CharField(_("digest of the previewed changes"), max_length=64, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%d/%m/%Y %H:%M})"


# --- Rollups (activities/rollups.py keeps them; never written anywhere else) -------------------
# Official (approved) figures in the shapes the dashboards read, kept exact in the same
# transaction as every write that changes approved data, so a province page adds a few rows
# per indicator instead of every unit's every month. ``manage.py rollups_rebuild --verify``
# compares them with the raw values.

# The "until" of a stock level that no later month has replaced yet.
OPEN_UNTIL = dt.date(9999, 12, 1)


class ApprovedFigure(models.Model):
    """One approved value, with its sub-agreement, plan and month on the row: what the
    per-unit dashboards group without joining reports or filtering on status."""

    plan = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    sub_agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    value = models.BigIntegerField(null=True)
    # Both parts, or neither: a ratio counts only rows that report both.
    numerator = models.BigIntegerField(null=True)
    denominator = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("approved figure (rollup)")
        verbose_name_plural = _("approved figures (rollup)")
        constraints = [
            models.UniqueConstraint(
                fields=["sub_agreement", "indicator", "month"], name="rollup_figure_unique"
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True, denominator__isnull=True)
                | Q(numerator__isnull=False, denominator__isnull=False),
                name="rollup_figure_both_parts",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "indicator", "month"], name="rollup_figure_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.sub_agreement_id}/{self.indicator_id} {self.month:%m/%Y}"


class PlanMonthTotal(models.Model):
    """A plan's approved flows and ratio parts for one indicator and month, over all its
    sub-agreements: the province's figure for any period is the sum of at most its months."""

    plan = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    value_sum = models.BigIntegerField(default=0)
    value_count = models.IntegerField(default=0)  # values that are not empty
    numerator_sum = models.BigIntegerField(default=0)
    denominator_sum = models.BigIntegerField(default=0)
    both_count = models.IntegerField(default=0)  # rows with both ratio parts

    class Meta:
        verbose_name = _("plan month total (rollup)")
        verbose_name_plural = _("plan month totals (rollup)")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "indicator", "month"], name="rollup_total_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.indicator_id} {self.month:%m/%Y}"


class PlanStockSpan(models.Model):
    """Stocks (levels reported to date): the sum of the levels the plan's units reported in
    month ``since`` and did not report again before ``until`` (``OPEN_UNTIL``: not yet).
    A unit's latest level in a window [a, b] is the span with a ≤ since ≤ b < until, so the
    province's level is a sum over spans whose number depends on months, never on units."""

    plan = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    since = models.DateField()
    until = models.DateField()
    level_sum = models.BigIntegerField(default=0)
    units = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("plan stock span (rollup)")
        verbose_name_plural = _("plan stock spans (rollup)")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "indicator", "since", "until"], name="rollup_span_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.indicator_id} {self.since:%m/%Y}–{self.until:%m/%Y}"
