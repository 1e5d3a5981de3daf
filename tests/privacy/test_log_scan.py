"""The suite scans its own logs and URLs for secrets (SECURITY.md "Personal data"): the scanner catches an ID
number, a phone, a password, a session key and a one-time code, and leaves harmless lines alone; the plugin
sees what passes through Django; a run that logs an ID number fails."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.log_scan import SEEN, find_personal_data, masked, scan_line, sent_on_purpose, valid_id_number

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Log-scan-pass-2026!"


@pytest.mark.parametrize(
    "line",
    [
        "WARNING django.request Not Found: /verify/11010519491231002X/",
        "INFO skilleval.people lookup id=110105199003071239 failed",
        '{"message": "身份证号310101198505124561已存在"}',
        "sms to 13912345678: 您好",
        "sms to +8613800138000",
        "GET /account/login/?phone=15900001111&next=/me/",
    ],
)
def test_an_id_number_or_a_mobile_number_is_caught(line):
    [finding] = scan_line(line)
    assert finding.kind in ("ID number", "mobile number")
    assert finding.secret not in masked(line, [finding])


@pytest.mark.parametrize(
    "line",
    [
        "INFO skilleval.notifications sms to 139****5678 [application.confirm_data]: 您好",
        "WARNING django.request Not Found: /verify/110105********1239/",
        "INFO audit seq=12345678901234567 hash=3f1a0b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819",
        "INFO a ciphertext k1:Zm9vYmFy-11010519491231002Xabc and a timestamp 1767225600123",
        "INFO application T000000001 ticket 2611180000017 certificate S0000314000542640000012",
        "WARNING django.request Not Found: /no-such-page/",
    ],
)
def test_harmless_lines_are_not_caught(line):
    assert scan_line(line, passwords={PASSWORD}, session_keys={"a" * 32}, codes={"123456"}) == []


def test_a_check_character_decides_what_is_an_id_number():
    assert valid_id_number("11010519491231002X") and valid_id_number("11010519491231002x")
    assert not valid_id_number("110105194912310021")  # the check character is X
    assert [f.secret for f in find_personal_data("a 110105194912310021 b")] == []


def test_the_passwords_session_keys_and_codes_the_suite_used_are_caught_by_value():
    key = "0" * 16 + "abcdefghij123456"
    line = f"INFO login user=zhao password={PASSWORD} sessionid={key} otp=492039"
    found = scan_line(line, passwords={PASSWORD, "short"}, session_keys={key}, codes={"492039"})
    assert sorted(f.kind for f in found) == ["one-time code", "password", "session key"]
    shown = masked(line, found)
    assert PASSWORD not in shown and key not in shown and "492039" not in shown


@pytest.mark.django_db
def test_the_plugin_sees_log_records_urls_passwords_and_session_keys(client):
    from skilleval.accounts.models import User

    logging.getLogger("skilleval.test").warning("a harmless marker %s", "d41d8")
    assert any(where == "log" and "a harmless marker d41d8" in line for where, line in SEEN.lines)
    client.get("/no-such-page/?marker=e52f1", HTTP_HOST="127.0.0.1")
    assert ("url", "GET /no-such-page/?marker=e52f1") in SEEN.lines
    assert any("Not Found: /no-such-page/" in line for where, line in SEEN.lines if where == "log")
    with sent_on_purpose():  # a test that sends a query on purpose, to show it is ignored
        client.get("/no-such-page/?on-purpose=f63a0", HTTP_HOST="127.0.0.1")
    assert not any("f63a0" in line for _where, line in SEEN.lines)

    SEEN.passwords.discard(PASSWORD)
    user = User.objects.create_user(username="scan_zhao", password=PASSWORD)
    assert PASSWORD in SEEN.passwords
    client.force_login(user)
    assert client.session.session_key in SEEN.session_keys


def test_a_run_that_logs_an_id_number_fails_and_shows_it_masked(tmp_path):
    (tmp_path / "test_leak.py").write_text(
        "import logging\n\n"
        "def test_it_logs_an_id_number():\n"
        "    logging.getLogger('leaky').warning('looked up 11010519491231002X')\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.log_scan",
            "-p",
            "no:cacheprovider",
            "test_leak.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 passed" in run.stdout and "ID number" in run.stdout and "leaky" in run.stdout
    assert "11010519491231002X" not in run.stdout
