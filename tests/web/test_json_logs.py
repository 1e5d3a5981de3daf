"""Structured logs (issue 11 "Scale-out"): LOG_FORMAT=json writes one JSON object per line carrying the
request id the response and the error page show."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from skilleval.web.logging import JsonLogFormatter, RequestIdFilter

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_lines():
    """A handler configured as LOGGING's "json" formatter, on the logger Django reports 4xx/5xx with."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_request_log_line_is_json_with_the_request_id(client, json_lines):
    response = client.get("/no-such-page/", HTTP_HOST="127.0.0.1")
    assert response.status_code == 404
    [line] = json_lines()
    assert set(line) == {"time", "level", "logger", "request_id", "message"}
    assert line["request_id"] == response["X-Request-ID"]
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert "/no-such-page/" in line["message"]


def test_exceptions_and_chinese_stay_readable():
    formatter = JsonLogFormatter()
    try:
        raise ValueError("坏")
    except ValueError:
        record = logging.LogRecord(
            "skilleval.x", logging.ERROR, __file__, 1, "出错 %s", ("了",), sys.exc_info()
        )
    text = formatter.format(record)
    assert "出错 了" in text  # not \\uXXXX
    entry = json.loads(text)
    assert entry["message"] == "出错 了" and entry["request_id"] == "-"
    assert "ValueError: 坏" in entry["exception"]


def _run_with(log_format: str, tmp_path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SKILLEVAL_DATA_DIR": str(tmp_path),
        "LOG_FORMAT": log_format,
        "DATABASE_URL": "",
    }
    code = "import django, logging; django.setup(); logging.getLogger('skilleval.probe').warning('hello')"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_log_format_env_selects_json(tmp_path):
    result = _run_with("json", tmp_path)
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["message"] == "hello" and entry["logger"] == "skilleval.probe"


def test_unknown_log_format_stops_start_up(tmp_path):
    result = _run_with("xml", tmp_path)
    assert result.returncode != 0
    assert "LOG_FORMAT must be line or json" in result.stderr
