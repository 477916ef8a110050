from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("offices/<int:office_id>/bundles/", views.bundle_list, name="bundle-list"),
    path("bundles/<int:pk>/download/", views.bundle_download, name="bundle-download"),
    path("offices/<int:office_id>/retention/", views.retention, name="retention"),
    path("holds/<int:pk>/lift/", views.hold_lift_view, name="hold-lift"),
    path("bundles/<int:pk>/status/", views.bundle_status, name="bundle-status"),
]
