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
    path(
        "offices/<int:office_id>/report.pdf/prepare",
        views.office_report_pdf_prepare,
        name="office-report-pdf-prepare",
    ),
    path(
        "associations/<int:association_id>/report.pdf/prepare",
        views.association_report_pdf_prepare,
        name="association-report-pdf-prepare",
    ),
    path("files/<int:pk>/", views.report_file_download, name="report-file"),
    path("files/<int:pk>/status", views.report_file_status, name="report-file-status"),
    path("files/<int:pk>/retry", views.report_file_retry, name="report-file-retry"),
]
