"""The root URLconf: every app's pages under their prefixes."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import urls as accounts_urls
from core import i18n
from core import views as core_views
from front import urls as front_urls
from front import views as front_views
from pledges import urls as pledge_urls
from pledges import views as pledge_views
from sso import oidc_views, saml_views
from sso import urls as sso_urls

urlpatterns = [
    path("", front_views.home, name="home"),
    path("standards/", pledge_views.standards, name="standards"),
    path("healthz", core_views.healthz, name="healthz"),
    path("dev/outbox/", core_views.dev_outbox, name="dev-outbox"),
    path("dev/outbox/<str:name>/", core_views.dev_outbox_message, name="dev-outbox-message"),
    path("help/", include(front_urls.help_urlpatterns)),
    # allauth's SAML views behind a guard (clear 400/502 pages, no 500s), before
    # allauth's own URLs at the same addresses.
    path("accounts/", include(saml_views.allauth_urlpatterns)),
    path("accounts/", include(oidc_views.allauth_urlpatterns)),
    path("accounts/", include("allauth.urls")),
    path("sso/", include(sso_urls)),
    path("scim/v2/", include(sso_urls.scim_urlpatterns)),
    # The people pages, with the personal-data download beside "my account".
    path(
        "people/",
        include((accounts_urls.urlpatterns + front_urls.my_data_urlpatterns, "accounts")),
    ),
    path("pledges/", include("pledges.urls")),
    path("v/<str:code>", pledge_views.pledge_verify_code, name="pledge-verify-code"),
    path("log/", include(pledge_urls.log_urlpatterns)),
    path("sessions/", include("signing.urls")),
    path("education/", include("education.urls")),
    path("assessments/", include("assessments.urls")),
    path("reports/", include("reports.urls")),
    path("records/", include("records.urls")),
    path("i18n/setlang/", i18n.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.error_400"
handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"

admin.site.site_header = _("Standards Portal administration")
admin.site.site_title = _("Standards Portal")
