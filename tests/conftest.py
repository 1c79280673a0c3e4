"""Shared fixtures. Browser tests live in tests/e2e and carry the `e2e` marker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from asgiref.sync import SyncToAsync
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connections
from django.test import SimpleTestCase

from cases.models import Role
from panels.offline import knowledge

# Function fixtures of pytest-django that open the test database to a test (fixtures that
# depend on them, such as `clinician` or `admin_client`, bring them into `fixturenames`).
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help=(
            "Deselect the tests that cannot reach the database (no django_db mark, no database "
            "fixture, not a Django test case): `make test-postgres` repeats on PostgreSQL only "
            "the tests whose result can depend on the database."
        ),
    )


def uses_database(item: pytest.Item) -> bool:
    """Whether pytest-django lets ``item`` reach the test database. A test it does not let
    in fails on its first query, so a test this says no to runs the same on any database."""
    if item.get_closest_marker("django_db") is not None:
        return True
    if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    cls = getattr(item, "cls", None)
    return isinstance(cls, type) and issubclass(cls, SimpleTestCase) and bool(cls.databases)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    kept = [item for item in items if uses_database(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if not uses_database(item)])
        items[:] = kept


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def _audit_anchor(settings, tmp_path):
    """A known audit key and a checkpoint file per test: tests never append to var/."""
    settings.AUDIT_KEYS = [("local1", "test-audit-key-not-a-secret")]
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit_checkpoints.jsonl"
    settings.AUDIT_CHECKPOINT_EVERY = 1
    # The second factor is exercised in tests/accounts/test_two_factor.py (which turns it on);
    # other tests sign reviewers and administrators in with force_login.
    settings.OTP_REQUIRED = False


@pytest.fixture(scope="session", autouse=True)
def _close_worker_thread_connections(django_db_setup: None) -> Iterator[None]:
    """Async tests reach the database through asgiref's single worker thread, whose
    connections outlive each test; close them before the test databases are dropped
    (PostgreSQL refuses to drop a database that still has sessions)."""
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


def make_user(username: str, role: str | None) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username)
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def clinician(db) -> User:
    return make_user("clin", Role.CLINICIAN)


@pytest.fixture
def other_clinician(db) -> User:
    return make_user("clin2", Role.CLINICIAN)


@pytest.fixture
def reviewer(db) -> User:
    return make_user("rev", Role.REVIEWER)


@pytest.fixture
def reviewer2(db) -> User:
    return make_user("rev2", Role.REVIEWER)


@pytest.fixture
def administrator(db) -> User:
    return make_user("admin1", Role.ADMINISTRATOR)


def service_missing(name: str, reason: str) -> None:
    """Scale-out tests need a real service: fail loudly in CI, skip with the reason elsewhere."""
    message = f"{name} is not available: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: .ci/run must start it)")
    pytest.skip(message)


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        service_missing("Redis", f"{url}: {exc}")
    yield url


@pytest.fixture(scope="session")
def kb() -> knowledge.KnowledgeBase:
    """The DDXPlus knowledge base at settings.DDXPLUS_DIR: the copy shipped with the product,
    so its absence is a broken checkout and fails rather than skips."""
    return knowledge.load(Path(settings.DDXPLUS_DIR))
