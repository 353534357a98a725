from django.urls import path

from reports import views_pdf

app_name = "pdf"

urlpatterns = [
    path("", views_pdf.document_index, name="index"),
    path("draft/", views_pdf.document_draft, name="draft"),
    path("jobs/<uuid:pk>/", views_pdf.job_status, name="job"),
    path("jobs/<uuid:pk>/download/", views_pdf.job_download, name="job_download"),
    path("issued/<int:pk>/download/", views_pdf.issued_download, name="issued_download"),
    path("issued/<int:pk>/withdraw/", views_pdf.issued_withdraw, name="issued_withdraw"),
]
