"""Settings for the test suite: the real settings, with jobs run inline and a fast password hasher."""

import os
import tempfile

os.environ.setdefault("TASKS_BACKEND", "immediate")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; production uses Argon2
MEDIA_ROOT = tempfile.mkdtemp(prefix="skilleval-test-media-")
STATIC_ROOT = tempfile.mkdtemp(
    prefix="skilleval-test-static-"
)  # exists, so WhiteNoise has nothing to warn of
FIELD_KEYS_JSON = None
FIELD_KEYS_FILE = os.path.join(tempfile.mkdtemp(prefix="skilleval-test-keys-"), "field-keys.json")
CERTIFICATE_SIGNING_KEY_FILE = os.path.join(os.path.dirname(FIELD_KEYS_FILE), "certificate-signing.pem")
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

# Every verification lookup reaches the table at once (the Redis path still runs in the Redis pass).
VERIFICATION_LOG_BATCH = 1
