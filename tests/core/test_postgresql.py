"""The PostgreSQL backend's health check window and the prepared statement of the verification lookup
(config.postgresql, skilleval.dbtools.fetch_one_prepared)."""

import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.transaction import TransactionManagementError

from skilleval.dbtools import fetch_one_prepared

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def health_checks(monkeypatch):
    """Health checks on, as in production, and a count of the checks that reach the server."""
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    monkeypatch.setitem(connection.settings_dict, "HEALTH_CHECK_BYPASS_SECONDS", 0.5)
    checks = []
    real = type(connections[DEFAULT_DB_ALIAS]).is_usable

    def counted(self):
        checks.append(1)
        return real(self)

    monkeypatch.setattr(type(connections[DEFAULT_DB_ALIAS]), "is_usable", counted)
    connection.ensure_connection()
    return checks


def request_ends(monkeypatch, at):
    """Django's request_finished, then request_started, at monotonic time `at`."""
    monkeypatch.setattr("config.postgresql.base.time.monotonic", lambda: at)
    connection.close_if_unusable_or_obsolete()
    connection.close_if_unusable_or_obsolete()


def query():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_the_engine_is_ours_when_the_database_is_postgresql():
    assert type(connections[DEFAULT_DB_ALIAS]).__module__ == "config.postgresql.base"


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # between requests, in autocommit as Django leaves it
def test_a_connection_that_answered_a_moment_ago_is_not_checked_again(health_checks, monkeypatch):
    request_ends(monkeypatch, at=100.0)
    request_ends(monkeypatch, at=101.0)  # a request that did not use the database proves nothing
    query()
    assert len(health_checks) == 1  # 1 s after the connection last answered: checked, as Django does
    request_ends(monkeypatch, at=101.1)
    query()
    assert len(health_checks) == 1  # 0.1 s later: inside the window, no round trip
    request_ends(monkeypatch, at=101.3)
    query()
    assert len(health_checks) == 1
    request_ends(monkeypatch, at=102.0)
    request_ends(monkeypatch, at=102.7)  # 0.7 s after the last request that used it: checked again
    query()
    assert len(health_checks) == 2


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # between requests, in autocommit as Django leaves it
def test_a_request_that_had_a_database_error_proves_nothing(health_checks, monkeypatch):
    request_ends(monkeypatch, at=100.0)
    query()
    request_ends(monkeypatch, at=100.1)
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    assert connection.errors_occurred
    checks_before = len(health_checks)
    monkeypatch.setattr("config.postgresql.base.time.monotonic", lambda: 100.2)
    connection.close_if_unusable_or_obsolete()  # the request ends: Django checks the connection …
    assert len(health_checks) == checks_before + 1
    assert connection.proven_at == 100.1  # … and the failed request did not count as proof


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # between requests, in autocommit as Django leaves it
def test_a_window_of_zero_checks_every_request(health_checks, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "HEALTH_CHECK_BYPASS_SECONDS", 0)
    for at in (100.0, 100.01, 100.02):
        request_ends(monkeypatch, at=at)
        query()
    assert len(health_checks) == 3


def test_the_lookup_is_prepared_once_per_connection_and_answers_like_a_plain_query():
    sql = "SELECT %s::int + 1, %s::text"
    assert fetch_one_prepared(sql, [1, "甲"]) == (2, "甲")
    assert fetch_one_prepared(sql, [41, "乙"]) == (42, "乙")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%$1::int + 1%%'")
        assert cursor.fetchone() == (1,)


def test_the_prepared_lookup_goes_through_django_when_queries_are_counted(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert fetch_one_prepared("SELECT %s::int * 2", [21]) == (42,)


def test_the_prepared_lookup_raises_djangos_errors_and_marks_the_connection():
    with pytest.raises(DatabaseError), transaction.atomic():
        fetch_one_prepared("SELECT * FROM no_such_table WHERE id = %s", [1])
    assert connection.errors_occurred


def test_the_prepared_lookup_refuses_to_run_in_a_broken_transaction():
    with transaction.atomic():
        with pytest.raises(DatabaseError), transaction.atomic(savepoint=False):
            fetch_one_prepared("SELECT * FROM no_such_table WHERE id = %s", [1])
        with pytest.raises(TransactionManagementError):
            fetch_one_prepared("SELECT %s::int", [1])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_prepared_lookup_survives_a_new_connection():
    assert fetch_one_prepared("SELECT %s::int", [1]) == (1,)
    first = connection.prepared_cursor
    connection.close()
    assert fetch_one_prepared("SELECT %s::int", [2]) == (2,)
    assert connection.prepared_cursor is not first
