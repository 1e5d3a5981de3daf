"""The suite scans what it logged (SECURITY.md "Personal data": no ID number, phone, password, OTP or
session id in a URL, a log line or an error report).

A pytest plugin, registered in tests/conftest.py. For the whole session it keeps:

- every log record any logger hands to its handlers (whatever handlers a test installs or removes, and also
  on loggers that do not propagate, such as django.server), formatted with its traceback and its extra
  text fields: what the console and the JSON formatter write, and what the log line of an error carries
  (no error report is mailed: ADMINS is empty, and the error page shows only the request id);
- the path and query of every request a handler processed (the test client included): the access log.
  A test that sends personal data in a URL on purpose, to show it is ignored, does so in `sent_on_purpose()`;
- the raw passwords, session keys and one-time codes the suite used, recorded as they pass through Django:
  a password hashed, checked (also against the dummy hash for unknown users) or validated, or posted in a
  form field named like a password; a session key made valid; a TOTP code verified, or a code posted.

At the end each kept line is scanned by `scan_line` (pure, tested in tests/privacy/test_log_scan.py); a
finding fails the run and is printed with the secret masked. Records below the configured level (INFO) are
not written and not scanned; logs of subprocesses are not seen here.
"""

import logging
import re
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

# GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check character. Standing alone: not inside a longer run
# of letters and digits (a hash, a base64 ciphertext).
_ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# A mainland mobile number, alone or after +86 / 0086.
_MOBILE = re.compile(r"(?:(?<=\+86)|(?<=0086)|(?<![0-9A-Za-z]))1[3-9][0-9]{9}(?![0-9A-Za-z])")
_SESSION_KEY = re.compile(r"(?<![0-9a-z])[0-9a-z]{32}(?![0-9a-z])")
_CODE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{6,8}(?![0-9A-Za-z])")
MIN_PASSWORD = 8  # shorter strings are no valid password and would match ordinary words


def valid_id_number(text: str) -> bool:
    """18 characters whose last is the GB 11643 check character of the first 17 digits."""
    if len(text) != 18 or not text[:17].isascii() or not text[:17].isdigit():
        return False
    return (
        _ID_CHECK[sum(int(c) * w for c, w in zip(text[:17], _ID_WEIGHTS, strict=True)) % 11]
        == text[17].upper()
    )


@dataclass(frozen=True)
class Finding:
    kind: str
    secret: str = field(repr=False)

    @property
    def masked(self) -> str:
        keep = 4 if self.kind in ("ID number", "mobile number") else 1
        return self.secret[:keep] + "*" * max(3, len(self.secret) - 2 * keep) + self.secret[-keep:]


def find_personal_data(text: str) -> list[Finding]:
    """ID numbers (by their check character) and mobile numbers standing alone in `text`."""
    found = [
        Finding("ID number", m.group()) for m in _ID_CANDIDATE.finditer(text) if valid_id_number(m.group())
    ]
    found += [Finding("mobile number", m.group()) for m in _MOBILE.finditer(text)]
    return found


def scan_line(
    line: str,
    *,
    passwords: frozenset[str] | set[str] = frozenset(),
    session_keys: frozenset[str] | set[str] = frozenset(),
    codes: frozenset[str] | set[str] = frozenset(),
) -> list[Finding]:
    """Every secret in one line: personal data by its shape, and the passwords, session keys and one-time
    codes the suite used, by value."""
    found = find_personal_data(line)
    found += [Finding("password", p) for p in passwords if len(p) >= MIN_PASSWORD and p in line]
    found += [Finding("session key", k) for k in _SESSION_KEY.findall(line) if k in session_keys]
    found += [Finding("one-time code", c) for c in _CODE.findall(line) if c in codes]
    return found


def masked(line: str, findings: list[Finding], *, limit: int = 400) -> str:
    for finding in findings:
        line = line.replace(finding.secret, finding.masked)
    return line if len(line) <= limit else line[:limit] + " …"


# -- what the session saw ------------------------------------------------------------------------------------

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


