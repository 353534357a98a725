from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from api.views import api
from cooperation import views

admin.site.site_header = _("Hợp tác — administration")
admin.site.site_title = _("Hợp tác")
admin.site.index_title = _("Plan administration")

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
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
    path("", include("agreements.urls")),
    # The open API, versioned in its path: a change that breaks clients becomes /api/v2/.
    path("api/v1/", api.urls),
]
