"""Load and fault figures: gunicorn + whitenoise on PostgreSQL with 100,000 structures.

    .venv/bin/python bench/load_test.py load       # 60 s of realistic searches (wrk)
    .venv/bin/python bench/load_test.py fresh      # 60 s of never-repeated searches (the
                                                   # origin moves each time: no page cache)
    .venv/bin/python bench/load_test.py geocoder   # the same, with address searches and
                                                   # the geocoder unreachable
    .venv/bin/python bench/load_test.py restart    # PostgreSQL restarted mid-run, while a
                                                   # partner submits change proposals

Run on a quiet machine; figures go to BENCHMARKS.md by hand. DATABASE_URL
defaults to postgres://postgres@127.0.0.1:5432/guide_bench (seeded once with
seed_demo --count 100000). wrk runs on the same 2 cores as the server: the
figures include its cost.
"""

import argparse
import html.parser
import http.cookiejar
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guide_bench")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import database_version, ensure_seeded, machine, setup_django  # noqa: E402

PORT = int(os.environ.get("LOAD_PORT", "8100"))
BASE = f"http://127.0.0.1:{PORT}"
PARTNER = ("partenaire-charge", "mot-de-passe-de-charge-1")
ADDRESS_PATHS = [
    "/recherche/?adresse=12+voie+fictive+du+Breil&quartier=breil-barberie&besoin=stage-de-3e",
    "/recherche/?adresse=3+voie+fictive+des+Dervallieres&besoin=trouver-un-emploi",
]


def server_environment(static_root):
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback: no TLS redirect, no secure-only cookies.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_ROOT": str(static_root),
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "GUNICORN_WORKERS": os.environ.get("GUNICORN_WORKERS", "2"),
        # The geocoder is "unreachable": a closed loopback port.
        "GEOCODER_SCHEME": "http",
        "GEOCODER_DOMAIN": "127.0.0.1:9",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
    }


def prepare():
    setup_django()
    ensure_seeded(100_000)
    from django.contrib.auth import get_user_model

    from actors.models import Structure
    from partners.models import Membership

    user, _ = get_user_model().objects.get_or_create(username=PARTNER[0])
    user.set_password(PARTNER[1])
    user.save()
    structure = Structure.objects.published().order_by("pk").first()
    Membership.objects.get_or_create(user=user, structure=structure)
    return structure


def start_server(env):
    static_root = env["STATIC_ROOT"]
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "guide.wsgi", "-c", "guide/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(static_root).parent / "gunicorn.log", "w"),  # noqa: SIM115
    )
    for _ in range(100):
        try:
            with urllib.request.urlopen(BASE + "/healthz", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def run_wrk(duration, connections, extra_paths=(), fresh=False):
    env = {
        **os.environ,
        "WRK_EXTRA_PATHS": "|".join(extra_paths),
        "WRK_FRESH": "1" if fresh else "",
    }
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench/load/search.lua"),
            BASE,
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    figures = {}
    for line in result.stdout.splitlines():
        if line.startswith("RESULT"):
            for pair in line.split()[1:]:
                key, value = pair.split("=")
                figures[key] = float(value)
    return figures


def warm_up(paths):
    for path in paths:
        for _ in range(3):
            urllib.request.urlopen(BASE + path, timeout=10).read()


class FormParser(html.parser.HTMLParser):
    """The named fields of the first POST form with a given action, as sent by a browser."""

    def __init__(self, action):
        super().__init__()
        self.action, self.inside, self.fields = action, False, []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("action", "") in ("", self.action):
            self.inside = attrs.get("method", "").lower() == "post"
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button"):
                self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = [name, None, None]
        elif tag == "option" and self._select:
            if self._select[2] is None:
                self._select[2] = attrs.get("value", "")
            if "selected" in attrs:
                self._select[1] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            name, selected, first = self._select
            self.fields.append((name, selected if selected is not None else first or ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "form":
            self.inside = False


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class ProposalSubmitter(threading.Thread):
    """A partner submitting a change proposal every half second, recording each outcome."""

    def __init__(self, structure_slug, stop):
        super().__init__(daemon=True)
        self.slug, self.stop = structure_slug, stop
        self.outcomes = []  # (time, marker, HTTP status, accepted by the site)
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        # Submissions are judged by the POST's own answer: its redirect is not followed
        # (the page after it could fail during the restart while the proposal is stored).
        self.poster = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), NoRedirect()
        )
        self.jar = jar

    def _csrf(self):
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def _post(self, path, fields):
        """(status, Location) of a POST, redirects not followed."""
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(BASE + path, data=data, headers={"Referer": BASE + path})
        try:
            with self.poster.open(request, timeout=10) as response:
                return response.status, response.headers.get("Location")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location")
        except OSError:
            return 0, None

    def login(self):
        self.opener.open(BASE + "/partenaires/connexion/", timeout=10).read()
        status, location = self._post(
            "/partenaires/connexion/",
            {"csrfmiddlewaretoken": self._csrf(), "username": PARTNER[0], "password": PARTNER[1]},
        )
        assert status == 302 and "connexion" not in (location or ""), ("login failed", status)

    def run(self):
        path = f"/partenaires/structures/{self.slug}/modifier/"
        n = 0
        while not self.stop.is_set():
            n += 1
            marker = f"charge-{os.getpid()}-{n:05d}"  # fixed width: no marker contains another
            try:
                page = self.opener.open(BASE + path, timeout=10).read().decode()
                parser = FormParser(path)
                parser.feed(page)
                fields = [(k, v) for k, v in parser.fields if k != "description"]
                fields.append(("description", f"Description modifiée pendant le test ({marker})"))
                status, location = self._post(path, fields)
                accepted = status == 302 and (location or "").rstrip("/").endswith("/partenaires")
            except urllib.error.HTTPError as error:
                status, accepted = error.code, False
            except OSError:
                status, accepted = 0, False
            self.outcomes.append((time.monotonic(), marker, status, accepted))
            time.sleep(0.5)


class Probe(threading.Thread):
    """/healthz every 100 ms: when did the service fail, and when did it come back."""

    def __init__(self, stop):
        super().__init__(daemon=True)
        self.stop, self.samples = stop, []

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                with urllib.request.urlopen(BASE + "/healthz", timeout=2) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            self.samples.append((started, status))
            time.sleep(max(0, 0.1 - (time.monotonic() - started)))


def restart_postgresql():
    version = sorted(os.listdir("/etc/postgresql"))[0]
    started = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
    )
    return started, time.monotonic()


