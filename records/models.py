"""Activity records: what happened behind a month's figures (the talk in bản Huồi Tụ with 85
residents, the mediation that settled a land dispute), with photos and minutes attached.

The monthly figures stay the source of truth; a record is their evidence. Its amounts suggest
the month's figures on the entry page and show how much of an approved figure has records
behind it (``selectors.evidence_coverage``)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, Indicator

# One record never counts more than this toward an indicator: far above any real activity
# (a campaign with a few thousand participants), far below what an integer column holds.
MAX_AMOUNT = 1_000_000
MAX_PARTICIPANTS = 1_000_000


class RecordType(models.Model):
    """A kind of activity (patrol shift, talk, mediation…). Provincial staff extend the list in
    the administration and say which indicators a record of the kind counts toward."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("activity type")
        verbose_name_plural = _("activity types")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class RecordTypeIndicator(models.Model):
    """What a record of a type counts toward by default. Indicators belong to a plan and are
    copied to the next one, so the mapping names the indicator by its code: it holds for
    every plan that has the indicator."""

    record_type = models.ForeignKey(
        RecordType,
        verbose_name=_("activity type"),
        on_delete=models.CASCADE,
        related_name="indicator_defaults",
    )
    indicator_code = models.CharField(_("indicator code"), max_length=32)
    amount = models.PositiveIntegerField(_("default amount"), default=1)
    # A campaign counts its participants toward "Union members taking part": the amount is
    # then the record's participant count.
    from_participants = models.BooleanField(_("counts the participants"), default=False)

    class Meta:
        verbose_name = _("indicator counted")
        verbose_name_plural = _("indicators counted")
        ordering = ["record_type", "indicator_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "indicator_code"], name="record_type_indicator_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount__lte=MAX_AMOUNT), name="record_type_amount_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_type}: {self.indicator_code}"


class ActivityRecord(models.Model):
    """One activity of a sub-agreement's unit. ``month`` is the report month its date falls in
    under the plan's period rule, set by the service from the date (the figures it backs)."""

    sub_agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("sub-agreement"),
        on_delete=models.PROTECT,
        related_name="activity_records",
    )
    record_type = models.ForeignKey(
        RecordType, verbose_name=_("activity type"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    month = models.DateField(_("report month"))
    place = models.CharField(_("commune / place"), max_length=200)
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    description = models.TextField(_("short description"), max_length=2000)
    # Lower-case text without diacritics, so "huoi tu" finds "Huồi Tụ" on any database.
    search_text = models.TextField(editable=False, blank=True)
    indicators = models.ManyToManyField(
        Indicator, through="RecordAmount", verbose_name=_("indicators"), related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("activity record")
        verbose_name_plural = _("activity records")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="record_month_first_day"),
            models.CheckConstraint(
                condition=Q(participants__isnull=True) | Q(participants__lte=MAX_PARTICIPANTS),
                name="record_participants_bounded",
            ),
        ]
        indexes = [
            models.Index(fields=["sub_agreement", "month"], name="record_sub_month"),
            models.Index(fields=["-date", "-id"], name="record_date"),
        ]

    def __str__(self) -> str:
        return f"{self.record_type} — {self.date:%d/%m/%Y}"


class RecordAmount(models.Model):
    """How much one record counts toward one indicator (a campaign: 1 campaign and 120
    participants)."""

    record = models.ForeignKey(
        ActivityRecord, verbose_name=_("record"), on_delete=models.CASCADE, related_name="amounts"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.PositiveIntegerField(_("amount"))

    class Meta:
        verbose_name = _("amount counted")
        verbose_name_plural = _("amounts counted")
        constraints = [
            models.UniqueConstraint(fields=["record", "indicator"], name="record_amount_unique"),
            models.CheckConstraint(
                condition=Q(amount__gte=1) & Q(amount__lte=MAX_AMOUNT),
                name="record_amount_positive_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.amount}"


def _stored_name(instance, filename: str) -> str:
    # Never the uploaded name: a random one, with the extension of the checked content.
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"records/{uuid.uuid4().hex}.{extension}"


class Attachment(models.Model):
    """A photo or the minutes of a record, checked at upload (core.uploads: type by content,
    size, images re-encoded without EXIF). Stored under a random name outside the static
    files and served only through the record's scoped view, never a public media URL."""

    class Kind(models.TextChoices):
        JPEG = "jpeg", "JPEG"
        PNG = "png", "PNG"
        PDF = "pdf", "PDF"

    record = models.ForeignKey(
        ActivityRecord,
        verbose_name=_("record"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=_stored_name, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size"))
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    # Made by a background task after the upload commits (records.tasks).
    thumbnail = models.FileField(_("thumbnail"), upload_to=_stored_name, max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["jpeg", "png", "pdf"]), name="attachment_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or self.file.name

    @property
    def is_image(self) -> bool:
        return self.kind in (self.Kind.JPEG, self.Kind.PNG)
