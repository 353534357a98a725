from django.urls import path

from housing import views, views_io

app_name = "housing"

urlpatterns = [
    path("units/<int:sub_agreement_id>/", views.house_list, name="list"),
    path("units/<int:sub_agreement_id>/new/", views.house_create, name="create"),
    path("units/<int:sub_agreement_id>/import/", views_io.import_upload, name="import_upload"),
    path("houses/<int:house_id>/", views.house_detail, name="detail"),
    path("houses/<int:house_id>/edit/", views.house_edit, name="edit"),
    path("houses/<int:house_id>/status/", views.house_advance, name="advance"),
    path("houses/<int:house_id>/photos/", views.photo_add, name="photo_add"),
    path("houses/<int:house_id>/delete/", views.house_delete, name="delete"),
    path("houses/<int:house_id>/household/", views.household_export, name="household_export"),
    path("houses/<int:house_id>/anonymise/", views.household_anonymise, name="anonymise"),
    path("photos/<int:photo_id>/<str:size>/", views.photo, name="photo"),
    path("import/<str:token>/", views_io.import_preview, name="import_preview"),
    path("import/<str:token>/confirm/", views_io.import_confirm, name="import_confirm"),
    path("export/", views_io.export, name="export"),
    path("province/", views_io.province, name="province"),
    path("access-log/", views.access_log, name="access_log"),
]