def check_proposals(outcomes):
    """Every accepted submission stored whole; every refused one stored nothing."""
    from django.db import connections

    from partners.models import ChangeProposal

    connections.close_all()
    stored, refused, broken = 0, 0, []
    for _, marker, status, accepted in outcomes:
        rows = list(ChangeProposal.objects.filter(changes__description__icontains=marker))
        if accepted and len(rows) == 1 and rows[0].changes.get("description"):
            stored += 1
        elif not accepted and not rows:
            refused += 1
        else:
            broken.append((marker, status, accepted, len(rows)))
    return stored, refused, broken


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["load", "fresh", "geocoder", "restart"])
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    structure = prepare()
    run_dir = Path(os.environ.get("LOAD_RUN_DIR", "/tmp/guide-load"))
    run_dir.mkdir(exist_ok=True)
    env = server_environment(run_dir / "static")
    server = start_server(env)
    print(f"# {database_version()} · {machine()}")
    wrk = f"wrk -t2 -c{args.connections} -d{args.duration}s"
    print(f"# gunicorn workers={env['GUNICORN_WORKERS']}, {wrk}")
    try:
        extra = ADDRESS_PATHS if args.scenario == "geocoder" else []
        warm_up(["/recherche/?quartier=breil-barberie&besoin=stage-de-3e", *extra])
        if args.scenario in ("load", "fresh", "geocoder"):
            figures = run_wrk(args.duration, args.connections, extra, args.scenario == "fresh")
            print(f"{args.scenario}: {figures}")
            if args.scenario == "geocoder":
                page = urllib.request.urlopen(BASE + ADDRESS_PATHS[0], timeout=10).read().decode()
                fallback = "ne répond pas" in page and "centre du quartier Breil" in page
                print(f"geocoder fallback message shown: {fallback}")
            return
        stop = threading.Event()
        probe = Probe(stop)
        submitter = ProposalSubmitter(structure.slug, stop)
        submitter.login()
        probe.start()
        submitter.start()
        restart = {}

        def later():
            time.sleep(args.duration / 3)
            restart["started"], restart["ended"] = restart_postgresql()

        trigger = threading.Thread(target=later)
        trigger.start()
        figures = run_wrk(args.duration, args.connections)
        trigger.join()
        stop.set()
        probe.join()
        submitter.join()
        failures = [t for t, status in probe.samples if status != 200]
        after = [t for t, status in probe.samples if t > restart["ended"] and status == 200]
        recovered = (after[0] - restart["ended"]) if after else None
        outside = [
            t for t in failures if not (restart["started"] - 0.5 <= t <= restart["ended"] + 5)
        ]
        stored, refused, broken = check_proposals(submitter.outcomes)
        print(f"restart: wrk {figures}")
        print(
            f"restart: PostgreSQL restart took {restart['ended'] - restart['started']:.2f} s; "
            f"healthz failures {len(failures)} of {len(probe.samples)} probes, "
            f"{len(outside)} outside the restart window (+5 s); "
            f"first healthy answer {recovered:.2f} s after the restart ended"
            if recovered is not None
            else "restart: never recovered"
        )
        print(
            f"restart: proposals submitted {len(submitter.outcomes)}: stored whole {stored}, "
            f"cleanly refused {refused}, inconsistent {len(broken)} {broken[:5]}"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
