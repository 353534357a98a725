"""Issued documents and the background jobs that render them."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext_lazy as _

from agreements.models import Agency, Agreement


def _random_pdf_name(instance: models.Model, filename: str) -> str:
    # A random name: the file's address tells nothing and cannot be guessed; downloads go
    # through a scoped view anyway (MEDIA_ROOT is never served directly).
    return f"documents/{secrets.token_hex(16)}.pdf"


class DocumentKind(models.TextChoices):
    PROVINCIAL = "provincial", _("Provincial progress report")
    DISTRICT = "district", _("District report")
    FINAL = "final", _("Final review of the plan")


class IssuedReportQuerySet(models.QuerySet):
    def delete(self):
        raise ProtectedError(
            _("An issued report is a record: withdraw it (with a reason) instead."), set()
        )

    delete.alters_data = True
    delete.queryset_only = True

    def in_force(self) -> "IssuedReportQuerySet":
        return self.filter(withdrawn_at__isnull=True)


class IssuedReport(models.Model):
    """A document as it was issued: the PDF file is kept byte for byte, with the figures it
    printed (and their hash), so it can be downloaded later exactly as issued even after the
    monthly data change, and the next draft can show what changed since.

    A record: never deleted (neither ``delete()`` here nor on a queryset; the admin has no
    delete permission). One issued by mistake is *withdrawn* with a reason
    (``services_pdf.issued_report_withdraw``): file and row stay, marked withdrawn."""

    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    period = models.CharField(_("period"), max_length=16)  # Period.key: 2024-Q3, 2024, plan…
    period_label = models.CharField(_("period"), max_length=64)
    plan = models.ForeignKey(
        Agreement, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="+"
    )
    sub_agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("sub-agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_reports",
    )
    issuing_agency = models.ForeignKey(
        Agency, verbose_name=_("issuing agency"), on_delete=models.PROTECT, related_name="+"
    )
    co_issuing_agency = models.ForeignKey(
        Agency,
        verbose_name=_("co-issuing agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    number = models.CharField(_("number"), max_length=64, blank=True)
    # The number register (Decree 30/2020, art. 15): numbers run per issuing agency and
    # year, restart each January, and are never reused — a withdrawn report keeps its
    # number (rows are never deleted), so the unique constraint below is the register.
    register_year = models.PositiveSmallIntegerField(_("register year"), null=True, blank=True)
    register_number = models.PositiveIntegerField(_("register number"), null=True, blank=True)
    number_line = models.CharField(_("number line"), max_length=120)
    title = models.CharField(_("title"), max_length=500)
    narrative = models.TextField(_("narrative"), blank=True)
    signatory_title = models.CharField(_("signatory's position"), max_length=200, blank=True)
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    recipients = models.TextField(_("recipients"), blank=True)
    file = models.FileField(_("PDF file"), upload_to=_random_pdf_name)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    figures = models.JSONField(_("figures"))
    figures_sha256 = models.CharField(_("SHA-256 of the figures"), max_length=64)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    objects = IssuedReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("issued report")
        verbose_name_plural = _("issued reports")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_agency", "register_year", "register_number"],
                name="issuedreport_number_once_per_agency_year",
            ),
            models.CheckConstraint(
                condition=Q(register_number__isnull=True, register_year__isnull=True)
                | Q(register_number__gte=1, register_year__isnull=False),
                name="issuedreport_register_number_with_year",
            ),
            models.CheckConstraint(
                condition=Q(kind="district", sub_agreement__isnull=False)
                | (~Q(kind="district") & Q(sub_agreement__isnull=True)),
                name="issuedreport_district_has_sub_agreement",
            ),
            # Withdrawn always with its reason, and a reason only when withdrawn.
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawal_reason="")
                | (Q(withdrawn_at__isnull=False) & ~Q(withdrawal_reason="")),
                name="issuedreport_withdrawn_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number_line} — {self.title}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def delete(self, *args, **kwargs):
        raise ProtectedError(
            _("An issued report is a record: withdraw it (with a reason) instead."), {self}
        )


class RenderJob(models.Model):
    """One request to render a document in the background. The requester's page polls the
    row; the finished draft PDF (or the issued report) is linked here."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Rendering")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        """Why a failed job failed: the render itself, or the work never finished."""

        ERROR = "error", _("Rendering failed")
        # Its worker stopped (killed, restarted, recycled) while rendering.
        WORKER_LOST = "worker_lost", _("Worker stopped")
        # No worker took it up in time, or the queue could not take it.
        NOT_STARTED = "not_started", _("Never started")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    period = models.CharField(_("period"), max_length=16)
    plan = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    sub_agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    issue = models.BooleanField(_("issue"), default=False)
    # Header, narrative, signatory and recipients as entered on the draft form.
    options = models.JSONField(_("options"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    error = models.TextField(_("error"), blank=True)
    failure = models.CharField(_("failure"), max_length=16, choices=Failure.choices, blank=True)
    # The task framework's id of the task rendering this job, and the process that claimed it
    # (``host:pid:start``, core.processes): how a job whose worker died is told apart.
    task_result_id = models.CharField(_("task id"), max_length=64, blank=True)
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    draft_file = models.FileField(_("draft PDF"), upload_to=_random_pdf_name, blank=True)
    issued_report = models.ForeignKey(
        IssuedReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    seconds = models.FloatField(_("render time (s)"), null=True, blank=True)

    class Meta:
        verbose_name = _("render job")
        verbose_name_plural = _("render jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.period} ({self.status})"


class SignatureImage(models.Model):
    """An image an agency's administrator uploads for electronic originals (Decree 30/2020,
    Appendix I): a signer's signature or the agency's seal. Stored re-encoded as PNG in the
    database, so a document embeds it as a ``data:`` URI and the renderer never opens a
    file or an address for it."""

    class Kind(models.TextChoices):
        SIGNATURE = "signature", _("Signature")
        SEAL = "seal", _("Seal")

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # The signer whose signature this is, as printed under the signature; blank for a seal.
    signer_name = models.CharField(_("signer"), max_length=200, blank=True)
    png = models.BinaryField(_("image (PNG)"))
    width = models.PositiveIntegerField(_("width (px)"))
    height = models.PositiveIntegerField(_("height (px)"))
    sha256 = models.CharField(_("SHA-256 of the image"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now=True)

    class Meta:
        verbose_name = _("signature or seal image")
        verbose_name_plural = _("signature and seal images")
        ordering = ["agency", "kind", "signer_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "kind", "signer_name"], name="signatureimage_one_per_signer"
            ),
            models.CheckConstraint(
                condition=Q(kind="seal", signer_name="")
                | (Q(kind="signature") & ~Q(signer_name="")),
                name="signatureimage_signature_names_its_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} — {self.get_kind_display()} {self.signer_name}".strip()
