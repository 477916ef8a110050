from django.urls import path

from . import views

# Included under the "accounts" namespace by the root URLconf (with the front's
# personal-data pages), so no app_name here.

urlpatterns = [
    path("", views.people_list, name="people-list"),
    path("me/", views.my_account, name="my-account"),
    path("me/confidential/", views.my_confidential, name="my-confidential"),
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/csv/", views.audit_log_csv, name="audit-log-csv"),
    path("<int:pk>/edit/", views.membership_update, name="membership-update"),
    path("<int:pk>/deactivate/", views.membership_deactivate, name="membership-deactivate"),
    path("invite/", views.invitation_create, name="invitation-create"),
    path("invitations/", views.invitation_list, name="invitation-list"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation-resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path(
        "election-workers/deactivate/",
        views.election_workers_deactivate,
        name="election-workers-deactivate",
    ),
    path("roster/", views.roster_upload, name="roster-upload"),
    path("roster/<int:pk>/", views.roster_preview, name="roster-preview"),
    path("associations/<int:pk>/", views.association_detail, name="association-detail"),
    path(
        "associations/<int:pk>/offices/add/",
        views.association_office_add,
        name="association-office-add",
    ),
    path(
        "associations/<int:pk>/offices/new/",
        views.association_office_create,
        name="association-office-create",
    ),
    path(
        "associations/<int:pk>/offices/remove/",
        views.association_office_remove,
        name="association-office-remove",
    ),
    path(
        "associations/<int:pk>/invite/",
        views.association_invitation_create,
        name="association-invitation-create",
    ),
]
