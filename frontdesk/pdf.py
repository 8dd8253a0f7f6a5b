"""HTML to PDF with WeasyPrint, reading our static files from disk.

WeasyPrint fetches stylesheets and images by URL; the page's /static/… URLs
are resolved to files by Django's staticfiles finders (or STATIC_ROOT), so
rendering never makes an HTTP request — not even to ourselves — and any other
URL is refused, but data: URLs, which carry their content (the guide map's background).

WeasyPrint is imported when the first PDF is asked for, not with the URLs: it takes
0.6 s to import, and most processes (commands, the worker, most web requests) print
nothing.
"""

import functools
import mimetypes
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.staticfiles import finders

BASE_URL = "http://guide.invalid/"


def _static_file(url):
    if not url.startswith(BASE_URL):
        return None
    path = urlparse(url).path
    prefix = "/" + settings.STATIC_URL.lstrip("/")
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix) :]
    found = finders.find(relative)
    if not found and settings.STATIC_ROOT and (settings.STATIC_ROOT / relative).is_file():
        found = settings.STATIC_ROOT / relative
    return found


@functools.cache
def _static_files_fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            found = _static_file(url)
            if found is None:
                raise ValueError(f"Refusing to fetch {url} while rendering a PDF")
            mime_type = mimetypes.guess_type(str(found))[0] or "application/octet-stream"
            with open(found, "rb") as handle:
                return URLFetcherResponse(url, handle.read(), {"Content-Type": mime_type})

    return StaticFilesFetcher


def html_to_pdf(html):
    from weasyprint import HTML

    fetcher = _static_files_fetcher()()
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(
        pdf_variant="pdf/ua-1"
    )
