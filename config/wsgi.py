"""WSGI entry point (gunicorn config.wsgi).

The garbage collector is tuned for a long-lived server process (`tune_garbage_collector`): on
the national data, a report's request allocates some 100,000 objects, and with Python's defaults
every 700 allocations started a collection, now and then a full one walking the 130,000 objects
Django and the apps loaded at start (30-110 ms, landing on whichever request was running).
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Allocations between two collections of the youngest generation (Python's default: 700); the
# older generations keep Python's pace (every 10 collections of the one below), so that garbage
# that outlived a collection is still freed: with (50,000, 20, 100) a worker under the benchmark
# grew from 100 to 236 MB, with these it levels off at about 125 MB (Python's defaults: 97).
GC_THRESHOLDS = (50_000, 10, 10)


def tune_garbage_collector() -> None:
    """Move what is loaded so far (modules, settings, models, templates) out of the collector's
    reach (`gc.freeze`: it lives as long as the process, and full collections no longer walk
    it), then collect less often: a request's garbage is mostly freed by reference counting,
    and its cycles (requests, querysets) die young, within a few collections."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


application = get_wsgi_application()
tune_garbage_collector()
