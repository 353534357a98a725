"""Writes of the notifications app: creating notifications (once each), emailing them (once
each), the daily digest (once a day), marking read, preferences.

Idempotency, the way healthchecks' sendalerts does it: a notification is unique per recipient
and key, so a reminder run twice — or by two workers at the same moment — inserts it once
(the second insert is ignored by the database); and an email is sent only by whoever flips its
row from "to email" to "being emailed" with a conditional UPDATE. If that UPDATE changes
nothing, another process got there first and this one sends nothing. A crash between the
claim and the send loses that email rather than sending it twice."""

import dataclasses
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from activities import events
from activities import selectors as activity_selectors
from activities.models import MonthlyReport
from agreements.models import Agreement, Membership
from core import calendar
from core.scope import PROVINCIAL_STAFF, UserScope
from notifications.models import Delivery, DigestEmail, Kind, Notification, Preference
from notifications.texts import notification_body, notification_title

logger = logging.getLogger(__name__)
User = get_user_model()
State = Notification.EmailState
Role = Membership.Role

# Emails tried this many times, then left as failed (the portal still shows the notification).
MAX_EMAIL_ATTEMPTS = 3
# A first run (or a run after cron was down) reports months missed in the last week only, not
# every month since the plan began.
MISSED_LOOKBACK_DAYS = 7
# Events that tell a unit's officers, and the notification kind each becomes.
EVENT_KINDS = {
    events.RETURNED: Kind.RETURNED,
    events.APPROVED: Kind.APPROVED,
    events.REOPENED: Kind.REOPENED,
    events.LATE_GRANTED: Kind.LATE_GRANTED,
}


@dataclasses.dataclass(frozen=True)
class Draft:
    """A notification to create for one recipient."""

    recipient: AbstractBaseUser
    kind: str
    key: str
    params: dict
    target: str


def _email_state(delivery: str, user: AbstractBaseUser) -> str:
    if not user.email or delivery == Delivery.PORTAL:
        return State.NONE
    return State.DIGEST if delivery == Delivery.DIGEST else State.PENDING


def notifications_create(*, drafts: Iterable[Draft]) -> list[str]:
    """Create the notifications (each at most once per recipient and key: a second call, or a
    concurrent one, inserts nothing) with the delivery each recipient chose. Two queries.
    Returns the keys."""
    drafts = list(drafts)
    if not drafts:
        return []
    chosen = {
        (user_id, kind): delivery
        for user_id, kind, delivery in Preference.objects.filter(
            user__in={d.recipient.pk for d in drafts}
        ).values_list("user_id", "kind", "delivery")
    }
    rows = [
        Notification(
            recipient=d.recipient,
            kind=d.kind,
            key=d.key,
            params=d.params,
            target=d.target,
            email_state=_email_state(
                chosen.get((d.recipient.pk, d.kind), Delivery.EMAIL), d.recipient
            ),
        )
        for d in drafts
    ]
    # The unique (recipient, key) constraint makes this the once-only step.
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return sorted({d.key for d in drafts})


# --- Email ----------------------------------------------------------------------------------


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _greeting(user: AbstractBaseUser) -> str:
    return _("Hello %(name)s,") % {"name": user.get_full_name() or user.get_username()}


def _footer() -> str:
    return _("You receive this email from the Hợp tác portal. Choose how you are told: %(url)s") % {
        "url": absolute_url(reverse("notifications:preferences"))
    }


def notification_email(notification: Notification) -> tuple[str, str]:
    """Subject and body of one notification's email, in Vietnamese, with an absolute link."""
    with translation.override("vi"):
        title = notification_title(notification.kind, notification.params)
        lines = [
            _greeting(notification.recipient),
            "",
            title,
            *notification_body(notification.kind, notification.params),
            "",
            _("Open it in the portal: %(url)s")
            % {"url": absolute_url(reverse("notifications:open", args=[notification.pk]))},
            "",
            _footer(),
        ]
        return f"[Hợp tác] {title}", "\n".join(lines)


