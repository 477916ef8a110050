from django.urls import path

from . import views

app_name = "signing"

urlpatterns = [
    path("", views.session_list, name="session-list"),
    path("new/", views.session_create, name="session-create"),
    path(
        "association/<int:association_id>/new/",
        views.conference_create,
        name="conference-create",
    ),
    path("<int:pk>/", views.session_detail, name="session-detail"),
    path("<int:pk>/projector/", views.session_projector, name="session-projector"),
    path("<int:pk>/count/", views.session_count, name="session-count"),
    path("<int:pk>/roster/", views.roster, name="roster"),
    path("<int:pk>/roster/people/", views.roster_people, name="roster-people"),
    path("<int:pk>/roster/remove/", views.roster_remove, name="roster-remove"),
    path("<int:pk>/attendance.csv", views.attendance_csv_view, name="attendance-csv"),
    path("<int:pk>/sign-in-sheet.pdf", views.attendance_pdf_view, name="attendance-pdf"),
    path("<int:pk>/kiosk/unlock/", views.kiosk_unlock, name="kiosk-unlock"),
    path("<int:pk>/kiosk/lock/", views.kiosk_lock, name="kiosk-lock"),
    # Joining by the link or QR code, from one's own phone.
    path("join/<str:token>/", views.join, name="join"),
    path("join/<str:token>/identify/", views.join_identify, name="join-identify"),
    path("join/<str:token>/code/", views.join_code, name="join-code"),
    path("join/<str:token>/sign/", views.join_sign, name="join-sign"),
    # The shared device at the door.
    path("kiosk/", views.kiosk_start, name="kiosk-start"),
    path("kiosk/identify/", views.kiosk_identify, name="kiosk-identify"),
    path("kiosk/sign-in/", views.kiosk_sign_in, name="kiosk-sign-in"),
    path("kiosk/sign/", views.kiosk_sign, name="kiosk-sign"),
    path("kiosk/reset/", views.kiosk_reset, name="kiosk-reset"),
]
