"""The front's pages: help (its own namespace) and the personal-data download, which the
root URLconf files under the people pages' `accounts` namespace beside the account page."""

from django.urls import path

from . import help, views

help_urlpatterns = (
    [
        path("", help.help_index, name="help-index"),
        path("pledge/", help.help_pledge, name="help-pledge"),
        path("rating-scale/", help.help_rating_scale, name="help-rating-scale"),
        path("review/", help.help_review, name="help-review"),
        path("privacy/", help.help_privacy, name="help-privacy"),
        path("accessibility/", help.help_accessibility, name="help-accessibility"),
        path("welcome/dismiss/", help.welcome_dismiss, name="welcome-dismiss"),
    ],
    "help",
)

my_data_urlpatterns = [
    path("me/data/", views.my_data, name="my-data"),
    path("me/data/<slug:kind>/", views.my_data_download, name="my-data-download"),
]