def _send(to: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)


def _claim(pk: int) -> bool:
    """Take one email to send. False: nothing got updated, another process got there first."""
    return (
        Notification.objects.filter(pk=pk, email_state=State.PENDING).update(
            email_state=State.SENDING, email_attempts=F("email_attempts") + 1
        )
        == 1
    )


def emails_send_pending(*, keys: Iterable[str] | None = None) -> int:
    """Email every notification waiting to be emailed (only those with ``keys`` if given),
    each once whatever runs at the same time. Returns how many this call sent."""
    pending = Notification.objects.filter(email_state=State.PENDING).select_related("recipient")
    if keys is not None:
        pending = pending.filter(key__in=list(keys))
    sent = 0
    for notification in pending.order_by("id"):
        if not _claim(notification.pk):
            continue
        subject, body = notification_email(notification)
        try:
            _send(notification.recipient.email, subject, body)
        except Exception:
            logger.exception("Email for notification %s failed", notification.pk)
            attempts = notification.email_attempts + 1
            Notification.objects.filter(pk=notification.pk).update(
                email_state=State.FAILED if attempts >= MAX_EMAIL_ATTEMPTS else State.PENDING
            )
            continue
        Notification.objects.filter(pk=notification.pk).update(
            email_state=State.SENT, emailed_at=timezone.now()
        )
        sent += 1
    return sent


def digests_send(*, now: dt.datetime | None = None) -> int:
    """Send each person who chose the daily digest one email a day with what waits for it,
    from the configured hour on. Returns how many digests this call sent."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < settings.NOTIFICATIONS_DIGEST_HOUR:
        return 0
    day = local.date()
    users = (
        User.objects.filter(
            notifications__email_state=State.DIGEST, notifications__created_at__lt=now
        )
        .exclude(digest_emails__day=day)
        .distinct()
    )
    sent = 0
    for user in users:
        try:
            with transaction.atomic():
                digest = DigestEmail.objects.create(recipient=user, day=day)
                Notification.objects.filter(
                    recipient=user, email_state=State.DIGEST, created_at__lt=now
                ).update(email_state=State.SENDING, digest=digest)
        except IntegrityError:
            continue  # another process is sending this person's digest today
        items = list(digest.notifications.order_by("created_at", "id"))
        with translation.override("vi"):
            subject = _("[Hợp tác] Daily digest of %(day)s: %(count)s notifications") % {
                "day": day.strftime("%d/%m/%Y"),
                "count": len(items),
            }
            lines = [_greeting(user), ""]
            for item in items:
                lines.append("• " + notification_title(item.kind, item.params))
                lines += ["  " + line for line in notification_body(item.kind, item.params)]
                lines.append("  " + absolute_url(reverse("notifications:open", args=[item.pk])))
            lines += ["", _footer()]
        try:
            _send(user.email, subject, "\n".join(lines))
        except Exception:
            logger.exception("Digest for user %s failed", user.pk)
            digest.notifications.update(email_state=State.FAILED)
            continue
        digest.notifications.update(email_state=State.SENT, emailed_at=timezone.now())
        DigestEmail.objects.filter(pk=digest.pk).update(sent_at=timezone.now())
        sent += 1
    return sent


# --- Who is told -----------------------------------------------------------------------------


def _members(*, roles: Iterable[str], unit_ids: Iterable[int] | None = None) -> dict:
    """Active users holding ``roles``, by unit id. One query."""
    memberships = Membership.objects.filter(role__in=list(roles), user__is_active=True)
    if unit_ids is not None:
        memberships = memberships.filter(org_unit_id__in=list(unit_ids))
    by_unit: dict[int, dict[int, AbstractBaseUser]] = defaultdict(dict)
    for membership in memberships.select_related("user"):
        by_unit[membership.org_unit_id][membership.user_id] = membership.user
    return by_unit


def _unit_officers(unit_ids: Iterable[int]) -> dict[int, list[AbstractBaseUser]]:
    """A unit's officers only: nobody outside the unit's scope hears of its months."""
    return {
        unit: list(users.values())
        for unit, users in _members(roles=[Role.DISTRICT_OFFICER], unit_ids=unit_ids).items()
    }


def _everyone(roles: Iterable[str]) -> list[AbstractBaseUser]:
    users: dict[int, AbstractBaseUser] = {}
    for by_user in _members(roles=roles).values():
        users.update(by_user)
    return list(users.values())


def _month_target(sub_agreement_id: int, month: dt.date) -> str:
    return reverse("activities:month_entry", args=[sub_agreement_id, month.strftime("%Y-%m")])


def report_event_notify(event: events.ReportEvent) -> None:
    """The listener activities calls after a returned, approved, reopened or granted month
    commits: tell the unit's officers, then email those who asked for it at once."""
    kind = EVENT_KINDS.get(event.kind)
    if kind is None:
        return
    sub_agreement = Agreement.objects.select_related("org_unit").get(pk=event.sub_agreement_id)
    month = dt.date.fromisoformat(event.month_iso)
    params = {"unit": sub_agreement.org_unit.name, "month": event.month_iso}
    if event.reason:
        params["reason"] = event.reason
    key = f"{kind}:{sub_agreement.pk}:{event.month_iso}:v{event.version or 0}"
    officers = _unit_officers([sub_agreement.org_unit_id]).get(sub_agreement.org_unit_id, [])
    keys = notifications_create(
        drafts=[
            Draft(user, kind, key, params, _month_target(sub_agreement.pk, month))
            for user in officers
            if user.pk != event.actor_id
        ]
    )
    emails_send_pending(keys=keys)


