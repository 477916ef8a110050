from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.people_list, name="people-list"),
]
