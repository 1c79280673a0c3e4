"""Security headers on pages and API answers; the API docs for signed-in users only, from
the app's own static files."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from cases import tokens

ROOT = Path(__file__).resolve().parents[2]


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


def readme_production_env() -> dict[str, str]:
    """The environment README's "check --deploy is clean with" block sets, with real
    secrets where it shows ``...``."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("`manage.py check --deploy` is clean with", 1)[1]
    shell = block.split("```sh", 1)[1].split("```", 1)[0]
    words = " ".join(line.split("#", 1)[0].rstrip("\\ ") for line in shell.splitlines()).split()
    env = dict(word.split("=", 1) for word in words)
    return {k: v.replace("...", secrets.token_urlsafe(40)) for k, v in env.items()}


def test_check_deploy_is_clean_with_the_production_settings_the_readme_documents(tmp_path):
    env = readme_production_env()
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"} <= set(env)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
            "AUDIT_CHECKPOINT_FILE": str(tmp_path / "checkpoints.jsonl"),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout
