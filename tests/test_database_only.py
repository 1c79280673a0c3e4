"""`--database-tests-only` (tests/conftest.py): what `make test-postgres` repeats on
PostgreSQL. A test is repeated when pytest-django lets it reach the database."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests.conftest import uses_database
from tests.e2e.base import BrowserTestCase


def test_a_test_without_the_database_is_left_to_the_sqlite_run(request):
    assert not uses_database(request.node)


@pytest.mark.django_db
def test_the_django_db_mark_makes_a_database_test(request):
    assert uses_database(request.node)


def test_a_fixture_that_needs_the_database_makes_a_database_test(request, clinician):
    assert uses_database(request.node)


def test_a_django_test_case_with_databases_is_a_database_test():
    def item(cls: type) -> Any:  # the three attributes uses_database reads of an Item
        return SimpleNamespace(get_closest_marker=lambda name: None, fixturenames=[], cls=cls)

    from django.test import SimpleTestCase

    assert uses_database(item(BrowserTestCase))  # the browser tests: a live server's database
    assert not uses_database(item(SimpleTestCase))
