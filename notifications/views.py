"""Thin views over a person's own notifications and preferences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import selectors, services
from notifications.forms import PreferencesForm


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page, items = selectors.notification_page(user=request.user, page=request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "items": items})


@login_required
@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark the notification read and go to what it is about (the link in every email)."""
    notification = selectors.notification_get(pk=notification_id, user=request.user)
    services.notification_mark_read(notification=notification, user=request.user)
    target = notification.target
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("notifications:list")
    return redirect(target)


@login_required
@require_POST
def notification_mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = selectors.notification_get(pk=notification_id, user=request.user)
    services.notification_mark_read(notification=notification, user=request.user)
    return redirect("notifications:list")


@login_required
@require_POST
def notifications_mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("Every notification is marked as read."))
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.preferences_set(user=request.user, deliveries=form.deliveries())
            messages.success(request, _("Your notification choices are saved."))
            return redirect("notifications:preferences")
    else:
        form = PreferencesForm(initial=selectors.preferences_of(user=request.user))
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_email": bool(request.user.email)},
    )
