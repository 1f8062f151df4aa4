"""The WSGI entry point freezes what it loaded out of the garbage collector's walks (config/wsgi.py)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

PROBE = """
import gc
before = gc.get_threshold()
import config.wsgi
print(before == gc.get_threshold(), gc.get_freeze_count() > 10_000, callable(config.wsgi.application))
"""


def test_loading_the_application_freezes_what_it_loaded():
    """In a fresh interpreter, as gunicorn loads it: the modules loaded by then (tens of
    thousands of objects) frozen, Python's own thresholds kept."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True True"
