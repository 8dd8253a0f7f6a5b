"""A background of streets and tram lines for the printed guide's map, from the map tiles
the site is configured with (MAP_TILE_URL, the tiles /carte/ shows).

The server fetches the tiles the map covers, pastes them into one picture cut to the
map's frame (Pillow), lightens it so that the numbers and the outline stay readable, and
gives it to the SVG as a data: URL: the PDF needs no request at render time, and a
printed guide has the same streets as the screen.

Bounded: at most MAX_TILES tiles, fetched by a few threads, each request given
TILE_TIMEOUT seconds and all of them FETCH_BUDGET seconds. Tiles are kept in the default
cache for TILE_CACHE_SECONDS (tile servers ask for it: the OpenStreetMap Foundation's
usage policy forbids fetching the same tile again and again). If one tile is missing,
there is no background — the outline alone, never a map with holes — and the tile
server is left alone for PAUSE_SECONDS, so that the next guides do not each wait for it.
"""

import base64
import concurrent.futures
import hashlib
import html
import io
import logging
import math
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.html import strip_tags
from PIL import Image

logger = logging.getLogger(__name__)

TILE_SIZE = 256
# Enough pixels for the map's printed width (about 19 cm) at 150 dpi, at most this many
# tiles per guide, zoom levels tile servers serve.
TARGET_PIXELS = 1100
MAX_TILES = 48
MAX_ZOOM = 18
TILE_TIMEOUT = 3
FETCH_BUDGET = 8
FETCH_THREADS = 4
TILE_CACHE_SECONDS = 7 * 24 * 3600
PAUSE_SECONDS = 60
PAUSE_KEY = "tiles:paused"
# How much white is mixed into the tiles: the streets stay legible, the numbers stand out.
LIGHTEN = 0.35
USER_AGENT = "guide-orientation/1.0 (printable neighbourhood guide)"


@dataclass(frozen=True)
class Background:
    data_url: str  # a JPEG of the map's whole frame
    attribution: str  # plain text, e.g. "© les contributeurs d'OpenStreetMap"


class TileUnavailable(Exception):
    pass


def background(projection):
    """The frame's background (Background), or None: no tiles configured, or not all of
    them could be had in time."""
    template = settings.MAP_TILE_URL
    if not template or cache.get(PAUSE_KEY):
        return None
    zoom = _zoom(projection)
    first_x, first_y, last_x, last_y = _tile_range(projection, zoom)
    tiles = {
        (x, y): tile_url(template, zoom, x, y)
        for x in range(first_x, last_x + 1)
        for y in range(first_y, last_y + 1)
    }
    try:
        images = _fetch_all(tiles)
    except TileUnavailable:
        logger.warning("Map tiles unavailable: the guide's map shows the outline alone.")
        cache.set(PAUSE_KEY, True, PAUSE_SECONDS)
        return None
    picture = _composite(images, projection, zoom, first_x, first_y)
    return Background(
        _data_url(picture), html.unescape(strip_tags(settings.MAP_TILE_ATTRIBUTION)).strip()
    )


def tile_url(template, zoom, x, y):
    """The template's {z}/{x}/{y} (and Leaflet's {s} subdomain and {r} retina suffix)."""
    return (
        template.replace("{s}", "a")
        .replace("{r}", "")
        .replace("{z}", str(zoom))
        .replace("{x}", str(x))
        .replace("{y}", str(y))
    )


def _zoom(projection):
    """The lowest zoom giving TARGET_PIXELS across the frame, lowered while it would take
    more than MAX_TILES tiles."""
    world_width = projection.width / projection.scale
    zoom = math.ceil(math.log2(TARGET_PIXELS / (world_width * TILE_SIZE)))
    zoom = max(0, min(MAX_ZOOM, zoom))
    while zoom > 0:
        first_x, first_y, last_x, last_y = _tile_range(projection, zoom)
        if (last_x - first_x + 1) * (last_y - first_y + 1) <= MAX_TILES:
            break
        zoom -= 1
    return zoom


def _tile_range(projection, zoom):
    n = 2**zoom
    u1 = projection.u0 + projection.width / projection.scale
    v1 = projection.v0 + projection.height / projection.scale

    def clamp(value):
        return max(0, min(n - 1, value))

    return (
        clamp(math.floor(projection.u0 * n)),
        clamp(math.floor(projection.v0 * n)),
        clamp(math.floor(u1 * n)),
        clamp(math.floor(v1 * n)),
    )


def _fetch_all(tiles):
    """{(x, y): Image} for {(x, y): url}; TileUnavailable if any is missing in time."""
    images, missing = {}, {}
    for key, url in tiles.items():
        data = cache.get(_cache_key(url))
        if data is None:
            missing[key] = url
        else:
            images[key] = _image(data, url)
    if not missing:
        return images
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=FETCH_THREADS)
    futures = {pool.submit(_fetch, url): (key, url) for key, url in missing.items()}
    try:
        for future in concurrent.futures.as_completed(futures, timeout=FETCH_BUDGET):
            key, url = futures[future]
            data = future.result()
            images[key] = _image(data, url)
            cache.set(_cache_key(url), data, TILE_CACHE_SECONDS)
    except (TimeoutError, OSError, ValueError) as error:
        raise TileUnavailable(str(error)) from error
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return images


def _fetch(url):
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"Not a tile URL: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TILE_TIMEOUT) as response:  # noqa: S310
            return response.read()
    except urllib.error.HTTPError as error:
        error.close()  # the refusal holds the connection until closed
        raise


def _image(data, url):
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as error:  # Pillow raises several kinds for a file it cannot read
        raise TileUnavailable(f"{url}: not an image") from error
    return image.convert("RGB")


def _cache_key(url):
    return "tile:" + hashlib.sha256(url.encode()).hexdigest()


def _composite(images, projection, zoom, first_x, first_y):
    """The tiles pasted side by side, then cut to the projection's frame."""
    columns = max(x for x, _ in images) - first_x + 1
    rows = max(y for _, y in images) - first_y + 1
    mosaic = Image.new("RGB", (columns * TILE_SIZE, rows * TILE_SIZE), "white")
    for (x, y), image in images.items():
        if image.size != (TILE_SIZE, TILE_SIZE):
            image = image.resize((TILE_SIZE, TILE_SIZE))
        mosaic.paste(image, ((x - first_x) * TILE_SIZE, (y - first_y) * TILE_SIZE))
    pixels = TILE_SIZE * 2**zoom  # per world unit
    left = (projection.u0 * 2**zoom - first_x) * TILE_SIZE
    top = (projection.v0 * 2**zoom - first_y) * TILE_SIZE
    right = left + projection.width / projection.scale * pixels
    bottom = top + projection.height / projection.scale * pixels
    frame = mosaic.crop((round(left), round(top), round(right), round(bottom)))
    return Image.blend(frame, Image.new("RGB", frame.size, "white"), LIGHTEN)


def _data_url(picture):
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=82, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
