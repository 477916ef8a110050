from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.assessment_mine, name="assessment-mine"),
    path("start/", views.assessment_start, name="assessment-start"),
    path("team/", views.team_list, name="team-list"),
    path("office/", views.office_list, name="office-list"),
    path("<int:pk>/", views.assessment_detail, name="assessment-detail"),
    path("<int:pk>/edit/", views.assessment_edit, name="assessment-edit"),
    path(
        "<int:pk>/copy-previous/", views.assessment_copy_previous, name="assessment-copy-previous"
    ),
    path("<int:pk>/submit/", views.assessment_submit, name="assessment-submit"),
    path("<int:pk>/results/", views.assessment_results, name="assessment-results"),
    path("<int:pk>/results.pdf", views.assessment_results_pdf, name="assessment-results-pdf"),
    path(
        "<int:pk>/goals/<int:standard>/registration/",
        views.assessment_goal_registration,
        name="assessment-goal-registration",
    ),
    path("<int:pk>/review/", views.assessment_review, name="assessment-review"),
    path("<int:pk>/reopen/", views.assessment_reopen, name="assessment-reopen"),
    path("<int:pk>/reviewer/", views.assessment_reassign, name="assessment-reassign"),
]
