from django.core.management import call_command
from django.core.management.base import BaseCommand

from skilleval.accounts.services import ensure_first_admin, ensure_role_groups
from skilleval.core.context import acting_as
from skilleval.workdays.services import load_package_calendar


class Command(BaseCommand):
    help = (
        "First start (and every start after it): load the 2026 notice and the official calendar, create the "
        "role groups and the first administrator. Running it again changes nothing that exists."
    )

    def handle(self, *args, **options):
        call_command("load_notice", stdout=self.stdout)
        with acting_as(channel="command"):
            years = load_package_calendar(by=None)
            ensure_role_groups()
            password = ensure_first_admin()
        if years:
            self.stdout.write(f"official calendar loaded for {years[0]}–{years[-1]}")
        if password:
            self.stdout.write(
                self.style.WARNING(
                    "\nFirst administrator created — 首个管理员已创建\n"
                    f"  username / 用户名: admin\n  one-time password / 一次性密码: {password}\n"
                    "  At first sign-in, scan the QR code shown into an authenticator app (TOTP),\n"
                    "  then change this password. 首次登录时先用身份验证器扫码绑定，再修改此密码。\n"
                )
            )
