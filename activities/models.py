"""Monthly reports and their values. Their audit trail lives in the ``audit`` app (object type
``REPORT_OBJECT_TYPE``, object id the report's pk)."""

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
