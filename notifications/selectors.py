"""Reads of a person's own notifications (nobody reads another's)."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.http import Http404

from notifications.models import Delivery, Kind, Notification, Preference
from notifications.texts import notification_body, notification_title

PAGE_SIZE = 20


@dataclass(frozen=True)
class NotificationItem:
    notification: Notification
    title: str
    lines: list[str]

    @property
    def is_unread(self) -> bool:
        return self.notification.read_at is None


def unread_count(*, user: AbstractBaseUser) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_page(*, user: AbstractBaseUser, page: str | int | None) -> tuple[Page, list]:
    """One page of the user's notifications, newest first, worded in the active language."""
    paginator = Paginator(
        Notification.objects.filter(recipient=user).order_by("-created_at", "-id"), PAGE_SIZE
    )
    current = paginator.get_page(page)
    items = [
        NotificationItem(
            n, notification_title(n.kind, n.params), notification_body(n.kind, n.params)
        )
        for n in current.object_list
    ]
    return current, items


def notification_get(*, pk: int, user: AbstractBaseUser) -> Notification:
    """The user's own notification, or 404 (another's looks like one that does not exist)."""
    notification = Notification.objects.filter(pk=pk, recipient=user).first()
    if notification is None:
        raise Http404
    return notification


def preferences_of(*, user: AbstractBaseUser) -> dict[str, str]:
    """Every kind with the delivery the user chose (email at once when they chose nothing)."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, Delivery.EMAIL) for kind in Kind.values}
