"""Shared fixtures: tenants, users and memberships, and the database harness.

Database harness (PostgreSQL): the ``owner`` alias (DATABASE_OWNER_URL, the
table owner) creates and migrates the test database; ``default``
(DATABASE_URL, the application role) runs every test query, so row-level
security applies in tests exactly as in production.

``REQUIRE_POSTGRES=1`` (CI) turns tests marked ``postgres`` from skipped into
failed when the database is not PostgreSQL.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from pytest_django.fixtures import _get_databases_for_setup

from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role
from tests.factories import MembershipFactory, TenantFactory, UserFactory
from tests.secret_servers import moto_server, openbao  # noqa: F401  (session fixtures: real secret servers)

REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
REQUIRE_REDIS = os.environ.get("REQUIRE_REDIS") == "1"
# The system suites (real server, browser, processes) run through make e2e / visual / integration / gates.
collect_ignore = [] if os.environ.get("STRONGROOM_SYSTEM_SUITES") == "1" else ["e2e", "visual", "integration", "gates"]


def _is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("backends.postgresql")  # django_prometheus wraps it


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_POSTGRES and not _is_postgres():
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL")
    if REQUIRE_POSTGRES and "owner" not in settings.DATABASES:
        raise pytest.UsageError("REQUIRE_POSTGRES=1 needs DATABASE_OWNER_URL (the table owner role) as well")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and not _is_postgres():
        if REQUIRE_POSTGRES:
            pytest.fail("PostgreSQL-only test ran without PostgreSQL")
        pytest.skip("needs PostgreSQL (set DATABASE_URL and DATABASE_OWNER_URL)")
    if item.get_closest_marker("redis") and not settings.CELERY_BROKER_URL:
        if REQUIRE_REDIS:
            pytest.fail("Redis-only test ran without CELERY_BROKER_URL")
        pytest.skip("needs Redis (set CELERY_BROKER_URL)")


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,  # pytest-xdist: each worker its own test database (name suffix _gwN)
):
    """pytest-django's fixture, plus the owner alias so that it creates and migrates."""
    from django.test.utils import setup_databases, teardown_databases

    aliases, serialized = _get_databases_for_setup(request.session.items)
    if "owner" in settings.DATABASES:
        aliases = {*aliases, "owner", "default"}
    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        db_cfg = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized,
            keepdb=keepdb,
        )
    yield
    if not keepdb:
        from django.db import connections

        with django_db_blocker.unblock():
            # The application-role connection must close before the owner drops the database.
            connections.close_all()
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


@pytest.fixture
def tenant_a(db):
    return TenantFactory(name="Aldgate Joinery Ltd", slug="aldgate-joinery")


@pytest.fixture
def tenant_b(db):
    return TenantFactory(name="Bramley Florists Ltd", slug="bramley-florists")


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    """A staff account with the support role (the console needs a staff role; nothing else comes with it)."""
    from tests.factories.permissions import make_staff

    return make_staff("support")


def make_member(tenant, role: str = Role.BOOKKEEPER, **user_kwargs):
    return MembershipFactory(tenant=tenant, role=role, user=UserFactory(**user_kwargs)).user


@pytest.fixture
def bookkeeper_a(tenant_a):
    return make_member(tenant_a, Role.BOOKKEEPER)


@pytest.fixture
def owner_a(tenant_a):
    return make_member(tenant_a, Role.OWNER)


@pytest.fixture
def bookkeeper_b(tenant_b):
    return make_member(tenant_b, Role.BOOKKEEPER)


@pytest.fixture
def in_tenant():
    """``with in_tenant(t):`` — the application's own tenant_context, for test bodies."""
    return tenant_context


