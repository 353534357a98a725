from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.province, name="province"),
    path("units/", views.units, name="units"),
    path("grid/", views.grid, name="grid"),
    path("district/<int:sub_agreement_id>/", views.district, name="district"),
    path("indicator/<str:code>/", views.indicator, name="indicator"),
]
