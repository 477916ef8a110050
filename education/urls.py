from django.urls import path

from . import views

app_name = "education"

urlpatterns: list = []

# --- self-reported training, approvals, my training, office hours (D2) ---
urlpatterns += [
    path("mine/", views.my_training, name="my-training"),
    path("mine/report/", views.selfreport_create, name="selfreport-create"),
    path("self-reports/<int:pk>/", views.selfreport_detail, name="selfreport-detail"),
    path("self-reports/<int:pk>/evidence/", views.selfreport_evidence, name="selfreport-evidence"),
    path("self-reports/<int:pk>/edit/", views.selfreport_edit, name="selfreport-edit"),
    path("self-reports/<int:pk>/withdraw/", views.selfreport_withdraw, name="selfreport-withdraw"),
    path("self-reports/<int:pk>/decide/", views.selfreport_decide, name="selfreport-decide"),
    path("self-reports/<int:pk>/reverse/", views.selfreport_reverse, name="selfreport-reverse"),
    path("approvals/", views.selfreport_queue, name="selfreport-queue"),
    path("office/", views.office_hours, name="office-hours"),
    path("office/hours.csv", views.office_hours_csv, name="office-hours-csv"),
]

# --- certification programs (E) ---
urlpatterns += [
    path("programs/", views.program_list, name="program-list"),
    path("programs/new/", views.program_create, name="program-create"),
    path("programs/<int:pk>/", views.program_detail, name="program-detail"),
    path("programs/<int:pk>/edit/", views.program_edit, name="program-edit"),
    path("programs/<int:pk>/close/", views.program_close, name="program-close"),
    path("programs/<int:pk>/enrol/", views.program_enrol, name="program-enrol"),
    path("programs/<int:pk>/leave/", views.program_leave, name="program-leave"),
    path(
        "completions/<int:pk>/certificate.pdf",
        views.completion_certificate,
        name="completion-certificate",
    ),
    path("certificates/<str:code>/", views.completion_verify, name="completion-verify"),
    path("office/programs/", views.office_programs, name="office-programs"),
    path("office/programs/<int:program_id>/", views.office_program, name="office-program"),
    path(
        "office/programs/<int:program_id>/people.csv",
        views.office_program_csv,
        name="office-program-csv",
    ),
    path(
        "associations/<int:association_id>/programs/<int:program_id>/",
        views.association_program,
        name="association-program",
    ),
    path(
        "associations/<int:association_id>/programs/<int:program_id>/offices.csv",
        views.association_program_csv,
        name="association-program-csv",
    ),
]

# --- courses, offerings, registrations, attendance, calendar (D1) ---
urlpatterns += [
    path("", views.course_catalogue, name="home"),
    path("courses/published/", views.course_published, name="course-published"),
    path("courses/new/", views.course_create, name="course-create"),
    path("courses/import/", views.course_import, name="course-import"),
    path("courses/import/<int:pk>/", views.course_import_preview, name="course-import-preview"),
    path("courses/<int:pk>/", views.course_detail, name="course-detail"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course-edit"),
    path("courses/<int:pk>/archive/", views.course_archive, name="course-archive"),
    path("courses/<int:pk>/offerings/new/", views.offering_create, name="offering-create"),
    path("offerings/<int:pk>/edit/", views.offering_edit, name="offering-edit"),
    path("offerings/<int:pk>/cancel/", views.offering_cancel, name="offering-cancel"),
    path("offerings/<int:pk>/register/", views.offering_register, name="offering-register"),
    path("offerings/<int:pk>/attendance/", views.offering_attendance, name="offering-attendance"),
    path(
        "offerings/<int:pk>/attendance/add/",
        views.offering_attendance_add,
        name="offering-attendance-add",
    ),
    path(
        "offerings/<int:pk>/attendance/session/",
        views.offering_attendance_session,
        name="offering-attendance-session",
    ),
    path("registrations/<int:pk>/cancel/", views.registration_cancel, name="registration-cancel"),
    path("registrations/<int:pk>.ics", views.registration_ics, name="registration-ics"),
    path("calendar/reset/", views.calendar_feed_reset, name="calendar-feed-reset"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
