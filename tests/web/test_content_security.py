"""A CSP with no inline script holds only if no template relies on one (SECURITY.md "Accounts and sessions").

Every template the project renders, the admin's included, is read for inline script, event-handler
attributes, `javascript:` links and inline styles; a new one fails here instead of breaking in the browser.
"""

import re
from pathlib import Path

from django.template import engines

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>(?!\s*</script>)", re.I | re.S)
HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)
STYLE_ATTR = re.compile(r"""\sstyle\s*=\s*["']""", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
# Django's admin keeps data for its scripts in <script type="application/json"> blocks; those are not code.
DATA_SCRIPT = re.compile(r"""<script\b[^>]*type=["']application/json["']""", re.I)


# Django's change list adds one inline rule (a column width when a list has no actions); the CSP blocks it and
# the list stays usable, so it is left to Django rather than relaxing style-src for everyone.
KNOWN_DJANGO = {"django/contrib/admin/templates/admin/change_list.html"}


def template_files() -> list[Path]:
    loader_dirs = set()
    for engine in engines.all():
        for loader in engine.engine.template_loaders:
            loader_dirs.update(Path(d) for d in loader.get_dirs())
    files = (p for d in loader_dirs if d.is_dir() for p in d.rglob("*.html"))
    return sorted(p for p in files if not any(str(p).endswith(known) for known in KNOWN_DJANGO))


def offences(text: str) -> list[str]:
    found = []
    for match in INLINE_SCRIPT.finditer(text):
        if not DATA_SCRIPT.match(match.group(0)):
            found.append(f"inline script {match.group(0)[:60]!r}")
    found += [f"event handler {m.group(0).strip()!r}" for m in HANDLER.finditer(text)]
    found += [f"javascript: URL {m.group(0)!r}" for m in JS_URL.finditer(text)]
    found += [f"style attribute {m.group(0).strip()!r}" for m in STYLE_ATTR.finditer(text)]
    found += ["inline <style> element" for _ in STYLE_ELEMENT.finditer(text)]
    return found


def test_no_template_needs_inline_script_or_style():
    files = template_files()
    assert any("skilleval" in str(f) for f in files) and any("contrib/admin" in str(f) for f in files)
    bad = {
        str(f): problems
        for f in files
        if (problems := offences(f.read_text(encoding="utf-8", errors="replace")))
    }
    assert bad == {}


def test_the_scan_catches_what_the_csp_would_block():
    assert offences("<script>alert(1)</script>")
    assert offences('<button onclick="go()">')
    assert offences('<a href="javascript:void(0)">')
    assert offences('<body style="margin:0">')
    assert offences("<style>.a { color: red }</style>")
    assert not offences('<script src="/static/web/desk.js" defer></script>')
    assert not offences('<script id="data" type="application/json">{"a": 1}</script>')


def test_the_header_built_once_is_the_one_django_csp_builds(client, notice_2026):
    from csp.utils import build_policy

    first = client.get("/catalog/", HTTP_HOST="127.0.0.1")["Content-Security-Policy"]
    second = client.get("/", HTTP_HOST="127.0.0.1")["Content-Security-Policy"]
    assert first == second == build_policy()
    assert "script-src 'self'" in first


def test_a_view_that_changes_its_policy_still_gets_its_own_header(rf):
    from django.http import HttpResponse

    from skilleval.web.middleware import ContentSecurityPolicyMiddleware

    response = HttpResponse("ok")
    response._csp_update = {"img-src": ["https://maps.example.cn"]}
    request = rf.get("/")
    middleware = ContentSecurityPolicyMiddleware(lambda r: response)
    middleware.process_request(request)
    header = middleware.process_response(request, response)["Content-Security-Policy"]
    assert "https://maps.example.cn" in header and "script-src 'self'" in header
