from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from projects.converters import ItemNumberConverter, ProjectCodeConverter
from releasemgmt.forms import AdminLoginForm, LoginForm
from releasemgmt.passwords import PasswordChangeView, PasswordResetView

register_converter(ProjectCodeConverter, "code")
register_converter(ItemNumberConverter, "number")
admin.site.login_form = AdminLoginForm  # over-long usernames are a form error, not a 500

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="projects:list", permanent=False)),
    path(
        "accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # The admin's "Change password" uses the site's page, whose old-password check is guarded.
    path(
        "admin/password_change/",
        RedirectView.as_view(pattern_name="password_change", permanent=False),
    ),
    path("admin/", admin.site.urls),
    path("projects/", include("projects.urls")),
    path("projects/<code:code>/", include("items.urls")),
    path("", include("journal.urls")),
    path("", include("evidence.urls")),
    path("", include("approvals.urls")),
    path("", include("qa.urls")),
    path("", include("planning.urls")),
    path("", include("releases.urls")),
    path("", include("notifications.urls")),
    path("", include("configuration.urls")),
    path("", include("measurement.urls")),
    path("", include("helpdesk.urls")),
    path("", include("api.urls")),
    path("", include("vcs.urls")),
    path("", include("imports.urls")),
    path("", include("conversation.urls")),
    path("", include("workplace.urls")),
    path("", include("accounts.urls")),
]

if settings.BENCH_FLOOR:  # the benchmark's framework floor (bench/floor.py), never in production
    from bench.floor import floor

    urlpatterns.append(path("bench/floor/", floor, name="bench_floor"))
