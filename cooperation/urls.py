from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from api.views import api
from cooperation import views, views_plans

admin.site.site_header = _("Hợp tác — administration")
admin.site.site_title = _("Hợp tác")
admin.site.index_title = _("Plan administration")

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/", views_plans.plan_archive, name="plan_list"),
    path("plans/<int:pk>/close/", views_plans.plan_close_view, name="plan_close"),
    path("plans/<int:pk>/next/", views_plans.plan_next, name="plan_next"),
    path("plans/<int:pk>/activate/", views_plans.plan_activate_view, name="plan_activate"),
    path("accounts/login/", views.PortalLoginView.as_view(), name="login"),
    path("help/", views.help_page, name="help"),
    # A forgotten password: a one-time link by email (throttled), or the provincial
    # administrator sets a temporary one in the administration (audited).
    path(
        "accounts/password/reset/",
        views.ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("activities.urls")),
    path("progress/", include("reports.urls")),
    path("documents/", include("reports.urls_pdf")),
    path("audit/", include("activities.urls_audit")),
    path("notifications/", include("notifications.urls")),
    path("housing/", include("housing.urls")),
    path("records/", include("records.urls")),
    path("", include("agreements.urls")),
    # The open API, versioned in its path: a change that breaks clients becomes /api/v2/.
    path("api/v1/", api.urls),
]
