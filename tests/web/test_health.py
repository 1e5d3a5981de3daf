"""/healthz for load balancers and container checks (issue 11 "Scale-out"): public, cheap, 503 when the
database or the cache is down."""

import pytest
from django.db import connection

from skilleval.web import views

pytestmark = pytest.mark.django_db

HOST = {"HTTP_HOST": "127.0.0.1"}


def test_healthy_process_reports_each_service(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # one SELECT 1, no session, no user
        response = client.get("/healthz", **HOST)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert response["X-Request-ID"]


def test_anonymous_and_without_cookies(client):
    response = client.get("/healthz", **HOST)
    assert "Set-Cookie" not in response.headers and not response.cookies


def test_database_down_answers_503(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz", **HOST)
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "down", "cache": "ok"}


def test_cache_down_answers_503(client, monkeypatch):
    class Unreachable:
        def get(self, *args, **kwargs):
            raise ConnectionError("Redis is gone")

    monkeypatch.setattr(views, "cache", Unreachable())
    response = client.get("/healthz", **HOST)
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "ok", "cache": "down"}


def test_only_get(client):
    assert client.post("/healthz", **HOST).status_code == 405
