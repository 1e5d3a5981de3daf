"""Sign in through the real pages: password, then the TOTP code (enrolling the phone the first time)."""

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

HOST = {"HTTP_HOST": "127.0.0.1"}


def current_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in_with_password(client, username: str, password: str):
    return client.post("/account/login/", {"username": username, "password": password}, **HOST)


def give_code(client, user, *, steps_ahead: int = 0):
    client.get("/account/two-factor/", **HOST)  # shows (and for a new user creates) the device
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    return client.post(
        "/account/two-factor/", {"code": current_code(device, steps_ahead=steps_ahead)}, **HOST
    )


def sign_in(client, user, password: str):
    response = sign_in_with_password(client, user.username, password)
    assert response.status_code == 302, response.content[:500]
    response = give_code(client, user)
    assert response.status_code == 302, response.content[:500]
    return response
