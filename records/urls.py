from django.urls import path

from records import views

app_name = "records"

urlpatterns = [
    path("", views.record_list, name="record_list"),
    path("coverage/", views.evidence_coverage, name="coverage"),
    path("units/<int:sub_agreement_id>/new/", views.record_create, name="record_create"),
    path("<int:pk>/", views.record_detail, name="record_detail"),
    path("<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("<int:pk>/delete/", views.record_delete, name="record_delete"),
    path("files/<int:pk>/", views.attachment_download, name="attachment"),
    path("files/<int:pk>/thumbnail/", views.attachment_thumbnail, name="attachment_thumbnail"),
]
