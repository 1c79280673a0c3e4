from django.urls import path

from accounts import two_factor_views, views

app_name = "accounts"

urlpatterns = [
    path("2fa/setup/", two_factor_views.setup, name="2fa_setup"),
    path("2fa/setup/qr.svg", two_factor_views.setup_qr, name="2fa_qr"),
    path("2fa/verify/", two_factor_views.verify, name="2fa_verify"),
    path("security/", views.security_page, name="security"),
    path("security/logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("security/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
]
