"""Shared fixtures: the loaded 2026 notice, named personas, and the PostgreSQL / Redis gates.

Tests marked `postgres` need real row locks and run in the PostgreSQL pass of `make test`; tests marked
`redis` need a Redis server. Outside CI they are skipped with the reason; in CI (`CI=true`) the Makefile
fails when the services are missing, so nothing is skipped silently there.
"""

import json
import os
from pathlib import Path

import pytest
from django.core.management import call_command

NOTICE_2026 = Path(__file__).resolve().parent.parent / "skilleval" / "seed" / "notice-2026.json"
pytest_plugins = ["tests.log_scan"]  # fails the run when a log line or URL holds a secret (SECURITY.md)


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    on_postgres = connection.vendor == "postgresql"
    has_redis = bool(os.environ.get("REDIS_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(
                pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL pass of make test")
            )
        if "redis" in item.keywords and not has_redis:
            item.add_marker(
                pytest.mark.skip(reason="needs Redis (REDIS_URL): runs in the second pass of make test")
            )


@pytest.fixture
def notice_2026_data():
    return json.loads(NOTICE_2026.read_text(encoding="utf-8"))


@pytest.fixture
def notice_2026(db):
    """The organization, policies, catalog and cycles of the 2026 notice, loaded as `make run` loads them."""
    call_command("load_notice", str(NOTICE_2026), stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def admin_alice(db):
    from skilleval.accounts.models import User

    return User.objects.create_superuser(username="alice", password="Alice-pass-2026!")


@pytest.fixture(autouse=True)
def _fresh_cache_and_policies():
    """Counters in the cache (verification limits) and remembered policies start empty in every test."""
    from django.core.cache import cache

    from skilleval.organization.policy import forget_cached_policies

    cache.clear()
    forget_cached_policies()
    yield


@pytest.fixture(autouse=True)
def _force_login_with_second_factor(monkeypatch):
    """`client.force_login(staff)` stands for a full sign-in: password and, for staff and institution users,
    a verified TOTP device, as the second-factor middleware requires. The sign-in itself, code by code, is
    tested in tests/accounts/test_sign_in_security.py through the real pages."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from skilleval.accounts.access import needs_second_factor

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if needs_second_factor(user):
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.filter(
                user=user, confirmed=True
            ).first() or TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)
