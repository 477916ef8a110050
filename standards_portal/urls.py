from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from pledges import views as pledge_views

from . import i18n, views

urlpatterns = [
    path("", views.home, name="home"),
    path("standards/", views.standards, name="standards"),
    path("healthz", views.healthz, name="healthz"),
    path("help/", include("standards_portal.help")),
    path("accounts/", include("allauth.urls")),
    path("people/", include("standards_portal.accounts.urls")),
    path("pledges/", include("pledges.urls")),
    path("v/<str:code>", pledge_views.pledge_verify_code, name="pledge-verify-code"),
    path("assessments/", include("assessments.urls")),
    path("reports/", include("assessments.reports.urls")),
    path("i18n/setlang/", i18n.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

handler400 = "standards_portal.views.error_400"
handler403 = "standards_portal.views.error_403"
handler404 = "standards_portal.views.error_404"
handler500 = "standards_portal.views.error_500"

admin.site.site_header = _("Standards Portal administration")
admin.site.site_title = _("Standards Portal")
