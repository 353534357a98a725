"""The housing register: houses built for poor households under the plan, and — in a table of
its own — the personal data of the households that receive them.

Houses are figures leadership may see (where, funded by whom, how far along); households are
personal data under Decree 13/2023/NĐ-CP and, from 01/01/2026, Law 91/2025/QH15 with Decree
356/2025/NĐ-CP: kept apart so no query that feeds a list, a dashboard, a PDF or an export for
another role can reach them by accident, every read of them is logged
(``PersonalDataAccess``), and they are anonymised when their retention date has passed.

Neither is registered in the administration: its change pages would show personal data
without the access log."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, OrgUnit


class House(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        BUILDING = "building", _("Under construction")
        COMPLETED = "completed", _("Completed")
        HANDED_OVER = "handed_over", _("Handed over")

    class Funding(models.TextChoices):
        MINISTRY = "ministry", _("Ministry of Public Security")
        PROVINCE = "province", _("Provincial Police")
        OTHER = "other", _("Other source")

    # The forward order of the statuses: a house moves one step at a time.
    ORDER = (Status.PLANNED, Status.BUILDING, Status.COMPLETED, Status.HANDED_OVER)
    # A house counts as built (the NHA indicator) from its completion on.
    BUILT = (Status.COMPLETED, Status.HANDED_OVER)

    sub_agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("sub-agreement"),
        on_delete=models.PROTECT,
        related_name="houses",
    )
    # The unit the house's place belongs to since the 2025 reform (a commune formed from the
    # sub-agreement's district); empty while it is the sub-agreement's own unit.
    current_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("current unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="houses",
    )
    commune = models.CharField(_("commune"), max_length=200)
    village = models.CharField(_("village"), max_length=200, blank=True)
    funding_source = models.CharField(
        _("funding source"), max_length=16, choices=Funding.choices, default=Funding.MINISTRY
    )
    funding_name = models.CharField(_("name of the other source"), max_length=200, blank=True)
    amount = models.BigIntegerField(_("amount (VND)"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    planned_completion = models.DateField(_("planned completion"), null=True, blank=True)
    started_on = models.DateField(_("construction started on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    handed_over_on = models.DateField(_("handed over on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        ordering = ["sub_agreement_id", "commune", "village", "pk"]
        indexes = [models.Index(fields=["sub_agreement", "status"], name="house_unit_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="house_amount_non_negative"),
            models.CheckConstraint(
                condition=~Q(funding_source="other") | ~Q(funding_name=""),
                name="house_other_source_named",
            ),
            # Each status has exactly the dates of the steps it has passed.
            models.CheckConstraint(
                condition=(
                    Q(
                        status="planned",
                        started_on__isnull=True,
                        completed_on__isnull=True,
                        handed_over_on__isnull=True,
                    )
                    | Q(
                        status="building",
                        started_on__isnull=False,
                        completed_on__isnull=True,
                        handed_over_on__isnull=True,
                    )
                    | Q(
                        status="completed",
                        started_on__isnull=False,
                        completed_on__isnull=False,
                        handed_over_on__isnull=True,
                    )
                    | Q(
                        status="handed_over",
                        started_on__isnull=False,
                        completed_on__isnull=False,
                        handed_over_on__isnull=False,
                    )
                ),
                name="house_status_dates_coherent",
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("started_on")),
                name="house_completed_after_started",
            ),
            models.CheckConstraint(
                condition=Q(handed_over_on__isnull=True) | Q(handed_over_on__gte=F("completed_on")),
                name="house_handed_over_after_completed",
            ),
        ]

    def __str__(self) -> str:
        place = ", ".join(part for part in (self.village, self.commune) if part)
        return f"#{self.pk} {place}"

    @property
    def funding_label(self) -> str:
        if self.funding_source == self.Funding.OTHER and self.funding_name:
            return self.funding_name
        return str(self.get_funding_source_display())

    @property
    def next_status(self) -> str | None:
        index = self.ORDER.index(self.status)
        return self.ORDER[index + 1] if index + 1 < len(self.ORDER) else None


class HousePhoto(models.Model):
    """A photo of a house, re-encoded on upload (core.uploads: no EXIF, no GPS), stored under
    a random name and served only through the register's scoped view."""

    house = models.ForeignKey(
        House, verbose_name=_("house"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(_("photo"), upload_to="housing/photos/")
    # Made by a background task after the upload commits (housing.tasks).
    thumbnail = models.FileField(_("thumbnail"), upload_to="housing/thumbnails/", blank=True)
    content_type = models.CharField(_("content type"), max_length=32)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("house photo")
        verbose_name_plural = _("house photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"photo #{self.pk} of house #{self.house_id}"


class Household(models.Model):
    """The household receiving a house: personal data, one per house."""

    class Basis(models.TextChoices):
        CONSENT = "consent", _("Consent of the data subject")
        LEGAL_DUTY = "legal_duty", _("Legal duty of a state body")

    house = models.OneToOneField(
        House, verbose_name=_("house"), on_delete=models.CASCADE, related_name="household"
    )
    head_name = models.CharField(_("head of household"), max_length=200, blank=True)
    # The 12-digit citizen identity number (CCCD). Never an image of the card.
    id_number = models.CharField(_("citizen ID number"), max_length=12, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    basis = models.CharField(_("lawful basis"), max_length=16, choices=Basis.choices)
    consent_on = models.DateField(_("consent given on"), null=True, blank=True)
    basis_note = models.CharField(_("how the basis was recorded"), max_length=500, blank=True)
    retention_until = models.DateField(_("kept until"))
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            # Twelve digits (PostgreSQL's ~, SQLite's REGEXP, which Django provides).
            models.CheckConstraint(
                condition=Q(id_number="") | Q(id_number__regex=r"^[0-9]{12}$"),
                name="household_id_number_12_digits",
            ),
            models.CheckConstraint(
                condition=~Q(basis="consent") | Q(consent_on__isnull=False),
                name="household_consent_dated",
            ),
            # Anonymised means nothing personal is left.
            models.CheckConstraint(
                condition=Q(anonymised_at__isnull=True) | Q(head_name="", id_number="", phone=""),
                name="household_anonymised_is_empty",
            ),
        ]

    def __str__(self) -> str:
        # Never the name: a string of the object ends up in logs and the audit trail.
        return f"household #{self.pk}"


class PersonalDataAccess(models.Model):
    """One read, export or change of households' personal data: who, when, what, which."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        EDIT_FORM = "edit_form", _("Opened for correction")
        CORRECT = "correct", _("Corrected")
        EXPORT = "export", _("Exported with personal columns")
        SUBJECT_EXPORT = "subject_export", _("Data-subject export")
        ANONYMISE = "anonymise", _("Anonymised")
        IMPORT = "import", _("Imported")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="personal_data_accesses",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    household_ids = models.JSONField(_("households"), default=list)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.household_ids}"


class HouseImportBatch(models.Model):
    """An uploaded house list between its preview and its confirmation (as the monthly
    figures' ImportBatch). Its rows may hold personal data: they are emptied on confirm and
    the batch expires after a few hours."""

    token = models.CharField(_("token"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="house_import_batches",
    )
    sub_agreement = models.ForeignKey(
        Agreement, verbose_name=_("sub-agreement"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    file_name = models.CharField(_("file name"), max_length=255)
    rows = models.JSONField(_("rows"), default=list, blank=True)
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    digest = models.CharField(_("digest of the previewed changes"), max_length=64, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("house import batch")
        verbose_name_plural = _("house import batches")

    def __str__(self) -> str:
        return self.file_name
