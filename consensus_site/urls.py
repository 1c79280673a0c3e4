from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.forms import LoginForm
from cases import analytics_views
from cases import views as case_views
from consensus_site.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", case_views.home, name="home"),
    path("cases/", include("cases.urls")),
    path("escalations/", include("cases.escalation.urls")),
    path("audit/", include("cases.audit.urls")),
    path("analytics/", analytics_views.analytics_page, name="analytics"),
]
