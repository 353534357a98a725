from django.urls import path

from activities import views

app_name = "activities"

urlpatterns = [
    path("units/<int:sub_agreement_id>/", views.month_list, name="month_list"),
    path("units/<int:sub_agreement_id>/<str:month>/", views.month_entry, name="month_entry"),
    path("review/", views.review_inbox, name="review_inbox"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/review/", views.report_review, name="report_review"),
]
