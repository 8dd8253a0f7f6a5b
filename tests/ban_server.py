"""A Base Adresse Nationale look-alike on 127.0.0.1, for tests that geocode.

The real geopy client talks HTTP to it (settings GEOCODER_SCHEME="http" and
GEOCODER_DOMAIN="127.0.0.1:<port>"): nothing is patched and nothing leaves
the machine. It answers `/search/?q=…` with BAN-format GeoJSON.

    from tests.ban_server import ban_server_fixture  # noqa: F401  (the fixture)

    def test_something(ban_server):
        ban_server.add("voie fictive des Tests", 47.236, -1.577)
        ban_server.failing = True  # answers 503: the geocoder is "unavailable"

Addresses are matched on the accent- and case-insensitive words of the
`add()` key: a query containing all of them gets that point.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from actors.text import normalize


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        server = self.server.ban
        url = urlparse(self.path)
        query = parse_qs(url.query).get("q", [""])[0]
        server.queries.append(query)
        if server.failing:
            self._send(503, {"code": 503, "message": "Service temporairement indisponible"})
            return
        if url.path.rstrip("/") not in ("/search", "/reverse"):
            self._send(404, {"code": 404, "message": "Not found"})
            return
        self._send(200, server.answer(query))

    def _send(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):  # keep the test output clean
        pass


class BanServer:
    def __init__(self):
        self.known = []  # (set of words, latitude, longitude, label)
        self.queries = []
        self.failing = False
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._http.ban = self
        self._http.daemon_threads = True  # stop() does not wait for a slow answer
        self._thread = threading.Thread(
            # Polled often: stop() waits for the next poll (half a second by default).
            target=self._http.serve_forever,
            kwargs={"poll_interval": 0.01},
            daemon=True,
        )

    @property
    def domain(self):
        host, port = self._http.server_address[:2]
        return f"{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._http.shutdown()
        self._http.server_close()

    def add(self, address, latitude, longitude, label=None):
        self.known.append((set(normalize(address).split()), latitude, longitude, label or address))

    def answer(self, query):
        words = set(normalize(query).split())
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
                "properties": {
                    "label": label,
                    "score": 0.93,
                    "type": "housenumber",
                    "city": "Nantes",
                },
            }
            for needed, latitude, longitude, label in self.known
            if needed <= words
        ]
        return {
            "type": "FeatureCollection",
            "version": "draft",
            "features": features[:1],
            "attribution": "BAN",
            "licence": "ETALAB-2.0",
            "query": query,
            "limit": 1,
        }


@pytest.fixture(name="ban_server")
def ban_server_fixture(settings):
    """A running BAN look-alike, with the geocoder pointed at it."""
    server = BanServer().start()
    settings.GEOCODER_SCHEME = "http"
    settings.GEOCODER_DOMAIN = server.domain
    settings.GEOCODER_TIMEOUT = 2
    yield server
    server.stop()
