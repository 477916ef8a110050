from django.urls import path

from . import views

app_name = "pledges"

urlpatterns = [
    path("", views.pledge_list, name="pledge-list"),
    path("sign/", views.pledge_sign_view, name="pledge-sign"),
    path("<int:pk>/", views.pledge_detail, name="pledge-detail"),
    path("<int:pk>/withdraw/", views.pledge_withdraw_view, name="pledge-withdraw"),
    path("<int:pk>/certificate.pdf", views.pledge_certificate, name="pledge-certificate"),
    path("office/", views.pledge_office, name="pledge-office"),
    path("office/remind/", views.pledge_remind, name="pledge-remind"),
    path("office/registry/", views.pledge_registry, name="pledge-registry-settings"),
    path("verify/", views.pledge_verify, name="pledge-verify"),
    path("registry/", views.registry_list, name="registry-list"),
    path("registry/<int:office_id>/", views.registry_detail, name="registry-detail"),
    # Oath addenda: an office's (its manager) or an association's (its administrators).
    path("addenda/office/", views.addendum_office, name="addendum-office"),
    path("addenda/office/new/", views.addendum_create_office, name="addendum-create-office"),
    path(
        "addenda/office/requirement/",
        views.addendum_requirement_view,
        name="addendum-requirement",
    ),
    path(
        "addenda/association/<int:association_id>/",
        views.addendum_association,
        name="addendum-association",
    ),
    path(
        "addenda/association/<int:association_id>/new/",
        views.addendum_create_association,
        name="addendum-create-association",
    ),
    path("addenda/<int:pk>/", views.addendum_detail, name="addendum-detail"),
    path("addenda/<int:pk>/edit/", views.addendum_edit, name="addendum-edit"),
    path("addenda/<int:pk>/publish/", views.addendum_publish_view, name="addendum-publish"),
]

# The public log of pledges, under /log/ (standards_portal.urls).
log_urlpatterns = (
    [
        path("", views.log_home, name="log-home"),
        path("checkpoint", views.log_checkpoint, name="log-checkpoint"),
        path("leaves", views.log_leaves, name="log-leaves"),
        path("proof/<str:code>", views.log_inclusion_proof, name="log-inclusion-proof"),
        path("consistency", views.log_consistency_proof, name="log-consistency-proof"),
    ],
    "log",
)
