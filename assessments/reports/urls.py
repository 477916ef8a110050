from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("office/", views.office_report_home, name="office-report-home"),
    path("offices/<int:office_id>/", views.office_report, name="office-report"),
    path("offices/<int:office_id>/report.pdf", views.office_report_pdf, name="office-report-pdf"),
    path("offices/<int:office_id>/report.csv", views.office_report_csv, name="office-report-csv"),
    path("associations/", views.association_list, name="association-list"),
    path(
        "associations/<int:association_id>/",
        views.association_report,
        name="association-report",
    ),
    path(
        "associations/<int:association_id>/report.pdf",
        views.association_report_pdf,
        name="association-report-pdf",
    ),
    path(
        "associations/<int:association_id>/report.csv",
        views.association_report_csv,
        name="association-report-csv",
    ),
]
