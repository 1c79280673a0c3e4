from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("security/", views.security_page, name="security"),
    path("security/logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("security/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
]
