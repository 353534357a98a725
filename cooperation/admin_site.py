"""The administration is for the plan's managers only.

Django lets any active user with ``is_staff`` in; here the user must also hold the admin or
provincial staff role (a Membership, or superuser). A district officer who was made staff by
mistake therefore still cannot open the administration."""

from axes import apps as axes_apps
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_tasks_db import apps as tasks_db_apps


class RoleAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        # Imported here: this module is loaded with INSTALLED_APPS, before models are ready.
        from agreements.selectors import request_scope

        return request_scope(request).can_manage


class RoleAdminConfig(AdminConfig):
    default_site = "cooperation.admin_site.RoleAdminSite"


class AxesConfig(axes_apps.AppConfig):
    """django-axes under a Vietnamese name: its app is otherwise titled "Axes" in the
    administration (its models' names are translated in our catalogue, django_strings.py)."""

    verbose_name = _("Login security")


class TasksConfig(tasks_db_apps.TasksAppConfig):
    """django-tasks-db's queue table under a Vietnamese name (the library hard-codes
    "Tasks Database Backend")."""

    verbose_name = _("Background tasks")