def report_issued_notify(*, issued_report) -> None:
    """Tell leadership a report was issued (reports calls this once the issue commits)."""
    params = {"title": issued_report.title, "number": issued_report.number_line}
    keys = notifications_create(
        drafts=[
            Draft(
                user,
                Kind.REPORT_ISSUED,
                f"issued:{issued_report.pk}",
                params,
                reverse("pdf:issued_download", args=[issued_report.pk]),
            )
            for user in _everyone([Role.LEADERSHIP])
        ]
    )
    emails_send_pending(keys=keys)


# --- The periodic run -----------------------------------------------------------------------


@dataclasses.dataclass
class ReminderRun:
    created_keys: int = 0
    emails: int = 0
    digests: int = 0


def _deadline_drafts(*, on: dt.date) -> list[Draft]:
    """Deadline in N days and deadline missed, for every open sub-agreement's recent months.
    Three queries, whatever the number of units."""
    agreements = [
        a
        for a in Agreement.objects.filter(parent__isnull=False).select_related("org_unit", "parent")
        if not calendar.is_closed(a)
    ]
    candidates: list[tuple[Agreement, dt.date]] = []
    for agreement in agreements:
        # A deadline falls at most 28 days after its month ends: the last three months cover
        # every reminder and every recent miss.
        for month in calendar.reporting_months(agreement, on=on)[-3:]:
            candidates.append((agreement, month))
    if not candidates:
        return []
    statuses = {
        (sub_id, month): status
        for sub_id, month, status in MonthlyReport.objects.filter(
            sub_agreement__in=agreements, month__gte=min(m for _a, m in candidates)
        ).values_list("sub_agreement_id", "month", "status")
    }
    officers = _unit_officers({a.org_unit_id for a in agreements})
    drafts = []
    for agreement, month in candidates:
        if statuses.get((agreement.pk, month)) in calendar.DONE_STATUSES:
            continue
        due = calendar.deadline(agreement, month)
        reminder = calendar.reminder_day(agreement, month)
        missed = calendar.missed_notice_day(agreement, month)
        params = {
            "unit": agreement.org_unit.name,
            "month": month.isoformat(),
            "deadline": due.isoformat(),
        }
        if reminder is not None and reminder <= on <= due:
            kind, params["days"] = Kind.DEADLINE_SOON, (due - on).days
        elif missed <= on <= missed + dt.timedelta(days=MISSED_LOOKBACK_DAYS):
            kind = Kind.DEADLINE_MISSED
        else:
            continue
        key = f"{kind}:{agreement.pk}:{month.isoformat()}"
        target = _month_target(agreement.pk, month)
        drafts += [
            Draft(user, kind, key, dict(params), target)
            for user in officers.get(agreement.org_unit_id, [])
        ]
    return drafts