@pytest.fixture
def verified_client(client):
    """A test client whose logged-in user is marked 2FA-verified (for staff and owners)."""

    def login(user):
        from django.utils import timezone
        from django_otp.plugins.otp_totp.models import TOTPDevice

        # Verified means the device was just used to sign in (django-otp records when).
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True, last_used_at=timezone.now())
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        return client

    return login


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Database access without a wrapping transaction: writes commit, other connections see them.

    For tests that need two sessions (the owner tampering with what the
    application wrote, later real workers). Clean-up truncates through the
    owner; the audit log's truncate guard is lifted for that moment only, in
    the test database only.
    """
    with django_db_blocker.unblock():
        yield
        _flush_committed_writes()


def _flush_committed_writes() -> None:
    """Empty every table through the owner (the audit log's truncate guard lifted for that moment only)."""
    from django.core.management import call_command
    from django.db import connections

    connections["default"].close()
    alias = "owner" if "owner" in settings.DATABASES else "default"
    conn = connections[alias]
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_no_truncate")
            cursor.execute("TRUNCATE audit_chain_head")
    call_command("flush", database=alias, interactive=False, inhibit_post_migrate=True, verbosity=0)
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_no_truncate")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem):
    """Tests whose writes commit (transaction=True, live_server) leave nothing for the next test.

    pytest-django flushes only databases that are not mirrors, and on
    PostgreSQL "default" mirrors "owner": without this, rows committed by such
    a test stayed, and a later test creating the same tenant failed on its
    unique slug (seen in CI after a live-server test). Runs after every
    fixture of the test is torn down. After the session's last test there is
    nothing to protect, and the test databases are already dropped by then.
    """
    yield
    if nextitem is None:
        return
    marker = item.get_closest_marker("django_db")
    names = set(getattr(item, "fixturenames", ()))
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & names
    )
    if transactional and "committed_db" not in names:
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _flush_committed_writes()


@pytest.fixture
def books_a(tenant_a, owner_a):
    """Tenant A's books without entries: chart, VAT settings (quarters from 1 Jan 2025), Q1–Q3 obligations."""
    from tests.factories.books import vat_books

    return vat_books(tenant_a)


@pytest.fixture
def tenant_with_books(tenant_a, owner_a):
    """Tenant A with books: chart, VAT settings, Q1–Q3 2025, and the worked example posted in Q1 by its owner.

    Q1's return is ``tests.factories.books.WORKED_EXAMPLE_BOXES``; the result is a ``Books``.
    """
    from tests.factories.books import books_with_worked_example

    return books_with_worked_example(tenant_a, owner_a)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test stores documents in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def sandbox_http(settings):
    """Route apps.integrations.http.session() calls for SITE_URL/sandbox/ to the Django app in-process.

    Yields the adapter (``.requests`` lists what was sent). The sandbox sees the
    test's transaction; see tests/sandbox_transport.py.
    """
    from apps.integrations.http import session
    from tests.sandbox_transport import InProcessWSGIAdapter

    prefix = f"{settings.SITE_URL}/sandbox/"
    adapter = InProcessWSGIAdapter()
    session().mount(prefix, adapter)
    try:
        yield adapter
    finally:
        session().adapters.pop(prefix, None)


@pytest.fixture(autouse=True)
def closed_breakers():
    """Every test starts with every circuit breaker closed: an outage one test simulates must not
    refuse another test's calls (the state is shared through Redis, and kept per process). At the
    start, not the end: some tests patch ``time`` and would break a teardown that talks to Redis."""
    from apps.integrations import breakers

    breakers.reset()


@pytest.fixture
def clock(monkeypatch):
    """The circuit breakers' clock (Unix seconds), moved by the test instead of sleeping."""
    from apps.integrations import breakers
    from tests.integrations.breaker_helpers import Clock

    fake = Clock()
    monkeypatch.setattr(breakers, "_clock", fake)
    return fake


@pytest.fixture
def fresh_switch_cache():
    """waffle caches switches; the database is emptied or rolled back between tests but the cache is not."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def broker_not_remembered_down():
    """The outbox remembers a refused broker for a few seconds (per process): one test's dead broker must not
    turn the next test's fast sends away."""
    from apps.outbox import services

    services._broker_down_until = 0.0


@pytest.fixture(autouse=True)
def hmrc_calls_only_from_listed_places(monkeypatch):
    """Anywhere in the suite: an HMRC VAT API call from product code must come from a listed call site
    (tests/hmrc_call_sites.py) and carry a connection method. A new code path that calls HMRC fails
    every test that reaches it until it is listed, and so driven by the conformance tests."""
    from apps.integrations import http
    from tests import hmrc_call_sites

    original = http.call

    def guarded(client, operation, method, url, **kwargs):
        if client == "hmrc":
            site = hmrc_call_sites.product_call_site(skip=1)
            if site is not None:  # product code, not a test calling the client itself
                assert site in hmrc_call_sites.CALL_SITES, f"HMRC called from an unlisted place: {site}"
                headers = kwargs.get("headers") or {}
                assert headers.get("Gov-Client-Connection-Method"), f"HMRC called with no fraud headers: {site}"
        return original(client, operation, method, url, **kwargs)

    monkeypatch.setattr(http, "call", guarded)
