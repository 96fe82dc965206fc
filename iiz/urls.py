from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from iiz import views
from roles import views as roles_views

admin.site.site_header = _("IIZ Valais administration")
admin.site.site_title = _("IIZ Valais")
admin.site.index_title = _("People, roles and reference data")

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", include("cases.urls")),
    path("language/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/settings/", roles_views.preferences, name="preferences"),
    path("accounts/keep-alive/", views.keep_alive, name="keep_alive"),
    path("accounts/second-factor/", roles_views.second_factor_verify, name="second_factor_verify"),
    path("accounts/second-factor/setup/", roles_views.second_factor_setup, name="second_factor_setup"),
    path("accounts/second-factor/new-codes/", roles_views.second_factor_new_codes, name="second_factor_new_codes"),
    path("accounts/second-factor/remove/", roles_views.second_factor_remove, name="second_factor_remove"),
    # Passkeys (django-otp-webauthn): registration in My settings, verification after the password.
    path("accounts/passkeys/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