class Seen:
    def __init__(self):
        self.lines: dict[tuple[str, str], str] = {}  # (where, line) → the first test that produced it
        self.passwords: set[str] = set()
        self.session_keys: set[str] = set()
        self.codes: set[str] = set()
        self.test = "(collection)"
        self.sent_on_purpose = 0
        self.lock = threading.Lock()
        self.formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")

    def keep(self, where: str, line: str) -> None:
        with self.lock:
            self.lines.setdefault((where, line), self.test)

    def log_record(self, record: logging.LogRecord) -> None:
        try:
            text = self.formatter.format(record)
        except Exception:  # a record whose arguments do not fit its message: keep both as they are
            text = f"{record.msg!r} {record.args!r}"
        extras = [
            f"{key}={value}"
            for key, value in vars(record).items()
            if key not in _STANDARD and isinstance(value, str | int)
        ]
        self.keep("log", " ".join([text, *extras]))

    def password(self, raw) -> None:
        if isinstance(raw, str) and raw:
            self.passwords.add(raw)

    def findings(self) -> list[tuple[str, str, str, list[Finding]]]:
        passwords, keys, codes = (
            frozenset(self.passwords),
            frozenset(self.session_keys),
            frozenset(self.codes),
        )
        result = []
        for (where, line), test in self.lines.items():
            found = scan_line(line, passwords=passwords, session_keys=keys, codes=codes)
            if found:
                result.append((where, test, line, found))
        return result


SEEN = Seen()


@contextmanager
def sent_on_purpose():
    """The URLs requested inside are not kept: for a test that puts an ID number in a query string on purpose,
    to show the server ignores it. What the server logs meanwhile is still scanned."""
    SEEN.sent_on_purpose += 1
    try:
        yield
    finally:
        SEEN.sent_on_purpose -= 1


_FINDINGS = pytest.StashKey[list]()
PASSWORD_FIELDS = re.compile(r"passw(or)?d", re.IGNORECASE)
CODE_FIELDS = {"otp_token", "token", "code", "otp"}


def _install() -> None:
    """Wrap the few places secrets and lines pass through. Wrapping records and calls the original: no
    behaviour changes."""
    from django.contrib.auth import hashers, password_validation
    from django.contrib.sessions.backends.base import SessionBase
    from django.core.handlers.base import BaseHandler
    from django.test import Client

    def wrap(owner, name, before):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            before(*args, **kwargs)
            return original(*args, **kwargs)

        wrapper.__wrapped__ = original
        setattr(owner, name, wrapper)

    original_call_handlers = logging.Logger.callHandlers

    def call_handlers(self, record):
        SEEN.log_record(record)
        return original_call_handlers(self, record)

    logging.Logger.callHandlers = call_handlers

    # Every password set, checked (also against the dummy hash for unknown users) or validated passes here;
    # the functions are imported by name in several modules, so each such name is rebound.
    for owner, name in (
        (hashers, "make_password"),
        (hashers, "check_password"),
        (password_validation, "validate_password"),
    ):
        original = getattr(owner, name)
        wrap(owner, name, lambda raw, *a, **k: SEEN.password(raw))
        for module in list(sys.modules.values()):
            if vars(module).get(name) is original if hasattr(module, "__dict__") else False:
                setattr(module, name, getattr(owner, name))

    def posted(client, path, data=None, *args, **kwargs):
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(value, str) and PASSWORD_FIELDS.search(str(key)):
                    SEEN.password(value)
                elif isinstance(value, str) and str(key) in CODE_FIELDS and value.strip():
                    SEEN.codes.add(value.strip().replace(" ", ""))

    wrap(Client, "post", posted)

    original_validate = SessionBase._validate_session_key

    def validate_session_key(self, key):
        valid = original_validate(self, key)
        if valid:
            SEEN.session_keys.add(key)
        return valid

    SessionBase._validate_session_key = validate_session_key

    def request_seen(handler, request, *args, **kwargs):
        if not SEEN.sent_on_purpose:
            SEEN.keep("url", f"{request.method} {request.get_full_path()}")

    wrap(BaseHandler, "get_response", request_seen)
    wrap(BaseHandler, "get_response_async", request_seen)

    try:
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:  # no second factor installed
        return

    def token_seen(device, token, *args, **kwargs):
        if token:
            SEEN.codes.add(str(token).strip())

    wrap(TOTPDevice, "verify_token", token_seen)


# -- the hooks -----------------------------------------------------------------------------------------------


def pytest_sessionstart(session):
    _install()


def pytest_runtest_setup(item):
    SEEN.test = item.nodeid


def pytest_runtest_teardown(item):
    SEEN.test = item.nodeid


def pytest_sessionfinish(session, exitstatus):
    findings = SEEN.findings()
    session.config.stash[_FINDINGS] = findings
    if findings and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    findings = config.stash.get(_FINDINGS, [])
    if not findings:
        return
    terminalreporter.section('secrets in logs or URLs (SECURITY.md "Personal data")', red=True)
    for where, test, line, found in findings:
        kinds = ", ".join(sorted({f.kind for f in found}))
        terminalreporter.line(f"{where} · {kinds} · {test}", red=True)
        terminalreporter.line(f"    {masked(line, found)}")
    terminalreporter.line(f"{len(findings)} log lines or URLs hold a secret; the run fails.", red=True)
