from django.urls import path

from activities import views_audit

app_name = "audit"

urlpatterns = [
    path("", views_audit.audit_list, name="list"),
    path("users/<int:user_id>/", views_audit.audit_user, name="user"),
]
