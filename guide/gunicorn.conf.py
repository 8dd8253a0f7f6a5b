"""gunicorn settings, read from the environment: `gunicorn guide.wsgi -c guide/gunicorn.conf.py`.

Sync workers: requests are short and mostly CPU (templates, ORM); a worker per core
plus one by default (GUNICORN_WORKERS to tune; 2 measured best with wrk on the same 2 cores).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))  # 0: never recycle
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"


def post_worker_init(worker):
    """Freeze what the worker loaded at start-up out of the garbage collector's sight.

    Django and the project's modules are ~135,000 objects that live as long as the
    worker; a full collection walked them every ~17 API search requests (about 90 ms
    on these machines, measured in-process). Frozen, it took 16 to 27 ms.
    """
    import gc

    from django.urls import get_resolver

    len(get_resolver().url_patterns)  # imports every URLconf module now, not on a request
    gc.collect()
    gc.freeze()
