"""Security headers on pages and API answers; the API docs for signed-in users only, from
the app's own static files."""

from __future__ import annotations

import pytest
from django.test import Client

from cases import tokens


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_pages_carry_a_strict_csp_no_store_and_a_permissions_policy(clinician):
    response = signed_in(clinician).get("/cases/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "no-store" in response["Cache-Control"]
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_api_answers_with_patient_data_are_not_stored(client, clinician):
    token = tokens.create(clinician, name="t")[1]
    response = client.get("/api/cases", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_hsts_and_ssl_redirect_follow_the_settings(settings, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    client = Client()
    insecure = client.get("/accounts/login/")
    assert insecure.status_code == 301 and insecure["Location"].startswith("https://")
    secure = client.get("/accounts/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_api_docs_are_for_signed_in_users_and_load_no_cdn(client, clinician):
    anonymous = client.get("/api/docs")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    html = signed_in(clinician).get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
