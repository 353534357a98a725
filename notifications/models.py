"""What the portal tells people: one row per message per recipient, and how each person wants
each kind delivered.

A notification's text is not stored: its kind and parameters are, and notifications/texts.py
words them in the reader's language (the portal) or in Vietnamese (email)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    RETURNED = "returned", _("A month returned")
    APPROVED = "approved", _("A month approved")
    REOPENED = "reopened", _("A month reopened")
    LATE_GRANTED = "late_granted", _("Late entry granted")
    DEADLINE_SOON = "deadline_soon", _("A deadline in a few days")
    DEADLINE_MISSED = "deadline_missed", _("A deadline missed")
    WEEKLY_SUMMARY = "weekly_summary", _("Weekly summary for provincial staff")
    REPORT_ISSUED = "report_issued", _("A report issued")


class Delivery(models.TextChoices):
    PORTAL = "portal", _("In the portal only")
    EMAIL = "email", _("By email at once")
    DIGEST = "digest", _("In a daily email digest")


class Notification(models.Model):
    class EmailState(models.TextChoices):
        NONE = "none", _("not emailed")
        PENDING = "pending", _("to email")
        SENDING = "sending", _("being emailed")
        DIGEST = "digest", _("waiting for the daily digest")
        SENT = "sent", _("emailed")
        FAILED = "failed", _("email failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # What makes the message unique for its recipient ("deadline_soon:12:2024-03-01"): the
    # database refuses a second copy, so a reminder run twice, or by two workers at once,
    # creates it once.
    key = models.CharField(_("key"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # A path inside the portal ("/units/3/2024-03/"); emails make it absolute with SITE_URL.
    target = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_state = models.CharField(
        _("email"), max_length=8, choices=EmailState.choices, default=EmailState.NONE
    )
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    digest = models.ForeignKey(
        "DigestEmail",
        verbose_name=_("digest"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once"),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["email_state"], name="notification_email_state"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} — {self.kind} — {self.key}"


class DigestEmail(models.Model):
    """One daily digest per person and day: whoever inserts the row sends it, so two runs (or
    two workers) never send the same day's digest twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="digest_emails",
    )
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="digest_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} — {self.day:%d/%m/%Y}"


class Preference(models.Model):
    """How one person wants one kind delivered (no row: the kind's default, email at once)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    delivery = models.CharField(_("delivery"), max_length=8, choices=Delivery.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_unique_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.kind}: {self.delivery}"
