"""Locust users for the two peaks of issue 11 "Scale-out" (driven by bench/loadtest/run.py).

- CertificateVerifier: POST /api/v1/certificates/verify, hits and misses by number or ID number and name.
- ApplicationSubmitter: a signed-in candidate submits an application when the month opens (POST /me/apply/
  with the pledge): one submission per candidate, each request a new application.

No Django here: run.py seeds the database and writes what the users send into the JSON file named by
LOADTEST_DATA ({"verify": [[kind, body], …], "submit": {"item": id, "csrf": token, "sessions": […]}}).
Loopback only: run.py passes --host http://127.0.0.1:PORT.
"""

import itertools
import json
import os

from locust import FastHttpUser, constant, task
from locust.exception import StopUser

with open(os.environ["LOADTEST_DATA"], encoding="utf-8") as _file:
    DATA = json.load(_file)
_verify_bodies = itertools.cycle(DATA.get("verify") or [["none", "{}"]])
_sessions = iter(DATA.get("submit", {}).get("sessions", []))


class CertificateVerifier(FastHttpUser):
    wait_time = constant(0)

    @task
    def verify(self):
        _kind, body = next(_verify_bodies)
        with self.client.post(
            "/api/v1/certificates/verify",
            data=body.encode(),
            headers={"Content-Type": "application/json"},
            name="verify",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")


class ApplicationSubmitter(FastHttpUser):
    wait_time = constant(0)

    @task
    def submit(self):
        submit = DATA["submit"]
        session = next(_sessions, None)
        if session is None:
            raise StopUser()  # every seeded candidate has applied
        csrf = submit["csrf"]
        self.client.cookiejar.clear()  # each request is another candidate: only the cookies set below
        with self.client.post(
            "/me/apply/",
            data=f"item={submit['item']}&pledge=on&csrfmiddlewaretoken={csrf}",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={session}; csrftoken={csrf}",
            },
            allow_redirects=False,
            name="submit",
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302 or "/me/applications/" not in location:
                response.failure(f"status {response.status_code} {location}")
