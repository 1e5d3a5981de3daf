"""The application form (报名表) PDF for the candidate to sign (DOMAIN.md §4), read back as text."""

import shutil
import subprocess

import pytest

from skilleval.applications.models import Channel
from skilleval.applications.services import accept_pledge, start_application, submit_application
from tests.applications.conftest import make_candidate

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed"),
]
HOST = {"HTTP_HOST": "127.0.0.1"}


def text_of(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_the_candidate_prints_the_form_with_masked_id(client, li_ming, programmer_l4, tmp_path):
    from skilleval.accounts.models import User

    li_ming.user = User.objects.create_user(username="liming", password="Li-ming-2026!")
    li_ming.save()
    application = start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    accept_pledge(application, by=None)
    submit_application(application, by=None)
    client.force_login(li_ming.user)
    response = client.get(f"/me/applications/{application.number}/form.pdf", **HOST)
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content, tmp_path)
    for expected in (
        "职业技能等级认定报名表",
        "李明",
        "四级/中级工",
        "计算机程序设计员",
        "110105********1239",
        application.number,
        "L4-1",
        "本人签字",
    ):
        assert expected in text, expected
    assert "110105199003071239" not in text
    assert "受理人" not in text  # only counter forms carry the clerk's line


def test_the_counter_form_carries_the_clerks_line(client, li_ming, programmer_l4, admin_alice, tmp_path):
    from skilleval.accounts.models import User
    from skilleval.accounts.roles import Role
    from skilleval.accounts.services import grant_role

    clerk = User.objects.create_user(username="clerk", password="Clerk-pass-2026!")
    grant_role(clerk, Role.COUNTER_CLERK, by=admin_alice)
    application = start_application(li_ming, programmer_l4, channel=Channel.COUNTER, by=clerk)
    client.force_login(clerk)
    text = text_of(client.get(f"/counter/{application.number}/form.pdf", **HOST).content, tmp_path)
    assert "受理人" in text and "个人申报" in text


def test_another_candidate_cannot_fetch_the_form(client, li_ming, programmer_l4):
    from skilleval.accounts.models import User

    application = start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    other = make_candidate(name="王芳", id_number="310101198505124561")
    other.user = User.objects.create_user(username="wangfang", password="Wang-fang-2026!")
    other.save()
    client.force_login(other.user)
    assert client.get(f"/me/applications/{application.number}/form.pdf", **HOST).status_code == 404
