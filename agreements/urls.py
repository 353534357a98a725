from django.urls import path

from agreements import views

app_name = "agreements"

urlpatterns = [
    path("agreements/<int:pk>/document/", views.agreement_document, name="document"),
]
