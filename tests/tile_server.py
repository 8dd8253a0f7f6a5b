"""A map tile server on 127.0.0.1 drawing fictional tiles, for tests of the guide's map.

The real fetching code (frontdesk.tiles, urllib) talks HTTP to it through MAP_TILE_URL:
nothing is patched and nothing leaves the machine. Its tiles are made up, drawn by Pillow:
a pale ground crossed by white "streets" every STREET_SPACING world pixels, and a disc of
MARK_COLOUR centred on each `marks` point, so a test can check that the background under
a place is the one drawn for that place (the tiles line up with the map's projection).

    from tests.tile_server import tile_server_fixture  # noqa: F401  (the fixture)

    def test_something(tile_server):
        tile_server.marks.append((47.236, -1.577))
        tile_server.failing = True  # answers 503
        tile_server.delay = 5  # answers after 5 s

Run alone, it serves a development copy: `python tests/tile_server.py 8832`, then
MAP_TILE_URL=http://127.0.0.1:8832/{z}/{x}/{y}.png.
"""

import contextlib
import io
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actors.projection import world  # noqa: E402

TILE = 256
GROUND = (242, 239, 233)
STREET = (255, 255, 255)
TRAM = (140, 60, 160)
MARK_COLOUR = (220, 0, 0)
MARK_RADIUS = 10  # tile pixels
STREET_SPACING = 96  # world pixels, whatever the zoom
PATH = re.compile(r"^/(\d+)/(\d+)/(\d+)\.png$")


def draw_tile(zoom, x, y, marks=()):
    image = Image.new("RGB", (TILE, TILE), GROUND)
    pen = ImageDraw.Draw(image)
    left, top = x * TILE, y * TILE
    first = -(left % STREET_SPACING)
    for offset in range(first, TILE, STREET_SPACING):
        pen.line([(offset, 0), (offset, TILE)], fill=STREET, width=5)
    first = -(top % STREET_SPACING)
    for offset in range(first, TILE, STREET_SPACING):
        pen.line([(0, offset), (TILE, offset)], fill=STREET, width=5)
    # A "tram line" along the tile's diagonal, so tiles are not all alike.
    pen.line([(0, TILE), (TILE, 0)], fill=TRAM, width=4)
    for lat, lon in marks:
        u, v = world(lat, lon)
        px, py = u * TILE * 2**zoom - left, v * TILE * 2**zoom - top
        box = [px - MARK_RADIUS, py - MARK_RADIUS, px + MARK_RADIUS, py + MARK_RADIUS]
        pen.ellipse(box, fill=MARK_COLOUR)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        # The client may give up waiting (a test of the timeout): nothing more to say then.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer()

    def _answer(self):
        server = self.server.tiles
        server.requests.append(self.path)
        if server.delay:
            time.sleep(server.delay)
        match = PATH.match(self.path)
        if server.failing or not match:
            self.send_response(503 if server.failing else 404)
            self.end_headers()
            return
        zoom, x, y = (int(group) for group in match.groups())
        payload = draw_tile(zoom, x, y, server.marks)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):  # keep the test output clean
        pass


class TileServer:
    def __init__(self, port=0):
        self.requests = []
        self.marks = []
        self.failing = False
        self.delay = 0
        self._http = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._http.daemon_threads = True
        self._http.tiles = self
        self._thread = threading.Thread(
            # Polled often: stop() waits for the next poll (half a second by default).
            target=self._http.serve_forever,
            kwargs={"poll_interval": 0.01},
            daemon=True,
        )

    @property
    def url(self):
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}/{{z}}/{{x}}/{{y}}.png"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture(name="tile_server")
def tile_server_fixture(settings):
    """A running fictional tile server, with MAP_TILE_URL pointed at it."""
    server = TileServer().start()
    settings.MAP_TILE_URL = server.url
    settings.MAP_TILE_ATTRIBUTION = "Tuiles fictives de test"
    yield server
    server.stop()


if __name__ == "__main__":
    server = TileServer(int(sys.argv[1]) if len(sys.argv) > 1 else 8832)
    server.marks.append((47.23611, -1.57704))  # the Breil's centre
    print(f"Fictional tiles on {server.url}", flush=True)
    server._http.serve_forever()
