"""What several machines share when a Région runs the guide (README, "Déployer pour une
Région"): N web processes and the task workers, one PostgreSQL, one Redis.

Each test runs a second application process (tests/deploy_child.py, a real Python process
with the same settings) against the same Redis and the same database as the test itself:
the error-report limit, the geocoder's pause and the results pages are shared through
Redis; a job queued by one process is run by a worker in another. Redis is a private
redis-server started for these tests on a free port (never the machine's shared one).
"""

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from actors import geocoding, pagecache
from tests.factories import make_structure

ROOT = Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A redis-server of these tests' own, stopped after them."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


@pytest.fixture
def shared_cache(settings, redis_url):
    """This process's cache is the shared Redis, as in production with REDIS_URL."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
        },
    }
    caches["default"].clear()
    yield redis_url
    caches["default"].clear()


@pytest.fixture
def shared_database(reference_data, tmp_path):
    """DATABASE_URL for another process to reach this test's database: PostgreSQL's test
    database itself; SQLite's in-memory one copied to a file (SQLite is one machine's)."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    path = tmp_path / "shared.sqlite3"
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}"


def another_process(action, argument, *, redis_url, database_url, manage=False):
    """Run `tests/deploy_child.py ACTION ARGUMENT` (or `manage.py …`) as another process
    of the application; its JSON answer."""
    env = {
        **os.environ,
        "DEBUG": "1",
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "GEOCODER_SCHEME": "http",
        "GEOCODER_DOMAIN": "127.0.0.1:9",  # a closed port: the geocoder does not answer
        "SEARCH_CACHE_SECONDS": str(settings.SEARCH_CACHE_SECONDS),
        "PYTHONPATH": str(ROOT),
    }
    command = (
        [sys.executable, "manage.py", action, *argument]
        if manage
        else [sys.executable, "-m", "tests.deploy_child", action, argument]
    )
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return None if manage else json.loads(done.stdout.strip().splitlines()[-1])


def test_two_processes_share_the_error_report_limit(shared_cache, shared_database):
    structure = make_structure(name="Lieu fictif signalé")
    address = "2001:db8::18"
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    from partners import ratelimit

    used = another_process(
        "rate-limit",
        ratelimit.client_key(request),
        redis_url=shared_cache,
        database_url=shared_database,
    )
    assert all(used["allowed"])
    # This process has taken no report from that address, and still refuses the next one.
    response = Client(REMOTE_ADDR=address).post(
        reverse("reports:report", args=[structure.slug]),
        {"message": "Les horaires du mardi ont changé."},
    )
    assert response.status_code == 429


def test_a_geocoder_failure_seen_by_one_process_pauses_it_for_all(shared_cache, shared_database):
    seen = another_process(
        "geocoder-fails",
        "12 voie fictive des Essais, 44000 Nantes",
        redis_url=shared_cache,
        database_url=shared_database,
    )
    assert seen["unavailable"]  # the child tried and failed
    assert geocoding._paused()
    # Here, an address search falls back at once: the geocoder is not even asked.
    with pytest.raises(geocoding.GeocoderUnavailable, match="paused"):
        geocoding.geocode("3 voie fictive des Essais, 44000 Nantes")


def test_a_results_page_computed_by_one_process_is_served_by_another(
    client, shared_cache, shared_database
):
    url = "/recherche/?besoin=stage-de-3e&quartier=breil-barberie"
    computed = another_process(
        "search-page", url, redis_url=shared_cache, database_url=shared_database
    )
    assert computed["status"] == 200
    # This process never computed it, yet the shared cache holds it…
    entry = pagecache.get(pagecache.key("search-page", RequestFactory().get(url), ""))
    assert entry is not None and entry["status"] == 200
    # … and serves it.
    assert entry["html"] in client.get(url).content.decode()


def test_a_job_queued_by_one_process_is_run_by_a_worker_in_another(shared_cache, shared_database):
    common = {"redis_url": shared_cache, "database_url": shared_database}
    queued = another_process("enqueue", "", **common)
    another_process(
        "db_worker", ["--batch", "--no-reload", "--no-startup-delay"], manage=True, **common
    )
    result = another_process("result", queued["id"], **common)
    assert result["status"] == "SUCCESSFUL"
    assert result["value"]["queued_by"] == queued["pid"]
    assert result["value"]["run_by"] not in (queued["pid"], os.getpid())
