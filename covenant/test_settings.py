"""Settings for the test suite: the production settings with test-only secrets and speed-ups."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from covenant.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# No collected static files in tests: the app finders serve them.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405

# Uploaded files of the tests go to a temporary folder, never into var/media.
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="covenant-test-media-"))  # noqa: F405
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

# Tests see every dashboard computed afresh; test_dashboard_cache checks the cache itself.
CACHES["dashboards"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}  # noqa: F405

# On SQLite the test database is a file, as the app's own is: an in-memory database shared
# between threads locks whole tables and never waits, so requests at once (test_at_once)
# would meet locks the app's file never has.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"covenant-test-{os.getpid()}.sqlite3")  # noqa: F405
    }
