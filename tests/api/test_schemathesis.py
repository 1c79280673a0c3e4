"""Property-based run of every API operation (schemathesis) with a signed-in clinician's
token: no server error, and every answer's status is one the OpenAPI schema documents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from cases import tokens
from consensus_site.api import api
from tests.cases.scenarios import consensus_panel
from tests.conftest import make_user

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"))
schema.app = get_wsgi_application()


@pytest.fixture
def token(db, monkeypatch) -> Iterator[str]:
    from cases import runners

    monkeypatch.setattr(runners, "start", lambda deliberation_id: None)  # no vendor, no task
    consensus_panel("main", is_default=True)
    # As Django's test client does: the WSGI handler would close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield tokens.create(make_user("fuzz", "clinician"), name="schemathesis")[1]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_operations_answer_documented_statuses_and_never_500(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error, status_code_conformance],
    )
