from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("offices/<int:office_id>/bundles/", views.bundle_list, name="bundle-list"),
    path("bundles/<int:pk>/download/", views.bundle_download, name="bundle-download"),
]
