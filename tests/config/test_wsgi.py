"""The WSGI entry point tunes the garbage collector for a long-lived worker (config/wsgi.py)."""

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
print(before, gc.get_threshold(), gc.get_freeze_count() > 10_000, callable(config.wsgi.application))
"""


def test_loading_the_application_freezes_what_it_loaded_and_raises_the_thresholds():
    """In a fresh interpreter, as gunicorn loads it: Python's defaults before, the tuned ones
    after, and the modules loaded by then (tens of thousands of objects) frozen."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(700, 10, 10) (50000, 10, 10) True True"
