"""`manage.py check_production` / `make prod-check` (issue 11 "Scale-out"): one English line per problem and
exit 1, or "production configuration OK". Settings are overridden here; reaching PostgreSQL and Redis is
mocked unless the test runs on PostgreSQL with REDIS_URL (then the real services answer)."""

import io
import os

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test import modify_settings, override_settings

from skilleval.web.management.commands import check_production

GOOD = {
    "DEBUG": False,
    "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
    "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
    "SECRET_KEY": "k8Jq2-vN0x7RwYp4bT9mLzC1sHd6GfE3aUiO5eKrQ0tWjXnBvMyZc-2P8lA7oS1u",
    "ALLOWED_HOSTS": ["jineng.sh-sict.com"],
    "FIELD_KEYS_JSON": '{"active": "k1", "keys": {}}',
    "PUBLIC_URL": "https://jineng.sh-sict.com",
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
}
REAL_SERVICES = connection.vendor == "postgresql" and bool(os.environ.get("REDIS_URL"))


@pytest.fixture(autouse=True)
def services(monkeypatch):
    """PostgreSQL and Redis answer (really, in the PostgreSQL+Redis pass; mocked otherwise)."""
    if not REAL_SERVICES:
        monkeypatch.setattr(check_production, "database_engine", lambda: "django.db.backends.postgresql")
        monkeypatch.setattr(check_production, "reach_database", lambda: None)
        monkeypatch.setattr(check_production, "reach_redis", lambda: None)


def run(*args, **overrides) -> tuple[int, list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    # Installing django_rq for the check imports its admin module, which registers its queues on the admin
    # site for good; left there, every later admin page asks for an app no longer installed.
    registered = dict(admin.site._registry)
    try:
        with (
            modify_settings(INSTALLED_APPS={"append": "django_rq"}),
            override_settings(**{**GOOD, **overrides}),
        ):
            call_command("check_production", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, err.getvalue().splitlines(), out.getvalue()
    finally:
        admin.site._registry = registered
    return 0, err.getvalue().splitlines(), out.getvalue()


@pytest.mark.django_db
def test_a_good_configuration_passes():
    code, problems, out = run()
    assert (code, problems) == (0, [])
    assert out.strip() == "production configuration OK"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"DEBUG": True}, "DEBUG is on"),
        ({"REDIS_URL": None}, "REDIS_URL is missing"),
        ({"TASKS": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}}, "TASKS_BACKEND is not rq"),
        ({"ALLOWED_HOSTS": ["127.0.0.1", "localhost", "[::1]"]}, "ALLOWED_HOSTS names only loopback"),
        ({"ALLOWED_HOSTS": []}, "ALLOWED_HOSTS names only loopback"),
        ({"PUBLIC_URL": "http://jineng.sh-sict.com"}, "SKILLEVAL_PUBLIC_URL is not https"),
        ({"SESSION_COOKIE_SECURE": False}, "the session cookie is not Secure"),
        ({"CSRF_COOKIE_SECURE": False}, "the CSRF cookie is not Secure"),
        ({"SECURE_HSTS_SECONDS": 0}, "check --deploy: security.W004"),
        ({"SECURE_SSL_REDIRECT": False}, "check --deploy: security.W008"),
        ({"SECRET_KEY": "django-insecure-short"}, "check --deploy: security.W009"),
    ],
)
def test_each_bad_setting_is_named(overrides, expected):
    code, problems, out = run(**overrides)
    assert code == 1
    assert any(line.startswith(expected) for line in problems), problems
    assert "OK" not in out


@pytest.mark.django_db
def test_a_deployment_check_the_proxy_handles_can_be_ignored():
    code, problems, _out = run("--ignore", "security.W008", SECURE_SSL_REDIRECT=False)
    assert (code, problems) == (0, [])


@pytest.mark.django_db
def test_sqlite_is_refused(monkeypatch):
    monkeypatch.setattr(check_production, "database_engine", lambda: "django.db.backends.sqlite3")
    code, problems, _out = run()
    assert code == 1
    assert problems == [
        "the database is not PostgreSQL (django.db.backends.sqlite3): set DATABASE_URL=postgres://…"
    ]


@pytest.mark.django_db
def test_generated_secret_key_is_refused(tmp_path):
    (tmp_path / "secret_key").write_text(GOOD["SECRET_KEY"] + "\n")
    code, problems, _out = run(DATA_DIR=tmp_path)
    assert code == 1
    assert problems == [
        "SECRET_KEY comes from the generated file in the data directory: pass it in the environment"
    ]


@pytest.mark.django_db
def test_generated_field_keys_are_refused(tmp_path):
    code, problems, _out = run(
        DATA_DIR=tmp_path, FIELD_KEYS_JSON=None, FIELD_KEYS_FILE=str(tmp_path / "keys" / "field-keys.json")
    )
    assert code == 1
    assert len(problems) == 1 and problems[0].startswith("the field keys come from the generated file")
    # a keys file the deployment mounts elsewhere (SKILLEVAL_KEYS_FILE) is fine
    code, problems, _out = run(
        DATA_DIR=tmp_path, FIELD_KEYS_JSON=None, FIELD_KEYS_FILE="/run/secrets/keys.json"
    )
    assert (code, problems) == (0, [])


@pytest.mark.django_db
def test_unreachable_services_are_named(monkeypatch):
    def refuse():
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr(check_production, "reach_database", refuse)
    monkeypatch.setattr(check_production, "reach_redis", refuse)
    code, problems, _out = run()
    assert code == 1
    assert problems == [
        "cannot reach the database: ConnectionRefusedError: Connection refused",
        "cannot reach Redis: ConnectionRefusedError: Connection refused",
    ]


def test_loopback_names():
    for host in ("127.0.0.1", "127.0.1.1", "localhost", "[::1]", "::1", ".localhost", "app.localhost"):
        assert check_production._is_loopback(host), host
    for host in ("jineng.sh-sict.com", "10.0.0.5", ".sh-sict.com", "*"):
        assert not check_production._is_loopback(host), host