def _summary_items(pairs: Iterable[tuple[str, dt.date]], limit: int = 30) -> list[dict]:
    months: dict[str, list[str]] = defaultdict(list)
    for unit, month in pairs:
        months[unit].append(month.isoformat())
    return [{"unit": unit, "months": sorted(ms)} for unit, ms in sorted(months.items())][:limit]


def _weekly_drafts(*, on: dt.date) -> list[Draft]:
    """Once a week (the first run in each ISO week), provincial staff get the overdue, returned
    and waiting months. A fixed number of queries."""
    staff = _everyone([Role.PROVINCIAL_STAFF])
    if not staff:
        return []
    scope = UserScope(None, frozenset({PROVINCIAL_STAFF}), frozenset(), frozenset())
    late = activity_selectors.late_units(scope=scope, today=on)
    open_reports = list(
        MonthlyReport.objects.filter(
            status__in=[MonthlyReport.Status.RETURNED, MonthlyReport.Status.SUBMITTED]
        ).values_list("status", "sub_agreement__org_unit__name", "month")
    )
    returned = [(u, m) for s, u, m in open_reports if s == MonthlyReport.Status.RETURNED]
    waiting = [(u, m) for s, u, m in open_reports if s == MonthlyReport.Status.SUBMITTED]
    year, week, _weekday = on.isocalendar()
    monday = on - dt.timedelta(days=on.weekday())
    params = {
        "day": monday.isoformat(),
        "overdue": sum(len(unit.overdue_months) for unit in late),
        "returned": len(returned),
        "waiting": len(waiting),
        "overdue_list": _summary_items(
            (unit.sub_agreement.org_unit.name, m) for unit in late for m in unit.overdue_months
        ),
        "returned_list": _summary_items(returned),
        "waiting_list": _summary_items(waiting),
    }
    key = f"{Kind.WEEKLY_SUMMARY}:{year}-W{week:02d}"
    target = reverse("activities:review_inbox")
    return [Draft(user, Kind.WEEKLY_SUMMARY, key, params, target) for user in staff]


def reminders_send(*, now: dt.datetime | None = None) -> ReminderRun:
    """The periodic run (``manage.py send_reminders``), safe to run any number of times a day
    and by several processes at once: deadline reminders and misses, the weekly summary, the
    daily digests, and any email still waiting (a failed SMTP attempt is retried)."""
    now = now or timezone.now()
    on = timezone.localtime(now).date()
    run = ReminderRun()
    drafts = _deadline_drafts(on=on) + _weekly_drafts(on=on)
    run.created_keys = len(notifications_create(drafts=drafts))
    run.emails = emails_send_pending()
    run.digests = digests_send(now=now)
    return run


# --- The reader's side ----------------------------------------------------------------------


def notification_mark_read(*, notification: Notification, user: AbstractBaseUser) -> None:
    if notification.recipient_id != user.pk:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )


def notifications_mark_all_read(*, user: AbstractBaseUser) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preferences_set(*, user: AbstractBaseUser, deliveries: dict[str, str]) -> None:
    """Store how ``user`` wants each kind delivered; later notifications follow it."""
    for kind, delivery in deliveries.items():
        if kind not in Kind.values or delivery not in Delivery.values:
            raise ValueError(f"unknown kind or delivery: {kind!r} {delivery!r}")
        Preference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": delivery})
