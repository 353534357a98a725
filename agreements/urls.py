from django.urls import path

from agreements import views, views_reform

app_name = "agreements"

urlpatterns = [
    path("agreements/<int:pk>/document/", views.agreement_document, name="document"),
    path("agreements/reform/", views_reform.reform, name="reform"),
]
