from django.urls import path

from activities import views

app_name = "activities"

urlpatterns = [
    path("units/<int:sub_agreement_id>/", views.month_list, name="month_list"),
    path("units/<int:sub_agreement_id>/<str:month>/", views.month_entry, name="month_entry"),
    path(
        "units/<int:sub_agreement_id>/<str:month>/grant/",
        views.late_entry_grant,
        name="late_entry_grant",
    ),
    path("review/", views.review_inbox, name="review_inbox"),
    path("review/approve/", views.review_approve_many, name="review_approve_many"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/review/", views.report_review, name="report_review"),
]

# Excel and CSV (activities/views_io.py).
from activities import views_io  # noqa: E402

urlpatterns += [
    path("excel/template/", views_io.template_download, name="import_template"),
    path("excel/import/", views_io.import_upload, name="import_upload"),
    path("excel/import/<str:token>/", views_io.import_preview, name="import_preview"),
    path("excel/import/<str:token>/confirm/", views_io.import_confirm, name="import_confirm"),
    path("excel/export/", views_io.export, name="export"),
]
